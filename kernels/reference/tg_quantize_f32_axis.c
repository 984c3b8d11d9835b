/* tg_quantize_f32_axis: QUANTIZE float32 -> uint8, int8 or int16, with one
 * scale and zero point per index of a dimension (or one for the tensor).
 *
 * Per element the arithmetic of tg_quantize_f32_s8 and quant.QuantizeFloat
 * (AffineQuantize, tensorflow/lite/kernels/internal/reference/quantize.h):
 * a float32 division by the channel's scale, rounded half away from zero,
 * converted to int32 saturating with NaN -> 0, the zero point added in
 * int64, clamped to [qmin, qmax]. Element i belongs to channel
 * (i / inner) % channels (tinygen's Go evaluator, eval/quantize.go).
 */
#include <math.h>

#include "tg_kernels.h"

/* quant.RoundToInt32: roundf(x) as int32, saturating, NaN -> 0. */
static int32_t round_to_int32(float x) {
  if (x != x) {
    return 0;
  }
  if (x >= 2147483648.0f) {
    return INT32_MAX;
  }
  if (x <= -2147483648.0f) {
    return INT32_MIN;
  }
  return (int32_t)roundf(x);
}

void tg_quantize_f32_axis(const tg_quantize_f32_axis_params_t *p,
                          const float *input, void *output) {
  const int64_t qmin = p->qmin, qmax = p->qmax;
  int32_t i;

  for (i = 0; i < p->size; i++) {
    const int32_t c = (i / p->inner) % p->channels;
    int64_t q = (int64_t)round_to_int32(input[i] / p->scales[c]) +
                (int64_t)p->zero_points[c];
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
