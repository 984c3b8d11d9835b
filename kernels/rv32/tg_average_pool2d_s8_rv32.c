/* tg_average_pool2d_s8_rv32: AVERAGE_POOL_2D int8 (rv32 kernel set).
 *
 * Same parameters, loop order over outputs and results as
 * tg_average_pool2d_s8 (TFLM's reference_integer_ops::AveragePool): the
 * window clipped to the image, padding taps neither read nor counted, the
 * average of the n in-image taps rounded half away from zero, then the
 * clamp. Per output pixel, four channels at a time: four int32 sums in
 * registers, one pointer stepping in_c bytes per tap (constant offsets
 * 0..3 in the loads), then the division by the high word of a
 * multiplication with ceil(2^32 / n) computed once per pixel
 * (tg_rv32_pool_div; docs/kernels.md proves it exact for n <= 256).
 * Windows of more than 256 taps, a single tap and the last in_c % 4
 * channels sum one channel at a time in unsigned arithmetic and divide,
 * so any parameters the blob validator admits are defined behaviour.
 */
#include "tg_rv32.h"

TG_RV32_FN void tg_average_pool2d_s8_rv32(const tg_pool_s8_params_t *p,
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
        uint32_t n, recip;
        tg_rv32_pool_clip(w, b, oy, ox, &first, &rows, &cols);
        base = input + first;
        n = (uint32_t)rows * (uint32_t)cols;
        recip = tg_rv32_pool_recip(n);
        if (recip != 0) {
          /* n <= 256: |sum| <= 2^15, no int32 overflow. */
          for (; c + 4 <= in_c; c += 4) {
            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (fy = 0; fy < rows; fy++) {
              const int8_t *ip = base + fy * row_step + c;
              for (fx = 0;;) {
                s0 += ip[0];
                s1 += ip[1];
                s2 += ip[2];
                s3 += ip[3];
                if (++fx == cols) {
                  break;
                }
                ip += in_c;
              }
            }
            output[c] = tg_rv32_pool_div((uint32_t)s0, n, recip, lo, hi);
            output[c + 1] = tg_rv32_pool_div((uint32_t)s1, n, recip, lo, hi);
            output[c + 2] = tg_rv32_pool_div((uint32_t)s2, n, recip, lo, hi);
            output[c + 3] = tg_rv32_pool_div((uint32_t)s3, n, recip, lo, hi);
          }
        }
        for (; c < in_c; c++) {
          uint32_t acc = 0;
          for (fy = 0; fy < rows; fy++) {
            const int8_t *const ip = base + fy * row_step + c;
            int32_t o = 0;
            for (fx = 0; fx < cols; fx++) {
              acc += (uint32_t)(int32_t)ip[o];
              o += in_c;
            }
          }
          output[c] = tg_rv32_pool_div(acc, n, 0, lo, hi);
        }
        output += in_c;
      }
    }
  }
}
