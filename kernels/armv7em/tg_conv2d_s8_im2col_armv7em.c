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

void tg_conv2d_s8_im2col_armv7em(
    const tg_conv2d_s8_im2col_armv7em_params_t *p, const int8_t *input,
    int8_t *output, int8_t *scratch) {
  tg_a7_conv_im2col(p, input, output, scratch);
}
