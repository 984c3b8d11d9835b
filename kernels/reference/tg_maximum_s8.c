/* tg_maximum_s8: MAXIMUM, int8 (raw codes, no rescaling), with NumPy
 * broadcasting.
 *
 * Reproduces MaximumMinimumBroadcastSlow (tensorflow/lite/kernels/internal/
 * reference/maximum_minimum.h) with MaximumOp (el1 > el2 ? el1 : el2) of
 * TFLM's maximum_minimum.cc (and tinygen's Go evaluator,
 * eval/elementwise.go prepareMinMax). The output may be the same buffer
 * as an input.
 */
#include "tg_kernels.h"
#include "tg_broadcast.h"

void tg_maximum_s8(const tg_minmax_params_t *p, const int8_t *a,
                    const int8_t *b, int8_t *output) {
  int32_t ia, ib, o;

  TG_BROADCAST_EACH(&p->bc, ia, ib, o, {
    const int8_t x = a[ia];
    const int8_t y = b[ib];
    output[o] = x > y ? x : y;
  });
}
