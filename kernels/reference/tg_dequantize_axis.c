/* tg_dequantize_axis: DEQUANTIZE uint8, int8 or int16 -> float32, with one
 * scale and zero point per index of a dimension (or one for the tensor).
 *
 * Per element quant.Dequantize (Dequantize, tensorflow/lite/kernels/
 * internal/reference/dequantize.h): (float)((double)scale * (double)(q -
 * zero_point)), the correctly rounded float32 product. Element i belongs
 * to channel (i / inner) % channels (tinygen's Go evaluator,
 * eval/quantize.go).
 */
#include "tg_kernels.h"

void tg_dequantize_axis(const tg_dequantize_axis_params_t *p,
                        const void *input, float *output) {
  int32_t i;

  for (i = 0; i < p->size; i++) {
    const int32_t c = (i / p->inner) % p->channels;
    int32_t q;
    switch (p->elem) {
    case 0:
      q = ((const uint8_t *)input)[i];
      break;
    case 1:
      q = ((const int8_t *)input)[i];
      break;
    default:
      q = ((const int16_t *)input)[i];
      break;
    }
    /* q - zero point in double: exact, and defined for any zero point. */
    output[i] = (float)((double)p->scales[c] *
                        ((double)q - (double)p->zero_points[c]));
  }
}
