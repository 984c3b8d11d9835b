/* tg_conv2d_s8_rv32: CONV_2D, int8, for RV32IM (kernel set "rv32").
 *
 * Same results as tg_conv2d_s8 (reference) for one group. Output pixels
 * (batch, row, column in raster order) are taken 4 at a time: their im2col
 * rows go into scratch, pixel-interleaved (scratch[4*k + j] is tap k of
 * pixel j; taps outside the image hold the input zero point). Then every
 * block of 4 output channels runs a dot product of k taps with 16
 * accumulators in registers: per tap 4 input and 4 weight loads at
 * constant offsets from two incremented pointers, 16 multiplies and 16
 * additions (unrolling further makes GCC spill). The accumulators start
 * from the folded bias, so the input offset is never added in the loop
 * (exact, because padded taps hold the zero point: filter * (zp +
 * input_offset) = 0). A last block with fewer than 4 pixels repeats its
 * last pixel and does not store the copies; channels past out_c have zero
 * weights and are not stored.
 */
#include "tg_rv32.h"

/* pack4 writes the im2col rows of output pixels pix..pix+3 (the last valid
 * one repeated past npix) into a, interleaved. */
static void pack4(const tg_conv2d_s8_rv32_params_t *p, const int8_t *input,
                  int32_t pix, int32_t npix, int8_t *a) {
  const tg_window_t *w = &p->win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t per_image = w->out_h * w->out_w;
  const int8_t zp = (int8_t)p->input_zp;
  int32_t j, fy, fx, c;

  for (j = 0; j < 4; j++) {
    const int32_t q = pix + j < npix ? pix + j : npix - 1;
    const int32_t b = q / per_image;
    const int32_t oy = (q - b * per_image) / w->out_w;
    const int32_t ox = q - b * per_image - oy * w->out_w;
    const int32_t y0 = oy * w->stride_h - w->pad_h;
    const int32_t x0 = ox * w->stride_w - w->pad_w;
    const int8_t *in_b = input + b * in_h * in_w * in_c;
    int8_t *dst = a + j;
    for (fy = 0; fy < w->filter_h; fy++) {
      const int32_t iy = y0 + w->dilation_h * fy;
      const int row_in = iy >= 0 && iy < in_h;
      for (fx = 0; fx < w->filter_w; fx++) {
        const int32_t ix = x0 + w->dilation_w * fx;
        if (row_in && ix >= 0 && ix < in_w) {
          const int8_t *src = in_b + (iy * in_w + ix) * in_c;
          for (c = 0; c < in_c; c++) {
            *dst = src[c];
            dst += 4;
          }
        } else {
          for (c = 0; c < in_c; c++) {
            *dst = zp;
            dst += 4;
          }
        }
      }
    }
  }
}

/* store4 requantises the accumulators of one channel for the valid pixels
 * and stores them out_c apart. */
static inline void store4(const tg_conv2d_s8_rv32_params_t *p,
                          const int32_t *q, int8_t *o, int32_t stride,
                          int32_t n, uint32_t a0, uint32_t a1, uint32_t a2,
                          uint32_t a3) {
  const int32_t mult = q[TG_RV32_MULT], left = q[TG_RV32_LEFT];
  const int32_t right = q[TG_RV32_RIGHT], half = q[TG_RV32_HALF];
  const int32_t neg = q[TG_RV32_NEG];
  const int32_t off = p->output_offset, lo = p->act_min, hi = p->act_max;
  o[0] = (int8_t)tg_rv32_requant(a0, mult, left, right, half, neg, off, lo, hi);
  if (n > 1) {
    o[stride] =
        (int8_t)tg_rv32_requant(a1, mult, left, right, half, neg, off, lo, hi);
  }
  if (n > 2) {
    o[2 * stride] =
        (int8_t)tg_rv32_requant(a2, mult, left, right, half, neg, off, lo, hi);
  }
  if (n > 3) {
    o[3 * stride] =
        (int8_t)tg_rv32_requant(a3, mult, left, right, half, neg, off, lo, hi);
  }
}

void tg_conv2d_s8_rv32(const tg_conv2d_s8_rv32_params_t *p,
                       const int8_t *input, int8_t *output, int8_t *scratch) {
  const tg_window_t *w = &p->win;
  const int32_t out_c = w->out_c;
  const int32_t npix = w->batches * w->out_h * w->out_w;
  const int32_t blocks = (out_c + 3) / 4;
  const int8_t *const a_end = scratch + 4 * p->k;
  int32_t pix, cb;

  if (p->k <= 0) {
    return;
  }
  for (pix = 0; pix < npix; pix += 4) {
    const int32_t n = npix - pix < 4 ? npix - pix : 4;
    const int8_t *wp = p->weights;
    const int32_t *q = p->chan;
    int8_t *o = output + pix * out_c;
    pack4(p, input, pix, npix, scratch);
    for (cb = 0; cb < blocks; cb++) {
      const int8_t *a = scratch;
      const int32_t c = cb * 4;
      uint32_t a00, a01, a02, a03, a10, a11, a12, a13;
      uint32_t a20, a21, a22, a23, a30, a31, a32, a33;
      a00 = a01 = a02 = a03 = (uint32_t)q[TG_RV32_BIAS];
      a10 = a11 = a12 = a13 = (uint32_t)q[TG_RV32_CHAN + TG_RV32_BIAS];
      a20 = a21 = a22 = a23 = (uint32_t)q[2 * TG_RV32_CHAN + TG_RV32_BIAS];
      a30 = a31 = a32 = a33 = (uint32_t)q[3 * TG_RV32_CHAN + TG_RV32_BIAS];
      do {
        int32_t x0 = a[0], x1 = a[1], x2 = a[2], x3 = a[3];
        int32_t f = wp[0];
        a00 += (uint32_t)(x0 * f);
        a01 += (uint32_t)(x1 * f);
        a02 += (uint32_t)(x2 * f);
        a03 += (uint32_t)(x3 * f);
        f = wp[1];
        a10 += (uint32_t)(x0 * f);
        a11 += (uint32_t)(x1 * f);
        a12 += (uint32_t)(x2 * f);
        a13 += (uint32_t)(x3 * f);
        f = wp[2];
        a20 += (uint32_t)(x0 * f);
        a21 += (uint32_t)(x1 * f);
        a22 += (uint32_t)(x2 * f);
        a23 += (uint32_t)(x3 * f);
        f = wp[3];
        a30 += (uint32_t)(x0 * f);
        a31 += (uint32_t)(x1 * f);
        a32 += (uint32_t)(x2 * f);
        a33 += (uint32_t)(x3 * f);
        a += 4;
        wp += 4;
      } while (a != a_end);
      store4(p, q, o + c, out_c, n, a00, a01, a02, a03);
      if (c + 1 < out_c) {
        store4(p, q + TG_RV32_CHAN, o + c + 1, out_c, n, a10, a11, a12, a13);
      }
      if (c + 2 < out_c) {
        store4(p, q + 2 * TG_RV32_CHAN, o + c + 2, out_c, n, a20, a21, a22,
               a23);
      }
      if (c + 3 < out_c) {
        store4(p, q + 3 * TG_RV32_CHAN, o + c + 3, out_c, n, a30, a31, a32,
               a33);
      }
      q += 4 * TG_RV32_CHAN;
    }
  }
}
