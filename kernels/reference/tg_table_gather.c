/* tg_table_gather: RESIZE_NEAREST_NEIGHBOR and the PAD modes REFLECT,
 * SYMMETRIC, EDGE and WRAP, any element type.
 *
 * Output element (i0, ..., i5), row-major over out_dims, copies input
 * element offsets[starts[0] + i0] + ... + offsets[starts[5] + i5]. The code
 * generator computes the per-axis tables (kernels/lower.go, from
 * ir.GatherTables: ir.ResizeSource and ir.PadSource, which tinygen's Go
 * evaluator uses too). The output must not overlap the input.
 */
#include "tg_kernels.h"
#include "tg_broadcast.h"

void tg_table_gather(const tg_table_gather_params_t *p, const void *input,
                     void *output) {
  const uint8_t *const in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  const int32_t esz = p->elem_bytes;
  const int32_t *const d = p->out_dims;
  const int32_t *const t0 = p->offsets + p->starts[0];
  const int32_t *const t1 = p->offsets + p->starts[1];
  const int32_t *const t2 = p->offsets + p->starts[2];
  const int32_t *const t3 = p->offsets + p->starts[3];
  const int32_t *const t4 = p->offsets + p->starts[4];
  const int32_t *const t5 = p->offsets + p->starts[5];
  int32_t i0, i1, i2, i3, i4, i5;

  for (i0 = 0; i0 < d[0]; i0++) {
    for (i1 = 0; i1 < d[1]; i1++) {
      for (i2 = 0; i2 < d[2]; i2++) {
        for (i3 = 0; i3 < d[3]; i3++) {
          for (i4 = 0; i4 < d[4]; i4++) {
            const int32_t row = t0[i0] + t1[i1] + t2[i2] + t3[i3] + t4[i4];
            for (i5 = 0; i5 < d[5]; i5++) {
              tg_copy_elems(out, esz, in + (row + t5[i5]) * esz, esz, 1, esz);
              out += esz;
            }
          }
        }
      }
    }
  }
}
