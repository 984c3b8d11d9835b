/* tg_average_pool2d_ext_f32: AVERAGE_POOL_2D, float32, with dilation,
 * explicit pads and count_include_pad (ONNX AveragePool).
 *
 * Same operation order as tg_average_pool2d_f32 and tinygen's Go evaluator
 * (eval/pool.go poolFloat): the float32 total adds the in-image taps (fy,
 * then fx, dilation apart) from 0; the divisor is the number of those taps,
 * or with count_include_pad the number of taps in the padded image (the
 * padding adds zeros); then the clamp. The code generator rejects empty
 * windows; should one occur anyway the average is taken as 0.
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_window.h"

void tg_average_pool2d_ext_f32(const tg_pool_ext_f32_params_t *p,
                               const float *input, float *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t dh = w->dilation_h, dw = w->dilation_w;
  int32_t b, oy, ox, c, fy, fx;

  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t fys, fye, cys, cye;
      tg_tap_range(y0, dh, w->filter_h, 0, in_h, &fys, &fye);
      tg_tap_range(y0, dh, w->filter_h, -w->pad_h, p->count_end_h, &cys,
                   &cye);
      for (ox = 0; ox < w->out_w; ox++) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        int32_t fxs, fxe, cxs, cxe, n;
        tg_tap_range(x0, dw, w->filter_w, 0, in_w, &fxs, &fxe);
        tg_tap_range(x0, dw, w->filter_w, -w->pad_w, p->count_end_w, &cxs,
                     &cxe);
        n = (fye > fys && fxe > fxs) ? (fye - fys) * (fxe - fxs) : 0;
        if (p->count_include_pad) {
          n = (cye > cys && cxe > cxs) ? (cye - cys) * (cxe - cxs) : 0;
        }
        for (c = 0; c < w->out_c; c++) {
          float total = 0.0f, r = 0.0f;
          for (fy = fys; fy < fye; fy++) {
            const int32_t row = (b * in_h + y0 + dh * fy) * in_w;
            for (fx = fxs; fx < fxe; fx++) {
              total += input[(row + x0 + dw * fx) * in_c + c];
            }
          }
          if (n > 0) {
            r = total / (float)n;
          }
          *output++ = tg_clampf(r, p->act_min, p->act_max);
        }
      }
    }
  }
}
