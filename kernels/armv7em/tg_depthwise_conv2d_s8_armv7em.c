/* tg_depthwise_conv2d_s8_armv7em: DEPTHWISE_CONV_2D int8 with depth
 * multiplier 1, any stride, padding and dilation, at most
 * TG_A7_DW_MAX_TAPS taps (armv7em kernel set).
 *
 * Per output pixel the kernel sets one pointer per tap: to the tap's
 * input pixel, or, for a tap outside the image, to scratch filled with
 * the input zero point (which adds (zp - zp) * w = 0, exactly what the
 * reference kernel's skipped tap adds). Then channels go 4 at a time with
 * no bounds tests: one 32-bit load reads the 4 input channels of a tap,
 * SXTAB16 adds the input offset to channels (c, c+2) and (c+1, c+3) as
 * int16 pairs, and SMLABB/SMLATT multiply them by the filter, widened to
 * int16 pairs in the same order at compile time, into 4 accumulators (3x3
 * windows unrolled). Channels past the last multiple of 4 run a scalar
 * loop. The accumulators equal the reference kernel's (same products,
 * sums modulo 2^32); requantisation as in tg_armv7em.h. See
 * docs/kernels.md.
 */
#include "tg_armv7em.h"

/* One tap of 4 channels: input word at ip, filter words wp[0], wp[1].
 * With DSP and optimisation the tap is one assembly block: GCC otherwise
 * spills the filter pointer and reloads it for every tap. */
#if defined(TG_A7_DSP) && defined(__OPTIMIZE__) && !defined(TG_A7_NO_ASM)
#define TG_A7_DW_TAPX(base, g, wp, woff)                                    \
  do {                                                                      \
    int32_t xv_, xe_, w0_, w1_;                                             \
    __asm__("ldr %[xv], [%[p], %[gg]]\n\t"                                  \
            "ldrd %[w0], %[w1], [%[w], #" #woff "]\n\t"                     \
            "sxtab16 %[xe], %[o2], %[xv]\n\t"                               \
            "sxtab16 %[xv], %[o2], %[xv], ror #8\n\t"                       \
            "smlabb %[a0], %[xe], %[w0], %[a0]\n\t"                         \
            "smlatt %[a2], %[xe], %[w0], %[a2]\n\t"                         \
            "smlabb %[a1], %[xv], %[w1], %[a1]\n\t"                         \
            "smlatt %[a3], %[xv], %[w1], %[a3]\n\t"                         \
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),   \
              [xv] "=&r"(xv_), [xe] "=&r"(xe_), [w0] "=&r"(w0_),            \
              [w1] "=&r"(w1_)                                               \
            : [p] "r"(base), [gg] "r"(g), [w] "r"(wp), [o2] "r"(off2),      \
              "m"(*(base)), "m"(*(wp)));                                    \
  } while (0)
#define TG_A7_DW_TAP(ip, wp) TG_A7_DW_TAPX(ip, 0, wp, 0)
#else
#define TG_A7_DW_TAPX(base, g, wp, woff) TG_A7_DW_TAP((base) + (g), (wp) + (woff) / 4)
#define TG_A7_DW_TAP(ip, wp)                                                \
  do {                                                                      \
    const int32_t xv_ = tg_a7_read32(ip);                                   \
    const int32_t x02_ = tg_a7_sxtab16(off2, xv_);                          \
    const int32_t x13_ = tg_a7_sxtab16_ror8(off2, xv_);                     \
    const int32_t w02_ = (wp)[0], w13_ = (wp)[1];                           \
    a0 = tg_a7_smlabb(x02_, w02_, a0);                                      \
    a2 = tg_a7_smlatt(x02_, w02_, a2);                                      \
    a1 = tg_a7_smlabb(x13_, w13_, a1);                                      \
    a3 = tg_a7_smlatt(x13_, w13_, a3);                                      \
  } while (0)
#endif

/* The common case, a 3x3 window with the 32-bit requantisation RQ_
 * (tg_a7_rq_fast or tg_a7_rq_plus) and SSAT (then the activation's
 * bounds, exact since [lo, hi] lies within [-128, 127]), fully unrolled. */
#define TG_A7_DW9(RQ_, POST_) \
  do { \
          const int32_t *wp = weights; \
          const int32_t *q = requant; \
          for (g = 0; g < 4 * full; g += 4, wp += 18, q += 16) { \
            int32_t a0 = bias[g], a1 = bias[g + 1]; \
            int32_t a2 = bias[g + 2], a3 = bias[g + 3]; \
            TG_A7_DW_TAPX(tp[0], g, wp, 0); \
            TG_A7_DW_TAPX(tp[1], g, wp, 8); \
            TG_A7_DW_TAPX(tp[2], g, wp, 16); \
            TG_A7_DW_TAPX(tp[3], g, wp, 24); \
            TG_A7_DW_TAPX(tp[4], g, wp, 32); \
            TG_A7_DW_TAPX(tp[5], g, wp, 40); \
            TG_A7_DW_TAPX(tp[6], g, wp, 48); \
            TG_A7_DW_TAPX(tp[7], g, wp, 56); \
            TG_A7_DW_TAPX(tp[8], g, wp, 64); \
            a0 = tg_a7_ssat8(RQ_(a0, q[0], q[1], q[2], q[3], POST_)); \
            a1 = tg_a7_ssat8(RQ_(a1, q[4], q[5], q[6], q[7], POST_)); \
            a2 = tg_a7_ssat8(RQ_(a2, q[8], q[9], q[10], q[11], POST_)); \
            a3 = tg_a7_ssat8(RQ_(a3, q[12], q[13], q[14], q[15], POST_)); \
            if (!full_range) { \
              a0 = tg_a7_clamp(a0, lo, hi); \
              a1 = tg_a7_clamp(a1, lo, hi); \
              a2 = tg_a7_clamp(a2, lo, hi); \
              a3 = tg_a7_clamp(a3, lo, hi); \
            } \
            o[g] = (int8_t)a0; \
            o[g + 1] = (int8_t)a1; \
            o[g + 2] = (int8_t)a2; \
            o[g + 3] = (int8_t)a3; \
          } \
  } while (0)

void tg_depthwise_conv2d_s8_armv7em(
    const tg_depthwise_conv2d_s8_armv7em_params_t *p, const int8_t *input,
    int8_t *output, int8_t *scratch) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, ch = w->in_c;
  const int32_t fh = w->filter_h, fw = w->filter_w;
  const int32_t taps = fh * fw;
  const int32_t full = ch >> 2;
  const int32_t in_off = p->input_offset;
  const int32_t off2 = tg_a7_pack16(in_off, in_off);
  const int32_t fast = p->requant_fast, out_off = p->output_offset;
  const int32_t post = tg_a7_post(fast, out_off);
  const int32_t lo = p->act_min, hi = p->act_max;
  const int32_t *const weights = p->weights;
  const int32_t *const bias = p->bias;
  const int32_t *const requant = p->requant;
  const int32_t full_range = lo == -128 && hi == 127;
  const int8_t *tp[TG_A7_DW_MAX_TAPS];
  int32_t toff[TG_A7_DW_MAX_TAPS];
  int8_t *o = output;
  int32_t b, oy, ox, c, t;

  if (taps > TG_A7_DW_MAX_TAPS) {
    return; /* never generated: Specialise refuses such windows */
  }
  for (c = 0; c < ch; c++) {
    scratch[c] = (int8_t)(-in_off);
  }
  /* Offsets of the taps from the window's first pixel. */
  for (t = 0; t < taps; t++) {
    toff[t] = ((t / fw) * w->dilation_h * in_w + (t % fw) * w->dilation_w) * ch;
  }
  for (b = 0; b < w->batches; b++) {
    const int8_t *in_b = input + b * in_h * in_w * ch;
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      const int32_t rows_in = y0 >= 0 && y0 + (fh - 1) * w->dilation_h < in_h;
      for (ox = 0; ox < w->out_w; ox++, o += ch) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        int32_t fy, fx, g;
        if (rows_in && x0 >= 0 && x0 + (fw - 1) * w->dilation_w < in_w) {
          const int8_t *base = in_b + (y0 * in_w + x0) * ch;
          if (taps == 9) {
            /* Unrolled: the 3x3 case sets its 9 pointers per pixel. */
            tp[0] = base + toff[0];
            tp[1] = base + toff[1];
            tp[2] = base + toff[2];
            tp[3] = base + toff[3];
            tp[4] = base + toff[4];
            tp[5] = base + toff[5];
            tp[6] = base + toff[6];
            tp[7] = base + toff[7];
            tp[8] = base + toff[8];
          } else {
            for (t = 0; t < taps; t++) {
              tp[t] = base + toff[t];
            }
          }
        } else {
          t = 0;
          for (fy = 0; fy < fh; fy++) {
            const int32_t iy = y0 + w->dilation_h * fy;
            for (fx = 0; fx < fw; fx++, t++) {
              const int32_t ix = x0 + w->dilation_w * fx;
              tp[t] = (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w)
                          ? scratch
                          : in_b + (iy * in_w + ix) * ch;
            }
          }
        }
        if (taps == 9 && fast == 1) {
          TG_A7_DW9(tg_a7_rq_fast, 0);
        } else if (taps == 9 && fast >= 3) {
          TG_A7_DW9(tg_a7_rq_plus, post);
        } else {
          const int32_t *wp = weights;
          for (g = 0; g < 4 * full; g += 4) {
            int32_t a0 = bias[g], a1 = bias[g + 1];
            int32_t a2 = bias[g + 2], a3 = bias[g + 3];
            int32_t k;
            for (k = 0; k < taps; k++, wp += 2) {
              TG_A7_DW_TAP(tp[k] + g, wp);
            }
            tg_a7_requant4(a0, a1, a2, a3, requant + 4 * g, fast, out_off, lo,
                           hi, o + g);
          }
        }
        for (c = 4 * full; c < ch; c++) {
          /* Channel c's filter value is half (c >> 1) & 1 of word c & 1
           * of its group's tap. */
          const int32_t *wg = weights + full * taps * 2 + (c & 1);
          const int32_t half = 16 * ((c >> 1) & 1);
          int32_t a = bias[c], k;
          for (k = 0; k < taps; k++) {
            const int32_t xv = tp[k][c] + in_off;
            const int32_t wv = tg_a7_sx16((uint32_t)wg[2 * k] >> half);
            a = (int32_t)((uint32_t)a + (uint32_t)(xv * wv));
          }
          o[c] = tg_a7_requant(a, requant + c * 4, fast, out_off, lo, hi);
        }
      }
    }
  }
}
