/* tg_avr.h: the avr kernel set: kernels for 8-bit AVR (ATmega) that read
 * every constant (weights, biases, per-channel multipliers and shifts)
 * through tg_port.h's TG_READ_* macros, so that the constants can live in
 * flash (PROGMEM, read with pgm_read_*), and compute in explicit int32_t
 * (int is 16 bits on AVR). Elsewhere TG_READ_* are plain loads, so the
 * set is tested bit for bit on the host like any other.
 *
 * Part of tinygen's kernel library (https://github.com/tinygen/tinygen).
 */
#ifndef TG_AVR_H
#define TG_AVR_H

#include <stdint.h>

#include "tg_kernels.h"
#include "tg_fixedpoint.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TG_AVR_OPAQUE(v): on avr-gcc, an empty asm statement that hides how the
 * 8- or 16-bit variable v was computed, so that the compiler keeps the
 * narrow multiply it feeds (an 8 x 8 -> 16-bit MULS, a 16 x 16 -> 32-bit
 * __umulhisi3) instead of widening it into a 32-bit library multiply.
 * Elsewhere nothing. It changes no value. */
#if defined(__AVR__) && defined(__GNUC__)
#define TG_AVR_OPAQUE(v) __asm__("" : "+r"(v))
#else
#define TG_AVR_OPAQUE(v) ((void)0)
#endif

/* tg_avr_srdhm: tg_srdhm (SaturatingRoundingDoublingHighMul) with the
 * 64-bit product held in two uint32_t halves from four 16 x 16 -> 32-bit
 * products, so that an 8-bit core does no 64-bit shift (avr-gcc shifts
 * int64_t one bit at a time: tg_srdhm's division by 2^31 alone is about
 * 400 cycles). Outside (INT32_MIN, INT32_MIN), tg_srdhm's two nudged
 * cases are one floor: (a*b + 2^30) >> 31 (for a*b < 0, the nudge
 * 1 - 2^30 and the truncating division give ceil((ab + 1 - 2^30) / 2^31)
 * = floor((ab + 2^30) / 2^31)); the result fits int32 because
 * |a*b| < 2^62 there. Equal to tg_srdhm for every a and b. */
static inline int32_t tg_avr_srdhm(int32_t a, int32_t b) {
  const uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
  uint16_t a0 = (uint16_t)ua, a1 = (uint16_t)(ua >> 16);
  uint16_t b0 = (uint16_t)ub, b1 = (uint16_t)(ub >> 16);
  uint32_t p00, p01, p10, p11, mid, lo, hi;
  if (a == b && a == INT32_MIN) {
    return INT32_MAX;
  }
  TG_AVR_OPAQUE(a0);
  TG_AVR_OPAQUE(a1);
  TG_AVR_OPAQUE(b0);
  TG_AVR_OPAQUE(b1);
  p00 = (uint32_t)a0 * b0;
  p01 = (uint32_t)a0 * b1;
  p10 = (uint32_t)a1 * b0;
  p11 = (uint32_t)a1 * b1;
  /* The unsigned product ua * ub = hi * 2^32 + lo. */
  mid = (p00 >> 16) + (p01 & 0xFFFFu) + (p10 & 0xFFFFu);
  lo = (p00 & 0xFFFFu) | (mid << 16);
  hi = p11 + (p01 >> 16) + (p10 >> 16) + (mid >> 16);
  /* Signed: subtract 2^32 * ub when a < 0 and 2^32 * ua when b < 0. */
  if (a < 0) {
    hi -= ub;
  }
  if (b < 0) {
    hi -= ua;
  }
  /* + 2^30, then the arithmetic shift right by 31 of hi:lo. */
  lo += 0x40000000u;
  if (lo < 0x40000000u) {
    hi++;
  }
  return (int32_t)((hi << 1) | (lo >> 31));
}

/* tg_avr_rdbpot: tg_rdbpot (RoundingDivideByPOT) in 32 bits for
 * 1 <= e <= 31 (the remainder, its mask and the threshold all fit
 * uint32_t); tg_rdbpot for any other e. Equal to tg_rdbpot for every x
 * and e. */
static inline int32_t tg_avr_rdbpot(int32_t x, int32_t e) {
  uint32_t mask, rem, threshold;
  int32_t r;
  if (e <= 0 || e > 31) {
    return tg_rdbpot(x, e);
  }
  mask = ((uint32_t)1 << e) - 1u;
  rem = (uint32_t)x & mask;
  threshold = (mask >> 1) + (x < 0 ? 1u : 0u);
  r = x >> e;
  return rem > threshold ? r + 1 : r;
}

/* tg_avr_mbqm: tg_mbqm (TFLM's MultiplyByQuantizedMultiplier) through
 * tg_avr_srdhm and tg_avr_rdbpot. Equal to tg_mbqm for every argument. */
static inline int32_t tg_avr_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
  int32_t left = shift > 0 ? shift : 0;
  int32_t right = shift > 0 ? 0 : -shift;
  return tg_avr_rdbpot(tg_avr_srdhm(tg_shl32(x, left), multiplier), right);
}

/* FULLY_CONNECTED int8: tg_fully_connected_s8 with its constants read
 * through TG_READ_*. */
void tg_fully_connected_s8_avr(const tg_fully_connected_s8_params_t *params,
                               const int8_t *input, const int8_t *filter,
                               const int32_t *bias, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TG_AVR_H */
