/* tg_tanh_f32: TANH, float32.
 *
 * Reproduces Tanh (float, tensorflow/lite/kernels/internal/reference/
 * tanh.h, std::tanh) (and tinygen's Go evaluator, quant.TanhFloat). Per
 * element: tanhf(x). libm's tanhf may differ from the Go evaluator's
 * correctly rounded tanh by an ulp. The output may be the same buffer as
 * the input.
 */
#include <math.h>

#include "tg_kernels.h"

void tg_tanh_f32(const tg_unary_f32_params_t *p, const float *input,
                 float *output) {
  const int32_t n = p->size;
  int32_t i;

  for (i = 0; i < n; i++) {
    const float x = input[i];
    output[i] = tanhf(x);
  }
}
