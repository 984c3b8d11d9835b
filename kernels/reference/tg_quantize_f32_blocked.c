/* tg_quantize_f32_blocked: QUANTIZE float32 -> uint8, int8 or int16 with
 * ONNX QuantizeLinear's parameters: per tensor, per axis or per block of
 * block_size indices of the axis, and ties rounded to even (or, with
 * round_half_even 0, away from zero like tg_quantize_f32_axis).
 *
 * Element i is (o, a, r) with r = i % inner, a = (i / inner) % dim and
 * o = i / (inner * dim); its scale and zero point are entry
 * o * outer_stride + (a / block) * axis_stride + r * inner_stride
 * (per tensor: all strides 0; per axis: axis_stride 1, block 1; blocked:
 * the scales shaped like the input with ceil(dim / block) on the axis).
 * Per element the arithmetic of quant.QuantizeFloatHalfEven (and
 * quant.QuantizeFloat): a float32 division by the scale, rounded, converted
 * to int32 saturating with NaN -> 0, the zero point added in int64,
 * clamped to [qmin, qmax] (tinygen's Go evaluator, eval/quantize.go).
 */
#include <math.h>

#include "tg_kernels.h"

/* quant.RoundHalfEvenToInt32 (half_even 1) or quant.RoundToInt32: saturating,
 * NaN -> 0. A tie is found exactly (r - x is exact for the integer r nearest
 * x) and rounded to 2 * roundf(x / 2), the even neighbour; no dependence on
 * the FPU's rounding mode. */
static int32_t round_to_int32(float x, int32_t half_even) {
  float r;
  if (x != x) {
    return 0;
  }
  if (x >= 2147483648.0f) {
    return INT32_MAX;
  }
  if (x <= -2147483648.0f) {
    return INT32_MIN;
  }
  r = roundf(x);
  if (half_even && fabsf(r - x) == 0.5f) {
    r = 2.0f * roundf(x * 0.5f);
  }
  return (int32_t)r;
}

/* store writes q (already clamped) as element i of the output type. */
static void store(void *output, int32_t elem, int32_t i, int64_t q) {
  switch (elem) {
  case 0:
    ((uint8_t *)output)[i] = (uint8_t)q;
    break;
  case 1:
    ((int8_t *)output)[i] = (int8_t)q;
    break;
  default:
    ((int16_t *)output)[i] = (int16_t)q;
    break;
  }
}

void tg_quantize_f32_blocked(const tg_quantize_f32_blocked_params_t *p,
                             const float *input, void *output) {
  /* Every parameter in a local: the stores through output could alias
   * *p, which would make the compiler reload it per element. */
  const int64_t qmin = p->qmin, qmax = p->qmax;
  const int32_t inner = p->inner, dim = p->dim, block = p->block;
  const int32_t outer = p->size / (inner * dim);
  const int32_t outer_stride = p->outer_stride, axis_stride = p->axis_stride;
  const int32_t inner_stride = p->inner_stride, half_even = p->round_half_even;
  const int32_t elem = p->elem;
  const float *const all_scales = p->scales;
  const int32_t *const all_zero_points = p->zero_points;
  int32_t o, a, r, i = 0;

  /* The index of element (o, a, r) grows by inner_stride along r: no
   * division per element. */
  for (o = 0; o < outer; o++) {
    for (a = 0; a < dim; a++) {
      const int32_t base = o * outer_stride + (a / block) * axis_stride;
      const float *scales = all_scales + base;
      const int32_t *zero_points = all_zero_points + base;
      for (r = 0; r < inner; r++, i++) {
        int64_t q = (int64_t)round_to_int32(input[i] / *scales, half_even) +
                    (int64_t)*zero_points;
        q = q < qmin ? qmin : q;
        q = q > qmax ? qmax : q;
        store(output, elem, i, q);
        scales += inner_stride;
        zero_points += inner_stride;
      }
    }
  }
}
