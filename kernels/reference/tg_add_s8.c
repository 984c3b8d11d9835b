/* tg_add_s8: ADD, int8, with NumPy broadcasting.
 *
 * Reproduces AddFunc (tensorflow/lite/kernels/internal/reference/
 * integer_ops/add.h), as called by AddElementwise and BroadcastAdd6DSlow
 * from TFLM's add.cc, bit for bit (and tinygen's Go evaluator,
 * eval/elementwise.go + quant.AddElement). Per element:
 *   x = shl32(a + input1_offset, left_shift), sx = MBQM_smaller(x, m1, s1)
 *   y = shl32(b + input2_offset, left_shift), sy = MBQM_smaller(y, m2, s2)
 *   out = clamp(MBQM_smaller(sx + sy, mo, so) + output_offset, min, max)
 * with int32 wrap-around on every addition, as in the Go code. The output
 * may be the same buffer as an input.
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_broadcast.h"

void tg_add_s8(const tg_add_s8_params_t *p, const int8_t *a,
               const int8_t *b, int8_t *output) {
  const int32_t left_shift = p->left_shift;
  const uint32_t in1_off = (uint32_t)p->input1_offset;
  const uint32_t in2_off = (uint32_t)p->input2_offset;
  const uint32_t out_off = (uint32_t)p->output_offset;
  const int32_t m1 = p->input1_multiplier, s1 = p->input1_shift;
  const int32_t m2 = p->input2_multiplier, s2 = p->input2_shift;
  const int32_t mo = p->output_multiplier, so = p->output_shift;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  int32_t ia, ib, o;

  TG_BROADCAST_EACH(&p->bc, ia, ib, o, {
    const int32_t x = (int32_t)((uint32_t)(int32_t)a[ia] + in1_off);
    const int32_t y = (int32_t)((uint32_t)(int32_t)b[ib] + in2_off);
    const int32_t sx = tg_mbqm_smaller(tg_shl32(x, left_shift), m1, s1);
    const int32_t sy = tg_mbqm_smaller(tg_shl32(y, left_shift), m2, s2);
    const int32_t r = (int32_t)((uint32_t)sx + (uint32_t)sy);
    const int32_t v =
        (int32_t)((uint32_t)tg_mbqm_smaller(r, mo, so) + out_off);
    output[o] = (int8_t)tg_clamp(v, act_min, act_max);
  });
}
