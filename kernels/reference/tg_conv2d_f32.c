/* tg_conv2d_f32: CONV_2D, float32, grouped convolutions included.
 *
 * Reproduces reference_ops::Conv (float,
 * tensorflow/lite/kernels/internal/reference/conv.h) in its operation
 * order (and tinygen's Go evaluator, eval/conv.go convCore + floatKernel).
 *
 * Loop order: batch, out_y, out_x, out_channel; filter_y, filter_x,
 * in_channel (of the channel's group). The float32 sum starts at 0 and
 * adds each rounded product filter * input over the in-image taps; the
 * bias (0 when absent, still added so that -0.0 + 0 gives +0 as in the
 * evaluator) is added after the window sum, then the result is clamped
 * with std::min(std::max(x, act_min), act_max) semantics.
 *
 * The product and the addition are separate statements so that no
 * compiler contracts them into a fused multiply-add (clang's default
 * -ffp-contract=on only fuses within one expression).
 */
#include <stddef.h>

#include "tg_kernels.h"
#include "tg_fixedpoint.h"

void tg_conv2d_f32(const tg_conv2d_f32_params_t *p, const float *input,
                   const float *filter, const float *bias, float *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t out_c = w->out_c;
  const int32_t filter_h = w->filter_h, filter_w = w->filter_w;
  const int32_t filter_c = p->filter_c;
  /* Elements of one output channel's filter [filter_h, filter_w, filter_c]. */
  const int32_t filter_size = filter_h * filter_w * filter_c;
  int32_t groups, oc_per_group;
  int32_t b, oy, ox, oc, fy, fx, ic;

  if (filter_c <= 0) {
    return;
  }
  groups = in_c / filter_c;
  if (groups <= 0) {
    return;
  }
  oc_per_group = out_c / groups;
  if (oc_per_group <= 0) {
    return;
  }

  for (b = 0; b < w->batches; b++) {
    const float *in_b = input + b * in_h * in_w * in_c;
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      for (ox = 0; ox < w->out_w; ox++) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        for (oc = 0; oc < out_c; oc++) {
          /* First input channel of this output channel's group. */
          const float *in_g = in_b + (oc / oc_per_group) * filter_c;
          const float *f_oc = filter + oc * filter_size;
          float sum = 0.0f;
          float bv = 0.0f;
          for (fy = 0; fy < filter_h; fy++) {
            const int32_t iy = y0 + w->dilation_h * fy;
            const float *f_row;
            const float *in_row;
            if (iy < 0 || iy >= in_h) {
              continue;
            }
            f_row = f_oc + fy * filter_w * filter_c;
            in_row = in_g + iy * in_w * in_c;
            for (fx = 0; fx < filter_w; fx++) {
              const int32_t ix = x0 + w->dilation_w * fx;
              const float *fp;
              const float *ip;
              if (ix < 0 || ix >= in_w) {
                continue;
              }
              fp = f_row + fx * filter_c;
              ip = in_row + ix * in_c;
              for (ic = 0; ic < filter_c; ic++) {
                const float prod = fp[ic] * ip[ic];
                sum += prod;
              }
            }
          }
          if (bias != NULL) {
            bv = bias[oc];
          }
          *output++ = tg_clampf(sum + bv, p->act_min, p->act_max);
        }
      }
    }
  }
}
