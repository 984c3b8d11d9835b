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

void tg_quantize_f32_blocked(const tg_quantize_f32_blocked_params_t *p,
                             const float *input, void *output) {
  const int64_t qmin = p->qmin, qmax = p->qmax;
  int32_t i;

  for (i = 0; i < p->size; i++) {
    const int32_t r = i % p->inner, j = i / p->inner;
    const int32_t a = j % p->dim, o = j / p->dim;
    const int32_t k = o * p->outer_stride + (a / p->block) * p->axis_stride +
                      r * p->inner_stride;
    int64_t q = (int64_t)round_to_int32(input[i] / p->scales[k],
                                        p->round_half_even) +
                (int64_t)p->zero_points[k];
    q = q < qmin ? qmin : q;
    q = q > qmax ? qmax : q;
    switch (p->elem) {
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
}
