/* tg_conv2d_s8_pw_armv7em: CONV_2D int8 with a 1x1 filter (pointwise) and
 * one group (armv7em kernel set).
 *
 * Such a convolution is a matrix product: every input pixel is one row of
 * in_c values, every output pixel one row of out_c values, so the kernel
 * runs the set's GEMM core (tg_a7_gemm in tg_armv7em.h: 2 pixels x 2
 * output channels per block, 4 depth values per SMLAD pair): over all
 * batches * in_h * in_w rows at once for stride 1, else once per output
 * row with the input rows stride_w * in_c bytes apart. Bit-exact with tg_conv2d_s8; see
 * tg_armv7em.h and docs/kernels.md.
 */
#include "tg_armv7em.h"

void tg_conv2d_s8_pw_armv7em(const tg_conv2d_s8_pw_armv7em_params_t *p,
                             const int8_t *input, int8_t *output) {
  const tg_window_t *w = &p->win;
  const tg_a7_gemm_t *g = &p->gemm;
  const int32_t in_c = w->in_c, out_c = w->out_c;
  int32_t b, oy;
  if (w->stride_h == 1 && w->stride_w == 1) {
    tg_a7_gemm(g, w->batches * w->out_h * w->out_w, input, in_c, output,
               out_c);
    return;
  }
  for (b = 0; b < w->batches; b++) {
    for (oy = 0; oy < w->out_h; oy++) {
      const int8_t *in =
          input + ((b * w->in_h + oy * w->stride_h) * w->in_w) * in_c;
      int8_t *out = output + ((b * w->out_h + oy) * w->out_w) * out_c;
      tg_a7_gemm(g, w->out_w, in, w->stride_w * in_c, out, out_c);
    }
  }
}
