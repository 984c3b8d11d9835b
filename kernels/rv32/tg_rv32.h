/* tg_rv32.h: the kernels of tinygen's RV32IMC int8 kernel set "rv32".
 *
 * Part of tinygen's kernel library (https://github.com/tinygen/tinygen),
 * copied unchanged into every generated project that uses the set. The
 * kernels are portable C99 (they also run, and are tested, on the host)
 * written for RV32IM: no multiply-accumulate and no SIMD, 31 integer
 * registers, mulh for the high half of a 32x32 product. Their parameters
 * are computed at compile time by kernels/rv32.go: weights reordered for
 * the inner loops, the input zero point folded into the bias (padding is
 * filled with the input zero point so this stays exact) and per-channel
 * requantisation records. Results are bit-exact with the reference set;
 * docs/kernels.md gives the algorithms and the exactness argument.
 */
#ifndef TG_RV32_H
#define TG_RV32_H

#include <stdint.h>

#include "tg_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* GCC's scheduling before register allocation (-fschedule-insns, on at
 * -O2) hoists the loads of the register blocks above the multiplies and
 * then spills accumulators (RV32 has 31 registers); every function of the
 * set is compiled without it, so that it is the same at -O2 as at -Os.
 * Other compilers ignore the macro. */
#if defined(__GNUC__) && !defined(__clang__)
#define TG_RV32_FN __attribute__((optimize("no-schedule-insns")))
#else
#define TG_RV32_FN
#endif

/* The 4x4 block of the convolution core is a function of its own, so that
 * GCC allocates its registers for the block alone (unused: not every file
 * that includes this header calls it). */
#if defined(__GNUC__)
#define TG_RV32_NOINLINE __attribute__((noinline, unused))
#else
#define TG_RV32_NOINLINE
#endif

/* Per-channel record of TG_RV32_CHAN int32 values, all computed at
 * compile time: the bias with the input offset folded in, the doubled
 * multiplier, the rounding constant with the output offset folded in and
 * the two shifts of MultiplyByQuantizedMultiplier. */
#define TG_RV32_CHAN 4
#define TG_RV32_BIAS 0  /* bias[c] + input_offset * sum_k filter[c][k] */
#define TG_RV32_MULT 1  /* 2m as uint32_t bits (m: Q0.31 multiplier >= 0) */
#define TG_RV32_ROUND 2 /* 2^(e-1) + output_offset * 2^e (0 + off if e = 0) */
#define TG_RV32_SHIFT 3 /* left | right << 8: max(shift, 0), max(-shift, 0) */

/* The parts of a record's TG_RV32_SHIFT: the left shift, the right shift
 * e (at most 31), 2^(e-1) (0 when e = 0) and the negative-value mask (-1
 * when e > 0, else 0). */
#define TG_RV32_LEFT_OF(s) ((s)&255)
#define TG_RV32_RIGHT_OF(s) ((s) >> 8)
#define TG_RV32_HALF_OF(s) ((int32_t)((1u << ((s) >> 8)) >> 1))
#define TG_RV32_NEG_OF(s) ((s) >> 8 ? -1 : 0)


/* TG_RV32_UNLIKELY marks the clamp's out-of-range branch. */
#if defined(__GNUC__)
#define TG_RV32_UNLIKELY(c) __builtin_expect(!!(c), 0)
#else
#define TG_RV32_UNLIKELY(c) (c)
#endif

/* tg_rv32_requant returns clamp(MultiplyByQuantizedMultiplier(acc) +
 * output_offset) for a channel record, its multiplier doubled (m2 = 2m as
 * uint32_t, below 2^32) and its rounding constant round = 2^(e-1) +
 * output_offset * 2^e (TG_RV32_ROUND). It equals the reference's
 * tg_mbqm plus the offset: the multiplier is never INT32_MIN (no
 * saturation); SaturatingRoundingDoublingHighMul's two nudged cases reduce
 * to one floor, (x*m + 2^30) >> 31 for either sign, which is
 * floor((x*2m + 2^31) / 2^32): the high word of the signed by unsigned
 * product x*m2 (RV32M's mulhsu) plus the low word's top bit;
 * RoundingDivideByPOT's half-away-from-zero rounding is
 * (r + 2^(e-1) - [r < 0]) >> e, and adding off * 2^e before the
 * (flooring) shift adds off after it. The clamp is one unsigned compare
 * (r - lo > hi - lo) in range. The compile-time bounds (kernels/rv32.go:
 * |acc| * 2^(left+1) < 2^31, |r| + 2^(e-1) + |off| * 2^e < 2^31) keep x
 * exact and the sums free of overflow. Callers pass left = 0 and neg = -1
 * as constants when every channel of the op allows (the "simple"
 * records). In an interpreter project (tg_kernels.h defines
 * TG_UNTRUSTED_PARAMS) the records come from a blob whose record values
 * the runtime does not range-check (codegen/blob): the sums wrap and the
 * shifts are masked (RV32's SLL and SRA use the low 5 bits, so GCC mostly
 * drops the AND), so a hostile record gives wrong values but no undefined
 * arithmetic; for the records the code generator writes both forms give
 * the same values. */
TG_RV32_FN
static inline int32_t tg_rv32_requant(uint32_t acc, uint32_t m2,
                                      int32_t left, int32_t right,
                                      int32_t round, int32_t neg,
                                      int32_t lo, int32_t hi) {
#ifdef TG_UNTRUSTED_PARAMS
  const int32_t x = (int32_t)(acc << (left & 31));
  const int64_t ab = (int64_t)x * (int64_t)m2;
  int32_t r = (int32_t)((uint32_t)((uint64_t)ab >> 32) +
                        ((uint32_t)(uint64_t)ab >> 31));
  r = (int32_t)((uint32_t)r + (uint32_t)round +
                (uint32_t)((r >> 31) & neg)) >>
      (right & 31);
#else
  const int32_t x = (int32_t)(acc << left);
  const int64_t ab = (int64_t)x * (int64_t)m2;
  int32_t r = (int32_t)(uint32_t)((uint64_t)ab >> 32) +
              (int32_t)((uint32_t)(uint64_t)ab >> 31);
  r = (r + round + ((r >> 31) & neg)) >> right;
#endif
  if (TG_RV32_UNLIKELY((uint32_t)r - (uint32_t)lo >
                       (uint32_t)hi - (uint32_t)lo)) {
    r = r < lo ? lo : hi;
  }
  return r;
}

/* Parameters of tg_conv2d_s8_rv32: the geometry, the depth k of one
 * output's dot product (filter_h * filter_w * in_c), the weights as blocks
 * of 4 output channels [ceil(out_c/4)][k][4] (channels past the end are
 * 0) and one TG_RV32_CHAN record per channel of those blocks. */
typedef struct {
  tg_window_t win;
  int32_t k;
  int32_t input_zp; /* the input zero point: the padding's value */
  int32_t output_offset, act_min, act_max;
  int32_t simple; /* 1: every record has left shift 0 and e >= 1 */
  const int8_t *weights;
  const int32_t *chan;
} tg_conv2d_s8_rv32_params_t;

/* ---- the convolution core (CONV_2D; DEPTHWISE_CONV_2D, 1 channel) ---- */

/* tg_rv32_fill4 writes n copies of v into a, 4 apart. */
TG_RV32_FN
static inline int8_t *tg_rv32_fill4(int8_t *a, int8_t v, int32_t n) {
  for (; n >= 4; n -= 4) {
    a[0] = v;
    a[4] = v;
    a[8] = v;
    a[12] = v;
    a += 16;
  }
  if (n & 2) {
    a[0] = v;
    a[4] = v;
    a += 8;
  }
  if (n & 1) {
    a[0] = v;
    a += 4;
  }
  return a;
}

/* tg_rv32_copy4 copies n bytes of src into a, 4 apart. */
TG_RV32_FN
static inline int8_t *tg_rv32_copy4(int8_t *a, const int8_t *src,
                                    int32_t n) {
  for (; n >= 4; n -= 4) {
    a[0] = src[0];
    a[4] = src[1];
    a[8] = src[2];
    a[12] = src[3];
    src += 4;
    a += 16;
  }
  /* The last 0 to 3 bytes without a loop (first layers copy filter rows
   * of 3 bytes). */
  if (n & 2) {
    a[0] = src[0];
    a[4] = src[1];
    src += 2;
    a += 8;
  }
  if (n & 1) {
    a[0] = src[0];
    a += 4;
  }
  return a;
}

/* tg_rv32_pack4 writes the im2col rows of output pixels pix..pix+3 (the
 * last valid one repeated past npix) into a, interleaved. Without
 * dilation across columns, each filter row is three runs: zero points
 * left of the image, a contiguous copy, zero points right of it. */
TG_RV32_FN
static inline void tg_rv32_pack4(const tg_window_t *w, int32_t input_zp,
                                 const int8_t *input, int32_t pix,
                                 int32_t npix, int8_t *a) {
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t fw = w->filter_w;
  const int32_t per_image = w->out_h * w->out_w;
  const int8_t zp = (int8_t)input_zp;
  int32_t j, fy, fx;

  for (j = 0; j < 4; j++) {
    const int32_t q = pix + j < npix ? pix + j : npix - 1;
    const int32_t b = q / per_image;
    const int32_t oy = (q - b * per_image) / w->out_w;
    const int32_t ox = q - b * per_image - oy * w->out_w;
    const int32_t y0 = oy * w->stride_h - w->pad_h;
    const int32_t x0 = ox * w->stride_w - w->pad_w;
    /* The filter columns inside the image when dilation_w is 1 (with
     * dilation, columns past fx_hi may still land inside it). */
    const int32_t fx_lo = x0 < 0 ? -x0 : 0;
    const int32_t fx_hi = in_w - x0 < fw ? in_w - x0 : fw;
    const int8_t *in_b = input + b * in_h * in_w * in_c;
    int8_t *dst = a + j;
    for (fy = 0; fy < w->filter_h; fy++) {
      const int32_t iy = y0 + w->dilation_h * fy;
      if (iy < 0 || iy >= in_h || (w->dilation_w == 1 && fx_lo >= fx_hi)) {
        dst = tg_rv32_fill4(dst, zp, fw * in_c);
      } else if (w->dilation_w == 1 && fx_lo == 0 && fx_hi == fw) {
        dst = tg_rv32_copy4(dst, in_b + (iy * in_w + x0) * in_c, fw * in_c);
      } else if (w->dilation_w == 1) {
        dst = tg_rv32_fill4(dst, zp, fx_lo * in_c);
        dst = tg_rv32_copy4(dst, in_b + (iy * in_w + x0 + fx_lo) * in_c,
                            (fx_hi - fx_lo) * in_c);
        dst = tg_rv32_fill4(dst, zp, (fw - fx_hi) * in_c);
      } else {
        for (fx = 0; fx < fw; fx++) {
          const int32_t ix = x0 + w->dilation_w * fx;
          if (ix >= 0 && ix < in_w) {
            dst = tg_rv32_copy4(dst, in_b + (iy * in_w + ix) * in_c, in_c);
          } else {
            dst = tg_rv32_fill4(dst, zp, in_c);
          }
        }
      }
    }
  }
}

/* tg_rv32_store4 requantises the accumulators of one channel (record q)
 * for 4 pixels and stores them at o0[i] .. o3[i]; L and N are the left
 * shift and negative mask (constants 0 and -1 for simple records). */
#define TG_RV32_STORE4(q, i, L, N, a0, a1, a2, a3)                            \
  do {                                                                        \
    const uint32_t m_ = (uint32_t)(q)[TG_RV32_MULT];                          \
    const int32_t r_ = TG_RV32_RIGHT_OF((q)[TG_RV32_SHIFT]);                  \
    const int32_t h_ = (q)[TG_RV32_ROUND];                                    \
    o0[i] = (int8_t)tg_rv32_requant(a0, m_, L, r_, h_, N, lo, hi);            \
    o1[i] = (int8_t)tg_rv32_requant(a1, m_, L, r_, h_, N, lo, hi);            \
    o2[i] = (int8_t)tg_rv32_requant(a2, m_, L, r_, h_, N, lo, hi);            \
    o3[i] = (int8_t)tg_rv32_requant(a3, m_, L, r_, h_, N, lo, hi);            \
  } while (0)

/* tg_rv32_blocks4x4 computes the 4x4 blocks of tg_rv32_conv for 4 pixels
 * (interleaved taps in a, k of them) and every block of 4 channels in
 * turn (weights [block][k][4] from p->weights, records from p->chan),
 * stored at o0 and o0 + d1, d2, d3. One call per 4 pixels, so the saved
 * registers are saved once for all channel blocks. */
TG_RV32_FN TG_RV32_NOINLINE
static void tg_rv32_blocks4x4(const tg_conv2d_s8_rv32_params_t *p,
                              const int8_t *const a_start, int8_t *o0,
                              const int32_t d1, const int32_t d2,
                              const int32_t d3) {
  const int8_t *wp = p->weights;
  const int32_t *q = p->chan;
  const int32_t out_c = p->win.out_c;
  int32_t c;
  for (c = 0; c < out_c; c += 4, q += 4 * TG_RV32_CHAN, o0 += 4) {
  const int32_t nch = out_c - c < 4 ? out_c - c : 4;
  const int8_t *a = a_start;
  const int8_t *const a_end = a + 4 * p->k;
  uint32_t a00, a01, a02, a03, a10, a11, a12, a13;
  uint32_t a20, a21, a22, a23, a30, a31, a32, a33;
  a00 = a01 = a02 = a03 = (uint32_t)q[TG_RV32_BIAS];
  a10 = a11 = a12 = a13 = (uint32_t)q[TG_RV32_CHAN + TG_RV32_BIAS];
  a20 = a21 = a22 = a23 = (uint32_t)q[2 * TG_RV32_CHAN + TG_RV32_BIAS];
  a30 = a31 = a32 = a33 = (uint32_t)q[3 * TG_RV32_CHAN + TG_RV32_BIAS];
  do {
    int32_t x0 = a[0], x1 = a[1], x2 = a[2], x3 = a[3];
    int32_t f = wp[0];
    a00 += (uint32_t)(x0 * f);
    a01 += (uint32_t)(x1 * f);
    a02 += (uint32_t)(x2 * f);
    a03 += (uint32_t)(x3 * f);
    f = wp[1];
    a10 += (uint32_t)(x0 * f);
    a11 += (uint32_t)(x1 * f);
    a12 += (uint32_t)(x2 * f);
    a13 += (uint32_t)(x3 * f);
    f = wp[2];
    a20 += (uint32_t)(x0 * f);
    a21 += (uint32_t)(x1 * f);
    a22 += (uint32_t)(x2 * f);
    a23 += (uint32_t)(x3 * f);
    f = wp[3];
    a30 += (uint32_t)(x0 * f);
    a31 += (uint32_t)(x1 * f);
    a32 += (uint32_t)(x2 * f);
    a33 += (uint32_t)(x3 * f);
    a += 4;
    wp += 4;
  } while (a != a_end);
  {
    const int32_t lo = p->act_min;
    const int32_t hi = p->act_max;
    int8_t *const o1 = o0 + d1, *const o2 = o0 + d2;
    int8_t *const o3 = o0 + d3;
    if (nch == 4 && p->simple) {
      TG_RV32_STORE4(q, 0, 0, -1, a00, a01, a02, a03);
      TG_RV32_STORE4(q + TG_RV32_CHAN, 1, 0, -1, a10, a11, a12, a13);
      TG_RV32_STORE4(q + 2 * TG_RV32_CHAN, 2, 0, -1, a20, a21, a22, a23);
      TG_RV32_STORE4(q + 3 * TG_RV32_CHAN, 3, 0, -1, a30, a31, a32, a33);
    } else {
      /* Records that are not simple, or the last block of out_c % 4
       * channels: one channel at a time. */
      uint32_t acc[16];
      int32_t i;
      acc[0] = a00, acc[1] = a01, acc[2] = a02, acc[3] = a03;
      acc[4] = a10, acc[5] = a11, acc[6] = a12, acc[7] = a13;
      acc[8] = a20, acc[9] = a21, acc[10] = a22, acc[11] = a23;
      acc[12] = a30, acc[13] = a31, acc[14] = a32, acc[15] = a33;
      for (i = 0; i < nch; i++) {
        const int32_t *qi = q + i * TG_RV32_CHAN;
        TG_RV32_STORE4(qi, i, TG_RV32_LEFT_OF(qi[TG_RV32_SHIFT]),
                       TG_RV32_NEG_OF(qi[TG_RV32_SHIFT]), acc[4 * i],
                       acc[4 * i + 1], acc[4 * i + 2], acc[4 * i + 3]);
      }
    }
  }
  }
}

/* tg_rv32_blocks1x4 computes one pixel of tg_rv32_conv (its taps 4
 * apart in a, as tg_rv32_pack4 interleaves them) for every block of 4
 * channels, stored at o: the last 1 or 2 pixels of a convolution, where
 * a 4x4 block would compute repeated pixels (a 3x3 image has 9). Per tap
 * 1 input and 4 weight loads, 4 multiplies and 4 additions. */
TG_RV32_FN TG_RV32_NOINLINE
static void tg_rv32_blocks1x4(const tg_conv2d_s8_rv32_params_t *p,
                              const int8_t *const a_start, int8_t *o) {
  const int8_t *wp = p->weights;
  const int32_t *q = p->chan;
  const int32_t out_c = p->win.out_c;
  const int32_t lo = p->act_min, hi = p->act_max;
  int32_t c, i;
  for (c = 0; c < out_c; c += 4, q += 4 * TG_RV32_CHAN, o += 4) {
    const int32_t nch = out_c - c < 4 ? out_c - c : 4;
    const int8_t *a = a_start;
    const int8_t *const a_end = a + 4 * p->k;
    uint32_t acc[4];
    uint32_t s0 = (uint32_t)q[TG_RV32_BIAS];
    uint32_t s1 = (uint32_t)q[TG_RV32_CHAN + TG_RV32_BIAS];
    uint32_t s2 = (uint32_t)q[2 * TG_RV32_CHAN + TG_RV32_BIAS];
    uint32_t s3 = (uint32_t)q[3 * TG_RV32_CHAN + TG_RV32_BIAS];
    if (p->k & 1) {
      const int32_t x = a[0];
      s0 += (uint32_t)(x * wp[0]);
      s1 += (uint32_t)(x * wp[1]);
      s2 += (uint32_t)(x * wp[2]);
      s3 += (uint32_t)(x * wp[3]);
      a += 4;
      wp += 4;
    }
    while (a != a_end) {
      const int32_t x = a[0], y = a[4];
      s0 += (uint32_t)(x * wp[0] + y * wp[4]);
      s1 += (uint32_t)(x * wp[1] + y * wp[5]);
      s2 += (uint32_t)(x * wp[2] + y * wp[6]);
      s3 += (uint32_t)(x * wp[3] + y * wp[7]);
      a += 8;
      wp += 8;
    }
    acc[0] = s0, acc[1] = s1, acc[2] = s2, acc[3] = s3;
    for (i = 0; i < nch; i++) {
      const int32_t *qi = q + i * TG_RV32_CHAN;
      const int32_t sh = qi[TG_RV32_SHIFT];
      o[i] = (int8_t)tg_rv32_requant(
          acc[i], (uint32_t)qi[TG_RV32_MULT], TG_RV32_LEFT_OF(sh),
          TG_RV32_RIGHT_OF(sh), qi[TG_RV32_ROUND], TG_RV32_NEG_OF(sh), lo,
          hi);
    }
  }
}

/* tg_rv32_conv runs a convolution of one group, the im2col and 4x4 blocks
 * described in tg_conv2d_s8_rv32.c, with scratch of 4 * k int8. */
TG_RV32_FN
static inline void tg_rv32_conv(const tg_conv2d_s8_rv32_params_t *p,
                                const int8_t *input, int8_t *output,
                                int8_t *scratch) {
  const tg_window_t *w = &p->win;
  const int32_t out_c = w->out_c, k = p->k;
  const int32_t npix = w->batches * w->out_h * w->out_w;
  int32_t pix;

  if (k <= 0) {
    return;
  }
  for (pix = 0; pix < npix; pix += 4) {
    /* Pixels past npix repeat the last one (tg_rv32_pack4), so storing
     * them again where the last one goes writes the same values. */
    const int32_t last = npix - 1 - pix;
    const int32_t d1 = (last < 1 ? last : 1) * out_c;
    const int32_t d2 = (last < 2 ? last : 2) * out_c;
    const int32_t d3 = (last < 3 ? last : 3) * out_c;
    tg_rv32_pack4(w, p->input_zp, input, pix, npix, scratch);
    if (last < 2) {
      /* The last 1 or 2 pixels: one pixel at a time. */
      tg_rv32_blocks1x4(p, scratch, output + pix * out_c);
      if (last == 1) {
        tg_rv32_blocks1x4(p, scratch + 1, output + (pix + 1) * out_c);
      }
      continue;
    }
    tg_rv32_blocks4x4(p, scratch, output + pix * out_c, d1, d2, d3);
  }
}

/* ---- CONV_2D ---------------------------------------------------------- */


/* CONV_2D, int8, one group: im2col of 4 output pixels at a time into
 * scratch (k * 4 int8, pixel-interleaved), then 4 pixels x 4 channels
 * of accumulators in registers. */
void tg_conv2d_s8_rv32(const tg_conv2d_s8_rv32_params_t *p,
                       const int8_t *input, int8_t *output, int8_t *scratch);

/* ---- DEPTHWISE_CONV_2D ------------------------------------------------ */

/* Parameters of tg_depthwise_conv2d_s8_rv32: in c the geometry, zero
 * points, activation range, weights channel-major [out_c][filter_h *
 * filter_w] (mode 3: as for tg_conv2d_s8_rv32) and one TG_RV32_CHAN record
 * per channel; the padded plane (plane_h x plane_w pixels of 4 channels,
 * holding every tap of the output) and the loop variant (mode). */
typedef struct {
  tg_conv2d_s8_rv32_params_t c; /* win, k (mode 3), zero points, range,
                                   weights and records */
  int32_t depth_multiplier;
  int32_t plane_h, plane_w;
  /* 0: any window; 1: 3x3 stride 1; 2: 3x3 stride 2; 3: one input
   * channel, run as a convolution (tg_rv32_conv); 4: one input channel,
   * stride_w 2, no dilation, out_w % 4 == 0, from a one-channel padded
   * plane of plane_h x plane_w int8 without im2col */
  int32_t mode;
} tg_depthwise_conv2d_s8_rv32_params_t;

/* DEPTHWISE_CONV_2D, int8: for every 4 input channels, a zero-point padded
 * plane in scratch (plane_h * plane_w * 4 int8), then one channel at a time
 * with its weights and requantisation in registers; mode 3 (one input
 * channel) is a convolution with scratch of 4 * k int8; mode 4 (one input
 * channel, stride_w 2) reads a one-channel plane of plane_h * plane_w
 * int8 in scratch. */
void tg_depthwise_conv2d_s8_rv32(const tg_depthwise_conv2d_s8_rv32_params_t *p,
                                 const int8_t *input, int8_t *output,
                                 int8_t *scratch);

/* ---- FULLY_CONNECTED -------------------------------------------------- */

/* Parameters of tg_fully_connected_s8_rv32: the weights as blocks of 8
 * units [units/8][depth][8], then (if units % 8 >= 4) one block of 4
 * [depth][4], then each remaining unit [depth]; one TG_RV32_CHAN record
 * per unit. */
typedef struct {
  int32_t batches, units, depth;
  int32_t output_offset, act_min, act_max;
  const int8_t *weights;
  const int32_t *chan;
} tg_fully_connected_s8_rv32_params_t;

/* FULLY_CONNECTED, int8 (filter zero point 0): 8 (then 4, then 1) units
 * of accumulators in registers per pass over the input row. */
void tg_fully_connected_s8_rv32(const tg_fully_connected_s8_rv32_params_t *p,
                                const int8_t *input, int8_t *output);

/* ---- AVERAGE_POOL_2D, MAX_POOL_2D -------------------------------------- */

/* Int8 pools with the reference kernels' parameters (tg_pool_s8_params_t,
 * TFLite geometry: dilation 1, padding taps neither read nor counted):
 * four channels per pass over the clipped window, their sums or maxima in
 * registers, one pointer stepping in_c per tap. The average divides with
 * a reciprocal (tg_rv32_pool_div). Bit-exact with tg_average_pool2d_s8
 * and tg_max_pool2d_s8 (docs/kernels.md, pooling). */
void tg_average_pool2d_s8_rv32(const tg_pool_s8_params_t *p,
                               const int8_t *input, int8_t *output);
void tg_max_pool2d_s8_rv32(const tg_pool_s8_params_t *p, const int8_t *input,
                           int8_t *output);

/* Largest clipped window whose average uses the reciprocal (and whose
 * four int32 sums cannot overflow). */
#define TG_RV32_POOL_RECIP_TAPS 256

/* ceil(2^32 / n) for n in [2, TG_RV32_POOL_RECIP_TAPS], else 0 (divide). */
static inline uint32_t tg_rv32_pool_recip(uint32_t n) {
  return n >= 2 && n <= TG_RV32_POOL_RECIP_TAPS ? 0xffffffffu / n + 1u : 0u;
}

/* The average of a window sum (acc: the int32 sum's two's complement
 * bits) over n taps as TFLM rounds it, sign(acc) * floor((|acc| + n/2) /
 * n), clamped to [lo, hi]: the high word of (|acc| + n/2) * recip (one
 * MULHU; exact for n in [2, 256] and |acc| <= 128 n, docs/kernels.md),
 * or a division when recip is 0. Unsigned arithmetic: defined for any
 * sum; the quotient is limited to 255 before the sign, which changes no
 * result of an int8 window. */
static inline int8_t tg_rv32_pool_div(uint32_t acc, uint32_t n, uint32_t recip,
                                      int32_t lo, int32_t hi) {
  const uint32_t neg = (acc & 0x80000000u) != 0 ? 0xffffffffu : 0u;
  const uint32_t x = ((acc ^ neg) - neg) + (n >> 1);
  uint32_t q;
  int32_t r;
  if (recip != 0) {
    q = (uint32_t)(((uint64_t)x * recip) >> 32);
  } else {
    q = n != 0 ? x / n : 0;
  }
  q = q > 255u ? 255u : q;
  r = neg ? -(int32_t)q : (int32_t)q;
  r = r < lo ? lo : r;
  return (int8_t)(r > hi ? hi : r);
}

/* The in-image part of the window of output (oy, ox) of image b, as in
 * the reference kernels: first (index of its top-left tap, channel 0),
 * rows and cols (all 0 for an empty window). */
static inline void tg_rv32_pool_clip(const tg_window_t *w, int32_t b,
                                     int32_t oy, int32_t ox, int32_t *first,
                                     int32_t *rows, int32_t *cols) {
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

#ifdef __cplusplus
}
#endif

#endif /* TG_RV32_H */
