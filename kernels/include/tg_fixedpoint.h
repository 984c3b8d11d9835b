/* tg_fixedpoint.h: the integer arithmetic shared by tinygen's kernels.
 *
 * Part of tinygen's kernel library (https://github.com/tinygen/tinygen),
 * copied unchanged into every generated project. Each helper is the C
 * counterpart of a function of tinygen's Go package quant (named in its
 * comment), which reproduces gemmlowp's fixed-point primitives and the
 * TensorFlow Lite reference helpers bit for bit; the kernel tests compare
 * the two. Shifts of negative values use unsigned arithmetic (defined
 * behaviour, two's-complement wrap-around like the Go code); right shifts
 * of negative values are arithmetic, as on every compiler tinygen targets.
 */
#ifndef TG_FIXEDPOINT_H
#define TG_FIXEDPOINT_H

#include <stdint.h>

/* x * 2^s with int32 wrap-around for 0 <= s <= 31 (quant.shl32). */
static inline int32_t tg_shl32(int32_t x, int32_t s) {
  if (s <= 0) {
    return x;
  }
  if (s >= 32) {
    return 0;
  }
  return (int32_t)((uint32_t)x << s);
}

/* round(a*b / 2^31), ties toward +infinity; (MIN, MIN) saturates
 * (quant.SaturatingRoundingDoublingHighMul). */
static inline int32_t tg_srdhm(int32_t a, int32_t b) {
  int64_t ab;
  int64_t nudge;
  if (a == b && a == INT32_MIN) {
    return INT32_MAX;
  }
  ab = (int64_t)a * (int64_t)b;
  nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* round(x / 2^e), ties away from zero, for any e >= 0
 * (quant.RoundingDivideByPOT). */
static inline int32_t tg_rdbpot(int32_t x, int32_t e) {
  int64_t mask, rem, threshold, r;
  if (e <= 0) {
    return x;
  }
  if (e > 63) {
    e = 63;
  }
  mask = (int64_t)(((uint64_t)1 << e) - 1u);
  rem = (int64_t)x & mask;
  threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  r = (int64_t)x >> e;
  if (rem > threshold) {
    r++;
  }
  return (int32_t)r;
}

/* x * multiplier * 2^(shift - 31), TFLM's MultiplyByQuantizedMultiplier
 * (quant.MultiplyByQuantizedMultiplier). */
static inline int32_t tg_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
  int32_t left = shift > 0 ? shift : 0;
  int32_t right = shift > 0 ? 0 : -shift;
  return tg_rdbpot(tg_srdhm(tg_shl32(x, left), multiplier), right);
}

/* MultiplyByQuantizedMultiplierSmallerThanOneExp, shift <= 0
 * (quant.MultiplyByQuantizedMultiplierSmallerThanOneExp). */
static inline int32_t tg_mbqm_smaller(int32_t x, int32_t multiplier,
                                      int32_t shift) {
  return tg_rdbpot(tg_srdhm(x, multiplier), -shift);
}

/* x * 2^e, saturating, for e > 0; rounding division for e < 0
 * (quant.SaturatingRoundingMultiplyByPOT). */
static inline int32_t tg_srmpot(int32_t x, int32_t e) {
  int32_t threshold;
  if (e < 0) {
    return tg_rdbpot(x, -e);
  }
  if (e == 0) {
    return x;
  }
  if (e >= 31) {
    return x > 0 ? INT32_MAX : (x < 0 ? INT32_MIN : 0);
  }
  threshold = (int32_t)(((uint32_t)1 << (31 - e)) - 1u);
  if (x > threshold) {
    return INT32_MAX;
  }
  if (x < -threshold) {
    return INT32_MIN;
  }
  return (int32_t)((uint32_t)x << e);
}

/* (a + b) / 2 rounded half away from zero (quant.RoundingHalfSum). */
static inline int32_t tg_rounding_half_sum(int32_t a, int32_t b) {
  int64_t s = (int64_t)a + (int64_t)b;
  return (int32_t)(s >= 0 ? (s + 1) / 2 : (s - 1) / 2);
}

/* 1 / (1 + a) as a raw Q0.31 for a raw Q0.31 a in [0, 1)
 * (quant.OneOverOnePlusX, gemmlowp one_over_one_plus_x_for_x_in_0_1). */
static inline int32_t tg_one_over_one_plus_x(int32_t a) {
  const int32_t c48over17 = 1515870810;     /* 48/17 in Q2.29 */
  const int32_t cneg32over17 = -1010580540; /* -32/17 in Q2.29 */
  const int32_t one_q2 = (int32_t)1 << 29;
  int32_t half_den = tg_rounding_half_sum(a, INT32_MAX);
  int32_t x = (int32_t)((uint32_t)c48over17 +
                        (uint32_t)tg_srdhm(half_den, cneg32over17));
  int i;
  for (i = 0; i < 3; i++) {
    int32_t hx = tg_srdhm(half_den, x);
    int32_t d = (int32_t)((uint32_t)one_q2 - (uint32_t)hx);
    x = (int32_t)((uint32_t)x + (uint32_t)tg_srmpot(tg_srdhm(x, d), 2));
  }
  return tg_srmpot(x, 1);
}

/* Number of leading zero bits of x (32 for 0). */
static inline int32_t tg_clz32(uint32_t x) {
  int32_t n = 0;
  if (x == 0) {
    return 32;
  }
  while ((x & 0x80000000u) == 0) {
    x <<= 1;
    n++;
  }
  return n;
}

/* TFLM's GetReciprocal (quant.GetReciprocal): 1/X for X = x * 2^(k - 31)
 * held with k integer bits, as a Q0.31 recip and *num_bits_over_unit. */
static inline int32_t tg_reciprocal(int32_t x, int32_t k,
                                    int32_t *num_bits_over_unit) {
  int32_t h = tg_clz32((uint32_t)x);
  uint32_t shifted = h < 32 ? ((uint32_t)x << h) : 0u;
  *num_bits_over_unit = k - h;
  return tg_one_over_one_plus_x((int32_t)(shifted - 0x80000000u));
}

/* Clamp to [lo, hi] in TFLM's order: min(max(x, lo), hi). */
static inline int32_t tg_clamp(int32_t x, int32_t lo, int32_t hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

/* std::min(std::max(x, lo), hi) on floats (quant.ClampFloat): NaN passes
 * through. */
static inline float tg_clampf(float x, float lo, float hi) {
  if (x < lo) {
    x = lo;
  }
  if (hi < x) {
    return hi;
  }
  return x;
}

#endif /* TG_FIXEDPOINT_H */
