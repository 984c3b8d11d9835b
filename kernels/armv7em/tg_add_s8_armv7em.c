/* tg_add_s8_armv7em: ADD int8 without broadcasting (armv7em kernel set).
 *
 * TFLM's reference arithmetic per element: both inputs offset, shifted
 * left, rescaled with MultiplyByQuantizedMultiplierSmallerThanOneExp,
 * summed, rescaled to the output, offset and clamped. The code generator
 * accepts the op only when every rescaling can use the 32-bit form of
 * tg_armv7em.h (SMMULR of the doubled value, then a rounding shift of at
 * least 1) without overflow, so the result is the reference's bit for
 * bit. The two input rescalings depend on one int8 each: the code
 * generator tabulates them (kernels/armv7em.go, addInputTable), so an
 * element costs two table loads. Element i of the inputs is read before element i of the output is
 * written: the output may share an input's buffer. An input right shift
 * of 0 (multiplier exactly 1/2) drops the rounding term through nm. The
 * table sum wraps (the code generator's tables never make it; a hostile
 * blob's tables then give wrong values but no undefined arithmetic, so
 * the blob validator need not read them). See docs/kernels.md.
 */
#include "tg_armv7em.h"

void tg_add_s8_armv7em(const tg_add_s8_armv7em_params_t *p, const int8_t *a,
                       const int8_t *b, int8_t *output) {
  const int32_t n = p->size;
  const int32_t *const t1 = p->table1, *const t2 = p->table2;
  const int32_t mo = p->mo, eo = p->eo, rco = p->rco;
  const int32_t off = p->output_offset, lo = p->act_min, hi = p->act_max;
  const uint8_t *const ua = (const uint8_t *)a, *const ub = (const uint8_t *)b;
  int32_t i;
  if (lo == -128 && hi == 127) {
    /* The usual case: one SSAT for the clamp. */
    for (i = 0; i < n; i++) {
      const int32_t s = (int32_t)((uint32_t)t1[ua[i]] + (uint32_t)t2[ub[i]]);
      int32_t v = tg_a7_smmulr((int32_t)((uint32_t)s << 1), mo);
      v = ((v + rco + (v >> 31)) >> eo) + off;
      output[i] = (int8_t)tg_a7_ssat8(v);
    }
    return;
  }
  for (i = 0; i < n; i++) {
    const int32_t s = (int32_t)((uint32_t)t1[ua[i]] + (uint32_t)t2[ub[i]]);
    int32_t v = tg_a7_smmulr((int32_t)((uint32_t)s << 1), mo);
    v = ((v + rco + (v >> 31)) >> eo) + off;
    output[i] = (int8_t)tg_a7_clamp(v, lo, hi);
  }
}
