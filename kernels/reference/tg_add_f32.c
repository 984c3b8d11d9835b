/* tg_add_f32: ADD, float32, with NumPy broadcasting.
 *
 * Reproduces Add and BroadcastAdd6DSlow (float,
 * tensorflow/lite/kernels/internal/reference/add.h), as called by TFLM's
 * add.cc (and tinygen's Go evaluator, eval/elementwise.go): one float32
 * a + b per element, then the fused activation clamp
 * min(max(v, act_min), act_max) (tg_clampf, quant.ClampFloat). The output
 * may be the same buffer as an input.
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_broadcast.h"

void tg_add_f32(const tg_binary_f32_params_t *p, const float *a,
                const float *b, float *output) {
  const float lo = p->act_min, hi = p->act_max;
  int32_t ia, ib, o;

  TG_BROADCAST_EACH(&p->bc, ia, ib, o, {
    const float v = a[ia] + b[ib];
    output[o] = tg_clampf(v, lo, hi);
  });
}
