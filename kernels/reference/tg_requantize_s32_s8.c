/* tg_requantize_s32_s8: QUANTIZE int32 -> int8 with an input zero point
 * of 0 (the requantisation after an integer product, e.g. ONNX
 * QLinearMatMul lowered through MatMulInteger).
 *
 * Per element TFLM's Requantize (tensorflow/lite/kernels/internal/
 * reference/requantize.h; quant.RequantizeElement in tinygen's Go
 * evaluator): clamp(MultiplyByQuantizedMultiplier(x) + output zero point).
 */
#include "tg_fixedpoint.h"
#include "tg_kernels.h"

void tg_requantize_s32_s8(const tg_requantize_s32_s8_params_t *p,
                          const int32_t *input, int8_t *output) {
  int32_t i;

  for (i = 0; i < p->size; i++) {
    int32_t v = tg_mbqm(input[i], p->multiplier, p->shift);
    /* |mbqm| <= 2^31 - 1 and |zero point| <= 128: compute in int64. */
    int64_t r = (int64_t)v + p->output_zero_point;
    if (r < p->qmin) {
      r = p->qmin;
    }
    if (r > p->qmax) {
      r = p->qmax;
    }
    output[i] = (int8_t)r;
  }
}
