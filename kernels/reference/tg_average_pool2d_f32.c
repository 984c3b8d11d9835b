/* tg_average_pool2d_f32: AVERAGE_POOL_2D, float32.
 *
 * Reproduces reference_ops::AveragePool (float,
 * tensorflow/lite/kernels/internal/reference/pooling.h) in its operation
 * order (and tinygen's Go evaluator, eval/pool.go poolFloat).
 *
 * Loop order: batch, out_y, out_x, channel; filter_y, filter_x over the
 * window clipped to the image (padding taps are neither read nor counted).
 * The float32 total starts at 0 and adds the taps in that order; the
 * result is total / count, then the clamp. TFLM counts taps in a float
 * (count += 1 per tap); (float)n is the same value because n < 2^24 (a
 * larger window could not fit in memory). The code generator rejects
 * empty windows; should one occur anyway the average is taken as 0
 * instead of dividing by zero.
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"

void tg_average_pool2d_f32(const tg_pool_f32_params_t *p, const float *input,
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
        float count;
        if (rows < 0 || cols <= 0) {
          rows = 0;
        }
        count = (float)(rows * cols);
        for (c = 0; c < channels; c++) {
          float total = 0.0f, r = 0.0f;
          for (fy = 0; fy < rows; fy++) {
            const float *ip = input + first + fy * in_w * in_c + c;
            for (fx = 0; fx < cols; fx++) {
              total += *ip;
              ip += in_c;
            }
          }
          if (rows > 0) {
            r = total / count;
          }
          *output++ = tg_clampf(r, p->act_min, p->act_max);
        }
      }
    }
  }
}
