/* tg_concatenation: CONCATENATION along any axis, any element type.
 *
 * Reproduces Concatenation (tensorflow/lite/kernels/internal/reference/
 * concatenation.h) as called by TFLM's concatenation.cc (and tinygen's Go
 * evaluator, eval/shape.go prepareConcat): for each of outer slices, copy
 * chunk_bytes[i] bytes of slice k from each input i in turn (input i's
 * slice k starts at byte k * chunk_bytes[i]). The output must not overlap
 * an input.
 */
#include "tg_kernels.h"

void tg_concatenation(const tg_concatenation_params_t *p,
                      const void *const *inputs, void *output) {
  uint8_t *const out = (uint8_t *)output;
  const int32_t outer = p->outer;
  const int32_t count = p->count;
  const int32_t *const chunk_bytes = p->chunk_bytes;
  int32_t pos = 0; /* output byte offset */
  int32_t k, i, j;

  for (k = 0; k < outer; k++) {
    for (i = 0; i < count; i++) {
      const int32_t n = chunk_bytes[i];
      const uint8_t *const src = (const uint8_t *)inputs[i] + k * n;
      for (j = 0; j < n; j++) {
        out[pos + j] = src[j];
      }
      pos += n;
    }
  }
}
