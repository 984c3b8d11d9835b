/* tg_softmax_f32: SOFTMAX along the last axis, float32.
 *
 * Reproduces reference_ops::Softmax (float,
 * tensorflow/lite/kernels/internal/reference/softmax.h) in its operation
 * order (and tinygen's Go evaluator, eval/softmax.go softmaxFloat).
 *
 * Per row of depth elements: m = max folded as std::max from -FLT_MAX;
 * e = expf((x - m) * beta), stored into the output and summed in order in
 * float32; then each output is divided by the sum (a division per element,
 * not a multiplication by 1/sum). expf comes from the C library and may
 * differ from the evaluator's correctly rounded exp by an ulp.
 */
#include <float.h>
#include <math.h>

#include "tg_kernels.h"

void tg_softmax_f32(const tg_softmax_f32_params_t *p, const float *input,
                    float *output) {
  const int32_t depth = p->depth;
  const float beta = p->beta;
  int32_t r, c;

  for (r = 0; r < p->rows; r++) {
    const float *in = input + r * depth;
    float *out = output + r * depth;
    float m = -FLT_MAX;
    float sum = 0.0f;

    for (c = 0; c < depth; c++) {
      if (m < in[c]) {
        m = in[c];
      }
    }
    for (c = 0; c < depth; c++) {
      const float d = in[c] - m;
      const float e = expf(d * beta);
      out[c] = e;
      sum += e;
    }
    for (c = 0; c < depth; c++) {
      out[c] = out[c] / sum;
    }
  }
}
