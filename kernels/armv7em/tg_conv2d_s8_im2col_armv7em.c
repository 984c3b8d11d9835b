/* tg_conv2d_s8_im2col_armv7em: CONV_2D int8, any window, stride, padding
 * and dilation, one group (armv7em kernel set).
 *
 * For every two output pixels it copies their receptive fields into
 * scratch (im2col: filter_h * filter_w * in_c values per pixel, rows
 * row_len bytes apart) with the taps outside the image set to the input
 * zero point, then runs the set's GEMM core (tg_a7_gemm in tg_armv7em.h)
 * on those two rows. The bias has the input zero point folded in, so a
 * padded tap contributes w * (zero point - zero point) = 0 exactly as the
 * reference kernel's skipped tap does. Bit-exact with tg_conv2d_s8; see
 * tg_armv7em.h and docs/kernels.md.
 */
#include "tg_armv7em.h"

/* Copies the receptive field of output pixel (oy, ox) of the batch image
 * in into row. */
static void tg_a7_im2col_row(const tg_conv2d_s8_im2col_armv7em_params_t *p,
                             const int8_t *in, int32_t oy, int32_t ox,
                             int8_t *row) {
  const tg_window_t *w = &p->win;
  const int32_t in_c = w->in_c, fw = w->filter_w;
  const int32_t y0 = oy * w->stride_h - w->pad_h;
  const int32_t x0 = ox * w->stride_w - w->pad_w;
  const int8_t pad = (int8_t)p->pad_value;
  int32_t fy, fx, c;
  for (fy = 0; fy < w->filter_h; fy++) {
    const int32_t iy = y0 + w->dilation_h * fy;
    if (iy < 0 || iy >= w->in_h) {
      for (c = 0; c < fw * in_c; c++) {
        row[c] = pad;
      }
      row += fw * in_c;
      continue;
    }
    if (w->dilation_w == 1 && x0 >= 0 && x0 + fw <= w->in_w) {
      memcpy(row, in + (iy * w->in_w + x0) * in_c, (size_t)(fw * in_c));
      row += fw * in_c;
      continue;
    }
    for (fx = 0; fx < fw; fx++) {
      const int32_t ix = x0 + w->dilation_w * fx;
      if (ix < 0 || ix >= w->in_w) {
        for (c = 0; c < in_c; c++) {
          row[c] = pad;
        }
      } else {
        memcpy(row, in + (iy * w->in_w + ix) * in_c, (size_t)in_c);
      }
      row += in_c;
    }
  }
}

void tg_conv2d_s8_im2col_armv7em(
    const tg_conv2d_s8_im2col_armv7em_params_t *p, const int8_t *input,
    int8_t *output, int8_t *scratch) {
  const tg_window_t *w = &p->win;
  const int32_t pixels = w->out_h * w->out_w;
  const int32_t out_c = w->out_c, row_len = p->row_len;
  int32_t b, i;
  for (b = 0; b < w->batches; b++) {
    const int8_t *in = input + b * w->in_h * w->in_w * w->in_c;
    int8_t *out = output + b * pixels * out_c;
    for (i = 0; i < pixels; i += 2) {
      const int32_t n = pixels - i < 2 ? pixels - i : 2;
      int32_t j;
      for (j = 0; j < n; j++) {
        tg_a7_im2col_row(p, in, (i + j) / w->out_w, (i + j) % w->out_w,
                         scratch + j * row_len);
      }
      tg_a7_gemm(&p->gemm, n, scratch, row_len, out + i * out_c, out_c);
    }
  }
}
