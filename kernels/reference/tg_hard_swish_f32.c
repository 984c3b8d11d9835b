/* tg_hard_swish_f32: HARD_SWISH, float32.
 *
 * Reproduces HardSwish (float, tensorflow/lite/kernels/internal/reference/
 * hard_swish.h) in its operation order (and tinygen's Go evaluator,
 * quant.HardSwishFloat).
 * Per element: c = x + 3, c = (0 < c) ? c : 0, c = (c < 6) ? c : 6 (the
 * std::max/std::min comparisons), then (x * c) / 6 in float32.
 * The output may be the same buffer as the input.
 */
#include "tg_kernels.h"

static float hard_swish(float x) {
  float c = x + 3.0f;
  if (!(0.0f < c)) {
    c = 0.0f;
  }
  if (!(c < 6.0f)) {
    c = 6.0f;
  }
  return x * c / 6.0f;
}

void tg_hard_swish_f32(const tg_unary_f32_params_t *p, const float *input,
                       float *output) {
  const int32_t n = p->size;
  int32_t i;

  for (i = 0; i < n; i++) {
    const float x = input[i];
    output[i] = hard_swish(x);
  }
}
