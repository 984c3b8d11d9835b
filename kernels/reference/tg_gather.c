/* tg_gather: TRANSPOSE and STRIDED_SLICE, any element type.
 *
 * Reproduces the element order of Transpose (tensorflow/lite/kernels/
 * internal/reference/transpose.h) and StridedSlice (reference/
 * strided_slice.h) as called by TFLM's transpose.cc and strided_slice.cc
 * (and tinygen's Go evaluator, eval/shape.go gather/walk): output element i,
 * row-major over dims, is input element base + sum(index[d] * strides[d]);
 * strides may be negative or 0. The code generator computes dims, strides
 * and base (kernels/lower.go lowerGather). The output must not overlap the
 * input.
 */
#include "tg_kernels.h"
#include "tg_broadcast.h"

void tg_gather(const tg_gather_params_t *p, const void *input, void *output) {
  const uint8_t *const in = (const uint8_t *)input;
  uint8_t *const out = (uint8_t *)output;
  const int32_t esz = p->elem_bytes;
  int32_t pos = 0; /* output byte offset */
  int32_t off, n, step;

  TG_WALK_ROWS(p->dims, p->strides, p->base, off, n, step, {
    tg_copy_elems(out + pos, esz, in + off * esz, step * esz, n, esz);
    pos += n * esz;
  });
}
