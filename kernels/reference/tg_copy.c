/* tg_copy: RESHAPE and SQUEEZE, any element type.
 *
 * Reproduces TFLM's reshape.cc and squeeze.cc evaluation (a memcpy of the
 * input bytes unless the tensors share their buffer; tinygen's Go
 * evaluator, eval/shape.go prepareCopy): copy p->bytes bytes, nothing when
 * input == output. Byte loop, so no libc call and no alignment
 * assumptions.
 */
#include "tg_kernels.h"

void tg_copy(const tg_copy_params_t *p, const void *input, void *output) {
  const uint8_t *const in = (const uint8_t *)input;
  uint8_t *const out = (uint8_t *)output;
  const int32_t n = p->bytes;
  int32_t i;

  if (input == output) {
    return;
  }
  for (i = 0; i < n; i++) {
    out[i] = in[i];
  }
}
