/* tg_mean_f32: MEAN over any set of axes, float32.
 *
 * Reproduces reference_ops::Mean (float,
 * tensorflow/lite/kernels/internal/reference/reduce.h) in its operation
 * order (and tinygen's Go evaluator, eval/reduce.go).
 *
 * Loop order: the kept axes row-major (= output order), then for each
 * output the reduced axes row-major, which visits that output's inputs in
 * increasing memory order, the order in which the evaluator adds them. The
 * float32 sum starts at 0; the mean is sum / n (a float32 division). Both
 * axis lists are padded at the front with size 1 / stride 0, so six nested
 * loops cover every rank. n is never 0 (the code generator rejects MEAN
 * over an empty axis); should it be, the sum (0) is stored undivided, as
 * the evaluator does.
 */
#include "tg_kernels.h"

/* reduce_sum returns the float32 sum, in row-major order of the reduced
 * axes, of the inputs reduced into the output whose first input element is
 * at base. */
static float reduce_sum(const tg_reduce_t *r, const float *base) {
  const int32_t *d = r->reduced_dims;
  const int32_t *s = r->reduced_strides;
  float sum = 0.0f;
  int32_t i0, i1, i2, i3, i4, i5;
  for (i0 = 0; i0 < d[0]; i0++) {
    const float *p0 = base + i0 * s[0];
    for (i1 = 0; i1 < d[1]; i1++) {
      const float *p1 = p0 + i1 * s[1];
      for (i2 = 0; i2 < d[2]; i2++) {
        const float *p2 = p1 + i2 * s[2];
        for (i3 = 0; i3 < d[3]; i3++) {
          const float *p3 = p2 + i3 * s[3];
          for (i4 = 0; i4 < d[4]; i4++) {
            const float *p4 = p3 + i4 * s[4];
            for (i5 = 0; i5 < d[5]; i5++) {
              sum += p4[i5 * s[5]];
            }
          }
        }
      }
    }
  }
  return sum;
}

void tg_mean_f32(const tg_mean_f32_params_t *p, const float *input,
                 float *output) {
  const tg_reduce_t *r = &p->r;
  const int32_t *d = r->kept_dims;
  const int32_t *s = r->kept_strides;
  const float n = p->n;
  int32_t k0, k1, k2, k3, k4, k5;
  for (k0 = 0; k0 < d[0]; k0++) {
    const float *p0 = input + k0 * s[0];
    for (k1 = 0; k1 < d[1]; k1++) {
      const float *p1 = p0 + k1 * s[1];
      for (k2 = 0; k2 < d[2]; k2++) {
        const float *p2 = p1 + k2 * s[2];
        for (k3 = 0; k3 < d[3]; k3++) {
          const float *p3 = p2 + k3 * s[3];
          for (k4 = 0; k4 < d[4]; k4++) {
            const float *p4 = p3 + k4 * s[4];
            for (k5 = 0; k5 < d[5]; k5++) {
              const float sum = reduce_sum(r, p4 + k5 * s[5]);
              *output++ = n != 0.0f ? sum / n : sum;
            }
          }
        }
      }
    }
  }
}
