/* tg_prelu_s8: PRELU, int8, alpha broadcast NumPy style.
 *
 * Reproduces BroadcastPrelu4DSlow (int8, tensorflow/lite/kernels/internal/
 * reference/prelu.h) with TFLM's CalculatePreluParams (prelu_common.cc),
 * bit for bit (and tinygen's Go evaluator, quant.PreluElement): x = a +
 * input_offset; x >= 0 ? MultiplyByQuantizedMultiplier(x, multiplier_1,
 * shift_1) : MultiplyByQuantizedMultiplier(x * (b + alpha_offset),
 * multiplier_2, shift_2); plus output_offset, clamped to [-128, 127]. The
 * product x * (b + alpha_offset) is at most 255 * 255 in magnitude. The
 * output offset is added with wrapping arithmetic (the same sum for legal
 * values). The output may be the same buffer as an input.
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_broadcast.h"

void tg_prelu_s8(const tg_prelu_s8_params_t *p, const int8_t *a,
                 const int8_t *b, int8_t *output) {
  int32_t ia, ib, o;

  TG_BROADCAST_EACH(&p->bc, ia, ib, o, {
    const int32_t x = p->input_offset + a[ia];
    int32_t v;
    if (x >= 0) {
      v = tg_mbqm(x, p->multiplier_1, p->shift_1);
    } else {
      v = tg_mbqm(x * (p->alpha_offset + b[ib]), p->multiplier_2,
                  p->shift_2);
    }
    /* Wrapping add: the same int32 sum for every legal zero point, and
     * no overflow for any value a blob may hold (interpreter mode). */
    v = (int32_t)((uint32_t)v + (uint32_t)p->output_offset);
    output[o] = (int8_t)tg_clamp(v, -128, 127);
  });
}
