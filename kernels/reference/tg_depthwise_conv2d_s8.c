/* tg_depthwise_conv2d_s8: DEPTHWISE_CONV_2D, int8 input/filter/output,
 * int32 bias, with depth multiplier and dilation.
 *
 * Reproduces reference_integer_ops::DepthwiseConvPerChannel
 * (tensorflow/lite/kernels/internal/reference/integer_ops/depthwise_conv.h)
 * bit for bit (and tinygen's Go evaluator, eval/conv.go depthwiseCore +
 * intKernel).
 *
 * Loop order: batch, out_y, out_x, in_channel, multiplier index m (output
 * channel oc = in_channel * depth_multiplier + m); filter_y, filter_x. The
 * int32 accumulator sums filter[0, fy, fx, oc] * (input[b, iy, ix, ic] +
 * input_offset) over the in-image taps; then bias, per-channel multiplier,
 * output offset and clamp. Additions wrap like the Go int32 code.
 */
#include <stddef.h>

#include "tg_kernels.h"
#include "tg_fixedpoint.h"

void tg_depthwise_conv2d_s8(const tg_depthwise_conv2d_s8_params_t *p,
                            const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t out_c = w->out_c;
  const int32_t filter_h = w->filter_h, filter_w = w->filter_w;
  const int32_t depth_multiplier = p->depth_multiplier;
  const int32_t input_offset = p->input_offset;
  int32_t b, oy, ox, ic, m, fy, fx;

  for (b = 0; b < w->batches; b++) {
    const int8_t *in_b = input + b * in_h * in_w * in_c;
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      for (ox = 0; ox < w->out_w; ox++) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        for (ic = 0; ic < in_c; ic++) {
          /* Input channel ic of pixel (b, 0, 0). */
          const int8_t *in_ic = in_b + ic;
          for (m = 0; m < depth_multiplier; m++) {
            const int32_t oc = ic * depth_multiplier + m;
            uint32_t acc = 0;
            int32_t v;
            for (fy = 0; fy < filter_h; fy++) {
              const int32_t iy = y0 + w->dilation_h * fy;
              /* Filter row fy at channel oc; taps are out_c apart. */
              const int8_t *f_row;
              const int8_t *in_row;
              if (iy < 0 || iy >= in_h) {
                continue;
              }
              f_row = filter + fy * filter_w * out_c + oc;
              in_row = in_ic + iy * in_w * in_c;
              for (fx = 0; fx < filter_w; fx++) {
                const int32_t ix = x0 + w->dilation_w * fx;
                if (ix < 0 || ix >= in_w) {
                  continue;
                }
                acc += (uint32_t)((int32_t)f_row[fx * out_c] *
                                  ((int32_t)in_row[ix * in_c] + input_offset));
              }
            }
            if (bias != NULL) {
              acc += (uint32_t)bias[oc];
            }
            v = tg_mbqm((int32_t)acc, p->multiplier[oc], p->shift[oc]);
            v = (int32_t)((uint32_t)v + (uint32_t)p->output_offset);
            *output++ = (int8_t)tg_clamp(v, p->act_min, p->act_max);
          }
        }
      }
    }
  }
}
