/* tg_conv2d_s8: CONV_2D, int8 input/filter/output, int32 bias.
 *
 * Reproduces reference_integer_ops::ConvPerChannel
 * (tensorflow/lite/kernels/internal/reference/integer_ops/conv.h) as run by
 * TFLM's conv.cc, grouped convolutions included, bit for bit (and tinygen's
 * Go evaluator, eval/conv.go convCore + intKernel).
 *
 * Loop order: batch, out_y, out_x, out_channel; filter_y, filter_x,
 * in_channel (of the channel's group). The int32 accumulator sums
 * filter * (input + input_offset) over the in-image taps; then the bias is
 * added, the per-channel multiplier applied (MultiplyByQuantizedMultiplier),
 * the output offset added and the result clamped to [act_min, act_max].
 * Additions wrap like the Go int32 code (done in uint32, which also keeps
 * them free of undefined behaviour).
 */
#include <stddef.h>

#include "tg_kernels.h"
#include "tg_fixedpoint.h"

void tg_conv2d_s8(const tg_conv2d_s8_params_t *p, const int8_t *input,
                  const int8_t *filter, const int32_t *bias, int8_t *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t out_c = w->out_c;
  const int32_t filter_h = w->filter_h, filter_w = w->filter_w;
  const int32_t filter_c = p->filter_c;
  const int32_t input_offset = p->input_offset;
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
    const int8_t *in_b = input + b * in_h * in_w * in_c;
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      for (ox = 0; ox < w->out_w; ox++) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        for (oc = 0; oc < out_c; oc++) {
          /* First input channel of this output channel's group. */
          const int8_t *in_g = in_b + (oc / oc_per_group) * filter_c;
          const int8_t *f_oc = filter + oc * filter_size;
          uint32_t acc = 0;
          int32_t v;
          for (fy = 0; fy < filter_h; fy++) {
            const int32_t iy = y0 + w->dilation_h * fy;
            const int8_t *f_row;
            const int8_t *in_row;
            if (iy < 0 || iy >= in_h) {
              continue;
            }
            f_row = f_oc + fy * filter_w * filter_c;
            in_row = in_g + iy * in_w * in_c;
            for (fx = 0; fx < filter_w; fx++) {
              const int32_t ix = x0 + w->dilation_w * fx;
              const int8_t *fp;
              const int8_t *ip;
              if (ix < 0 || ix >= in_w) {
                continue;
              }
              fp = f_row + fx * filter_c;
              ip = in_row + ix * in_c;
              for (ic = 0; ic < filter_c; ic++) {
                acc += (uint32_t)((int32_t)fp[ic] *
                                  ((int32_t)ip[ic] + input_offset));
              }
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
