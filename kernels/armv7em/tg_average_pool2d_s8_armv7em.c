/* tg_average_pool2d_s8_armv7em: AVERAGE_POOL_2D int8 (armv7em kernel set).
 *
 * Same parameters, loop order over outputs and results as
 * tg_average_pool2d_s8 (TFLM's reference_integer_ops::AveragePool): the
 * window is clipped to the image, padding taps are neither read nor
 * counted, the average of the n in-image taps rounds half away from zero,
 * (acc + n/2) / n or (acc - n/2) / n, then the clamp. Per output pixel,
 * channels go eight (then four) at a time: one 32-bit load per four
 * channels and tap, SXTAB16 adds bytes 0 and 2 to the halves of one
 * accumulator and (ROR 8) bytes 1 and 3 to another. The halves are exact
 * int16 sums while n <= 256 (|sum| <= 128 n <= 32768, and only -32768
 * reaches the bound); the division is the high word of a multiplication
 * by ceil(2^32 / n), one UDIV per output pixel (tg_a7_pool_div; exactness
 * in docs/kernels.md). A window that spans the image's whole width is one
 * run of rows * cols taps. Larger windows, a single tap and the last
 * in_c % 4 channels sum in 32 bits and divide. Every sum and quotient is
 * unsigned arithmetic, so any parameters the blob validator admits (the
 * reference kernel's rule) are defined behaviour; only a window of more
 * than 2^24 taps (impossible for a model the code generator accepts)
 * could wrap the sum. Pointers step from tap to tap only while another
 * tap follows, so they never leave the input.
 */
#include "tg_armv7em.h"

/* Stores the averages of the four channels whose sums are the halves of
 * even (channels 0 and 2) and odd (1 and 3). Out of line: one copy of the
 * four divisions serves every call (code size), and a call per four
 * channels costs little beside them. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static void tg_a7_pool_store4(int8_t *out, int32_t even, int32_t odd,
                                    uint32_t n, uint32_t recip, int32_t lo,
                                    int32_t hi) {
  out[0] = tg_a7_pool_div((uint32_t)tg_a7_sx16((uint32_t)even), n, recip, lo, hi);
  out[1] = tg_a7_pool_div((uint32_t)tg_a7_sx16((uint32_t)odd), n, recip, lo, hi);
  out[2] = tg_a7_pool_div((uint32_t)tg_a7_sx16((uint32_t)even >> 16), n, recip, lo, hi);
  out[3] = tg_a7_pool_div((uint32_t)tg_a7_sx16((uint32_t)odd >> 16), n, recip, lo, hi);
}

void tg_average_pool2d_s8_armv7em(const tg_pool_s8_params_t *p,
                                  const int8_t *input, int8_t *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_c = w->in_c, row_step = w->in_w * w->in_c;
  const int32_t lo = p->act_min, hi = p->act_max;
  int32_t b, oy, ox;

  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      for (ox = 0; ox < w->out_w; ox++) {
        int32_t first, rows, cols, c = 0, fy, fx, k;
        const int8_t *base;
        uint32_t n, recip;
        tg_a7_pool_clip(w, b, oy, ox, &first, &rows, &cols);
        base = input + first;
        n = (uint32_t)rows * (uint32_t)cols;
        recip = tg_a7_pool_recip(n);
        if (recip != 0) {
          if (cols * in_c == row_step) {
            /* Whole rows: one contiguous run of taps. */
            cols *= rows;
            rows = 1;
          }
          for (; c + 8 <= in_c; c += 8) {
            int32_t e0 = 0, o0 = 0, e1 = 0, o1 = 0;
            for (fy = 0; fy < rows; fy++) {
              const int8_t *ip = base + fy * row_step + c;
              for (k = cols;;) {
                const int32_t x0 = tg_a7_read32(ip), x1 = tg_a7_read32(ip + 4);
                e0 = tg_a7_sxtab16(e0, x0);
                o0 = tg_a7_sxtab16_ror8(o0, x0);
                e1 = tg_a7_sxtab16(e1, x1);
                o1 = tg_a7_sxtab16_ror8(o1, x1);
                if (--k == 0) {
                  break;
                }
                ip += in_c;
              }
            }
            tg_a7_pool_store4(output + c, e0, o0, n, recip, lo, hi);
            tg_a7_pool_store4(output + c + 4, e1, o1, n, recip, lo, hi);
          }
          for (; c + 4 <= in_c; c += 4) {
            int32_t e0 = 0, o0 = 0;
            for (fy = 0; fy < rows; fy++) {
              const int8_t *ip = base + fy * row_step + c;
              for (k = cols;;) {
                const int32_t x0 = tg_a7_read32(ip);
                e0 = tg_a7_sxtab16(e0, x0);
                o0 = tg_a7_sxtab16_ror8(o0, x0);
                if (--k == 0) {
                  break;
                }
                ip += in_c;
              }
            }
            tg_a7_pool_store4(output + c, e0, o0, n, recip, lo, hi);
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
          output[c] = tg_a7_pool_div(acc, n, 0, lo, hi);
        }
        output += in_c;
      }
    }
  }
}
