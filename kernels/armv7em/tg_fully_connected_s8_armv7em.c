/* tg_fully_connected_s8_armv7em: FULLY_CONNECTED int8 with a per-channel
 * or symmetric (zero point 0) per-tensor filter (armv7em kernel set).
 *
 * Runs the set's GEMM core (tg_a7_gemm in tg_armv7em.h) over batches rows
 * of depth values; a per-tensor multiplier is repeated per unit at compile
 * time. Bit-exact with tg_fully_connected_s8; see tg_armv7em.h and
 * docs/kernels.md.
 */
#include "tg_armv7em.h"

void tg_fully_connected_s8_armv7em(
    const tg_fully_connected_s8_armv7em_params_t *p, const int8_t *input,
    int8_t *output) {
  const tg_a7_gemm_t *g = &p->gemm;
  tg_a7_gemm(g, g->rows, input, g->depth, output, g->cols);
}
