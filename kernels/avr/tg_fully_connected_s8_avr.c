/* tg_fully_connected_s8_avr: FULLY_CONNECTED, int8, for AVR: the reference
 * kernel (reference/tg_fully_connected_s8.c, bit-exact with TFLM's
 * reference_integer_ops::FullyConnected and FullyConnectedPerChannel)
 * with every constant read through TG_READ_* (tg_port.h): the filter, the
 * bias and the multiplier and shift arrays may be in flash (PROGMEM). With
 * TG_AVR_PROGMEM_PARAMS (an AVR deploy project) the parameter struct is in
 * flash too, and the kernel reads its fields once, with pgm_read_*.
 *
 * The reference sums (f + filter_offset) * (x + input_offset) over the
 * depth in int32 (wrapping). This kernel sums the same value, reordered:
 * sum(f * x) + input_offset * sum(f) + filter_offset * sum(x)
 * + depth * filter_offset * input_offset, every term in uint32_t, so the
 * result is equal modulo 2^32, that is, bit for bit. On an 8-bit core the
 * inner loop is then an 8 x 8 -> 16-bit multiply (one MULS; the product
 * of two int8 values fits int16, which is int on AVR) and two additions,
 * instead of a 16 x 16 -> 32-bit library call; the offsets are multiplied
 * once per unit. The requantisation is tg_avr_mbqm (tg_avr.h): tg_mbqm's
 * values without 64-bit shifts, which avr-gcc does one bit at a time.
 */
#include <stddef.h>

#include "tg_port.h"
#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_avr.h"

/* TG_AVR_PARAM(f), TG_AVR_PARAM_PTR(f): field f of *params, read from
 * flash when the parameter struct is there. */
#if defined(__AVR__) && defined(TG_AVR_PROGMEM) && defined(TG_AVR_PROGMEM_PARAMS)
#define TG_AVR_PARAM(f) ((int32_t)pgm_read_dword(&params->f))
#define TG_AVR_PARAM_PTR(f) ((const void *)pgm_read_word(&params->f))
#else
#define TG_AVR_PARAM(f) (params->f)
#define TG_AVR_PARAM_PTR(f) ((const void *)params->f)
#endif

void tg_fully_connected_s8_avr(const tg_fully_connected_s8_params_t *params,
                               const int8_t *input, const int8_t *filter,
                               const int32_t *bias, int8_t *output) {
  const int32_t batches = TG_AVR_PARAM(batches);
  const int32_t units = TG_AVR_PARAM(units), depth = TG_AVR_PARAM(depth);
  const uint32_t io = (uint32_t)TG_AVR_PARAM(input_offset);
  const uint32_t fo = (uint32_t)TG_AVR_PARAM(filter_offset);
  const uint32_t output_offset = (uint32_t)TG_AVR_PARAM(output_offset);
  const int32_t act_min = TG_AVR_PARAM(act_min), act_max = TG_AVR_PARAM(act_max);
  const int32_t per_channel = TG_AVR_PARAM(per_channel);
  const int32_t *const multiplier = (const int32_t *)TG_AVR_PARAM_PTR(multiplier);
  const int8_t *const shift = (const int8_t *)TG_AVR_PARAM_PTR(shift);
  int32_t b, u, d;

  for (b = 0; b < batches; b++) {
    const int8_t *in_row = input + b * depth;
    /* filter_offset * sum(x) + depth * filter_offset * input_offset: the
     * same for every unit of the row (0 when filter_offset is 0). */
    uint32_t row_term = 0;
    if (fo != 0u) {
      const int8_t *xp = in_row;
      uint32_t sum_x = 0;
      for (d = depth; d > 0; d--) {
        sum_x += (uint32_t)(int32_t)*xp++;
      }
      row_term = fo * sum_x + (depth > 0 ? (uint32_t)depth : 0u) * fo * io;
    }
    for (u = 0; u < units; u++) {
      const int8_t *fp = filter + u * depth;
      const int8_t *xp = in_row;
      const int32_t q = per_channel ? u : 0;
      uint32_t acc = 0, sum_f = 0;
      int32_t v;
      for (d = depth; d > 0; d--) {
        const int8_t f = TG_READ_S8(fp);
        const int8_t x = *xp++;
        /* int8 x int8 fits int16: no overflow where int is 16 bits. */
        int16_t fx = (int16_t)((int16_t)f * (int16_t)x);
        fp++;
        TG_AVR_OPAQUE(fx);
        acc += (uint32_t)(int32_t)fx;
        sum_f += (uint32_t)(int32_t)f;
      }
      acc += io * sum_f + row_term;
      if (bias != NULL) {
        acc += (uint32_t)TG_READ_S32(&bias[u]);
      }
      v = tg_avr_mbqm((int32_t)acc, TG_READ_S32(&multiplier[q]), (int32_t)TG_READ_S8(&shift[q]));
      v = (int32_t)((uint32_t)v + output_offset);
      *output++ = (int8_t)tg_clamp(v, act_min, act_max);
    }
  }
}
