/* tg_lut_s8: an 8-bit to 8-bit function given by its 256-entry table, for
 * the int8 activations (LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU,
 * HARD_SWISH) and 8-bit requantization (QUANTIZE).
 *
 * The code generator fills the table with tinygen's Go evaluator
 * arithmetic (quant.LogisticInt8, TanhInt8, ReluElement, Relu6Element,
 * LeakyReluElement, HardSwishInt8, RequantizeElement), which reproduces
 * TFLM's reference kernels (reference/integer_ops/logistic.h, tanh.h,
 * micro/kernels/activations_common.cc, reference/leaky_relu.h,
 * reference/hard_swish.h, reference/requantize.h) bit for bit, so one
 * look-up per element gives TFLM's output: output[i] =
 * table[(uint8_t)input[i]]. uint8 tensors use the same kernel on their raw
 * bytes. The output may be the same buffer as the input.
 */
#include "tg_kernels.h"

void tg_lut_s8(const tg_lut_s8_params_t *p, const int8_t *input,
               int8_t *output) {
  const int8_t *const table = p->table;
  const int32_t n = p->size;
  int32_t i;

  for (i = 0; i < n; i++) {
    output[i] = table[(uint8_t)input[i]];
  }
}
