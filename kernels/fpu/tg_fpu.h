/* tg_fpu.h: parameter structs and entry points of the "fpu" kernel set.
 *
 * Part of tinygen's kernel library (https://github.com/tinygen/tinygen),
 * copied unchanged into every generated project that uses the set. The
 * set holds register-blocked float32 kernels for Arm cores with a
 * single-precision FPU (Cortex-M4F, M7, M33, M55). Each kernel computes
 * every output with exactly the reference kernel's operations in the
 * reference kernel's order (a sum starting at 0, one rounded product and
 * one rounded addition per tap, taps in the reference order, then the
 * bias, then the clamp): blocking only interleaves the sums of
 * different outputs, so results are bit-identical to the reference set.
 *
 * No fused multiply-add: on Arm with a VFP the multiply-accumulate is
 * VMLA.F32, whose product is rounded before the addition (the Arm
 * Architecture Reference Manual's "chained" multiply-accumulate), written
 * as an asm statement so no compiler flag can turn it into VFMA. Elsewhere
 * (host builds of the conformance suite) it is a product and an addition
 * in separate statements with FP_CONTRACT off.
 */
#ifndef TG_FPU_H
#define TG_FPU_H

#include <stdint.h>

#include "tg_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TG_FPU_MAC(acc, a, b): acc = acc + round(a * b), never fused. */
#if defined(__arm__) && defined(__ARM_FP) && ((__ARM_FP) & 4) && defined(__GNUC__)
#define TG_FPU_MAC(acc, a, b) \
  __asm__("vmla.f32 %0, %1, %2" : "+t"(acc) : "t"(a), "t"(b))
#else
#define TG_FPU_MAC(acc, a, b)       \
  do {                              \
    const float tg_fpu_p_ = (a) * (b); \
    (acc) += tg_fpu_p_;             \
  } while (0)
#endif

/* Output channels (CONV_2D, FULLY_CONNECTED) computed together. */
#define TG_FPU_OC_BLOCK 4

/* CONV_2D float32 without groups (filter_c == in_c). packed holds the
 * filter reordered at compile time in blocks of TG_FPU_OC_BLOCK output
 * channels: block k (channels 4k .. 4k+n-1, n = min(4, out_c - 4k)) starts
 * at element 4k * filter_h * filter_w * in_c and holds
 * [filter_h][filter_w][in_c][n]. */
typedef struct {
  tg_window_t win;
  float act_min, act_max;
  const float *packed;
} tg_conv2d_f32_fpu_params_t;

void tg_conv2d_f32_fpu(const tg_conv2d_f32_fpu_params_t *p,
                       const float *input, const float *bias, float *output);

/* FULLY_CONNECTED float32. packed holds the filter [units, depth]
 * reordered in blocks of TG_FPU_OC_BLOCK units: block k (units 4k ..
 * 4k+n-1) starts at element 4k * depth and holds [depth][n]. */
typedef struct {
  int32_t batches, units, depth;
  float act_min, act_max;
  const float *packed;
} tg_fully_connected_f32_fpu_params_t;

void tg_fully_connected_f32_fpu(const tg_fully_connected_f32_fpu_params_t *p,
                                const float *input, const float *bias,
                                float *output);

/* DEPTHWISE_CONV_2D float32 with depth multiplier 1: the reference
 * kernel's parameters and arguments (no packing: 4 consecutive channels
 * have consecutive weights in the [1, fh, fw, out_c] filter). */
void tg_depthwise_conv2d_f32_fpu(const tg_depthwise_conv2d_f32_params_t *p,
                                 const float *input, const float *filter,
                                 const float *bias, float *output);

/* AVERAGE_POOL_2D and MAX_POOL_2D float32 with the reference kernels'
 * parameters (tg_pool_f32_params_t): four channels per pass over the
 * clipped window, their totals or maxima in registers. Each channel's
 * operations are the reference's in its order (total from 0.0f plus each
 * tap, then total / count; maximum from -FLT_MAX with m < x, then the
 * clamp), so results are bit-identical. */
void tg_average_pool2d_f32_fpu(const tg_pool_f32_params_t *p,
                               const float *input, float *output);
void tg_max_pool2d_f32_fpu(const tg_pool_f32_params_t *p, const float *input,
                           float *output);

/* The in-image part of the window of output (oy, ox) of image b, as the
 * reference kernels clip it: first (index of its top-left tap, channel
 * 0), rows and cols (all 0 for an empty window). */
static inline void tg_fpu_pool_clip(const tg_window_t *w, int32_t b,
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

#endif /* TG_FPU_H */
