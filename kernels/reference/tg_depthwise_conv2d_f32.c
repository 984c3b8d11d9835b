/* tg_depthwise_conv2d_f32: DEPTHWISE_CONV_2D, float32, with depth
 * multiplier and dilation.
 *
 * Reproduces reference_ops::DepthwiseConv (float,
 * tensorflow/lite/kernels/internal/reference/depthwiseconv_float.h) in its
 * operation order (and tinygen's Go evaluator, eval/conv.go depthwiseCore +
 * floatKernel).
 *
 * Loop order: batch, out_y, out_x, in_channel, multiplier index m (output
 * channel oc = in_channel * depth_multiplier + m); filter_y, filter_x. The
 * float32 sum starts at 0 and adds each rounded product filter[0, fy, fx,
 * oc] * input[b, iy, ix, ic] over the in-image taps; the bias (0 when
 * absent, still added) comes after the window sum, then the clamp.
 * Product and addition are separate statements so that no compiler fuses
 * them into a multiply-add.
 */
#include <stddef.h>

#include "tg_kernels.h"
#include "tg_fixedpoint.h"

void tg_depthwise_conv2d_f32(const tg_depthwise_conv2d_f32_params_t *p,
                             const float *input, const float *filter,
                             const float *bias, float *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t out_c = w->out_c;
  const int32_t filter_h = w->filter_h, filter_w = w->filter_w;
  const int32_t depth_multiplier = p->depth_multiplier;
  int32_t b, oy, ox, ic, m, fy, fx;

  for (b = 0; b < w->batches; b++) {
    const float *in_b = input + b * in_h * in_w * in_c;
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      for (ox = 0; ox < w->out_w; ox++) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        for (ic = 0; ic < in_c; ic++) {
          /* Input channel ic of pixel (b, 0, 0). */
          const float *in_ic = in_b + ic;
          for (m = 0; m < depth_multiplier; m++) {
            const int32_t oc = ic * depth_multiplier + m;
            float sum = 0.0f;
            float bv = 0.0f;
            for (fy = 0; fy < filter_h; fy++) {
              const int32_t iy = y0 + w->dilation_h * fy;
              /* Filter row fy at channel oc; taps are out_c apart. */
              const float *f_row;
              const float *in_row;
              if (iy < 0 || iy >= in_h) {
                continue;
              }
              f_row = filter + fy * filter_w * out_c + oc;
              in_row = in_ic + iy * in_w * in_c;
              for (fx = 0; fx < filter_w; fx++) {
                const int32_t ix = x0 + w->dilation_w * fx;
                float prod;
                if (ix < 0 || ix >= in_w) {
                  continue;
                }
                prod = f_row[fx * out_c] * in_row[ix * in_c];
                sum += prod;
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
}
