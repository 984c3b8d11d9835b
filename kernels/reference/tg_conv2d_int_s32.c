/* tg_conv2d_int_s32: CONV_2D as ONNX ConvInteger: uint8/int8 input and
 * filter, zero points subtracted, int32 sums, no bias, no requantisation.
 *
 * Reproduces tinygen's Go evaluator (eval/onnxops.go prepareConvInteger,
 * convCore's loop order): for b, oy, ox, oc; for fy, fx over the in-image
 * taps (padded taps contribute 0, as padding with the input zero point
 * does); for ic; sum += (x - x_zp) * (w - w_zp[oc]). The sum is kept in
 * uint32 and wraps modulo 2^32 like the evaluator's int32; the zero points
 * are subtracted in uint32 too (the same sum modulo 2^32, and defined for
 * any zero point a blob may hold). Grouped
 * convolution as tg_conv2d_s8. The output must not overlap the input.
 */
#include "tg_kernels.h"
#include "tg_int8.h"

void tg_conv2d_int_s32(const tg_conv2d_int_s32_params_t *p,
                       const void *input, const void *filter,
                       int32_t *output) {
  const tg_window_t *w = &p->win;
  const int32_t fc = p->filter_c;
  const int32_t groups = w->in_c / fc;
  const int32_t oc_per_group = w->out_c / groups;
  const uint32_t xz = (uint32_t)p->input_zero_point;
  int32_t b, oy, ox, oc, fy, fx, ic;

  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      for (ox = 0; ox < w->out_w; ox++) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        for (oc = 0; oc < w->out_c; oc++) {
          const int32_t in_base = (oc / oc_per_group) * fc;
          const uint32_t wz = (uint32_t)p->filter_zero_points[oc];
          uint32_t sum = 0;
          for (fy = 0; fy < w->filter_h; fy++) {
            const int32_t iy = y0 + w->dilation_h * fy;
            if (iy < 0 || iy >= w->in_h) {
              continue;
            }
            for (fx = 0; fx < w->filter_w; fx++) {
              const int32_t ix = x0 + w->dilation_w * fx;
              int32_t ib, fb;
              if (ix < 0 || ix >= w->in_w) {
                continue;
              }
              ib = ((b * w->in_h + iy) * w->in_w + ix) * w->in_c + in_base;
              fb = ((oc * w->filter_h + fy) * w->filter_w + fx) * fc;
              for (ic = 0; ic < fc; ic++) {
                const uint32_t xv =
                    (uint32_t)tg_load8(input, p->x_elem, ib + ic) - xz;
                const uint32_t wv =
                    (uint32_t)tg_load8(filter, p->w_elem, fb + ic) - wz;
                sum += xv * wv;
              }
            }
          }
          *output++ = tg_wrap_s32(sum);
        }
      }
    }
  }
}
