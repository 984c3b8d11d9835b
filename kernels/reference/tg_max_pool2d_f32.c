/* tg_max_pool2d_f32: MAX_POOL_2D, float32.
 *
 * Reproduces reference_ops::MaxPool (float,
 * tensorflow/lite/kernels/internal/reference/pooling.h) in its operation
 * order (and tinygen's Go evaluator, eval/pool.go poolFloat).
 *
 * Loop order: batch, out_y, out_x, channel; filter_y, filter_x over the
 * window clipped to the image (padding taps are not read). The maximum is
 * folded as std::max(m, v) does, m = (m < v) ? v : m, starting from
 * -FLT_MAX: a NaN tap never replaces m, and an empty window (which the code
 * generator does not reject for MAX_POOL_2D) gives -FLT_MAX. Then the
 * clamp.
 */
#include <float.h>

#include "tg_kernels.h"
#include "tg_fixedpoint.h"

void tg_max_pool2d_f32(const tg_pool_f32_params_t *p, const float *input,
                       float *output) {
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
          float m = -FLT_MAX;
          for (fy = 0; fy < rows; fy++) {
            const float *ip = input + first + fy * in_w * in_c + c;
            for (fx = 0; fx < cols; fx++) {
              if (m < *ip) {
                m = *ip;
              }
              ip += in_c;
            }
          }
          *output++ = tg_clampf(m, p->act_min, p->act_max);
        }
      }
    }
  }
}
