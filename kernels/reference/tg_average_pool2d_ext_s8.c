/* tg_average_pool2d_ext_s8: AVERAGE_POOL_2D, int8, with dilation, explicit
 * pads and count_include_pad (ONNX AveragePool; input and output share
 * scale and zero point).
 *
 * Same arithmetic as tg_average_pool2d_s8 and tinygen's Go evaluator
 * (eval/pool.go poolInt): the raw codes of the in-image taps (fy, then fx,
 * dilation apart) are summed in int32; with count_include_pad the n taps
 * of the padded image that fall outside the image add pad_value (the zero
 * point) each and n is the divisor; the average rounds half away from zero
 * (quant.AveragePoolRound) or, with round_half_even (ONNX Runtime's
 * rounding), the centred mean (acc - n*zp)/n rounds half to even and the
 * zero point (pad_value) is added back (quant.AveragePoolRoundHalfEven),
 * then the clamp. The code generator rejects
 * empty windows and windows of more than 2^23 taps.
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_window.h"

void tg_average_pool2d_ext_s8(const tg_pool_ext_s8_params_t *p,
                              const int8_t *input, int8_t *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t dh = w->dilation_h, dw = w->dilation_w;
  int32_t b, oy, ox, c, fy, fx;

  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t fys, fye, cys, cye;
      tg_tap_range(y0, dh, w->filter_h, 0, in_h, &fys, &fye);
      tg_tap_range(y0, dh, w->filter_h, -w->pad_h, p->count_end_h, &cys,
                   &cye);
      for (ox = 0; ox < w->out_w; ox++) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        int32_t fxs, fxe, cxs, cxe, n, taps;
        tg_tap_range(x0, dw, w->filter_w, 0, in_w, &fxs, &fxe);
        tg_tap_range(x0, dw, w->filter_w, -w->pad_w, p->count_end_w, &cxs,
                     &cxe);
        taps = (fye > fys && fxe > fxs) ? (fye - fys) * (fxe - fxs) : 0;
        n = taps;
        if (p->count_include_pad) {
          n = (cye > cys && cxe > cxs) ? (cye - cys) * (cxe - cxs) : 0;
        }
        for (c = 0; c < w->out_c; c++) {
          int32_t acc = 0, r = 0;
          for (fy = fys; fy < fye; fy++) {
            const int32_t row = (b * in_h + y0 + dh * fy) * in_w;
            for (fx = fxs; fx < fxe; fx++) {
              acc += input[(row + x0 + dw * fx) * in_c + c];
            }
          }
          acc += p->pad_value * (n - taps);
          if (n > 0 && p->round_half_even) {
            /* centred sum: |acc - n*zp| <= 255n < 2^31 */
            const int32_t cs = acc - n * p->pad_value;
            int32_t q = cs / n, m = cs % n; /* floor division */
            if (m < 0) {
              q -= 1;
              m += n;
            }
            if (2 * m > n || (2 * m == n && (q & 1) != 0)) {
              q += 1;
            }
            r = q + p->pad_value;
          } else if (n > 0) {
            r = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
          }
          *output++ = (int8_t)tg_clamp(r, p->act_min, p->act_max);
        }
      }
    }
  }
}
