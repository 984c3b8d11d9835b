/* tg_leaky_relu_f32: LEAKY_RELU, float32.
 *
 * Reproduces LeakyRelu (float, tensorflow/lite/kernels/internal/reference/
 * leaky_relu.h) in its operation order (and tinygen's Go evaluator,
 * quant.LeakyReluFloat).
 * Per element: x > 0 ? x : x * alpha.
 * The output may be the same buffer as the input.
 */
#include "tg_kernels.h"

void tg_leaky_relu_f32(const tg_unary_f32_params_t *p,
                       const float *input, float *output) {
  const float alpha = p->alpha;
  const int32_t n = p->size;
  int32_t i;

  for (i = 0; i < n; i++) {
    const float x = input[i];
    output[i] = x > 0.0f ? x : x * alpha;
  }
}
