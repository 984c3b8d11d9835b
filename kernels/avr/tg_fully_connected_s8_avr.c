/* tg_fully_connected_s8_avr: FULLY_CONNECTED, int8, for AVR: the reference
 * kernel (reference/tg_fully_connected_s8.c, bit-exact with TFLM's
 * reference_integer_ops::FullyConnected and FullyConnectedPerChannel)
 * with every constant read through TG_READ_* (tg_port.h): the filter, the
 * bias and the multiplier and shift arrays may be in flash (PROGMEM). The
 * parameter struct itself is ordinary const data. Arithmetic is in
 * explicit 16- and 32-bit types (int is 16 bits on AVR): the products of
 * offset int8 values are 16 x 16 -> 32-bit multiplies, which the set's
 * Specialise guarantees cannot overflow (|offset| <= 32640).
 */
#include <stddef.h>

#include "tg_port.h"
#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_avr.h"

void tg_fully_connected_s8_avr(const tg_fully_connected_s8_params_t *p,
                               const int8_t *input, const int8_t *filter,
                               const int32_t *bias, int8_t *output) {
  const int32_t units = p->units, depth = p->depth;
  const int32_t input_offset = p->input_offset;
  const int32_t filter_offset = p->filter_offset;
  const int16_t fo16 = (int16_t)filter_offset, io16 = (int16_t)input_offset;
  int32_t b, u, d;

  for (b = 0; b < p->batches; b++) {
    const int8_t *in_row = input + b * depth;
    for (u = 0; u < units; u++) {
      const int8_t *f_row = filter + u * depth;
      const int32_t q = p->per_channel ? u : 0;
      uint32_t acc = 0;
      int32_t v;
      for (d = 0; d < depth; d++) {
        /* 16 x 16 -> 32-bit product (avr-gcc: __mulhisi3, not a 32-bit
         * multiply): the sums fit int16 (Specialise checks the offsets). */
        acc += (uint32_t)((int32_t)(int16_t)((int16_t)TG_READ_S8(&f_row[d]) + fo16) *
                          (int16_t)((int16_t)in_row[d] + io16));
      }
      if (bias != NULL) {
        acc += (uint32_t)TG_READ_S32(&bias[u]);
      }
      v = tg_mbqm((int32_t)acc, TG_READ_S32(&p->multiplier[q]), (int32_t)TG_READ_S8(&p->shift[q]));
      v = (int32_t)((uint32_t)v + (uint32_t)p->output_offset);
      *output++ = (int8_t)tg_clamp(v, p->act_min, p->act_max);
    }
  }
}
