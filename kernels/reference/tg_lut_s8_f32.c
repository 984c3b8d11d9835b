/* tg_lut_s8_f32: an 8-bit to float32 function given by its 256-entry
 * table, for DEQUANTIZE of int8/uint8 tensors.
 *
 * The code generator fills the table with quant.Dequantize,
 * float32(double(scale) * double(q - zero_point)), which reproduces
 * Dequantize (tensorflow/lite/kernels/internal/reference/dequantize.h) as
 * called by TFLM's dequantize.cc: output[i] = table[(uint8_t)input[i]].
 */
#include "tg_kernels.h"

void tg_lut_s8_f32(const tg_lut_s8_f32_params_t *p, const int8_t *input,
                   float *output) {
  const float *const table = p->table;
  const int32_t n = p->size;
  int32_t i;

  for (i = 0; i < n; i++) {
    output[i] = table[(uint8_t)input[i]];
  }
}
