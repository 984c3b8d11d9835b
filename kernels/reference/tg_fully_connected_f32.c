/* tg_fully_connected_f32: FULLY_CONNECTED, float32.
 *
 * Reproduces reference_ops::FullyConnected (float,
 * tensorflow/lite/kernels/internal/reference/fully_connected.h) in its
 * operation order (and tinygen's Go evaluator, eval/conv.go fcCore +
 * floatKernel).
 *
 * Loop order: batch, unit; depth. The float32 sum starts at 0 and adds each
 * rounded product filter[u, d] * input[b, d] in order of d; the bias (0
 * when absent, still added) comes after, then the clamp. Product and
 * addition are separate statements so that no compiler fuses them into a
 * multiply-add.
 */
#include <stddef.h>

#include "tg_kernels.h"
#include "tg_fixedpoint.h"

void tg_fully_connected_f32(const tg_fully_connected_f32_params_t *p,
                            const float *input, const float *filter,
                            const float *bias, float *output) {
  const int32_t units = p->units, depth = p->depth;
  int32_t b, u, d;

  for (b = 0; b < p->batches; b++) {
    const float *in_row = input + b * depth;
    for (u = 0; u < units; u++) {
      const float *f_row = filter + u * depth;
      float sum = 0.0f;
      float bv = 0.0f;
      for (d = 0; d < depth; d++) {
        const float prod = f_row[d] * in_row[d];
        sum += prod;
      }
      if (bias != NULL) {
        bv = bias[u];
      }
      *output++ = tg_clampf(sum + bv, p->act_min, p->act_max);
    }
  }
}
