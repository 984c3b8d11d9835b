/* tg_mul_s8: MUL, int8, with NumPy broadcasting.
 *
 * Reproduces MulElementwise and BroadcastMul6DSlow (tensorflow/lite/kernels/
 * internal/reference/integer_ops/mul.h), as called by TFLM's mul.cc, bit for
 * bit (and tinygen's Go evaluator, eval/elementwise.go + quant.MulElement):
 *   out = clamp(output_zero_point + MBQM((a - z1) * (b - z2), m, shift),
 *               min, max)
 * with an int32 product and int32 wrap-around, as in the Go code. The
 * output may be the same buffer as an input.
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_broadcast.h"

void tg_mul_s8(const tg_mul_s8_params_t *p, const int8_t *a,
               const int8_t *b, int8_t *output) {
  const uint32_t z1 = (uint32_t)p->input1_zero_point;
  const uint32_t z2 = (uint32_t)p->input2_zero_point;
  const uint32_t zo = (uint32_t)p->output_zero_point;
  const int32_t m = p->output_multiplier, s = p->output_shift;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  int32_t ia, ib, o;

  TG_BROADCAST_EACH(&p->bc, ia, ib, o, {
    const uint32_t dx = (uint32_t)(int32_t)a[ia] - z1;
    const uint32_t dy = (uint32_t)(int32_t)b[ib] - z2;
    const int32_t prod = (int32_t)(dx * dy);
    const int32_t v = (int32_t)(zo + (uint32_t)tg_mbqm(prod, m, s));
    output[o] = (int8_t)tg_clamp(v, act_min, act_max);
  });
}
