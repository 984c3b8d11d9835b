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
 */
#include "tg_rv32.h"

/* fill_plane writes input channels c0..c0+3 of image b into the plane;
 * channels past in_c hold the zero point. */
TG_RV32_FN
static void fill_plane(const tg_depthwise_conv2d_s8_rv32_params_t *p,
                       const int8_t *in_b, int32_t c0, int8_t *plane) {
  const tg_window_t *w = &p->c.win;
  const int32_t in_h = w->in_h, in_w = w->in_w, in_c = w->in_c;
  const int32_t n = in_c - c0 < 4 ? in_c - c0 : 4;
  const int8_t zp = (int8_t)p->c.input_zp;
  int32_t py, px, j;

  for (py = 0; py < p->plane_h; py++) {
    const int32_t iy = py - w->pad_h;
    int8_t *dst = plane + py * p->plane_w * 4;
    if (iy < 0 || iy >= in_h) {
      for (px = 0; px < p->plane_w * 4; px++) {
        dst[px] = zp;
      }
      continue;
    }
    for (px = 0; px < p->plane_w; px++) {
      const int32_t ix = px - w->pad_w;
      if (ix < 0 || ix >= in_w) {
        dst[0] = dst[1] = dst[2] = dst[3] = zp;
      } else if (n == 4) {
        const int8_t *src = in_b + (iy * in_w + ix) * in_c + c0;
        dst[0] = src[0];
        dst[1] = src[1];
        dst[2] = src[2];
        dst[3] = src[3];
      } else {
        const int8_t *src = in_b + (iy * in_w + ix) * in_c + c0;
        for (j = 0; j < 4; j++) {
          dst[j] = j < n ? src[j] : zp;
        }
      }
      dst += 4;
    }
  }
}

/* The hoisted requantisation of one channel. */
typedef struct {
  uint32_t bias, m2;
  int32_t left, right, round, neg, lo, hi; /* round: TG_RV32_ROUND_OF */
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

/* 3x3, stride 1 or 2 (plane step 4 or 8 bytes per output): one output per
 * step, 9 loads at constant offsets from three row pointers. (Two outputs
 * per step share loads but spill weights on RV32: slower.) */
TG_RV32_FN
static void run_3x3(const tg_depthwise_conv2d_s8_rv32_params_t *p,
                    const int8_t *plane, const int8_t *f, chan_t c,
                    int8_t *out, int32_t stride) {
  const tg_window_t *w = &p->c.win;
  const int32_t row = p->plane_w * 4, out_c = w->out_c, out_w = w->out_w;
  const int32_t step = 4 * stride;
  const int32_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
  const int32_t f5 = f[5], f6 = f[6], f7 = f[7], f8 = f[8];
  int32_t oy;

  for (oy = 0; oy < w->out_h; oy++) {
    const int8_t *r0 = plane + stride * oy * row;
    const int8_t *r1 = r0 + row;
    const int8_t *r2 = r1 + row;
    int8_t *o = out + oy * out_w * out_c;
    int8_t *const o_end = o + out_w * out_c;
    do {
      uint32_t s = c.bias;
      s += (uint32_t)(f0 * r0[0] + f1 * r0[4] + f2 * r0[8]);
      s += (uint32_t)(f3 * r1[0] + f4 * r1[4] + f5 * r1[8]);
      s += (uint32_t)(f6 * r2[0] + f7 * r2[4] + f8 * r2[8]);
      *o = rq1(&c, s);
      o += out_c;
      r0 += step;
      r1 += step;
      r2 += step;
    } while (o != o_end);
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
          c.m2 = (uint32_t)q[TG_RV32_MULT] << 1;
          c.left = TG_RV32_LEFT_OF(q[TG_RV32_SHIFT]);
          c.right = TG_RV32_RIGHT_OF(q[TG_RV32_SHIFT]);
          c.round =
              TG_RV32_ROUND_OF(q[TG_RV32_SHIFT], p->c.output_offset);
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
