/* tg_prelu_f32: PRELU, float32, alpha broadcast NumPy style.
 *
 * Reproduces BroadcastPrelu4DSlow (float, tensorflow/lite/kernels/internal/
 * reference/prelu.h) and ONNX PRelu (and tinygen's Go evaluator,
 * eval/onnxops.go preparePrelu): x >= 0 ? x : x * alpha per element. The
 * output may be the same buffer as an input.
 */
#include "tg_kernels.h"
#include "tg_broadcast.h"

void tg_prelu_f32(const tg_prelu_f32_params_t *p, const float *a,
                  const float *b, float *output) {
  int32_t ia, ib, o;

  TG_BROADCAST_EACH(&p->bc, ia, ib, o, {
    const float x = a[ia];
    float v = x;
    if (!(x >= 0.0f)) {
      v = x * b[ib];
    }
    output[o] = v;
  });
}
