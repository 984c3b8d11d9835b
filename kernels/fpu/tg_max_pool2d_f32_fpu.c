/* tg_max_pool2d_f32_fpu: MAX_POOL_2D float32 (fpu kernel set).
 *
 * Same parameters, results and per-channel operations as
 * tg_max_pool2d_f32: the window clipped to the image (padding taps not
 * read), m = -FLT_MAX, then m = x whenever m < x over the taps in the
 * reference order (so NaN inputs and signed zeros behave as there), then
 * the clamp. Four channels per pass keep their maxima in registers and
 * share one pointer that steps in_c floats per tap (only while another
 * tap follows); the last in_c % 4 channels run one at a time.
 */
#include <float.h>

#include "tg_fpu.h"
#include "tg_fixedpoint.h"

void tg_max_pool2d_f32_fpu(const tg_pool_f32_params_t *p, const float *input,
                           float *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_c = w->in_c, row_step = w->in_w * w->in_c;
  const float lo = p->act_min, hi = p->act_max;
  int32_t b, oy, ox;

  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      for (ox = 0; ox < w->out_w; ox++) {
        int32_t first, rows, cols, c = 0, fy, fx, k;
        const float *base;
        tg_fpu_pool_clip(w, b, oy, ox, &first, &rows, &cols);
        base = input + first;
        for (; c + 4 <= in_c; c += 4) {
          float m0 = -FLT_MAX, m1 = -FLT_MAX, m2 = -FLT_MAX, m3 = -FLT_MAX;
          for (fy = 0; fy < rows; fy++) {
            const float *ip = base + fy * row_step + c;
            for (k = cols;;) {
              const float x0 = ip[0], x1 = ip[1], x2 = ip[2], x3 = ip[3];
              if (m0 < x0) {
                m0 = x0;
              }
              if (m1 < x1) {
                m1 = x1;
              }
              if (m2 < x2) {
                m2 = x2;
              }
              if (m3 < x3) {
                m3 = x3;
              }
              if (--k == 0) {
                break;
              }
              ip += in_c;
            }
          }
          output[c] = tg_clampf(m0, lo, hi);
          output[c + 1] = tg_clampf(m1, lo, hi);
          output[c + 2] = tg_clampf(m2, lo, hi);
          output[c + 3] = tg_clampf(m3, lo, hi);
        }
        for (; c < in_c; c++) {
          float m = -FLT_MAX;
          for (fy = 0; fy < rows; fy++) {
            const float *const ip = base + fy * row_step + c;
            int32_t o = 0;
            for (fx = 0; fx < cols; fx++) {
              if (m < ip[o]) {
                m = ip[o];
              }
              o += in_c;
            }
          }
          output[c] = tg_clampf(m, lo, hi);
        }
        output += in_c;
      }
    }
  }
}
