/* tg_logistic_f32: LOGISTIC, float32.
 *
 * Reproduces Logistic (float, tensorflow/lite/kernels/internal/reference/
 * logistic.h) in its operation order (and tinygen's Go evaluator,
 * quant.LogisticFloat).
 * Per element: x > 16.619047164916992188 ? 1 : (x < -9 ? expf(x) :
 * 1 / (1 + expf(-x))); NaN stays NaN. libm's expf may differ from the Go
 * evaluator's correctly rounded exp by an ulp in rare cases.
 * The output may be the same buffer as the input.
 */
#include <math.h>

#include "tg_kernels.h"

static float logistic(float x) {
  const float upper = 16.619047164916992188f;
  const float lower = -9.0f;
  if (x > upper) {
    return 1.0f;
  }
  if (x < lower) {
    return expf(x);
  }
  return 1.0f / (1.0f + expf(-x));
}

void tg_logistic_f32(const tg_unary_f32_params_t *p,
                     const float *input, float *output) {
  const int32_t n = p->size;
  int32_t i;

  for (i = 0; i < n; i++) {
    const float x = input[i];
    output[i] = logistic(x);
  }
}
