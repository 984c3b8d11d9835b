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
 * RoundingDivideByPOT(v, e) + z = (v + 2^(e-1) + z * 2^e + (v >> 31)) >> e
 * for e >= 1 when that sum cannot overflow (z the output offset).
 * Accumulators too large to double (requant_fast 3 and 4) use
 * SaturatingRoundingDoublingHighMul(x, M) = SMMULR(x, 2M - 2^32) + x,
 * exact for every int32 x when 2^30 <= M < 2^31 (docs/kernels.md).
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
 * shift (>= 1), 2^(right shift - 1) + output_offset * 2^(right shift)
 * (the output offset added before the exact shift); requant_fast = 2 (a
 * right shift too large to fold the offset): multiplier, left shift + 1,
 * right shift, 2^(right shift - 1), the output offset added after the
 * shift; requant_fast = 3 and 4: as 1 and 2 with the "plus" form
 * (tg_a7_rq_plus): 2 * multiplier - 2^32, left shift (not + 1);
 * requant_fast = 0: multiplier, TFLM shift, 0, 0. */
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

/* DEPTHWISE_CONV_2D with one input channel: a CONV_2D with depth
 * multiplier output channels (the filter transposed at compile time), run
 * as tg_conv2d_s8_im2col_armv7em. */
void tg_depthwise_conv2d_s8_c1_armv7em(
    const tg_conv2d_s8_im2col_armv7em_params_t *p, const int8_t *input,
    int8_t *output, int8_t *scratch);

/* ADD int8 without broadcasting (TFLM's reference arithmetic) with the
 * 32-bit rescaling: every shift and bound checked at compile time (see
 * kernels/armv7em.go, specialiseAdd). x = (a + input1_offset) << shift
 * (left_shift + 1), sx = RoundingDivideByPOT(SMMULR(x, m1), e1) (e1 >= 0,
 * rc1 = 2^(e1-1) or 0 for e1 = 0), the same for b, then the output: SMMULR(2 (sx + sy),
 * mo) rounded by eo, plus output_offset, clamped. sx and sy depend on
 * one int8 each, so the code generator tabulates them (table1, table2)
 * and the kernel only looks them up. The output may be the buffer of an
 * input. */
typedef struct {
  int32_t size;
  int32_t input1_offset, input2_offset, shift;
  int32_t m1, e1, rc1;
  int32_t m2, e2, rc2;
  int32_t mo, eo, rco;
  int32_t output_offset, act_min, act_max;
  const int32_t *table1; /* [256]: sx for a, at index (uint8_t)a */
  const int32_t *table2; /* [256]: sy for b, at index (uint8_t)b */
} tg_add_s8_armv7em_params_t;

void tg_add_s8_armv7em(const tg_add_s8_armv7em_params_t *p, const int8_t *a,
                       const int8_t *b, int8_t *output);

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
 * halves, low half first (channels past in_c zero). bias is the plain bias (zeros when
 * the op has none); the input offset is added to every tap with SXTAB16,
 * so a tap outside the image, read from scratch (in_c bytes, rounded up
 * to 4, filled with the input zero point), adds 0 as the reference's
 * skipped tap does. requant and requant_fast as in tg_a7_gemm_t. */
typedef struct {
  tg_window_t win;
  int32_t input_offset, output_offset;
  int32_t act_min, act_max;
  int32_t requant_fast;
  const int32_t *weights; /* [ceil(in_c/4)][filter_h*filter_w][2] */
  const int32_t *bias;    /* [in_c] */
  const int32_t *requant; /* [in_c][4] */
} tg_depthwise_conv2d_s8_armv7em_params_t;

void tg_depthwise_conv2d_s8_armv7em(
    const tg_depthwise_conv2d_s8_armv7em_params_t *p, const int8_t *input,
    int8_t *output, int8_t *scratch);

/* AVERAGE_POOL_2D and MAX_POOL_2D int8 (TFLite geometry: dilation 1,
 * padding taps neither read nor counted), with the reference kernels'
 * parameters (tg_pool_s8_params_t, win.in_c == win.out_c). Four channels
 * per 32-bit load: the average sums them in the 16-bit halves of two
 * words (SXTAB16) while the clipped window holds at most
 * TG_A7_POOL_SIMD_TAPS taps and divides with a reciprocal
 * (tg_a7_pool_div); the maximum runs on the four bytes at once
 * (SSUB8 + SEL), starting from act_min and ending with a byte-wise
 * minimum with act_max. Bit-exact with tg_average_pool2d_s8 and
 * tg_max_pool2d_s8 (docs/kernels.md, armv7em pooling). */
void tg_average_pool2d_s8_armv7em(const tg_pool_s8_params_t *p,
                                  const int8_t *input, int8_t *output);
void tg_max_pool2d_s8_armv7em(const tg_pool_s8_params_t *p,
                              const int8_t *input, int8_t *output);

/* Largest filter_h * filter_w of tg_depthwise_conv2d_s8_armv7em (the
 * code generator gives larger windows to the reference kernel). */
#define TG_A7_DW_MAX_TAPS 64

/* TG_A7_INLINE: a helper that must be inlined into the hot loop. */
#if defined(__GNUC__) || defined(__clang__)
#define TG_A7_INLINE static inline __attribute__((always_inline))
#else
#define TG_A7_INLINE static inline
#endif

/* TG_A7_COLD: a rarely used helper kept out of line (code size). */
#if defined(__GNUC__) || defined(__clang__)
#define TG_A7_COLD static __attribute__((noinline, cold, unused))
#else
#define TG_A7_COLD static inline
#endif

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

/* SXTB16 with ROR #8: bytes 1 and 3 of x, sign-extended into the halves
 * (one instruction: GCC does not fold the rotation into SXTB16 itself). */
static inline int32_t tg_a7_sxtb16_ror8(int32_t x) {
#ifdef TG_A7_DSP
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
#else
  uint32_t r = ((uint32_t)x >> 8) | ((uint32_t)x << 24);
  return tg_a7_sxtb16((int32_t)r);
#endif
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
#ifdef TG_A7_DSP
  int32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
#else
  uint32_t r = ((uint32_t)x >> 8) | ((uint32_t)x << 24);
  return tg_a7_sxtab16(a, (int32_t)r);
#endif
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

/* SSAT #8: x clamped to [-128, 127]. */
static inline int32_t tg_a7_ssat8(int32_t x) {
#ifdef TG_A7_DSP
  return __ssat(x, 8);
#else
  return x < -128 ? -128 : (x > 127 ? 127 : x);
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

/* Clamp to [lo, hi] (lo <= hi). */
static inline int32_t tg_a7_clamp(int32_t v, int32_t lo, int32_t hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

/* Records from an untrusted source. In an interpreter project (its
 * tg_kernels.h defines TG_UNTRUSTED_PARAMS) the requantisation records come
 * from a blob that the runtime checks for memory safety only: their
 * values are not range-checked (codegen/blob), so the sums wrap and the
 * rounding shift is defined for any shift, giving wrong values for a
 * hostile record but no undefined arithmetic. For the records the code
 * generator writes, both forms give the same values. Generated AOT code
 * (its parameters compiled in) keeps the plain signed forms, which GCC
 * schedules slightly better. */
#ifdef TG_UNTRUSTED_PARAMS
#define TG_A7_SUM3(a, b, c) \
  ((int32_t)((uint32_t)(a) + (uint32_t)(b) + (uint32_t)(c)))
#else
#define TG_A7_SUM3(a, b, c) ((a) + (b) + (c))
#endif

/* tg_a7_shift_add: (s >> rs) + post. Untrusted (above): ASR by a register
 * is defined for every rs on Arm (its low byte; 32 or more gives the
 * sign), the portable form masks rs, and the offset wraps; all equal the
 * plain form for rs in [0, 31] without overflow. */
TG_A7_INLINE int32_t tg_a7_shift_add(int32_t s, int32_t rs, int32_t post) {
#ifdef TG_UNTRUSTED_PARAMS
  int32_t r;
#ifdef TG_A7_DSP
  __asm__("asr %0, %1, %2" : "=r"(r) : "r"(s), "r"(rs));
#else
  r = s >> (rs & 31);
#endif
  return (int32_t)((uint32_t)r + (uint32_t)post);
#else
  return (s >> rs) + post;
#endif
}

/* ---- pooling helpers --------------------------------------------------- */

/* Largest clipped window the average pool sums in 16-bit halves: 256
 * int8 values sum to [-32768, 32512], inside int16. Larger windows take
 * the 32-bit path. */
#define TG_A7_POOL_SIMD_TAPS 256

/* Byte-wise signed maximum of a and b (SSUB8 sets GE[i] where
 * a[i] >= b[i], SEL takes a[i] there and b[i] elsewhere). */
static inline int32_t tg_a7_max8x4(int32_t a, int32_t b) {
#ifdef TG_A7_DSP
  int32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2"
          : "=&r"(r)
          : "r"(a), "r"(b)
          : "cc");
  return r;
#else
  uint32_t r = 0;
  int32_t i;
  for (i = 0; i < 32; i += 8) {
    const int32_t x = tg_a7_sx8((uint32_t)a >> i), y = tg_a7_sx8((uint32_t)b >> i);
    r |= ((uint32_t)(x > y ? x : y) & 0xffu) << i;
  }
  return (int32_t)r;
#endif
}

/* Byte-wise signed minimum of a and b (SSUB8, then SEL takes b[i] where
 * a[i] >= b[i]). */
static inline int32_t tg_a7_min8x4(int32_t a, int32_t b) {
#ifdef TG_A7_DSP
  int32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1"
          : "=&r"(r)
          : "r"(a), "r"(b)
          : "cc");
  return r;
#else
  uint32_t r = 0;
  int32_t i;
  for (i = 0; i < 32; i += 8) {
    const int32_t x = tg_a7_sx8((uint32_t)a >> i), y = tg_a7_sx8((uint32_t)b >> i);
    r |= ((uint32_t)(x < y ? x : y) & 0xffu) << i;
  }
  return (int32_t)r;
#endif
}

/* The average of a window sum acc over n taps as TFLM rounds it:
 * sign(acc) * floor((|acc| + n/2) / n), clamped to [lo, hi]. recip is
 * tg_a7_pool_recip(n); acc holds the int32 sum as two's complement bits. For n in [2, TG_A7_POOL_SIMD_TAPS] and |acc| <=
 * 128 n the quotient is the high word of (|acc| + n/2) * recip, exactly
 * (docs/kernels.md); for other n (any n >= 1) the kernels pass recip 0
 * and the quotient comes from a division. All arithmetic is unsigned, so
 * that any sum (a hostile blob's window) is defined; the quotient is
 * limited to 255 before the sign, which changes no result of an int8
 * window (|average| <= 128). */
TG_A7_INLINE int8_t tg_a7_pool_div(uint32_t acc, uint32_t n, uint32_t recip,
                                   int32_t lo, int32_t hi) {
  const uint32_t neg = (acc & 0x80000000u) != 0 ? 0xffffffffu : 0u;
  const uint32_t mag = (acc ^ neg) - neg; /* |acc|, also for -2^31 */
  const uint32_t x = mag + (n >> 1);
  uint32_t q;
  int32_t r;
  if (recip != 0) {
    q = (uint32_t)(((uint64_t)x * recip) >> 32);
  } else {
    q = n != 0 ? x / n : 0;
  }
  q = q > 255u ? 255u : q;
  r = neg ? -(int32_t)q : (int32_t)q;
  return (int8_t)tg_a7_clamp(r, lo, hi);
}

/* The reciprocal of tg_a7_pool_div: ceil(2^32 / n) for n in [2, 256],
 * else 0 (divide). */
static inline uint32_t tg_a7_pool_recip(uint32_t n) {
  return n >= 2 && n <= TG_A7_POOL_SIMD_TAPS ? 0xffffffffu / n + 1u : 0u;
}

/* The in-image part of the window of output (oy, ox) of image b: first
 * (index of its top-left tap, channel 0), rows and cols (0 and 0 for an
 * empty window, whose first is then not used). As in the reference
 * kernels. */
TG_A7_INLINE void tg_a7_pool_clip(const tg_window_t *w, int32_t b, int32_t oy,
                                  int32_t ox, int32_t *first, int32_t *rows,
                                  int32_t *cols) {
  const int32_t y0 = oy * w->stride_h - w->pad_h;
  const int32_t fy_start = y0 < 0 ? -y0 : 0;
  const int32_t fy_end = w->filter_h < w->in_h - y0 ? w->filter_h : w->in_h - y0;
  const int32_t x0 = ox * w->stride_w - w->pad_w;
  const int32_t fx_start = x0 < 0 ? -x0 : 0;
  const int32_t fx_end = w->filter_w < w->in_w - x0 ? w->filter_w : w->in_w - x0;
  *rows = fy_end - fy_start;
  *cols = fx_end - fx_start;
  if (*rows <= 0 || *cols <= 0) {
    *rows = 0;
    *cols = 0;
    *first = 0;
    return;
  }
  *first = ((b * w->in_h + y0 + fy_start) * w->in_w + x0 + fx_start) * w->in_c;
}

/* The 32-bit requantisation (requant_fast) with the output offset: m
 * multiplier, ls left shift + 1, rs right shift >= 1, rc = 2^(rs - 1) +
 * output_offset * 2^rs; see the top of this file. */
TG_A7_INLINE int32_t tg_a7_rq_fast(int32_t acc, int32_t m, int32_t ls,
                                    int32_t rs, int32_t rc, int32_t post) {
  /* ls is always 1: a fast mode needs a right shift, so TFLM's left
   * shift is 0 (kernels/armv7em.go, requantParams); the constant saves a
   * load per output. */
  int32_t v = tg_a7_smmulr((int32_t)((uint32_t)acc << 1), m);
  (void)ls;
  return tg_a7_shift_add(TG_A7_SUM3(v, rc, v >> 31), rs, post);
}

/* The "plus" form of the 32-bit requantisation (requant_fast 3 and 4)
 * for accumulators too large to double: m = 2M - 2^32 (M the multiplier,
 * 2^30 <= M < 2^31), ls the left shift, then SMMULR(x, m) + x is
 * SaturatingRoundingDoublingHighMul(x, M) for every int32 x; the rounding
 * shift as in tg_a7_rq_fast. */
TG_A7_INLINE int32_t tg_a7_rq_plus(int32_t acc, int32_t m, int32_t ls,
                                    int32_t rs, int32_t rc, int32_t post) {
  /* ls is always 0 (see tg_a7_rq_fast): x is acc. */
  const int32_t x = acc;
  const int32_t v = (int32_t)((uint32_t)tg_a7_smmulr(x, m) + (uint32_t)x);
  /* The sum always wraps (the same ADDs; the plus form's v can be near
   * 2^31): for the records the code generator writes it never does, and
   * a hostile blob's records then give wrong values but no undefined
   * arithmetic (with tg_a7_shift_add's untrusted form, above). */
  const int32_t s = (int32_t)((uint32_t)v + (uint32_t)rc + (uint32_t)(v >> 31));
  (void)ls;
  return tg_a7_shift_add(s, rs, post);
}

/* The offset added after the 32-bit requantisation: 0 when requant_fast
 * is 1 or 3 (the output offset is folded into rc), the output offset when
 * it is 2 or 4 (a right shift too large to fold it). */
TG_A7_INLINE int32_t tg_a7_post(int32_t fast, int32_t off) {
  return (fast == 2 || fast == 4) ? off : 0;
}

/* tg_a7_rq_fast or, for requant_fast 3 and 4, tg_a7_rq_plus. */
TG_A7_INLINE int32_t tg_a7_rq_any(int32_t acc, const int32_t *q,
                                   int32_t fast, int32_t post) {
  return fast >= 3 ? tg_a7_rq_plus(acc, q[0], q[1], q[2], q[3], post)
                   : tg_a7_rq_fast(acc, q[0], q[1], q[2], q[3], post);
}

/* tg_mbqm(acc, m, shift) + off (wrapping): the general requantisation,
 * out of line. */
TG_A7_COLD int32_t tg_a7_rq_slow(int32_t acc, int32_t m, int32_t shift,
                                 int32_t off) {
  return (int32_t)((uint32_t)tg_mbqm(acc, m, shift) + (uint32_t)off);
}

/* The output value of accumulator acc for a channel with requantisation
 * parameters q[4] (see tg_a7_gemm_t), output offset and clamp. */
static inline int8_t tg_a7_requant(int32_t acc, const int32_t *q, int32_t fast,
                                   int32_t out_off, int32_t lo, int32_t hi) {
  int32_t v;
  if (fast) {
    const int32_t post = tg_a7_post(fast, out_off);
    v = tg_a7_rq_any(acc, q, fast, post);
  } else {
    v = tg_a7_rq_slow(acc, q[0], q[1], out_off);
  }
  return (int8_t)tg_a7_clamp(v, lo, hi);
}

/* Requantises the 2x2 block (a00, a01; a10, a11) of channels q, q + 4
 * into o0[0], o0[1], o1[0], o1[1], loading each channel's parameters
 * once (int8 stores may alias them). */
TG_A7_INLINE void tg_a7_requant22(int32_t a00, int32_t a01, int32_t a10,
                                   int32_t a11, const int32_t *q,
                                   int32_t fast, int32_t off, int32_t lo,
                                   int32_t hi, int8_t *o0, int8_t *o1) {
  int32_t v00, v01, v10, v11;
  if (fast >= 3) {
    const int32_t post = tg_a7_post(fast, off);
    v00 = tg_a7_rq_plus(a00, q[0], q[1], q[2], q[3], post);
    v10 = tg_a7_rq_plus(a10, q[0], q[1], q[2], q[3], post);
    v01 = tg_a7_rq_plus(a01, q[4], q[5], q[6], q[7], post);
    v11 = tg_a7_rq_plus(a11, q[4], q[5], q[6], q[7], post);
  } else if (fast) {
    const int32_t post = tg_a7_post(fast, off);
    const int32_t m0 = q[0], l0 = q[1], r0 = q[2], c0 = q[3];
    const int32_t m1 = q[4], l1 = q[5], r1 = q[6], c1 = q[7];
    v00 = tg_a7_rq_fast(a00, m0, l0, r0, c0, post);
    v10 = tg_a7_rq_fast(a10, m0, l0, r0, c0, post);
    v01 = tg_a7_rq_fast(a01, m1, l1, r1, c1, post);
    v11 = tg_a7_rq_fast(a11, m1, l1, r1, c1, post);
  } else {
    v00 = tg_a7_rq_slow(a00, q[0], q[1], off);
    v10 = tg_a7_rq_slow(a10, q[0], q[1], off);
    v01 = tg_a7_rq_slow(a01, q[4], q[5], off);
    v11 = tg_a7_rq_slow(a11, q[4], q[5], off);
  }
  if (lo == -128 && hi == 127) {
    /* The usual case (the activation is folded into the output range):
     * one SSAT per value. */
    o0[0] = (int8_t)tg_a7_ssat8(v00);
    o0[1] = (int8_t)tg_a7_ssat8(v01);
    o1[0] = (int8_t)tg_a7_ssat8(v10);
    o1[1] = (int8_t)tg_a7_ssat8(v11);
  } else {
    o0[0] = (int8_t)tg_a7_clamp(v00, lo, hi);
    o0[1] = (int8_t)tg_a7_clamp(v01, lo, hi);
    o1[0] = (int8_t)tg_a7_clamp(v10, lo, hi);
    o1[1] = (int8_t)tg_a7_clamp(v11, lo, hi);
  }
}

/* Requantises the accumulators of 4 consecutive channels with
 * parameters q[16] into o[0..3]. */
TG_A7_INLINE void tg_a7_requant4(int32_t a0, int32_t a1, int32_t a2,
                                  int32_t a3, const int32_t *q, int32_t fast,
                                  int32_t off, int32_t lo, int32_t hi,
                                  int8_t *o) {
  int32_t v0, v1, v2, v3;
  if (fast >= 3) {
    const int32_t post = tg_a7_post(fast, off);
    v0 = tg_a7_rq_plus(a0, q[0], q[1], q[2], q[3], post);
    v1 = tg_a7_rq_plus(a1, q[4], q[5], q[6], q[7], post);
    v2 = tg_a7_rq_plus(a2, q[8], q[9], q[10], q[11], post);
    v3 = tg_a7_rq_plus(a3, q[12], q[13], q[14], q[15], post);
  } else if (fast) {
    const int32_t post = tg_a7_post(fast, off);
    v0 = tg_a7_rq_fast(a0, q[0], q[1], q[2], q[3], post);
    v1 = tg_a7_rq_fast(a1, q[4], q[5], q[6], q[7], post);
    v2 = tg_a7_rq_fast(a2, q[8], q[9], q[10], q[11], post);
    v3 = tg_a7_rq_fast(a3, q[12], q[13], q[14], q[15], post);
  } else {
    v0 = tg_a7_rq_slow(a0, q[0], q[1], off);
    v1 = tg_a7_rq_slow(a1, q[4], q[5], off);
    v2 = tg_a7_rq_slow(a2, q[8], q[9], off);
    v3 = tg_a7_rq_slow(a3, q[12], q[13], off);
  }
  if (lo == -128 && hi == 127) {
    o[0] = (int8_t)tg_a7_ssat8(v0);
    o[1] = (int8_t)tg_a7_ssat8(v1);
    o[2] = (int8_t)tg_a7_ssat8(v2);
    o[3] = (int8_t)tg_a7_ssat8(v3);
  } else {
    o[0] = (int8_t)tg_a7_clamp(v0, lo, hi);
    o[1] = (int8_t)tg_a7_clamp(v1, lo, hi);
    o[2] = (int8_t)tg_a7_clamp(v2, lo, hi);
    o[3] = (int8_t)tg_a7_clamp(v3, lo, hi);
  }
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

/* The 2x2 block's hot loop in assembly (GCC spills accumulators in the C
 * version): kk runs from -4 * groups up to 0 as the offset from the ends
 * e0, e1 of the two rows' full groups; pw walks the packed channel pair.
 * 22 instructions per 16 MACs. */
#if defined(TG_A7_DSP) && defined(__OPTIMIZE__) && !defined(TG_A7_NO_ASM)
#define TG_A7_MAC22_ASM(E0_, E1_, PW_, K_, A00_, A01_, A10_, A11_, XE_, XO_,  \
                        W0E_, W0O_, W1E_, W1O_)                                           \
  __asm__ volatile("1:\n\t"                                                 \
                   "ldr %[w0o], [%[pw]], #4\n\t"                            \
                   "ldr %[w1o], [%[pw]], #4\n\t"                            \
                   "ldr %[xo], [%[p0], %[k]]\n\t"                           \
                   "sxtb16 %[w0e], %[w0o]\n\t"                              \
                   "sxtb16 %[w1e], %[w1o]\n\t"                              \
                   "sxtb16 %[w0o], %[w0o], ror #8\n\t"                      \
                   "sxtb16 %[w1o], %[w1o], ror #8\n\t"                      \
                   "sxtb16 %[xe], %[xo]\n\t"                                \
                   "sxtb16 %[xo], %[xo], ror #8\n\t"                        \
                   "smlad %[a00], %[xe], %[w0e], %[a00]\n\t"                \
                   "smlad %[a01], %[xe], %[w1e], %[a01]\n\t"                \
                   "ldr %[xe], [%[p1], %[k]]\n\t"                           \
                   "smlad %[a00], %[xo], %[w0o], %[a00]\n\t"                \
                   "smlad %[a01], %[xo], %[w1o], %[a01]\n\t"                \
                   "sxtb16 %[xo], %[xe], ror #8\n\t"                        \
                   "sxtb16 %[xe], %[xe]\n\t"                                \
                   "smlad %[a10], %[xe], %[w0e], %[a10]\n\t"                \
                   "smlad %[a11], %[xe], %[w1e], %[a11]\n\t"                \
                   "smlad %[a10], %[xo], %[w0o], %[a10]\n\t"                \
                   "smlad %[a11], %[xo], %[w1o], %[a11]\n\t"                \
                   "adds %[k], %[k], #4\n\t"                                \
                   "bne 1b\n\t"                                             \
                   : [a00] "+r"(A00_), [a01] "+r"(A01_), [a10] "+r"(A10_),     \
                     [a11] "+r"(A11_), [pw] "+r"(PW_), [k] "+r"(K_),          \
                     [xe] "=&r"(XE_), [xo] "=&r"(XO_), [w0e] "=&r"(W0E_),      \
                     [w0o] "=&r"(W0O_), [w1e] "=&r"(W1E_), [w1o] "=&r"(W1O_)   \
                   : [p0] "r"(E0_), [p1] "r"(E1_)                             \
                   : "cc", "memory")
/* TG_A7_MAC22_ASM with one LDRD for the two weight words (21
 * instructions per 16 MACs): only for a word-aligned packed filter, as
 * LDRD faults on an unaligned address (tg_a7_gemm checks). */
#define TG_A7_MAC22_ASM_D(E0_, E1_, PW_, K_, A00_, A01_, A10_, A11_, XE_, XO_,  \
                        W0E_, W0O_, W1E_, W1O_)                                           \
  __asm__ volatile("1:\n\t"                                                 \
                   "ldrd %[w0o], %[w1o], [%[pw]], #8\n\t"                            \
                   "ldr %[xo], [%[p0], %[k]]\n\t"                           \
                   "sxtb16 %[w0e], %[w0o]\n\t"                              \
                   "sxtb16 %[w1e], %[w1o]\n\t"                              \
                   "sxtb16 %[w0o], %[w0o], ror #8\n\t"                      \
                   "sxtb16 %[w1o], %[w1o], ror #8\n\t"                      \
                   "sxtb16 %[xe], %[xo]\n\t"                                \
                   "sxtb16 %[xo], %[xo], ror #8\n\t"                        \
                   "smlad %[a00], %[xe], %[w0e], %[a00]\n\t"                \
                   "smlad %[a01], %[xe], %[w1e], %[a01]\n\t"                \
                   "ldr %[xe], [%[p1], %[k]]\n\t"                           \
                   "smlad %[a00], %[xo], %[w0o], %[a00]\n\t"                \
                   "smlad %[a01], %[xo], %[w1o], %[a01]\n\t"                \
                   "sxtb16 %[xo], %[xe], ror #8\n\t"                        \
                   "sxtb16 %[xe], %[xe]\n\t"                                \
                   "smlad %[a10], %[xe], %[w0e], %[a10]\n\t"                \
                   "smlad %[a11], %[xe], %[w1e], %[a11]\n\t"                \
                   "smlad %[a10], %[xo], %[w0o], %[a10]\n\t"                \
                   "smlad %[a11], %[xo], %[w1o], %[a11]\n\t"                \
                   "adds %[k], %[k], #4\n\t"                                \
                   "bne 1b\n\t"                                             \
                   : [a00] "+r"(A00_), [a01] "+r"(A01_), [a10] "+r"(A10_),     \
                     [a11] "+r"(A11_), [pw] "+r"(PW_), [k] "+r"(K_),          \
                     [xe] "=&r"(XE_), [xo] "=&r"(XO_), [w0e] "=&r"(W0E_),      \
                     [w0o] "=&r"(W0O_), [w1e] "=&r"(W1E_), [w1o] "=&r"(W1O_)   \
                   : [p0] "r"(E0_), [p1] "r"(E1_)                             \
                   : "cc", "memory")
#endif

/* The common case of tg_a7_gemm: two rows, cols / 2 channel pairs, depth
 * a multiple of 4 and requant_fast 1, 3 or 4 (plus for 3 and 4, post the
 * output offset for 4, else 0); the clamp is one SSAT for the full
 * int8 range (lo = -128, hi = 127), else a compare per bound. */
TG_A7_INLINE void tg_a7_rowpair_fast(const int8_t *e0, const int8_t *e1,
                                     const int8_t *w, const int32_t *bias,
                                     const int32_t *q, int32_t pairs,
                                     int32_t groups, int8_t *o0, int8_t *o1,
                                     int32_t lo, int32_t hi, int32_t full,
                                     int32_t plus, int32_t post,
                                     int32_t aligned) {
  (void)aligned; /* used only by the assembly loop */
  for (; pairs > 0; pairs--) {
    int32_t a00 = bias[0], a01 = bias[1];
    int32_t a10 = a00, a11 = a01;
    int32_t v00, v01, v10, v11;
#if defined(TG_A7_MAC22_ASM)
    {
      int32_t kk = -4 * groups, xe, xo, w0e, w0o, w1e, w1o;
      if (aligned) {
        TG_A7_MAC22_ASM_D(e0, e1, w, kk, a00, a01, a10, a11, xe, xo, w0e,
                          w0o, w1e, w1o);
      } else {
        TG_A7_MAC22_ASM(e0, e1, w, kk, a00, a01, a10, a11, xe, xo, w0e, w0o,
                        w1e, w1o);
      }
    }
#else
    {
      int32_t k;
      for (k = -4 * groups; k < 0; k += 4) {
        int32_t xa = tg_a7_read32(e0 + k), xb = tg_a7_read32(e1 + k);
        int32_t wa = tg_a7_read32(w), wb = tg_a7_read32(w + 4);
        int32_t xae = tg_a7_sxtb16(xa), xao = tg_a7_sxtb16_ror8(xa);
        int32_t xbe = tg_a7_sxtb16(xb), xbo = tg_a7_sxtb16_ror8(xb);
        int32_t we = tg_a7_sxtb16(wa), wo = tg_a7_sxtb16_ror8(wa);
        a00 = tg_a7_smlad(xao, wo, tg_a7_smlad(xae, we, a00));
        a10 = tg_a7_smlad(xbo, wo, tg_a7_smlad(xbe, we, a10));
        we = tg_a7_sxtb16(wb);
        wo = tg_a7_sxtb16_ror8(wb);
        a01 = tg_a7_smlad(xao, wo, tg_a7_smlad(xae, we, a01));
        a11 = tg_a7_smlad(xbo, wo, tg_a7_smlad(xbe, we, a11));
        w += 8;
      }
    }
#endif
    {
      const int32_t m0 = q[0], l0 = q[1], r0 = q[2], c0 = q[3];
      const int32_t m1 = q[4], l1 = q[5], r1 = q[6], c1 = q[7];
      if (plus) {
        v00 = tg_a7_ssat8(tg_a7_rq_plus(a00, m0, l0, r0, c0, post));
        v10 = tg_a7_ssat8(tg_a7_rq_plus(a10, m0, l0, r0, c0, post));
        v01 = tg_a7_ssat8(tg_a7_rq_plus(a01, m1, l1, r1, c1, post));
        v11 = tg_a7_ssat8(tg_a7_rq_plus(a11, m1, l1, r1, c1, post));
      } else {
        v00 = tg_a7_ssat8(tg_a7_rq_fast(a00, m0, l0, r0, c0, post));
        v10 = tg_a7_ssat8(tg_a7_rq_fast(a10, m0, l0, r0, c0, post));
        v01 = tg_a7_ssat8(tg_a7_rq_fast(a01, m1, l1, r1, c1, post));
        v11 = tg_a7_ssat8(tg_a7_rq_fast(a11, m1, l1, r1, c1, post));
      }
    }
    if (!full) {
      /* SSAT first is exact: [lo, hi] lies within [-128, 127]. */
      v00 = tg_a7_clamp(v00, lo, hi);
      v10 = tg_a7_clamp(v10, lo, hi);
      v01 = tg_a7_clamp(v01, lo, hi);
      v11 = tg_a7_clamp(v11, lo, hi);
    }
    o0[0] = (int8_t)v00;
    o0[1] = (int8_t)v01;
    o1[0] = (int8_t)v10;
    o1[1] = (int8_t)v11;
    o0 += 2;
    o1 += 2;
    bias += 2;
    q += 8;
  }
}

/* Whether p is 4-byte aligned (LDRD needs it; GCC word-aligns the large
 * constant arrays, other compilers may not). */
static inline int tg_a7_word_aligned(const void *p) {
  return ((uintptr_t)p & 3u) == 0;
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
    const int8_t *e0 = x0 + 4 * groups, *e1 = x1 + 4 * groups;
    int8_t *o0 = output + r * out_stride;
    int8_t *o1 = o0 + out_stride;
    const int8_t *w = g->weights;
    const int32_t *bias = g->bias;
    const int32_t *q = g->requant;
    n = 0;
    if ((fast == 1 || fast >= 3) && tail == 0) {
      /* Calls with constant "full", "plus" and (for requant_fast 1)
       * "post": one specialised loop each. */
      const int32_t fr = lo == -128 && hi == 127;
      const int32_t post = tg_a7_post(fast, off);
      if (fast == 1 && fr && tg_a7_word_aligned(w)) {
        /* The common case: LDRD for the weights. */
        tg_a7_rowpair_fast(e0, e1, w, bias, q, cols >> 1, groups, o0, o1, lo,
                           hi, 1, 0, 0, 1);
      } else if (fast == 1 && fr) {
        tg_a7_rowpair_fast(e0, e1, w, bias, q, cols >> 1, groups, o0, o1, lo,
                           hi, 1, 0, 0, 0);
      } else if (fast == 1) {
        tg_a7_rowpair_fast(e0, e1, w, bias, q, cols >> 1, groups, o0, o1, lo,
                           hi, 0, 0, 0, 0);
      } else if (fr) {
        tg_a7_rowpair_fast(e0, e1, w, bias, q, cols >> 1, groups, o0, o1, lo,
                           hi, 1, 1, post, 0);
      } else {
        tg_a7_rowpair_fast(e0, e1, w, bias, q, cols >> 1, groups, o0, o1, lo,
                           hi, 0, 1, post, 0);
      }
      n = cols & ~1;
      w += (cols >> 1) * pair_bytes;
      q += 4 * n;
    }
    for (; n + 1 < cols; n += 2) {
      int32_t a00 = bias[n], a01 = bias[n + 1];
      int32_t a10 = a00, a11 = a01;
      const int8_t *pw = w;
      int32_t k;
      /* Negative offsets from the ends of the two rows' full groups:
       * one index register serves both rows. */
#if defined(TG_A7_DSP) && defined(__OPTIMIZE__) && !defined(TG_A7_NO_ASM)
      /* The hot loop in assembly: GCC spills accumulators here. */
      if (groups > 0) {
        int32_t kk = -4 * groups, xe, xo, w0e, w0o, w1e, w1o;
        TG_A7_MAC22_ASM(e0, e1, pw, kk, a00, a01, a10, a11, xe, xo, w0e, w0o,
                        w1e, w1o);
      }
      k = 0;
#else
      for (k = -4 * groups; k < 0; k += 4) {
        int32_t xa = tg_a7_read32(e0 + k);
        int32_t xb = tg_a7_read32(e1 + k);
        int32_t wa = tg_a7_read32(pw);
        int32_t wb = tg_a7_read32(pw + 4);
        int32_t xae = tg_a7_sxtb16(xa), xao = tg_a7_sxtb16_ror8(xa);
        int32_t xbe = tg_a7_sxtb16(xb), xbo = tg_a7_sxtb16_ror8(xb);
        int32_t we = tg_a7_sxtb16(wa), wo = tg_a7_sxtb16_ror8(wa);
        a00 = tg_a7_smlad(xae, we, a00);
        a00 = tg_a7_smlad(xao, wo, a00);
        a10 = tg_a7_smlad(xbe, we, a10);
        a10 = tg_a7_smlad(xbo, wo, a10);
        we = tg_a7_sxtb16(wb);
        wo = tg_a7_sxtb16_ror8(wb);
        a01 = tg_a7_smlad(xae, we, a01);
        a01 = tg_a7_smlad(xao, wo, a01);
        a11 = tg_a7_smlad(xbe, we, a11);
        a11 = tg_a7_smlad(xbo, wo, a11);
        pw += 8;
      }
#endif
      for (k = 0; k < tail; k++) {
        int32_t wa = pw[k], wb = pw[4 + k];
        a00 = (int32_t)((uint32_t)a00 + (uint32_t)(e0[k] * wa));
        a01 = (int32_t)((uint32_t)a01 + (uint32_t)(e0[k] * wb));
        a10 = (int32_t)((uint32_t)a10 + (uint32_t)(e1[k] * wa));
        a11 = (int32_t)((uint32_t)a11 + (uint32_t)(e1[k] * wb));
      }
      tg_a7_requant22(a00, a01, a10, a11, q, fast, off, lo, hi, o0 + n,
                      o1 + n);
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
    n = 0;
#if defined(TG_A7_DSP) && defined(__OPTIMIZE__) && !defined(TG_A7_NO_ASM)
    /* One row (a fully connected layer's batch of 1): 4 channels (two
     * packed pairs, pair_bytes apart) share each input word, 25
     * instructions per 16 MACs. */
    if (groups > 0) {
      for (; n + 3 < cols; n += 4) {
        int32_t a0 = g->bias[n], a1 = g->bias[n + 1];
        int32_t a2 = g->bias[n + 2], a3 = g->bias[n + 3];
        const int8_t *pa = w, *pb = w + pair_bytes, *px = x0;
        int32_t cnt = groups, xe, xo, wv, we, kt;
        __asm__ volatile(
            "1:\n\t"
            "ldr %[xo], [%[px]], #4\n\t"
            "sxtb16 %[xe], %[xo]\n\t"
            "sxtb16 %[xo], %[xo], ror #8\n\t"
            "ldr %[wv], [%[pa]], #4\n\t"
            "sxtb16 %[we], %[wv]\n\t"
            "sxtb16 %[wv], %[wv], ror #8\n\t"
            "smlad %[a0], %[xe], %[we], %[a0]\n\t"
            "smlad %[a0], %[xo], %[wv], %[a0]\n\t"
            "ldr %[wv], [%[pa]], #4\n\t"
            "sxtb16 %[we], %[wv]\n\t"
            "sxtb16 %[wv], %[wv], ror #8\n\t"
            "smlad %[a1], %[xe], %[we], %[a1]\n\t"
            "smlad %[a1], %[xo], %[wv], %[a1]\n\t"
            "ldr %[wv], [%[pb]], #4\n\t"
            "sxtb16 %[we], %[wv]\n\t"
            "sxtb16 %[wv], %[wv], ror #8\n\t"
            "smlad %[a2], %[xe], %[we], %[a2]\n\t"
            "smlad %[a2], %[xo], %[wv], %[a2]\n\t"
            "ldr %[wv], [%[pb]], #4\n\t"
            "sxtb16 %[we], %[wv]\n\t"
            "sxtb16 %[wv], %[wv], ror #8\n\t"
            "smlad %[a3], %[xe], %[we], %[a3]\n\t"
            "smlad %[a3], %[xo], %[wv], %[a3]\n\t"
            "subs %[cnt], %[cnt], #1\n\t"
            "bne 1b\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),
              [pa] "+r"(pa), [pb] "+r"(pb), [px] "+r"(px), [cnt] "+r"(cnt),
              [xe] "=&r"(xe), [xo] "=&r"(xo), [wv] "=&r"(wv), [we] "=&r"(we)
            :
            : "cc", "memory");
        for (kt = 0; kt < tail; kt++) {
          const int32_t xv = px[kt];
          a0 = (int32_t)((uint32_t)a0 + (uint32_t)(xv * pa[kt]));
          a1 = (int32_t)((uint32_t)a1 + (uint32_t)(xv * pa[4 + kt]));
          a2 = (int32_t)((uint32_t)a2 + (uint32_t)(xv * pb[kt]));
          a3 = (int32_t)((uint32_t)a3 + (uint32_t)(xv * pb[4 + kt]));
        }
        o0[n] = tg_a7_requant(a0, q, fast, off, lo, hi);
        o0[n + 1] = tg_a7_requant(a1, q + 4, fast, off, lo, hi);
        o0[n + 2] = tg_a7_requant(a2, q + 8, fast, off, lo, hi);
        o0[n + 3] = tg_a7_requant(a3, q + 12, fast, off, lo, hi);
        w += 2 * pair_bytes;
        q += 16;
      }
    }
#endif
    for (; n + 1 < cols; n += 2) {
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

/* ---- im2col ------------------------------------------------------------ */

/* Copies n bytes (small, any alignment) four at a time: a library memcpy
 * call costs more than the copy for the few bytes of a filter row. */
static inline void tg_a7_copy(int8_t *dst, const int8_t *src, int32_t n) {
  for (; n >= 4; n -= 4, dst += 4, src += 4) {
    memcpy(dst, src, 4);
  }
  for (; n > 0; n--) {
    *dst++ = *src++;
  }
}

/* Copies the receptive field of output pixel (oy, ox) of the batch image
 * in into row. */
static inline void tg_a7_im2col_row(const tg_conv2d_s8_im2col_armv7em_params_t *p,
                             const int8_t *in, int32_t oy, int32_t ox,
                             int8_t *row) {
  const tg_window_t *w = &p->win;
  const int32_t in_c = w->in_c, fw = w->filter_w;
  const int32_t y0 = oy * w->stride_h - w->pad_h;
  const int32_t x0 = ox * w->stride_w - w->pad_w;
  const int8_t pad = (int8_t)p->pad_value;
  int32_t fy, fx, c;
  for (fy = 0; fy < w->filter_h; fy++) {
    const int32_t iy = y0 + w->dilation_h * fy;
    if (iy < 0 || iy >= w->in_h) {
      for (c = 0; c < fw * in_c; c++) {
        row[c] = pad;
      }
      row += fw * in_c;
      continue;
    }
    if (w->dilation_w == 1) {
      /* The taps inside the image are one contiguous span: pad, copy,
       * pad. */
      const int32_t lo_x = x0 < 0 ? -x0 : 0;
      const int32_t hi_x = x0 + fw > w->in_w ? w->in_w - x0 : fw;
      const int32_t mid = hi_x > lo_x ? hi_x - lo_x : 0;
      for (c = 0; c < lo_x * in_c && c < fw * in_c; c++) {
        row[c] = pad;
      }
      if (mid > 0) {
        tg_a7_copy(row + lo_x * in_c, in + (iy * w->in_w + x0 + lo_x) * in_c,
                   mid * in_c);
      }
      for (c = (lo_x + mid) * in_c; c < fw * in_c; c++) {
        row[c] = pad;
      }
      row += fw * in_c;
      continue;
    }
    for (fx = 0; fx < fw; fx++) {
      const int32_t ix = x0 + w->dilation_w * fx;
      if (ix < 0 || ix >= w->in_w) {
        for (c = 0; c < in_c; c++) {
          row[c] = pad;
        }
      } else {
        tg_a7_copy(row, in + (iy * w->in_w + ix) * in_c, in_c);
      }
      row += in_c;
    }
  }
}

/* CONV_2D through im2col (see tg_conv2d_s8_im2col_armv7em): the two
 * rows of scratch, row_len bytes each, hold the receptive fields of two
 * output pixels; bytes past filter_h*filter_w*in_c are zero (their
 * weights are zero too), so the GEMM runs on depth row_len, a multiple of
 * 4. */
static inline void tg_a7_conv_im2col(
    const tg_conv2d_s8_im2col_armv7em_params_t *p, const int8_t *input,
    int8_t *output, int8_t *scratch) {
  const tg_window_t *w = &p->win;
  const int32_t pixels = w->out_h * w->out_w;
  const int32_t out_c = w->out_c, row_len = p->row_len;
  const int32_t k = w->filter_h * w->filter_w * w->in_c;
  int32_t b, i, j;
  for (j = k; j < row_len; j++) {
    scratch[j] = 0;
    scratch[row_len + j] = 0;
  }
  for (b = 0; b < w->batches; b++) {
    const int8_t *in = input + b * w->in_h * w->in_w * w->in_c;
    int8_t *out = output + b * pixels * out_c;
    int32_t oy = 0, ox = 0;
    for (i = 0; i < pixels; i += 2) {
      const int32_t n = pixels - i < 2 ? pixels - i : 2;
      for (j = 0; j < n; j++) {
        tg_a7_im2col_row(p, in, oy, ox, scratch + j * row_len);
        if (++ox == w->out_w) {
          ox = 0;
          oy++;
        }
      }
      tg_a7_gemm(&p->gemm, n, scratch, row_len, out + i * out_c, out_c);
    }
  }
}

#ifdef __cplusplus
}
#endif

#endif /* TG_ARMV7EM_H */
