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

/* Per-channel record of TG_RV32_CHAN int32 values: the bias with the input
 * offset folded in, then the requantisation of MultiplyByQuantizedMultiplier
 * split into its parts. */
#define TG_RV32_CHAN 6
#define TG_RV32_BIAS 0  /* bias[c] + input_offset * sum_k filter[c][k] */
#define TG_RV32_MULT 1  /* Q0.31 multiplier */
#define TG_RV32_LEFT 2  /* left shift, max(shift, 0) */
#define TG_RV32_RIGHT 3 /* right shift e = max(-shift, 0), at most 31 */
#define TG_RV32_HALF 4  /* 2^(e-1), 0 when e = 0 */
#define TG_RV32_NEG 5   /* -1 when e > 0, else 0 */

/* tg_rv32_requant returns clamp(MultiplyByQuantizedMultiplier(acc) +
 * output_offset) for the channel record q. It equals the reference's
 * tg_mbqm because the multiplier is never INT32_MIN (no saturation),
 * SaturatingRoundingDoublingHighMul's two nudged cases reduce to one
 * floor ((ab + 2^30) >> 31 for either sign), and RoundingDivideByPOT's
 * half-away-from-zero rounding is (r + 2^(e-1) - [r < 0]) >> e, which the
 * compile-time bound on |acc| (kernels/rv32.go) keeps free of overflow. */
static inline int32_t tg_rv32_requant(uint32_t acc, int32_t mult,
                                      int32_t left, int32_t right,
                                      int32_t half, int32_t neg,
                                      int32_t out_off, int32_t lo,
                                      int32_t hi) {
  const int32_t x = (int32_t)(acc << left);
  const int64_t ab = (int64_t)x * (int64_t)mult;
  int32_t r = (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
  r = (int32_t)((uint32_t)r + (uint32_t)half + (uint32_t)((r >> 31) & neg)) >>
      right;
  r = (int32_t)((uint32_t)r + (uint32_t)out_off);
  r = r < lo ? lo : r;
  return r > hi ? hi : r;
}

/* ---- CONV_2D ---------------------------------------------------------- */

/* Parameters of tg_conv2d_s8_rv32: the geometry, the depth k of one
 * output's dot product (filter_h * filter_w * in_c), the weights as blocks
 * of 4 output channels [ceil(out_c/4)][k][4] (channels past the end are 0) and one TG_RV32_CHAN record per
 * channel of those blocks. */
typedef struct {
  tg_window_t win;
  int32_t k;
  int32_t input_zp; /* the input zero point: the padding's value */
  int32_t output_offset, act_min, act_max;
  const int8_t *weights;
  const int32_t *chan;
} tg_conv2d_s8_rv32_params_t;

/* CONV_2D, int8, one group: im2col of 4 output pixels at a time into
 * scratch (k * 4 int8, pixel-interleaved), then 4 pixels x 4 channels
 * of accumulators in registers. */
void tg_conv2d_s8_rv32(const tg_conv2d_s8_rv32_params_t *p,
                       const int8_t *input, int8_t *output, int8_t *scratch);

/* ---- DEPTHWISE_CONV_2D ------------------------------------------------ */

/* Parameters of tg_depthwise_conv2d_s8_rv32: the geometry, the padded
 * plane (plane_h x plane_w pixels of 4 channels, holding every tap of the
 * output), the loop variant (mode), the weights channel-major
 * [out_c][filter_h * filter_w] and one TG_RV32_CHAN record per channel. */
typedef struct {
  tg_window_t win;
  int32_t depth_multiplier;
  int32_t input_zp, output_offset, act_min, act_max;
  int32_t plane_h, plane_w;
  int32_t mode; /* 0: any window; 1: 3x3 stride 1; 2: 3x3 stride 2 */
  const int8_t *weights;
  const int32_t *chan;
} tg_depthwise_conv2d_s8_rv32_params_t;

/* DEPTHWISE_CONV_2D, int8: for every 4 input channels, a zero-point padded
 * plane in scratch (plane_h * plane_w * 4 int8), then one channel at a time
 * with its weights and requantisation in registers. */
void tg_depthwise_conv2d_s8_rv32(const tg_depthwise_conv2d_s8_rv32_params_t *p,
                                 const int8_t *input, int8_t *output,
                                 int8_t *scratch);

/* ---- FULLY_CONNECTED -------------------------------------------------- */

/* Parameters of tg_fully_connected_s8_rv32: the weights as blocks of 8
 * units [units/8][depth][8] (units past the end are 0) and one
 * TG_RV32_CHAN record per unit of those blocks. */
typedef struct {
  int32_t batches, units, depth;
  int32_t output_offset, act_min, act_max;
  const int8_t *weights;
  const int32_t *chan;
} tg_fully_connected_s8_rv32_params_t;

/* FULLY_CONNECTED, int8 (filter zero point 0): 8 units of accumulators in
 * registers per pass over the input row. */
void tg_fully_connected_s8_rv32(const tg_fully_connected_s8_rv32_params_t *p,
                                const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TG_RV32_H */
