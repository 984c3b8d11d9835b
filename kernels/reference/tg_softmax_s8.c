/* tg_softmax_s8: SOFTMAX along the last axis, int8 -> int8 (output scale
 * 1/256, zero point -128).
 *
 * Reproduces Softmax<int8_t, int8_t>
 * (tensorflow/lite/kernels/internal/reference/softmax.h) bit for bit (and
 * tinygen's quant.SoftmaxInt8 / quant.SoftmaxInt8FromTable).
 *
 * Per row of depth elements: max_in = max(-128, max x); then over the row
 * in order, sum += RoundingDivideByPOT(exp_table[max_in - x], 12), the
 * Q0.31 exponential rescaled to the Q12.19 accumulator, wrapping like
 * TFLM's int32 sum (done in uint32); recip = GetReciprocal(sum, 12) with
 * num_bits_over_unit; then over the row in order, out =
 * clamp(RoundingDivideByPOT(SRDHM(recip, exp_table[max_in - x]),
 * num_bits_over_unit + 31 - 8) - 128, -128, 127).
 *
 * exp_table holds 0 where x - max_in is below TFLM's diff_min: such an
 * element adds 0 to the sum and SRDHM(recip, 0) = 0 gives -128, exactly
 * what TFLM's explicit diff_min test produces.
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"

void tg_softmax_s8(const tg_softmax_s8_params_t *p, const int8_t *input,
                   int8_t *output) {
  const int32_t depth = p->depth;
  const int32_t *exp_table = p->exp_table;
  int32_t r, c;

  for (r = 0; r < p->rows; r++) {
    const int8_t *in = input + r * depth;
    int8_t *out = output + r * depth;
    int32_t max_in = -128;
    uint32_t sum = 0;
    int32_t nbou, recip, exponent;

    for (c = 0; c < depth; c++) {
      if (max_in < in[c]) {
        max_in = in[c];
      }
    }
    /* max_in - in[c] is in [0, 255]: a valid exp_table index. */
    for (c = 0; c < depth; c++) {
      sum += (uint32_t)tg_rdbpot(exp_table[max_in - in[c]], 12);
    }
    recip = tg_reciprocal((int32_t)sum, 12, &nbou);
    exponent = nbou + 31 - 8;
    for (c = 0; c < depth; c++) {
      const int32_t u =
          tg_rdbpot(tg_srdhm(recip, exp_table[max_in - in[c]]), exponent);
      out[c] = (int8_t)tg_clamp(u - 128, -128, 127);
    }
  }
}
