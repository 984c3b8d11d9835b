/* tg_depthwise_conv2d_f32_fpu: DEPTHWISE_CONV_2D, float32, depth
 * multiplier 1, register-blocked (kernel set fpu).
 *
 * Computes the same outputs as tg_depthwise_conv2d_f32 (reference set),
 * bit for bit: each output's sum starts at 0 and adds the rounded product
 * filter * input of every in-image tap in the order filter_y, filter_x
 * (taps outside the image are skipped), then the bias (0 when absent),
 * then the clamp. Only the interleaving of different outputs' sums
 * changes: channels in blocks of 4, whose inputs and weights are
 * consecutive in NHWC and in the [1, fh, fw, out_c] filter (no packing),
 * and in the interior of a row (every column tap in the image) 2 output
 * pixels at a time: 8 sums in registers, 12 loads per 8
 * multiply-accumulates. Border pixels and the last channels (in_c not a
 * multiple of 4) take one-pixel paths in the same order.
 */
#include <stddef.h>

#include "tg_fpu.h"
#include "tg_fixedpoint.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

void tg_depthwise_conv2d_f32_fpu(const tg_depthwise_conv2d_f32_params_t *p,
                                 const float *input, const float *filter,
                                 const float *bias, float *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, c_n = w->in_c;
  const int32_t out_w = w->out_w;
  const int32_t fh = w->filter_h, fw = w->filter_w;
  const int32_t sw = w->stride_w, dw = w->dilation_w;
  const int32_t row_step = w->dilation_h * in_w * c_n; /* next filter row */
  const int32_t col_step = dw * c_n;                   /* next filter column */
  const int32_t wcol = c_n;                            /* filter: next column */
  const int32_t px_step = sw * c_n;                    /* next output pixel */
  int32_t ox_lo = 0, ox_hi = out_w;
  int32_t b, oy, ox, c0, fy, fx;

  while (ox_lo < out_w && ox_lo * sw - w->pad_w < 0) {
    ox_lo++;
  }
  while (ox_hi > ox_lo && (ox_hi - 1) * sw - w->pad_w + dw * (fw - 1) >= in_w) {
    ox_hi--;
  }
  for (b = 0; b < w->batches; b++) {
    const float *in_b = input + b * in_h * in_w * c_n;
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t fy0 = 0, fy1 = fh, nrows;
      const float *in_row0;
      const float *w_row0;
      float *out_row = output + ((b * w->out_h + oy) * out_w) * c_n;
      while (fy0 < fh && y0 + w->dilation_h * fy0 < 0) {
        fy0++;
      }
      while (fy1 > fy0 && y0 + w->dilation_h * (fy1 - 1) >= in_h) {
        fy1--;
      }
      nrows = fy1 - fy0;
      /* The first in-image filter row (no out-of-range pointer when no row
       * is in the image). */
      in_row0 = nrows > 0 ? in_b + (y0 + w->dilation_h * fy0) * in_w * c_n : in_b;
      w_row0 = filter + fy0 * fw * c_n;
      ox = 0;
      while (ox < out_w) {
        const int32_t x0 = ox * sw - w->pad_w;
        if (nrows > 0 && ox >= ox_lo && ox + 2 <= ox_hi) {
          /* Two interior pixels: every column tap is in the image. */
          const float *ip = in_row0 + x0 * c_n;
          float *o0 = out_row + ox * c_n;
          float *o1 = o0 + c_n;
          for (c0 = 0; c0 + 4 <= c_n; c0 += 4) {
            float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
            float e0 = 0.0f, e1 = 0.0f, e2 = 0.0f, e3 = 0.0f;
            for (fy = 0; fy < nrows; fy++) {
              const float *x = ip + fy * row_step + c0;
              const float *wp = w_row0 + fy * fw * c_n + c0;
              for (fx = 0; fx < fw; fx++) {
                const float w0 = wp[0], w1 = wp[1], w2 = wp[2], w3 = wp[3];
                const float *y = x + px_step;
                TG_FPU_MAC(a0, w0, x[0]);
                TG_FPU_MAC(a1, w1, x[1]);
                TG_FPU_MAC(a2, w2, x[2]);
                TG_FPU_MAC(a3, w3, x[3]);
                TG_FPU_MAC(e0, w0, y[0]);
                TG_FPU_MAC(e1, w1, y[1]);
                TG_FPU_MAC(e2, w2, y[2]);
                TG_FPU_MAC(e3, w3, y[3]);
                x += col_step;
                wp += wcol;
              }
            }
            {
              const float lo = p->act_min, hi = p->act_max;
              float b0 = 0.0f, b1 = 0.0f, b2 = 0.0f, b3 = 0.0f;
              if (bias != NULL) {
                b0 = bias[c0];
                b1 = bias[c0 + 1];
                b2 = bias[c0 + 2];
                b3 = bias[c0 + 3];
              }
              o0[c0] = tg_clampf(a0 + b0, lo, hi);
              o0[c0 + 1] = tg_clampf(a1 + b1, lo, hi);
              o0[c0 + 2] = tg_clampf(a2 + b2, lo, hi);
              o0[c0 + 3] = tg_clampf(a3 + b3, lo, hi);
              o1[c0] = tg_clampf(e0 + b0, lo, hi);
              o1[c0 + 1] = tg_clampf(e1 + b1, lo, hi);
              o1[c0 + 2] = tg_clampf(e2 + b2, lo, hi);
              o1[c0 + 3] = tg_clampf(e3 + b3, lo, hi);
            }
          }
          for (; c0 < c_n; c0++) {
            float a = 0.0f, e = 0.0f, bv = 0.0f;
            for (fy = 0; fy < nrows; fy++) {
              const float *x = ip + fy * row_step + c0;
              const float *wp = w_row0 + fy * fw * c_n + c0;
              for (fx = 0; fx < fw; fx++) {
                TG_FPU_MAC(a, wp[0], x[0]);
                TG_FPU_MAC(e, wp[0], x[px_step]);
                x += col_step;
                wp += wcol;
              }
            }
            if (bias != NULL) {
              bv = bias[c0];
            }
            o0[c0] = tg_clampf(a + bv, p->act_min, p->act_max);
            o1[c0] = tg_clampf(e + bv, p->act_min, p->act_max);
          }
          ox += 2;
        } else {
          /* One pixel, the in-image columns [fx0, fx1) only. */
          int32_t fx0 = 0, fx1 = fw;
          float *o = out_row + ox * c_n;
          while (fx0 < fw && x0 + dw * fx0 < 0) {
            fx0++;
          }
          while (fx1 > fx0 && x0 + dw * (fx1 - 1) >= in_w) {
            fx1--;
          }
          for (c0 = 0; c0 < c_n; c0++) {
            float a = 0.0f, bv = 0.0f;
            if (nrows > 0 && fx1 > fx0) {
              const float *ip = in_row0 + (x0 + dw * fx0) * c_n + c0;
              for (fy = 0; fy < nrows; fy++) {
                const float *x = ip + fy * row_step;
                const float *wp = w_row0 + (fy * fw + fx0) * c_n + c0;
                for (fx = fx0; fx < fx1; fx++) {
                  TG_FPU_MAC(a, wp[0], x[0]);
                  x += col_step;
                  wp += wcol;
                }
              }
            }
            if (bias != NULL) {
              bv = bias[c0];
            }
            o[c0] = tg_clampf(a + bv, p->act_min, p->act_max);
          }
          ox++;
        }
      }
    }
  }
}
