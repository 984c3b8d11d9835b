/* tg_max_pool2d_ext_s8: MAX_POOL_2D, int8, with dilation and explicit pads
 * (ONNX MaxPool; input and output share scale and zero point).
 *
 * Same arithmetic as tg_max_pool2d_s8 and tinygen's Go evaluator
 * (eval/pool.go poolInt): the maximum of the in-image taps (fy, then fx,
 * dilation apart) starting from -128; padding is never read. Then the
 * clamp to [act_min, act_max].
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_window.h"

void tg_max_pool2d_ext_s8(const tg_pool_ext_s8_params_t *p,
                          const int8_t *input, int8_t *output) {
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
          int32_t m = -128;
          for (fy = fys; fy < fye; fy++) {
            const int32_t row = (b * in_h + y0 + dh * fy) * in_w;
            for (fx = fxs; fx < fxe; fx++) {
              const int32_t v = input[(row + x0 + dw * fx) * in_c + c];
              if (m < v) {
                m = v;
              }
            }
          }
          *output++ = (int8_t)tg_clamp(m, p->act_min, p->act_max);
        }
      }
    }
  }
}
