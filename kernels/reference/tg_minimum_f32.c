/* tg_minimum_f32: MINIMUM, float32, with NumPy broadcasting.
 *
 * Reproduces MaximumMinimumBroadcastSlow (tensorflow/lite/kernels/internal/
 * reference/maximum_minimum.h) with MinimumOp (el1 < el2 ? el1 : el2) of
 * TFLM's maximum_minimum.cc (and tinygen's Go evaluator,
 * eval/elementwise.go prepareMinMax). With C's comparison a NaN second
 * operand wins and a NaN first operand loses, as in TFLM. The output may
 * be the same buffer as an input.
 */
#include "tg_kernels.h"
#include "tg_broadcast.h"

void tg_minimum_f32(const tg_minmax_params_t *p, const float *a,
                    const float *b, float *output) {
  int32_t ia, ib, o;

  TG_BROADCAST_EACH(&p->bc, ia, ib, o, {
    const float x = a[ia];
    const float y = b[ib];
    output[o] = x < y ? x : y;
  });
}
