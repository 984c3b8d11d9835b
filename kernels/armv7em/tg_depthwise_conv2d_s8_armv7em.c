/* tg_depthwise_conv2d_s8_armv7em: DEPTHWISE_CONV_2D int8 with depth
 * multiplier 1, any window, stride, padding and dilation (armv7em kernel
 * set).
 *
 * Per output pixel, the valid tap rectangle is computed once (no bounds
 * test per tap), then channels go 4 at a time: one 32-bit load reads the
 * 4 input channels of a tap, SXTAB16 adds the input offset to channels
 * (c, c+2) and (c+1, c+3) as int16 pairs, and SMLABB/SMLATT multiply
 * them by the filter, widened to int16 pairs in the same order at compile
 * time, into 4 accumulators. Channels past the last multiple of 4 run a
 * scalar loop. The accumulators equal the reference kernel's (same
 * products, sums modulo 2^32); requantisation as in tg_armv7em.h. See
 * docs/kernels.md.
 */
#include "tg_armv7em.h"

/* The taps f in [0, n) with 0 <= origin + dilation * f < size, as
 * [*first, *last). */
static void tg_a7_tap_range(int32_t origin, int32_t dilation, int32_t n,
                            int32_t size, int32_t *first, int32_t *last) {
  int32_t lo = 0, hi;
  if (origin < 0) {
    lo = (-origin + dilation - 1) / dilation;
  }
  if (size - origin <= 0) {
    hi = 0;
  } else {
    hi = (size - origin + dilation - 1) / dilation;
  }
  if (hi > n) {
    hi = n;
  }
  if (lo > hi) {
    lo = hi;
  }
  *first = lo;
  *last = hi;
}

void tg_depthwise_conv2d_s8_armv7em(
    const tg_depthwise_conv2d_s8_armv7em_params_t *p, const int8_t *input,
    int8_t *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, ch = w->in_c;
  const int32_t fh = w->filter_h, fw = w->filter_w;
  const int32_t dh = w->dilation_h, dw = w->dilation_w;
  const int32_t taps = fh * fw;
  const int32_t full = ch >> 2;
  const int32_t in_off = p->input_offset;
  const int32_t off2 = tg_a7_pack16(in_off, in_off);
  const int32_t fast = p->requant_fast, out_off = p->output_offset;
  const int32_t lo = p->act_min, hi = p->act_max;
  int32_t b, oy, ox;

  for (b = 0; b < w->batches; b++) {
    const int8_t *in_b = input + b * in_h * in_w * ch;
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t fy0, fy1;
      tg_a7_tap_range(y0, dh, fh, in_h, &fy0, &fy1);
      for (ox = 0; ox < w->out_w; ox++) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        int32_t fx0, fx1, g, c;
        tg_a7_tap_range(x0, dw, fw, in_w, &fx0, &fx1);
        for (g = 0; g < full; g++) {
          const int32_t cc = 4 * g;
          const int16_t *wg = p->weights + g * taps * 4;
          const int32_t *q = p->requant + cc * 4;
          int32_t a0 = p->bias[cc], a1 = p->bias[cc + 1];
          int32_t a2 = p->bias[cc + 2], a3 = p->bias[cc + 3];
          int32_t fy, fx;
          for (fy = fy0; fy < fy1; fy++) {
            const int8_t *ip =
                in_b + ((y0 + dh * fy) * in_w + x0 + dw * fx0) * ch + cc;
            const int16_t *wp = wg + (fy * fw + fx0) * 4;
            for (fx = fx1 - fx0; fx > 0; fx--) {
              const int32_t xv = tg_a7_read32(ip);
              const int32_t x02 = tg_a7_sxtab16(off2, xv);
              const int32_t x13 = tg_a7_sxtab16_ror8(off2, xv);
              const int32_t w02 = tg_a7_read32(wp);
              const int32_t w13 = tg_a7_read32(wp + 2);
              a0 = tg_a7_smlabb(x02, w02, a0);
              a2 = tg_a7_smlatt(x02, w02, a2);
              a1 = tg_a7_smlabb(x13, w13, a1);
              a3 = tg_a7_smlatt(x13, w13, a3);
              ip += dw * ch;
              wp += 4;
            }
          }
          {
            int8_t *o = output + ((b * w->out_h + oy) * w->out_w + ox) * ch + cc;
            o[0] = tg_a7_requant(a0, q, fast, out_off, lo, hi);
            o[1] = tg_a7_requant(a1, q + 4, fast, out_off, lo, hi);
            o[2] = tg_a7_requant(a2, q + 8, fast, out_off, lo, hi);
            o[3] = tg_a7_requant(a3, q + 12, fast, out_off, lo, hi);
          }
        }
        for (c = 4 * full; c < ch; c++) {
          /* Position of channel c within its group's int16 quadruple:
           * (c0, c0+2, c0+1, c0+3). */
          static const int8_t slot[4] = {0, 2, 1, 3};
          const int16_t *wg = p->weights + full * taps * 4 + slot[c & 3];
          int32_t a = p->bias[c];
          int32_t fy, fx;
          for (fy = fy0; fy < fy1; fy++) {
            for (fx = fx0; fx < fx1; fx++) {
              const int32_t iy = y0 + dh * fy, ix = x0 + dw * fx;
              const int32_t xv = in_b[(iy * in_w + ix) * ch + c] + in_off;
              a = (int32_t)((uint32_t)a +
                            (uint32_t)(xv * wg[(fy * fw + fx) * 4]));
            }
          }
          output[((b * w->out_h + oy) * w->out_w + ox) * ch + c] =
              tg_a7_requant(a, p->requant + c * 4, fast, out_off, lo, hi);
        }
      }
    }
  }
}
