/* tg_depthwise_conv2d_s8_c1_armv7em: DEPTHWISE_CONV_2D int8 with one input
 * channel (armv7em kernel set).
 *
 * With in_c = 1, output channel m of a depthwise convolution reads the one
 * input channel through filter[0, fy, fx, m]: a CONV_2D whose filter
 * [m, fy, fx, 0] is the depthwise filter transposed, which the code
 * generator does at compile time. The kernel then runs the set's im2col
 * convolution (tg_a7_conv_im2col in tg_armv7em.h). Bit-exact with
 * tg_depthwise_conv2d_s8: the same products summed modulo 2^32 into the
 * same accumulators. See docs/kernels.md.
 */
#include "tg_armv7em.h"

void tg_depthwise_conv2d_s8_c1_armv7em(
    const tg_conv2d_s8_im2col_armv7em_params_t *p, const int8_t *input,
    int8_t *output, int8_t *scratch) {
  tg_a7_conv_im2col(p, input, output, scratch);
}
