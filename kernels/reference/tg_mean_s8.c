/* tg_mean_s8: MEAN over any set of axes, int8.
 *
 * Reproduces QuantizedMeanOrSum (MEAN)
 * (tensorflow/lite/kernels/internal/reference/reduce.h) as run by TFLM's
 * reduce_common.cc, bit for bit (and tinygen's Go evaluator, eval/reduce.go
 * + quant.MeanElement). The 1/n factor is folded into multiplier/shift at
 * compile time (quant.PrepareMean).
 *
 * Loop order: the kept axes row-major (= output order), then for each
 * output the reduced axes row-major. The raw int8 codes are summed in a
 * wrapping int32 (uint32 here); then shifted = (int32)(sum -
 * input_zero_point * n), out = clamp(MultiplyByQuantizedMultiplier(shifted,
 * multiplier, shift) + output_zero_point, -128, 127). Both axis lists are
 * padded at the front with size 1 / stride 0, so six nested loops cover
 * every rank.
 */
#include "tg_kernels.h"
#include "tg_fixedpoint.h"

/* reduce_sum returns the wrapping sum of the raw codes reduced into the
 * output whose first input element is at base. */
static uint32_t reduce_sum(const tg_reduce_t *r, const int8_t *base) {
  const int32_t *d = r->reduced_dims;
  const int32_t *s = r->reduced_strides;
  uint32_t sum = 0;
  int32_t i0, i1, i2, i3, i4, i5;
  for (i0 = 0; i0 < d[0]; i0++) {
    const int8_t *p0 = base + i0 * s[0];
    for (i1 = 0; i1 < d[1]; i1++) {
      const int8_t *p1 = p0 + i1 * s[1];
      for (i2 = 0; i2 < d[2]; i2++) {
        const int8_t *p2 = p1 + i2 * s[2];
        for (i3 = 0; i3 < d[3]; i3++) {
          const int8_t *p3 = p2 + i3 * s[3];
          for (i4 = 0; i4 < d[4]; i4++) {
            const int8_t *p4 = p3 + i4 * s[4];
            for (i5 = 0; i5 < d[5]; i5++) {
              sum += (uint32_t)(int32_t)p4[i5 * s[5]];
            }
          }
        }
      }
    }
  }
  return sum;
}

void tg_mean_s8(const tg_mean_s8_params_t *p, const int8_t *input,
                int8_t *output) {
  const tg_reduce_t *r = &p->r;
  const int32_t *d = r->kept_dims;
  const int32_t *s = r->kept_strides;
  /* input_zero_point * n, subtracted modulo 2^32: the same low 32 bits as
   * TFLM's int64 subtraction truncated to int32. */
  const uint32_t zero_sum = (uint32_t)p->input_zero_point * (uint32_t)p->n;
  int32_t k0, k1, k2, k3, k4, k5;
  for (k0 = 0; k0 < d[0]; k0++) {
    const int8_t *p0 = input + k0 * s[0];
    for (k1 = 0; k1 < d[1]; k1++) {
      const int8_t *p1 = p0 + k1 * s[1];
      for (k2 = 0; k2 < d[2]; k2++) {
        const int8_t *p2 = p1 + k2 * s[2];
        for (k3 = 0; k3 < d[3]; k3++) {
          const int8_t *p3 = p2 + k3 * s[3];
          for (k4 = 0; k4 < d[4]; k4++) {
            const int8_t *p4 = p3 + k4 * s[4];
            for (k5 = 0; k5 < d[5]; k5++) {
              const int32_t shifted =
                  (int32_t)(reduce_sum(r, p4 + k5 * s[5]) - zero_sum);
              int32_t v = tg_mbqm(shifted, p->multiplier, p->shift);
              v = (int32_t)((uint32_t)v + (uint32_t)p->output_zero_point);
              *output++ = (int8_t)tg_clamp(v, -128, 127);
            }
          }
        }
      }
    }
  }
}
