/* tg_max_pool2d_ext_f32: MAX_POOL_2D, float32, with dilation and explicit
 * pads (ONNX MaxPool).
 *
 * Same operation order as tg_max_pool2d_f32 and tinygen's Go evaluator
 * (eval/pool.go poolFloat): std::max over the in-image taps (fy, then fx,
 * dilation apart) starting from -FLT_MAX; padding is never read. Then the
 * clamp.
 */
#include <float.h>

#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_window.h"

void tg_max_pool2d_ext_f32(const tg_pool_ext_f32_params_t *p,
                           const float *input, float *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t dh = w->dilation_h, dw = w->dilation_w;
  int32_t b, oy, ox, c, fy, fx;

  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t fys, fye;
      tg_tap_range(y0, dh, w->filter_h, 0, in_h, &fys, &fye);
      for (ox = 0; ox < w->out_w; ox++) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        int32_t fxs, fxe;
        tg_tap_range(x0, dw, w->filter_w, 0, in_w, &fxs, &fxe);
        for (c = 0; c < w->out_c; c++) {
          float m = -FLT_MAX;
          for (fy = fys; fy < fye; fy++) {
            const int32_t row = (b * in_h + y0 + dh * fy) * in_w;
            for (fx = fxs; fx < fxe; fx++) {
              const float v = input[(row + x0 + dw * fx) * in_c + c];
              if (m < v) {
                m = v;
              }
            }
          }
          *output++ = tg_clampf(m, p->act_min, p->act_max);
        }
      }
    }
  }
}
