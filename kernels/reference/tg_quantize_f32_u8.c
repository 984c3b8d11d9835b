/* tg_quantize_f32_u8: QUANTIZE float32 -> uint8.
 *
 * Reproduces AffineQuantize (tensorflow/lite/kernels/internal/reference/
 * quantize.h) as called by TFLM's quantize.cc (and tinygen's Go evaluator,
 * quant.QuantizeFloat): q = x / scale as a float32 division (not a
 * multiplication by 1/scale), rounded half away from zero (roundf),
 * converted to int32 saturating with NaN -> 0 (tinygen's definition of the
 * C++ undefined case, what the Arm VCVT instruction does), then the zero
 * point added in int64 and the result clamped to [qmin, qmax]. The output
 * may be the same buffer as the input.
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

void tg_quantize_f32_u8(const tg_quantize_f32_params_t *p,
                        const float *input, uint8_t *output) {
  const float scale = p->scale;
  const int64_t zero_point = p->zero_point;
  const int64_t qmin = p->qmin, qmax = p->qmax;
  const int32_t n = p->size;
  int32_t i;

  for (i = 0; i < n; i++) {
    int64_t q = (int64_t)round_to_int32(input[i] / scale) + zero_point;
    q = q < qmin ? qmin : q;
    q = q > qmax ? qmax : q;
    output[i] = (uint8_t)q;
  }
}
