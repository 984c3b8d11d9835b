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

TG_RV32_FN
void tg_conv2d_s8_rv32(const tg_conv2d_s8_rv32_params_t *p,
                       const int8_t *input, int8_t *output, int8_t *scratch) {
  tg_rv32_conv(p, input, output, scratch);
}
