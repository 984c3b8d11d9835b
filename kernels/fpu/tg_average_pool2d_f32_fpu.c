/* tg_average_pool2d_f32_fpu: AVERAGE_POOL_2D float32 (fpu kernel set).
 *
 * Same parameters, results and per-channel operations as
 * tg_average_pool2d_f32: the window clipped to the image (padding taps
 * neither read nor counted), a float total from 0.0f plus each tap in the
 * reference order, total / (float)(rows * cols), then the clamp (0 for an
 * empty window, which the code generator never emits). Only additions and
 * one division: nothing a compiler could contract, so the results are
 * bit-identical to the reference. Four channels per pass keep their totals
 * in registers and share one pointer that steps in_c floats per tap (only
 * while another tap follows); the last in_c % 4 channels run one at a
 * time.
 */
#include "tg_fpu.h"
#include "tg_fixedpoint.h"

void tg_average_pool2d_f32_fpu(const tg_pool_f32_params_t *p,
                               const float *input, float *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_c = w->in_c, row_step = w->in_w * w->in_c;
  const float lo = p->act_min, hi = p->act_max;
  int32_t b, oy, ox;

  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      for (ox = 0; ox < w->out_w; ox++) {
        int32_t first, rows, cols, c = 0, fy, fx, k;
        const float *base;
        float count;
        tg_fpu_pool_clip(w, b, oy, ox, &first, &rows, &cols);
        base = input + first;
        count = (float)(rows * cols);
        for (; c + 4 <= in_c; c += 4) {
          float t0 = 0.0f, t1 = 0.0f, t2 = 0.0f, t3 = 0.0f;
          for (fy = 0; fy < rows; fy++) {
            const float *ip = base + fy * row_step + c;
            for (k = cols;;) {
              t0 += ip[0];
              t1 += ip[1];
              t2 += ip[2];
              t3 += ip[3];
              if (--k == 0) {
                break;
              }
              ip += in_c;
            }
          }
          if (rows > 0) {
            t0 /= count;
            t1 /= count;
            t2 /= count;
            t3 /= count;
          }
          output[c] = tg_clampf(t0, lo, hi);
          output[c + 1] = tg_clampf(t1, lo, hi);
          output[c + 2] = tg_clampf(t2, lo, hi);
          output[c + 3] = tg_clampf(t3, lo, hi);
        }
        for (; c < in_c; c++) {
          float t = 0.0f;
          for (fy = 0; fy < rows; fy++) {
            const float *const ip = base + fy * row_step + c;
            int32_t o = 0;
            for (fx = 0; fx < cols; fx++) {
              t += ip[o];
              o += in_c;
            }
          }
          if (rows > 0) {
            t /= count;
          }
          output[c] = tg_clampf(t, lo, hi);
        }
        output += in_c;
      }
    }
  }
}
