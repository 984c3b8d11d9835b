/* tg_relu6_f32: RELU6, float32.
 *
 * Reproduces Relu6Float (tensorflow/lite/micro/kernels/
 * activations_common.cc) (and tinygen's Go evaluator, quant.Relu6Float).
 * Per element: x > 6 ? 6 : (x < 0 ? 0 : x) (-0.0 and NaN pass through).
 * The output may be the same buffer as the input.
 */
#include "tg_kernels.h"

void tg_relu6_f32(const tg_unary_f32_params_t *p, const float *input,
                  float *output) {
  const int32_t n = p->size;
  int32_t i;

  for (i = 0; i < n; i++) {
    const float x = input[i];
    output[i] = x > 6.0f ? 6.0f : (x < 0.0f ? 0.0f : x);
  }
}
