/* tg_depthwise_conv2d_s8_rv32: DEPTHWISE_CONV_2D, int8, for RV32IM (kernel
 * set "rv32").
 *
 * Same results as tg_depthwise_conv2d_s8 (reference). Input channels are
 * taken 4 at a time: their taps go into a plane in scratch of plane_h x
 * plane_w pixels of 4 channels (plane pixel (py, px) is input pixel
 * (py - pad_h, px - pad_w), or the input zero point outside the image),
 * so that every output reads the same window shape without bounds checks
 * and the input offset, folded into the bias, is never added in the loop.
 * Then each channel of the 4 (and each of its depth_multiplier outputs)
 * runs with its weights and requantisation hoisted into registers: modes 1
 * and 2 (3x3, stride 1 or 2, no dilation) compute one output per step
 * from 9 loads at constant offsets of three row pointers, with two
 * requantisation parameters as constants (chosen only when every
 * channel's shift is negative); mode 0 takes any window.
 * Mode 3, one input channel (out_c = depth_multiplier filters over the
 * same taps), is a convolution: the im2col and 4x4 register blocks of
 * tg_rv32_conv (tg_rv32.h).
 * Mode 4, one input channel with stride_w 2, no dilation and out_w a
 * multiple of 4, skips the im2col: the image goes once into a one-channel
 * zero-point padded plane, and each 4 pixels x 4 channels block reads its
 * 4 pixels' taps at constant offsets 0, 2, 4, 6 of a walking plane
 * pointer.
 */
#include <string.h>

#include "tg_rv32.h"

/* TG_RV32_A4(p) tells GCC and Clang that p is 4-byte aligned (checked by
 * the caller), so that a 4-byte memcpy is one lw/sw. */
#if defined(__GNUC__)
#define TG_RV32_A4(p) __builtin_assume_aligned((p), 4)
#else
#define TG_RV32_A4(p) (p)
#endif

/* fill_plane writes input channels c0..c0+3 of image b into the plane;
 * channels past in_c hold the zero point. Each plane row is three runs
 * (padding, image, padding); when 4 channels are read from a 4-byte
 * aligned address into an aligned plane, a pixel is one word. */
TG_RV32_FN
static void fill_plane(const tg_depthwise_conv2d_s8_rv32_params_t *p,
                       const int8_t *in_b, int32_t c0, int8_t *plane) {
  const tg_window_t *w = &p->c.win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t plane_w = p->plane_w;
  const int32_t n = in_c - c0 < 4 ? in_c - c0 : 4;
  const int8_t zp = (int8_t)p->c.input_zp;
  /* The plane columns [x_lo, x_hi) hold image columns. */
  const int32_t x_lo = w->pad_w < plane_w ? w->pad_w : plane_w;
  const int32_t x_hi =
      w->pad_w + in_w < plane_w ? w->pad_w + in_w : plane_w;
  const int words = n == 4 && in_c % 4 == 0 &&
                    (((uintptr_t)(in_b + c0) | (uintptr_t)plane) & 3) == 0;
  int32_t py, px, j;

  for (py = 0; py < p->plane_h; py++) {
    const int32_t iy = py - w->pad_h;
    int8_t *dst = plane + py * plane_w * 4;
    const int8_t *src;
    if (iy < 0 || iy >= in_h || x_lo >= x_hi) {
      for (px = 0; px < plane_w * 4; px++) {
        dst[px] = zp;
      }
      continue;
    }
    for (px = 0; px < x_lo; px++) {
      dst[0] = dst[1] = dst[2] = dst[3] = zp;
      dst += 4;
    }
    src = in_b + (iy * in_w + (x_lo - w->pad_w)) * in_c + c0;
    if (words) {
      for (; px < x_hi; px++) {
        memcpy(TG_RV32_A4(dst), TG_RV32_A4(src), 4);
        src += in_c;
        dst += 4;
      }
    } else {
      for (; px < x_hi; px++) {
        for (j = 0; j < 4; j++) {
          dst[j] = j < n ? src[j] : zp;
        }
        src += in_c;
        dst += 4;
      }
    }
    for (; px < plane_w; px++) {
      dst[0] = dst[1] = dst[2] = dst[3] = zp;
      dst += 4;
    }
  }
}

/* fill_plane1 writes the one-channel image in_b into plane (plane_h x
 * plane_w int8, zero point outside the image) for mode 4. */
TG_RV32_FN
static void fill_plane1(const tg_depthwise_conv2d_s8_rv32_params_t *p,
                        const int8_t *in_b, int8_t *plane) {
  const tg_window_t *w = &p->c.win;
  const int32_t in_h = w->in_h, in_w = w->in_w;
  const int32_t plane_w = p->plane_w;
  const int8_t zp = (int8_t)p->c.input_zp;
  const int32_t x_lo = w->pad_w < plane_w ? w->pad_w : plane_w;
  const int32_t x_hi =
      w->pad_w + in_w < plane_w ? w->pad_w + in_w : plane_w;
  int32_t py, px;

  for (py = 0; py < p->plane_h; py++) {
    const int32_t iy = py - w->pad_h;
    int8_t *dst = plane + py * plane_w;
    if (iy < 0 || iy >= in_h || x_lo >= x_hi) {
      for (px = 0; px < plane_w; px++) {
        dst[px] = zp;
      }
      continue;
    }
    for (px = 0; px < x_lo; px++) {
      dst[px] = zp;
    }
    memcpy(dst + x_lo, in_b + iy * in_w + (x_lo - w->pad_w),
           (size_t)(x_hi - x_lo));
    for (px = x_hi; px < plane_w; px++) {
      dst[px] = zp;
    }
  }
}

/* direct4x4 computes 4 neighbouring output pixels of mode 4 (their tap
 * (0, 0) at x_start, x_start + 2, + 4, + 6 of the one-channel plane) for
 * every block of 4 channels (weights [block][taps][4], records from
 * p->c.chan), stored at o0, o0 + out_c, + 2 out_c, + 3 out_c. */
TG_RV32_FN TG_RV32_NOINLINE
static void direct4x4(const tg_depthwise_conv2d_s8_rv32_params_t *p,
                      const int8_t *const x_start, int8_t *o0) {
  const tg_conv2d_s8_rv32_params_t *cp = &p->c;
  const int8_t *wp = cp->weights;
  const int32_t *q = cp->chan;
  const int32_t out_c = cp->win.out_c;
  const int32_t fw = cp->win.filter_w;
  const int32_t skip = p->plane_w - fw;
  const int8_t *const x_end = x_start + cp->win.filter_h * p->plane_w;
  int32_t c;
  for (c = 0; c < out_c; c += 4, q += 4 * TG_RV32_CHAN, o0 += 4) {
    const int32_t nch = out_c - c < 4 ? out_c - c : 4;
    const int8_t *x = x_start;
    uint32_t a00, a01, a02, a03, a10, a11, a12, a13;
    uint32_t a20, a21, a22, a23, a30, a31, a32, a33;
    a00 = a01 = a02 = a03 = (uint32_t)q[TG_RV32_BIAS];
    a10 = a11 = a12 = a13 = (uint32_t)q[TG_RV32_CHAN + TG_RV32_BIAS];
    a20 = a21 = a22 = a23 = (uint32_t)q[2 * TG_RV32_CHAN + TG_RV32_BIAS];
    a30 = a31 = a32 = a33 = (uint32_t)q[3 * TG_RV32_CHAN + TG_RV32_BIAS];
    do {
      const int8_t *const row_end = x + fw;
      do {
        int32_t x0 = x[0], x1 = x[2], x2 = x[4], x3 = x[6];
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
        x++;
        wp += 4;
      } while (x != row_end);
      x += skip;
    } while (x != x_end);
    {
      const int32_t lo = cp->act_min;
      const int32_t hi = cp->act_max;
      int8_t *const o1 = o0 + out_c, *const o2 = o0 + 2 * out_c;
      int8_t *const o3 = o0 + 3 * out_c;
      if (nch == 4 && cp->simple) {
        TG_RV32_STORE4(q, 0, 0, -1, a00, a01, a02, a03);
        TG_RV32_STORE4(q + TG_RV32_CHAN, 1, 0, -1, a10, a11, a12, a13);
        TG_RV32_STORE4(q + 2 * TG_RV32_CHAN, 2, 0, -1, a20, a21, a22, a23);
        TG_RV32_STORE4(q + 3 * TG_RV32_CHAN, 3, 0, -1, a30, a31, a32, a33);
      } else {
        uint32_t acc[16];
        int32_t i;
        acc[0] = a00, acc[1] = a01, acc[2] = a02, acc[3] = a03;
        acc[4] = a10, acc[5] = a11, acc[6] = a12, acc[7] = a13;
        acc[8] = a20, acc[9] = a21, acc[10] = a22, acc[11] = a23;
        acc[12] = a30, acc[13] = a31, acc[14] = a32, acc[15] = a33;
        for (i = 0; i < nch; i++) {
          const int32_t *qi = q + i * TG_RV32_CHAN;
          TG_RV32_STORE4(qi, i, TG_RV32_LEFT_OF(qi[TG_RV32_SHIFT]),
                         TG_RV32_NEG_OF(qi[TG_RV32_SHIFT]), acc[4 * i],
                         acc[4 * i + 1], acc[4 * i + 2], acc[4 * i + 3]);
        }
      }
    }
  }
}

/* The hoisted requantisation of one channel. */
typedef struct {
  uint32_t bias, m2;
  int32_t left, right, round, neg, lo, hi; /* round: TG_RV32_ROUND */
} chan_t;

TG_RV32_FN
static inline int8_t rq(const chan_t *c, uint32_t acc) {
  return (int8_t)tg_rv32_requant(acc, c->m2, c->left, c->right, c->round,
                                 c->neg, c->lo, c->hi);
}

/* rq1 is rq for the records of modes 1 and 2: no left shift and a right
 * shift of at least 1 (negative-value mask -1), as constants
 * (kernels/rv32.go chooses those modes only then). */
TG_RV32_FN
static inline int8_t rq1(const chan_t *c, uint32_t acc) {
  return (int8_t)tg_rv32_requant(acc, c->m2, 0, c->right, c->round, -1,
                                 c->lo, c->hi);
}

/* 3x3, stride 1 or 2 (plane step 4 or 8 bytes per output), 9 loads at
 * constant offsets from three row pointers per output. Two neighbouring
 * outputs per step share the pointer increments and, with stride 1, 6 of
 * their 18 loads (12 loads, 18 multiplies for 2 outputs), with stride 2
 * 3 of them (15 loads); an odd last column runs alone. */
TG_RV32_FN
static void run_3x3(const tg_depthwise_conv2d_s8_rv32_params_t *p,
                    const int8_t *plane, const int8_t *f, chan_t c,
                    int8_t *out, int32_t stride) {
  const tg_window_t *w = &p->c.win;
  const int32_t row = p->plane_w * 4, out_c = w->out_c, out_w = w->out_w;
  const int32_t step = 4 * stride;
  const int32_t pairs = out_w >> 1;
  const int32_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
  const int32_t f5 = f[5], f6 = f[6], f7 = f[7], f8 = f[8];
  int32_t oy;

  for (oy = 0; oy < w->out_h; oy++) {
    const int8_t *r0 = plane + stride * oy * row;
    const int8_t *r1 = r0 + row;
    const int8_t *r2 = r1 + row;
    int8_t *o = out + oy * out_w * out_c;
    int8_t *const o_end = o + out_w * out_c;
    int8_t *const o_pairs = o + 2 * pairs * out_c;
    while (stride == 2 && o != o_pairs) {
      /* Stride 2: the two outputs share the middle column. */
      int32_t x0 = r0[0], x1 = r0[4], x2 = r0[8], x3 = r0[12], x4 = r0[16];
      uint32_t s = c.bias + (uint32_t)(f0 * x0 + f1 * x1 + f2 * x2);
      uint32_t t = c.bias + (uint32_t)(f0 * x2 + f1 * x3 + f2 * x4);
      x0 = r1[0], x1 = r1[4], x2 = r1[8], x3 = r1[12], x4 = r1[16];
      s += (uint32_t)(f3 * x0 + f4 * x1 + f5 * x2);
      t += (uint32_t)(f3 * x2 + f4 * x3 + f5 * x4);
      x0 = r2[0], x1 = r2[4], x2 = r2[8], x3 = r2[12], x4 = r2[16];
      s += (uint32_t)(f6 * x0 + f7 * x1 + f8 * x2);
      t += (uint32_t)(f6 * x2 + f7 * x3 + f8 * x4);
      o[0] = rq1(&c, s);
      o[out_c] = rq1(&c, t);
      o += 2 * out_c;
      r0 += 16;
      r1 += 16;
      r2 += 16;
    }
    while (o != o_pairs) {
      int32_t x0 = r0[0], x1 = r0[4], x2 = r0[8], x3 = r0[12];
      uint32_t s = c.bias + (uint32_t)(f0 * x0 + f1 * x1 + f2 * x2);
      uint32_t t = c.bias + (uint32_t)(f0 * x1 + f1 * x2 + f2 * x3);
      x0 = r1[0], x1 = r1[4], x2 = r1[8], x3 = r1[12];
      s += (uint32_t)(f3 * x0 + f4 * x1 + f5 * x2);
      t += (uint32_t)(f3 * x1 + f4 * x2 + f5 * x3);
      x0 = r2[0], x1 = r2[4], x2 = r2[8], x3 = r2[12];
      s += (uint32_t)(f6 * x0 + f7 * x1 + f8 * x2);
      t += (uint32_t)(f6 * x1 + f7 * x2 + f8 * x3);
      o[0] = rq1(&c, s);
      o[out_c] = rq1(&c, t);
      o += 2 * out_c;
      r0 += 8;
      r1 += 8;
      r2 += 8;
    }
    while (o != o_end) {
      uint32_t s = c.bias;
      s += (uint32_t)(f0 * r0[0] + f1 * r0[4] + f2 * r0[8]);
      s += (uint32_t)(f3 * r1[0] + f4 * r1[4] + f5 * r1[8]);
      s += (uint32_t)(f6 * r2[0] + f7 * r2[4] + f8 * r2[8]);
      *o = rq1(&c, s);
      o += out_c;
      r0 += step;
      r1 += step;
      r2 += step;
    }
  }
}

/* Any window, stride and dilation, one output at a time. */
TG_RV32_FN
static void run_any(const tg_depthwise_conv2d_s8_rv32_params_t *p,
                    const int8_t *plane, const int8_t *f, chan_t c,
                    int8_t *out) {
  const tg_window_t *w = &p->c.win;
  const int32_t row = p->plane_w * 4, out_c = w->out_c;
  const int32_t fh = w->filter_h, fw = w->filter_w;
  const int32_t dy = w->dilation_h * row, dx = w->dilation_w * 4;
  int32_t oy, ox, fy, fx;

  for (oy = 0; oy < w->out_h; oy++) {
    for (ox = 0; ox < w->out_w; ox++) {
      const int8_t *base =
          plane + oy * w->stride_h * row + ox * w->stride_w * 4;
      const int8_t *fp = f;
      uint32_t s = c.bias;
      for (fy = 0; fy < fh; fy++) {
        const int8_t *x = base + fy * dy;
        for (fx = 0; fx < fw; fx++) {
          s += (uint32_t)((int32_t)*fp++ * (int32_t)*x);
          x += dx;
        }
      }
      *out = rq(&c, s);
      out += out_c;
    }
  }
}

TG_RV32_FN
void tg_depthwise_conv2d_s8_rv32(const tg_depthwise_conv2d_s8_rv32_params_t *p,
                                 const int8_t *input, int8_t *output,
                                 int8_t *scratch) {
  const tg_window_t *w = &p->c.win;
  const int32_t in_c = w->in_c, out_c = w->out_c, dm = p->depth_multiplier;
  const int32_t taps = w->filter_h * w->filter_w;
  const int32_t in_image = w->in_h * w->in_w * in_c;
  const int32_t out_image = w->out_h * w->out_w * out_c;
  int32_t b, c0, j, m;

  if (p->mode == 3) {
    tg_rv32_conv(&p->c, input, output, scratch);
    return;
  }
  if (p->mode == 4) {
    const int32_t out_w = w->out_w, row = w->stride_h * p->plane_w;
    int32_t oy, ox;
    for (b = 0; b < w->batches; b++) {
      int8_t *o = output + b * out_image;
      fill_plane1(p, input + b * in_image, scratch);
      for (oy = 0; oy < w->out_h; oy++) {
        const int8_t *x = scratch + oy * row;
        for (ox = 0; ox < out_w; ox += 4) {
          direct4x4(p, x, o);
          x += 8;
          o += 4 * out_c;
        }
      }
    }
    return;
  }
  for (b = 0; b < w->batches; b++) {
    for (c0 = 0; c0 < in_c; c0 += 4) {
      fill_plane(p, input + b * in_image, c0, scratch);
      for (j = 0; j < 4 && c0 + j < in_c; j++) {
        for (m = 0; m < dm; m++) {
          const int32_t oc = (c0 + j) * dm + m;
          const int32_t *q = p->c.chan + oc * TG_RV32_CHAN;
          const int8_t *f = p->c.weights + oc * taps;
          int8_t *out = output + b * out_image + oc;
          chan_t c;
          c.bias = (uint32_t)q[TG_RV32_BIAS];
          c.m2 = (uint32_t)q[TG_RV32_MULT];
          c.left = TG_RV32_LEFT_OF(q[TG_RV32_SHIFT]);
          c.right = TG_RV32_RIGHT_OF(q[TG_RV32_SHIFT]);
          c.round = q[TG_RV32_ROUND];
          c.neg = TG_RV32_NEG_OF(q[TG_RV32_SHIFT]);
          c.lo = p->c.act_min;
          c.hi = p->c.act_max;
          switch (p->mode) {
          case 1:
          case 2:
            run_3x3(p, scratch + j, f, c, out, p->mode);
            break;
          default:
            run_any(p, scratch + j, f, c, out);
            break;
          }
        }
      }
    }
  }
}
