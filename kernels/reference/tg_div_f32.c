/* tg_div_f32: DIV, float32, with NumPy broadcasting.
 *
 * Reproduces Div and BroadcastDivSlow (float,
 * tensorflow/lite/kernels/internal/reference/div.h), as called by TFLM's
 * div.cc (and tinygen's Go evaluator, eval/onnxops.go): one float32
 * a / b per element, then the fused activation clamp
 * min(max(v, act_min), act_max) (tg_clampf, quant.ClampFloat). The output
 * may be the same buffer as an input.
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_broadcast.h"

void tg_div_f32(const tg_binary_f32_params_t *p, const float *a,
                const float *b, float *output) {
  const float lo = p->act_min, hi = p->act_max;
  int32_t ia, ib, o;

  TG_BROADCAST_EACH(&p->bc, ia, ib, o, {
    const float v = a[ia] / b[ib];
    output[o] = tg_clampf(v, lo, hi);
  });
}
