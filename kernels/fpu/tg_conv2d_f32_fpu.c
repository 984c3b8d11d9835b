/* tg_conv2d_f32_fpu: CONV_2D, float32, register-blocked (kernel set fpu).
 *
 * Computes the same outputs as tg_conv2d_f32 (reference set), bit for bit:
 * each output's sum starts at 0 and adds the rounded product of every
 * in-image tap in the order filter_y, filter_x, in_channel (taps outside
 * the image are skipped, as the reference skips them), then the bias (0
 * when absent), then the clamp. Only the interleaving of different
 * outputs' sums changes:
 *
 *  - output channels in blocks of 4 (TG_FPU_OC_BLOCK) whose filters were
 *    interleaved at compile time ([fy][fx][ic][4]), so one tap loads 4
 *    consecutive weights;
 *  - in the interior of a row (every column tap in the image) 4 output
 *    pixels at a time: 16 sums in registers, 8 loads per 16
 *    multiply-accumulates;
 *  - with dilation_w == 1 the taps of one filter row are contiguous in
 *    the input and in the packed filter, so the inner loop runs over
 *    filter_w * in_c elements at once.
 *
 * Border pixels and channel blocks of fewer than 4 take the one-pixel
 * paths, which keep the same order.
 */
#include <stddef.h>

#include "tg_fpu.h"
#include "tg_fixedpoint.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Taps [*lo, *hi) of a window row or column starting at x0 with dilation
 * d whose positions x0 + d*t fall inside [0, n). */
static void tg_fpu_tap_range(int32_t x0, int32_t d, int32_t taps, int32_t n,
                             int32_t *lo, int32_t *hi) {
  int32_t a = 0, b = taps;
  while (a < taps && x0 + d * a < 0) {
    a++;
  }
  while (b > a && x0 + d * (b - 1) >= n) {
    b--;
  }
  *lo = a;
  *hi = b;
}

/* One output pixel, nb channels of a block (nb weights per tap): nrows
 * filter rows, row fy at input ip + fy*row_step and weights wp + fy*wrow;
 * per row nrun runs of run taps, run_step input and wrun weight elements
 * apart. */
static void tg_fpu_conv_pixel(const float *ip, const float *wp, int32_t nb,
                              int32_t nrows, int32_t row_step,
                              int32_t wrow, int32_t nrun, int32_t run,
                              int32_t run_step, int32_t wrun, float *acc) {
  int32_t fy, r, k, j;
  if (nb == TG_FPU_OC_BLOCK) {
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    for (fy = 0; fy < nrows; fy++) {
      const float *irow = ip + fy * row_step;
      const float *wr = wp + fy * wrow;
      for (r = 0; r < nrun; r++) {
        const float *x = irow + r * run_step;
        const float *w = wr + r * wrun;
        for (k = 0; k < run; k++) {
          const float xv = x[k];
          TG_FPU_MAC(a0, xv, w[0]);
          TG_FPU_MAC(a1, xv, w[1]);
          TG_FPU_MAC(a2, xv, w[2]);
          TG_FPU_MAC(a3, xv, w[3]);
          w += 4;
        }
      }
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    return;
  }
  for (j = 0; j < nb; j++) {
    float a = 0.0f;
    for (fy = 0; fy < nrows; fy++) {
      const float *irow = ip + fy * row_step;
      const float *wr = wp + fy * wrow;
      for (r = 0; r < nrun; r++) {
        const float *x = irow + r * run_step;
        const float *w = wr + r * wrun + j;
        for (k = 0; k < run; k++) {
          TG_FPU_MAC(a, x[k], w[k * nb]);
        }
      }
    }
    acc[j] = a;
  }
}

/* Four output pixels px_step elements apart, a full block of 4 channels. */
static void tg_fpu_conv_quad(const float *ip, int32_t px_step, const float *wp,
                             int32_t nrows, int32_t row_step,
                             int32_t wrow, int32_t nrun, int32_t run,
                             int32_t run_step, int32_t wrun, float *acc) {
  float a00 = 0.0f, a01 = 0.0f, a02 = 0.0f, a03 = 0.0f;
  float a10 = 0.0f, a11 = 0.0f, a12 = 0.0f, a13 = 0.0f;
  float a20 = 0.0f, a21 = 0.0f, a22 = 0.0f, a23 = 0.0f;
  float a30 = 0.0f, a31 = 0.0f, a32 = 0.0f, a33 = 0.0f;
  int32_t fy, r, k;
  for (fy = 0; fy < nrows; fy++) {
    const float *irow = ip + fy * row_step;
    const float *wr = wp + fy * wrow;
    for (r = 0; r < nrun; r++) {
      const float *x0 = irow + r * run_step;
      const float *x1 = x0 + px_step;
      const float *x2 = x1 + px_step;
      const float *x3 = x2 + px_step;
      const float *w = wr + r * wrun;
      for (k = 0; k < run; k++) {
        const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        const float v0 = x0[k], v1 = x1[k], v2 = x2[k], v3 = x3[k];
        TG_FPU_MAC(a00, v0, w0);
        TG_FPU_MAC(a01, v0, w1);
        TG_FPU_MAC(a02, v0, w2);
        TG_FPU_MAC(a03, v0, w3);
        TG_FPU_MAC(a10, v1, w0);
        TG_FPU_MAC(a11, v1, w1);
        TG_FPU_MAC(a12, v1, w2);
        TG_FPU_MAC(a13, v1, w3);
        TG_FPU_MAC(a20, v2, w0);
        TG_FPU_MAC(a21, v2, w1);
        TG_FPU_MAC(a22, v2, w2);
        TG_FPU_MAC(a23, v2, w3);
        TG_FPU_MAC(a30, v3, w0);
        TG_FPU_MAC(a31, v3, w1);
        TG_FPU_MAC(a32, v3, w2);
        TG_FPU_MAC(a33, v3, w3);
        w += 4;
      }
    }
  }
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a02;
  acc[3] = a03;
  acc[4] = a10;
  acc[5] = a11;
  acc[6] = a12;
  acc[7] = a13;
  acc[8] = a20;
  acc[9] = a21;
  acc[10] = a22;
  acc[11] = a23;
  acc[12] = a30;
  acc[13] = a31;
  acc[14] = a32;
  acc[15] = a33;
}

/* Bias (0.0f when absent, still added) and clamp of n sums into out. */
static void tg_fpu_store(const float *acc, int32_t n, const float *bias,
                         float lo, float hi, float *out) {
  int32_t j;
  for (j = 0; j < n; j++) {
    float bv = 0.0f;
    if (bias != NULL) {
      bv = bias[j];
    }
    out[j] = tg_clampf(acc[j] + bv, lo, hi);
  }
}

void tg_conv2d_f32_fpu(const tg_conv2d_f32_fpu_params_t *p,
                       const float *input, const float *bias, float *output) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t out_w = w->out_w, out_c = w->out_c;
  const int32_t fh = w->filter_h, fw = w->filter_w;
  const int32_t sw = w->stride_w, dw = w->dilation_w;
  /* Elements of one output channel's filter. */
  const int32_t fsize = fh * fw * in_c;
  const int32_t row_step = w->dilation_h * in_w * in_c;
  /* Interior columns: every column tap inside the image. */
  int32_t ox_lo = 0, ox_hi = out_w;
  int32_t b, oy, ox, oc0;
  float acc[4 * TG_FPU_OC_BLOCK];

  while (ox_lo < out_w && ox_lo * sw - w->pad_w < 0) {
    ox_lo++;
  }
  while (ox_hi > ox_lo &&
         (ox_hi - 1) * sw - w->pad_w + dw * (fw - 1) >= in_w) {
    ox_hi--;
  }
  for (b = 0; b < w->batches; b++) {
    const float *in_b = input + b * in_h * in_w * in_c;
    for (oy = 0; oy < w->out_h; oy++) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t fy0, fy1;
      tg_fpu_tap_range(y0, w->dilation_h, fh, in_h, &fy0, &fy1);
      for (oc0 = 0; oc0 < out_c; oc0 += TG_FPU_OC_BLOCK) {
        const int32_t nb =
            out_c - oc0 < TG_FPU_OC_BLOCK ? out_c - oc0 : TG_FPU_OC_BLOCK;
        const float *wblk = p->packed + oc0 * fsize;
        const int32_t wrow = fw * in_c * nb;
        const float *bias_blk = bias != NULL ? bias + oc0 : NULL;
        float *out_row = output + ((b * w->out_h + oy) * out_w) * out_c + oc0;
        /* The first in-image filter row: its input row and weights (no
         * pointer outside the tensors is formed when no row is in the
         * image). */
        const int32_t nrows = fy1 - fy0;
        const float *in_row0 =
            nrows > 0 ? in_b + (y0 + w->dilation_h * fy0) * in_w * in_c : in_b;
        const float *wrow0 = wblk + fy0 * wrow;
        ox = 0;
        while (ox < out_w) {
          const int32_t x0 = ox * sw - w->pad_w;
          if (nb == TG_FPU_OC_BLOCK && nrows > 0 && ox >= ox_lo && ox + 4 <= ox_hi) {
            if (dw == 1) {
              tg_fpu_conv_quad(in_row0 + x0 * in_c, sw * in_c, wrow0, nrows,
                               row_step, wrow, 1, fw * in_c, 0, 0, acc);
            } else {
              tg_fpu_conv_quad(in_row0 + x0 * in_c, sw * in_c, wrow0, nrows,
                               row_step, wrow, fw, in_c, dw * in_c, in_c * nb,
                               acc);
            }
            tg_fpu_store(acc, 4, bias_blk, p->act_min, p->act_max,
                         out_row + ox * out_c);
            tg_fpu_store(acc + 4, 4, bias_blk, p->act_min, p->act_max,
                         out_row + (ox + 1) * out_c);
            tg_fpu_store(acc + 8, 4, bias_blk, p->act_min, p->act_max,
                         out_row + (ox + 2) * out_c);
            tg_fpu_store(acc + 12, 4, bias_blk, p->act_min, p->act_max,
                         out_row + (ox + 3) * out_c);
            ox += 4;
          } else {
            int32_t fx0, fx1;
            tg_fpu_tap_range(x0, dw, fw, in_w, &fx0, &fx1);
            if (nrows > 0 && fx1 > fx0 && dw == 1) {
              tg_fpu_conv_pixel(in_row0 + (x0 + fx0) * in_c, wrow0 + fx0 * in_c * nb,
                                nb, nrows, row_step, wrow, 1,
                                (fx1 - fx0) * in_c, 0, 0, acc);
            } else if (nrows > 0 && fx1 > fx0) {
              tg_fpu_conv_pixel(in_row0 + (x0 + dw * fx0) * in_c,
                                wrow0 + fx0 * in_c * nb, nb, nrows, row_step,
                                wrow, fx1 - fx0, in_c, dw * in_c, in_c * nb,
                                acc);
            } else {
              int32_t j;
              for (j = 0; j < nb; j++) {
                acc[j] = 0.0f;
              }
            }
            tg_fpu_store(acc, nb, bias_blk, p->act_min, p->act_max,
                         out_row + ox * out_c);
            ox++;
          }
        }
      }
    }
  }
}
