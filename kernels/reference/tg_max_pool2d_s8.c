/* tg_max_pool2d_s8: MAX_POOL_2D, int8 (input and output share scale and
 * zero point; no requantization).
 *
 * Reproduces reference_integer_ops::MaxPool
 * (tensorflow/lite/kernels/internal/reference/integer_ops/pooling.h) bit
 * for bit (and tinygen's Go evaluator, eval/pool.go poolInt).
 *
 * Loop order: batch, out_y, out_x, channel; filter_y, filter_x over the
 * window clipped to the image (padding taps are not read). The maximum
 * starts from -128 (the int8 minimum), so an empty window gives -128, then
 * the clamp to [act_min, act_max].
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"

void tg_max_pool2d_s8(const tg_pool_s8_params_t *p, const int8_t *input,
                      int8_t *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t channels = w->out_c;
  int32_t b, oy, ox, c, fy, fx;

  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      /* Filter rows [fy_start, fy_end) fall inside the image. */
      const int32_t fy_start = y0 < 0 ? -y0 : 0;
      const int32_t fy_end =
          w->filter_h < in_h - y0 ? w->filter_h : in_h - y0;
      for (ox = 0; ox < w->out_w; ox++) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        const int32_t fx_start = x0 < 0 ? -x0 : 0;
        const int32_t fx_end =
            w->filter_w < in_w - x0 ? w->filter_w : in_w - x0;
        /* rows x cols in-image taps; the pointers below are formed only
         * for a non-empty window, so they always point into the input. */
        int32_t rows = fy_end - fy_start;
        const int32_t cols = fx_end - fx_start;
        /* Index of the first in-image tap (fy_start, fx_start), channel 0. */
        const int32_t first =
            ((b * in_h + y0 + fy_start) * in_w + x0 + fx_start) * in_c;
        if (rows < 0 || cols <= 0) {
          rows = 0;
        }
        for (c = 0; c < channels; c++) {
          int32_t m = -128;
          for (fy = 0; fy < rows; fy++) {
            const int8_t *ip = input + first + fy * in_w * in_c + c;
            for (fx = 0; fx < cols; fx++) {
              if (m < *ip) {
                m = *ip;
              }
              ip += in_c;
            }
          }
          *output++ = (int8_t)tg_clamp(m, p->act_min, p->act_max);
        }
      }
    }
  }
}
