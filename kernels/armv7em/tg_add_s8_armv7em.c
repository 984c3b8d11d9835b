/* tg_add_s8_armv7em: ADD int8 without broadcasting (armv7em kernel set).
 *
 * TFLM's reference arithmetic per element: both inputs offset, shifted
 * left, rescaled with MultiplyByQuantizedMultiplierSmallerThanOneExp,
 * summed, rescaled to the output, offset and clamped. The code generator
 * accepts the op only when every rescaling can use the 32-bit form of
 * tg_armv7em.h (SMMULR of the doubled value, then a rounding shift of at
 * least 1) without overflow, so the result is the reference's bit for
 * bit. Element i of the inputs is read before element i of the output is
 * written: the output may share an input's buffer. An input right shift
 * of 0 (multiplier exactly 1/2) drops the rounding term through nm. See docs/kernels.md.
 */
#include "tg_armv7em.h"

void tg_add_s8_armv7em(const tg_add_s8_armv7em_params_t *p, const int8_t *a,
                       const int8_t *b, int8_t *output) {
  const int32_t n = p->size, sh = p->shift;
  const int32_t o1 = p->input1_offset, o2 = p->input2_offset;
  const int32_t m1 = p->m1, e1 = p->e1, rc1 = p->rc1, nm1 = -(e1 > 0);
  const int32_t m2 = p->m2, e2 = p->e2, rc2 = p->rc2, nm2 = -(e2 > 0);
  const int32_t mo = p->mo, eo = p->eo, rco = p->rco;
  const int32_t off = p->output_offset, lo = p->act_min, hi = p->act_max;
  int32_t i;
  for (i = 0; i < n; i++) {
    int32_t x = tg_a7_smmulr((int32_t)((uint32_t)(a[i] + o1) << sh), m1);
    int32_t y = tg_a7_smmulr((int32_t)((uint32_t)(b[i] + o2) << sh), m2);
    int32_t v;
    x = (x + rc1 + ((x >> 31) & nm1)) >> e1;
    y = (y + rc2 + ((y >> 31) & nm2)) >> e2;
    v = tg_a7_smmulr((x + y) * 2, mo);
    v = ((v + rco + (v >> 31)) >> eo) + off;
    output[i] = (int8_t)tg_a7_clamp(v, lo, hi);
  }
}
