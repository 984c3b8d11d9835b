/* tg_max_pool2d_s8_rv32: MAX_POOL_2D int8 (rv32 kernel set).
 *
 * Same parameters, loop order over outputs and results as
 * tg_max_pool2d_s8 (TFLM's reference_integer_ops::MaxPool): the window
 * clipped to the image, padding taps not read. The reference starts from
 * -128, takes the maximum and clamps to [act_min, act_max]; for act_min
 * in [-128, 127] and act_min <= act_max (what the code generator emits)
 * that is the maximum starting from act_min, then the minimum with
 * act_max, computed here for four channels at a time in registers with
 * one pointer stepping in_c bytes per tap. An empty window gives act_min,
 * as the reference's clamp of -128 does. Comparisons only: any parameters
 * are defined behaviour.
 */
#include "tg_rv32.h"

/* The larger of m and x. */
#define TG_RV32_MAX(m, x) ((x) > (m) ? (x) : (m))

TG_RV32_FN void tg_max_pool2d_s8_rv32(const tg_pool_s8_params_t *p,
                                      const int8_t *input, int8_t *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_c = w->in_c, row_step = w->in_w * w->in_c;
  const int32_t lo = p->act_min, hi = p->act_max;
  int32_t b, oy, ox;

  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      for (ox = 0; ox < w->out_w; ox++) {
        int32_t first, rows, cols, c = 0, fy, fx;
        const int8_t *base;
        tg_rv32_pool_clip(w, b, oy, ox, &first, &rows, &cols);
        base = input + first;
        if (rows > 0) {
          for (; c + 4 <= in_c; c += 4) {
            int32_t m0 = lo, m1 = lo, m2 = lo, m3 = lo;
            for (fy = 0; fy < rows; fy++) {
              const int8_t *ip = base + fy * row_step + c;
              for (fx = 0;;) {
                const int32_t x0 = ip[0], x1 = ip[1], x2 = ip[2], x3 = ip[3];
                m0 = TG_RV32_MAX(m0, x0);
                m1 = TG_RV32_MAX(m1, x1);
                m2 = TG_RV32_MAX(m2, x2);
                m3 = TG_RV32_MAX(m3, x3);
                if (++fx == cols) {
                  break;
                }
                ip += in_c;
              }
            }
            output[c] = (int8_t)(m0 > hi ? hi : m0);
            output[c + 1] = (int8_t)(m1 > hi ? hi : m1);
            output[c + 2] = (int8_t)(m2 > hi ? hi : m2);
            output[c + 3] = (int8_t)(m3 > hi ? hi : m3);
          }
        }
        for (; c < in_c; c++) {
          int32_t m = lo;
          for (fy = 0; fy < rows; fy++) {
            const int8_t *const ip = base + fy * row_step + c;
            int32_t o = 0;
            for (fx = 0; fx < cols; fx++) {
              m = TG_RV32_MAX(m, ip[o]);
              o += in_c;
            }
          }
          output[c] = (int8_t)(m > hi ? hi : m);
        }
        output += in_c;
      }
    }
  }
}
