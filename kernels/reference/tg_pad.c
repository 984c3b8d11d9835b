/* tg_pad: PAD, any element type of up to 8 bytes.
 *
 * Reproduces Pad (tensorflow/lite/kernels/internal/reference/pad.h) as
 * called by TFLM's pad.cc (and tinygen's Go evaluator, eval/shape.go
 * preparePad): every output element gets the fill pattern (the output zero
 * point for int8/uint8, 0 otherwise; computed by kernels/lower.go
 * lowerPad), then input element i, row-major over in_dims, is written to
 * output element base + sum(index[d] * out_strides[d]). The output must not
 * overlap the input.
 */
#include "tg_kernels.h"
#include "tg_broadcast.h"

void tg_pad(const tg_pad_params_t *p, const void *input, void *output) {
  const uint8_t *const in = (const uint8_t *)input;
  uint8_t *const out = (uint8_t *)output;
  const int32_t esz = p->elem_bytes;
  const int32_t out_size = p->out_size;
  int32_t pos = 0; /* input byte offset */
  const int32_t total = out_size * esz;
  /* The fill pattern, copied byte by byte with explicit stores and laid
   * down with a cyclic index: simple copy loops here would be turned into
   * memcpy/memset calls by the compiler, and the kernels must not need
   * libc. */
  uint8_t fill[8];
  int32_t i, j, off, n, step;

  fill[0] = p->fill[0];
  fill[1] = p->fill[1];
  fill[2] = p->fill[2];
  fill[3] = p->fill[3];
  fill[4] = p->fill[4];
  fill[5] = p->fill[5];
  fill[6] = p->fill[6];
  fill[7] = p->fill[7];
  for (i = 0, j = 0; i < total; i++) {
    out[i] = fill[j];
    j = j + 1 < esz ? j + 1 : 0;
  }

  TG_WALK_ROWS(p->in_dims, p->out_strides, p->base, off, n, step, {
    tg_copy_elems(out + off * esz, step * esz, in + pos, esz, n, esz);
    pos += n * esz;
  });
}
