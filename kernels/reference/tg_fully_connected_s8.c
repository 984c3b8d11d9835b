/* tg_fully_connected_s8: FULLY_CONNECTED, int8 input/filter/output, int32
 * bias, per-tensor or per-channel filter quantization.
 *
 * Reproduces reference_integer_ops::FullyConnected (per-tensor) and
 * reference_integer_ops::FullyConnectedPerChannel
 * (tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h)
 * bit for bit (and tinygen's Go evaluator, eval/conv.go fcCore +
 * intKernel).
 *
 * Loop order: batch, unit; depth. The int32 accumulator sums
 * (filter + filter_offset) * (input + input_offset) in order of depth
 * (filter_offset is 0 for per-channel filters); then the bias, the
 * multiplier (multiplier[unit] when per_channel, else multiplier[0]), the
 * output offset and the clamp. Additions wrap like the Go int32 code.
 */
#include <stddef.h>

#include "tg_kernels.h"
#include "tg_fixedpoint.h"

void tg_fully_connected_s8(const tg_fully_connected_s8_params_t *p,
                           const int8_t *input, const int8_t *filter,
                           const int32_t *bias, int8_t *output) {
  const int32_t units = p->units, depth = p->depth;
  const int32_t input_offset = p->input_offset;
  const int32_t filter_offset = p->filter_offset;
  int32_t b, u, d;

  for (b = 0; b < p->batches; b++) {
    const int8_t *in_row = input + b * depth;
    for (u = 0; u < units; u++) {
      const int8_t *f_row = filter + u * depth;
      const int32_t q = p->per_channel ? u : 0;
      uint32_t acc = 0;
      int32_t v;
      for (d = 0; d < depth; d++) {
        acc += (uint32_t)(((int32_t)f_row[d] + filter_offset) *
                          ((int32_t)in_row[d] + input_offset));
      }
      if (bias != NULL) {
        acc += (uint32_t)bias[u];
      }
      v = tg_mbqm((int32_t)acc, p->multiplier[q], p->shift[q]);
      v = (int32_t)((uint32_t)v + (uint32_t)p->output_offset);
      *output++ = (int8_t)tg_clamp(v, p->act_min, p->act_max);
    }
  }
}
