/* tg_max_pool2d_s8_testset: MAX_POOL_2D, int8, by separable maxima.
 *
 * Same results as tg_max_pool2d_s8 (reference) by a different algorithm:
 * for each batch and output row, the column-wise maximum over the
 * window's in-image rows goes into the scratch row (one value per input
 * column and channel, in_w * in_c int8), then each output is the maximum
 * of the scratch row over the window's in-image columns, clamped to
 * [act_min, act_max]. A window with no in-image tap gives -128 before the
 * clamp, as in the reference kernel.
 */
#include "tg_testset.h"
#include "tg_fixedpoint.h"

void tg_max_pool2d_s8_testset(const tg_max_pool2d_s8_testset_params_t *p,
                              const int8_t *input, int8_t *output,
                              int8_t *scratch) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  int32_t b, oy, ox, c, fy, fx, i;

  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      const int32_t fy_start = y0 < 0 ? -y0 : 0;
      const int32_t fy_end =
          w->filter_h < in_h - y0 ? w->filter_h : in_h - y0;
      /* Pass 1: the column-wise maximum of the window's rows. */
      for (i = 0; i < p->row_len; i++) {
        scratch[i] = -128;
      }
      for (fy = fy_start; fy < fy_end; fy++) {
        const int8_t *row = input + (b * in_h + y0 + fy) * in_w * in_c;
        for (i = 0; i < p->row_len; i++) {
          if (scratch[i] < row[i]) {
            scratch[i] = row[i];
          }
        }
      }
      /* Pass 2: the maximum of the scratch row over the window's
       * columns. */
      for (ox = 0; ox < w->out_w; ox++) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        const int32_t fx_start = x0 < 0 ? -x0 : 0;
        const int32_t fx_end =
            w->filter_w < in_w - x0 ? w->filter_w : in_w - x0;
        for (c = 0; c < w->out_c; c++) {
          int32_t m = -128;
          for (fx = fx_start; fx < fx_end; fx++) {
            const int32_t v = scratch[(x0 + fx) * in_c + c];
            if (m < v) {
              m = v;
            }
          }
          *output++ = (int8_t)tg_clamp(m, p->act_min, p->act_max);
        }
      }
    }
  }
}
