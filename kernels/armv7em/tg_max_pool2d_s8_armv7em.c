/* tg_max_pool2d_s8_armv7em: MAX_POOL_2D int8 (armv7em kernel set).
 *
 * Same parameters, loop order over outputs and results as
 * tg_max_pool2d_s8 (TFLM's reference_integer_ops::MaxPool): the window is
 * clipped to the image and padding taps are not read. The reference
 * starts from -128, takes the maximum and clamps to [act_min, act_max];
 * for act_min in [-128, 127] and act_min <= act_max (what the code
 * generator emits) that is max(act_min, taps) followed by
 * min(., act_max), which this kernel computes on eight (then four)
 * channels per pass, four per 32-bit load with SSUB8 + SEL
 * (tg_a7_max8x4, tg_a7_min8x4). A window that spans the image's whole
 * width is one run of rows * cols taps. An empty window gives act_min, as
 * the reference's clamp of -128 does. The last in_c % 4 channels run one
 * at a time. Only byte selections: any parameters are defined behaviour;
 * pointers step from tap to tap only while another tap follows.
 */
#include "tg_armv7em.h"

void tg_max_pool2d_s8_armv7em(const tg_pool_s8_params_t *p,
                              const int8_t *input, int8_t *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_c = w->in_c, row_step = w->in_w * w->in_c;
  const int32_t lo = p->act_min, hi = p->act_max;
  const int32_t lo4 = (int32_t)(((uint32_t)lo & 0xffu) * 0x01010101u);
  const int32_t hi4 = (int32_t)(((uint32_t)hi & 0xffu) * 0x01010101u);
  int32_t b, oy, ox;

  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      for (ox = 0; ox < w->out_w; ox++) {
        int32_t first, rows, cols, c = 0, fy, fx, k;
        const int8_t *base;
        tg_a7_pool_clip(w, b, oy, ox, &first, &rows, &cols);
        base = input + first;
        if (rows > 0 && cols * in_c == row_step) {
          /* Whole rows: one contiguous run of taps. */
          cols *= rows;
          rows = 1;
        }
        if (rows > 0) {
          for (; c + 8 <= in_c; c += 8) {
            int32_t m0 = lo4, m1 = lo4;
            for (fy = 0; fy < rows; fy++) {
              const int8_t *ip = base + fy * row_step + c;
              for (k = cols;;) {
                m0 = tg_a7_max8x4(tg_a7_read32(ip), m0);
                m1 = tg_a7_max8x4(tg_a7_read32(ip + 4), m1);
                if (--k == 0) {
                  break;
                }
                ip += in_c;
              }
            }
            m0 = tg_a7_min8x4(m0, hi4);
            m1 = tg_a7_min8x4(m1, hi4);
            memcpy(output + c, &m0, sizeof m0);
            memcpy(output + c + 4, &m1, sizeof m1);
          }
          for (; c + 4 <= in_c; c += 4) {
            int32_t m = lo4;
            for (fy = 0; fy < rows; fy++) {
              const int8_t *ip = base + fy * row_step + c;
              for (k = cols;;) {
                m = tg_a7_max8x4(tg_a7_read32(ip), m);
                if (--k == 0) {
                  break;
                }
                ip += in_c;
              }
            }
            m = tg_a7_min8x4(m, hi4);
            memcpy(output + c, &m, sizeof m);
          }
        }
        for (; c < in_c; c++) {
          int32_t m = lo;
          for (fy = 0; fy < rows; fy++) {
            const int8_t *const ip = base + fy * row_step + c;
            int32_t o = 0;
            for (fx = 0; fx < cols; fx++) {
              m = ip[o] > m ? ip[o] : m;
              o += in_c;
            }
          }
          output[c] = (int8_t)tg_a7_clamp(m, lo, hi);
        }
        output += in_c;
      }
    }
  }
}
