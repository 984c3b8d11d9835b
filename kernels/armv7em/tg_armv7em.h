/* tg_armv7em.h: the kernels of tinygen's "armv7em" kernel set (Armv7E-M and
 * Armv8-M Mainline with the DSP extension: Cortex-M4, M7, M33, M55) and
 * the helpers they share.
 *
 * Part of tinygen's kernel library (https://github.com/tinygen/tinygen),
 * copied unchanged into every generated project whose program uses the
 * set. The DSP instructions come from the compiler's own <arm_acle.h>
 * (__smlad, __sxtb16, __sxtab16, __smlabb, __smlatt) when the compiler
 * defines __ARM_FEATURE_DSP; elsewhere (a host build, the conformance
 * suite) portable C helpers compute the same values bit for bit, so the
 * set runs and is tested everywhere. No CMSIS dependency.
 *
 * Exactness (docs/kernels.md, section armv7em): every kernel computes the
 * same int32 accumulator as the reference kernel it replaces (additions
 * wrap modulo 2^32 in both; the input zero point folded into the bias at
 * compile time is exact modulo 2^32, and padded taps read the input zero
 * point), then requantises either with tg_mbqm (the reference helper) or,
 * when the code generator proved the accumulator small enough for every
 * channel (requant_fast), with a 32-bit form that gives the same result:
 * SaturatingRoundingDoublingHighMul(a, M) = (a*M + 2^30) >> 31 (floor) =
 * SMMULR(2a, M) when 2a fits in int32 and M != INT32_MIN, and
 * RoundingDivideByPOT(v, e) = (v + 2^(e-1) + (v >> 31)) >> e for e >= 1
 * when that sum cannot overflow.
 */
#ifndef TG_ARMV7EM_H
#define TG_ARMV7EM_H

#include <stdint.h>
#include <string.h>

#include "tg_kernels.h"
#include "tg_fixedpoint.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define TG_A7_DSP 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- parameter structs ------------------------------------------------ */

/* tg_a7_gemm_t: out[r][n] = requant(bias[n] + sum_k w[n][k] * in[r][k])
 * for rows r < rows, channels n < cols, depth k < depth. weights holds
 * the filter packed at compile time (tinygen's kernels/armv7em.go,
 * packGemm): channel pairs (2j, 2j+1) one after the other, each pair as
 * groups of 4 depth values, 4 bytes of channel 2j then 4 of 2j+1, the
 * last group zero-padded; an odd last channel as plain zero-padded groups.
 * bias holds the bias with the input zero point folded in
 * (bias[n] + input_offset * sum_k w[n][k], modulo 2^32). requant holds 4
 * int32 per channel: requant_fast = 1: multiplier, left shift + 1, right
 * shift (>= 1), 2^(right shift - 1); requant_fast = 0: multiplier, TFLM
 * shift, 0, 0. */
typedef struct {
  int32_t rows, cols, depth;
  int32_t output_offset;
  int32_t act_min, act_max;
  int32_t requant_fast;
  const int8_t *weights;   /* [cols * round_up(depth, 4)], packed */
  const int32_t *bias;     /* [cols], input zero point folded in */
  const int32_t *requant;  /* [cols][4] */
} tg_a7_gemm_t;

/* CONV_2D with a 1x1 filter (so no padding) and one group: a GEMM over
 * the input pixels the strides select, rows of in_c values (one GEMM over
 * all batches*in_h*in_w pixels for stride 1, else one per output row). */
typedef struct {
  tg_window_t win;
  tg_a7_gemm_t gemm; /* rows unused */
} tg_conv2d_s8_pw_armv7em_params_t;

void tg_conv2d_s8_pw_armv7em(const tg_conv2d_s8_pw_armv7em_params_t *p,
                             const int8_t *input, int8_t *output);

/* CONV_2D, any window, one group: im2col of two output pixels at a time
 * into scratch (2 * round_up(filter_h*filter_w*in_c, 4) bytes, padding
 * filled with the input zero point pad_value), then the GEMM. */
typedef struct {
  tg_window_t win;
  int32_t pad_value; /* the input zero point */
  int32_t row_len;   /* round_up(filter_h * filter_w * in_c, 4) */
  tg_a7_gemm_t gemm; /* rows unused */
} tg_conv2d_s8_im2col_armv7em_params_t;

void tg_conv2d_s8_im2col_armv7em(
    const tg_conv2d_s8_im2col_armv7em_params_t *p, const int8_t *input,
    int8_t *output, int8_t *scratch);

/* FULLY_CONNECTED with a per-channel or symmetric per-tensor filter: a
 * GEMM over batches rows of depth values. */
typedef struct {
  tg_a7_gemm_t gemm;
} tg_fully_connected_s8_armv7em_params_t;

void tg_fully_connected_s8_armv7em(
    const tg_fully_connected_s8_armv7em_params_t *p, const int8_t *input,
    int8_t *output);

/* DEPTHWISE_CONV_2D with depth multiplier 1. weights holds the filter
 * widened to int16 at compile time, per group of 4 channels and per tap
 * (fy, fx) two words: (w[c], w[c+2]) and (w[c+1], w[c+3]) as int16
 * halves (channels past in_c zero). bias is the plain bias (zeros when
 * the op has none); the input offset is added to every tap with SXTAB16,
 * so taps outside the image are skipped as in the reference. requant and
 * requant_fast as in tg_a7_gemm_t. */
typedef struct {
  tg_window_t win;
  int32_t input_offset, output_offset;
  int32_t act_min, act_max;
  int32_t requant_fast;
  const int16_t *weights; /* [ceil(in_c/4)][filter_h*filter_w][4] */
  const int32_t *bias;    /* [in_c] */
  const int32_t *requant; /* [in_c][4] */
} tg_depthwise_conv2d_s8_armv7em_params_t;

void tg_depthwise_conv2d_s8_armv7em(
    const tg_depthwise_conv2d_s8_armv7em_params_t *p, const int8_t *input,
    int8_t *output);

/* ---- DSP helpers with portable equivalents ---------------------------- */

/* Four int8 at p as one little-endian word (any alignment). */
static inline int32_t tg_a7_read32(const void *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* Sign-extends the low byte of x (portable, no implementation-defined
 * conversion). */
static inline int32_t tg_a7_sx8(uint32_t x) {
  return (int32_t)((x & 0xffu) ^ 0x80u) - 0x80;
}

/* Sign-extends the low half of x. */
static inline int32_t tg_a7_sx16(uint32_t x) {
  return (int32_t)((x & 0xffffu) ^ 0x8000u) - 0x8000;
}

/* Packs two int16 values (wrapping) into the halves of a word. */
static inline int32_t tg_a7_pack16(int32_t lo, int32_t hi) {
  return (int32_t)(((uint32_t)lo & 0xffffu) | ((uint32_t)hi << 16));
}

/* SXTB16: bytes 0 and 2 of x, sign-extended into the halves. */
static inline int32_t tg_a7_sxtb16(int32_t x) {
#ifdef TG_A7_DSP
  return (int32_t)__sxtb16((uint32_t)x);
#else
  return tg_a7_pack16(tg_a7_sx8((uint32_t)x), tg_a7_sx8((uint32_t)x >> 16));
#endif
}

/* SXTB16 with ROR #8: bytes 1 and 3 of x, sign-extended into the halves. */
static inline int32_t tg_a7_sxtb16_ror8(int32_t x) {
  uint32_t r = ((uint32_t)x >> 8) | ((uint32_t)x << 24);
  return tg_a7_sxtb16((int32_t)r);
}

/* SXTAB16: a's halves plus bytes 0 and 2 of x, sign-extended (each half
 * wraps modulo 2^16). */
static inline int32_t tg_a7_sxtab16(int32_t a, int32_t x) {
#ifdef TG_A7_DSP
  return (int32_t)__sxtab16((uint32_t)a, (uint32_t)x);
#else
  return tg_a7_pack16(tg_a7_sx16((uint32_t)a) + tg_a7_sx8((uint32_t)x),
                      tg_a7_sx16((uint32_t)a >> 16) +
                          tg_a7_sx8((uint32_t)x >> 16));
#endif
}

/* SXTAB16 with ROR #8 on x: a's halves plus bytes 1 and 3 of x. */
static inline int32_t tg_a7_sxtab16_ror8(int32_t a, int32_t x) {
  uint32_t r = ((uint32_t)x >> 8) | ((uint32_t)x << 24);
  return tg_a7_sxtab16(a, (int32_t)r);
}

/* SMLAD: acc + lo(a)*lo(b) + hi(a)*hi(b), modulo 2^32. */
static inline int32_t tg_a7_smlad(int32_t a, int32_t b, int32_t acc) {
#ifdef TG_A7_DSP
  return __smlad(a, b, acc);
#else
  int32_t lo = tg_a7_sx16((uint32_t)a) * tg_a7_sx16((uint32_t)b);
  int32_t hi = tg_a7_sx16((uint32_t)a >> 16) * tg_a7_sx16((uint32_t)b >> 16);
  return (int32_t)((uint32_t)acc + (uint32_t)lo + (uint32_t)hi);
#endif
}

/* SMLABB: acc + lo(a)*lo(b), modulo 2^32. */
static inline int32_t tg_a7_smlabb(int32_t a, int32_t b, int32_t acc) {
#ifdef TG_A7_DSP
  return __smlabb(a, b, acc);
#else
  int32_t m = tg_a7_sx16((uint32_t)a) * tg_a7_sx16((uint32_t)b);
  return (int32_t)((uint32_t)acc + (uint32_t)m);
#endif
}

/* SMLATT: acc + hi(a)*hi(b), modulo 2^32. */
static inline int32_t tg_a7_smlatt(int32_t a, int32_t b, int32_t acc) {
#ifdef TG_A7_DSP
  return __smlatt(a, b, acc);
#else
  int32_t m = tg_a7_sx16((uint32_t)a >> 16) * tg_a7_sx16((uint32_t)b >> 16);
  return (int32_t)((uint32_t)acc + (uint32_t)m);
#endif
}

/* SMMULR: (a*b + 2^31) >> 32, the rounded high word of the product. */
static inline int32_t tg_a7_smmulr(int32_t a, int32_t b) {
#ifdef TG_A7_DSP
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
#else
  return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 31)) >> 32);
#endif
}

/* ---- requantisation --------------------------------------------------- */

/* The output value of accumulator acc for a channel with requantisation
 * parameters q[4] (see tg_a7_gemm_t), output offset and clamp. */
static inline int8_t tg_a7_requant(int32_t acc, const int32_t *q, int32_t fast,
                                   int32_t out_off, int32_t lo, int32_t hi) {
  int32_t v;
  if (fast) {
    v = tg_a7_smmulr((int32_t)((uint32_t)acc << q[1]), q[0]);
    v = (v + q[3] + (v >> 31)) >> q[2];
    v += out_off;
  } else {
    v = tg_mbqm(acc, q[0], q[1]);
    v = (int32_t)((uint32_t)v + (uint32_t)out_off);
  }
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return (int8_t)v;
}

/* ---- the GEMM core ---------------------------------------------------- */

/* Accumulates two channels (packed pair w) over one row x: groups full
 * groups of 4, then tail (< 4) values. */
static inline void tg_a7_dot1x2(const int8_t *x, const int8_t *w,
                                int32_t groups, int32_t tail, int32_t *a0,
                                int32_t *a1) {
  int32_t s0 = *a0, s1 = *a1;
  int32_t g, t;
  for (g = groups; g > 0; g--) {
    int32_t xv = tg_a7_read32(x);
    int32_t wa = tg_a7_read32(w);
    int32_t wb = tg_a7_read32(w + 4);
    int32_t xe = tg_a7_sxtb16(xv), xo = tg_a7_sxtb16_ror8(xv);
    s0 = tg_a7_smlad(xe, tg_a7_sxtb16(wa), s0);
    s0 = tg_a7_smlad(xo, tg_a7_sxtb16_ror8(wa), s0);
    s1 = tg_a7_smlad(xe, tg_a7_sxtb16(wb), s1);
    s1 = tg_a7_smlad(xo, tg_a7_sxtb16_ror8(wb), s1);
    x += 4;
    w += 8;
  }
  for (t = 0; t < tail; t++) {
    s0 = (int32_t)((uint32_t)s0 + (uint32_t)((int32_t)x[t] * w[t]));
    s1 = (int32_t)((uint32_t)s1 + (uint32_t)((int32_t)x[t] * w[4 + t]));
  }
  *a0 = s0;
  *a1 = s1;
}

/* Accumulates one channel (plain padded groups w) over one row x. */
static inline int32_t tg_a7_dot1x1(const int8_t *x, const int8_t *w,
                                   int32_t groups, int32_t tail, int32_t s) {
  int32_t g, t;
  for (g = groups; g > 0; g--) {
    int32_t xv = tg_a7_read32(x);
    int32_t wv = tg_a7_read32(w);
    s = tg_a7_smlad(tg_a7_sxtb16(xv), tg_a7_sxtb16(wv), s);
    s = tg_a7_smlad(tg_a7_sxtb16_ror8(xv), tg_a7_sxtb16_ror8(wv), s);
    x += 4;
    w += 4;
  }
  for (t = 0; t < tail; t++) {
    s = (int32_t)((uint32_t)s + (uint32_t)((int32_t)x[t] * w[t]));
  }
  return s;
}

/* Runs g over rows rows of input (in_stride bytes apart) into output
 * (out_stride bytes apart): blocks of 2 rows x 2 channels with SMLAD, then
 * the odd channel and the odd row. */
static inline void tg_a7_gemm(const tg_a7_gemm_t *g, int32_t rows,
                              const int8_t *input, int32_t in_stride,
                              int8_t *output, int32_t out_stride) {
  const int32_t cols = g->cols, depth = g->depth;
  const int32_t groups = depth >> 2, tail = depth & 3;
  const int32_t pair_bytes = 2 * ((depth + 3) & ~3);
  const int32_t fast = g->requant_fast, off = g->output_offset;
  const int32_t lo = g->act_min, hi = g->act_max;
  int32_t r, n;

  for (r = 0; r + 1 < rows; r += 2) {
    const int8_t *x0 = input + r * in_stride;
    const int8_t *x1 = x0 + in_stride;
    int8_t *o0 = output + r * out_stride;
    int8_t *o1 = o0 + out_stride;
    const int8_t *w = g->weights;
    const int32_t *bias = g->bias;
    const int32_t *q = g->requant;
    for (n = 0; n + 1 < cols; n += 2) {
      int32_t a00 = bias[n], a01 = bias[n + 1];
      int32_t a10 = a00, a11 = a01;
      const int8_t *p0 = x0, *p1 = x1, *pw = w;
      int32_t k;
      for (k = groups; k > 0; k--) {
        int32_t xa = tg_a7_read32(p0);
        int32_t xb = tg_a7_read32(p1);
        int32_t wa = tg_a7_read32(pw);
        int32_t wb = tg_a7_read32(pw + 4);
        int32_t wae = tg_a7_sxtb16(wa), wao = tg_a7_sxtb16_ror8(wa);
        int32_t wbe = tg_a7_sxtb16(wb), wbo = tg_a7_sxtb16_ror8(wb);
        int32_t xae = tg_a7_sxtb16(xa), xao = tg_a7_sxtb16_ror8(xa);
        int32_t xbe = tg_a7_sxtb16(xb), xbo = tg_a7_sxtb16_ror8(xb);
        a00 = tg_a7_smlad(xae, wae, a00);
        a00 = tg_a7_smlad(xao, wao, a00);
        a01 = tg_a7_smlad(xae, wbe, a01);
        a01 = tg_a7_smlad(xao, wbo, a01);
        a10 = tg_a7_smlad(xbe, wae, a10);
        a10 = tg_a7_smlad(xbo, wao, a10);
        a11 = tg_a7_smlad(xbe, wbe, a11);
        a11 = tg_a7_smlad(xbo, wbo, a11);
        p0 += 4;
        p1 += 4;
        pw += 8;
      }
      for (k = 0; k < tail; k++) {
        int32_t wa = pw[k], wb = pw[4 + k];
        a00 = (int32_t)((uint32_t)a00 + (uint32_t)(p0[k] * wa));
        a01 = (int32_t)((uint32_t)a01 + (uint32_t)(p0[k] * wb));
        a10 = (int32_t)((uint32_t)a10 + (uint32_t)(p1[k] * wa));
        a11 = (int32_t)((uint32_t)a11 + (uint32_t)(p1[k] * wb));
      }
      o0[n] = tg_a7_requant(a00, q, fast, off, lo, hi);
      o1[n] = tg_a7_requant(a10, q, fast, off, lo, hi);
      o0[n + 1] = tg_a7_requant(a01, q + 4, fast, off, lo, hi);
      o1[n + 1] = tg_a7_requant(a11, q + 4, fast, off, lo, hi);
      w += pair_bytes;
      q += 8;
    }
    if (n < cols) {
      int32_t a0 = tg_a7_dot1x1(x0, w, groups, tail, bias[n]);
      int32_t a1 = tg_a7_dot1x1(x1, w, groups, tail, bias[n]);
      o0[n] = tg_a7_requant(a0, q, fast, off, lo, hi);
      o1[n] = tg_a7_requant(a1, q, fast, off, lo, hi);
    }
  }
  if (r < rows) {
    const int8_t *x0 = input + r * in_stride;
    int8_t *o0 = output + r * out_stride;
    const int8_t *w = g->weights;
    const int32_t *q = g->requant;
    for (n = 0; n + 1 < cols; n += 2) {
      int32_t a0 = g->bias[n], a1 = g->bias[n + 1];
      tg_a7_dot1x2(x0, w, groups, tail, &a0, &a1);
      o0[n] = tg_a7_requant(a0, q, fast, off, lo, hi);
      o0[n + 1] = tg_a7_requant(a1, q + 4, fast, off, lo, hi);
      w += pair_bytes;
      q += 8;
    }
    if (n < cols) {
      int32_t a0 = tg_a7_dot1x1(x0, w, groups, tail, g->bias[n]);
      o0[n] = tg_a7_requant(a0, q, fast, off, lo, hi);
    }
  }
}

#ifdef __cplusplus
}
#endif

#endif /* TG_ARMV7EM_H */
