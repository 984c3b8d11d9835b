/* tg_batch_matmul_int_s32: BATCH_MATMUL as ONNX MatMulInteger: uint8/int8
 * operands, zero points subtracted (y's per column), int32 sums, no
 * requantisation.
 *
 * Reproduces tinygen's Go evaluator (eval/onnxops.go
 * prepareBatchMatMulInt): for every batch, row i and column j, the sum
 * over k in order of (x[i,k] - x_zp) * (y[k,j] - y_zp[j]), kept in uint32
 * so it wraps modulo 2^32 like the evaluator's int32 (the zero points are
 * subtracted in uint32 too: the same sum, defined for any zero point).
 * Batch geometry as
 * tg_batch_matmul_f32. The output must not overlap the inputs.
 */
#include "tg_kernels.h"
#include "tg_int8.h"

void tg_batch_matmul_int_s32(const tg_batch_matmul_int_s32_params_t *p,
                             const void *x, const void *y, int32_t *output) {
  int32_t b0, b1, b2, b3, i, j, k;
  int32_t *out = output;
  const uint32_t xz = (uint32_t)p->x_zero_point;

  for (b0 = 0; b0 < p->batch_dims[0]; b0++) {
    for (b1 = 0; b1 < p->batch_dims[1]; b1++) {
      for (b2 = 0; b2 < p->batch_dims[2]; b2++) {
        for (b3 = 0; b3 < p->batch_dims[3]; b3++) {
          const int32_t xm = b0 * p->x_batch_strides[0] +
                             b1 * p->x_batch_strides[1] +
                             b2 * p->x_batch_strides[2] +
                             b3 * p->x_batch_strides[3];
          const int32_t ym = b0 * p->y_batch_strides[0] +
                             b1 * p->y_batch_strides[1] +
                             b2 * p->y_batch_strides[2] +
                             b3 * p->y_batch_strides[3];
          for (i = 0; i < p->rows; i++) {
            for (j = 0; j < p->cols; j++) {
              uint32_t sum = 0;
              for (k = 0; k < p->depth; k++) {
                const uint32_t xv =
                    (uint32_t)tg_load8(x, p->x_elem,
                                       xm + i * p->x_row + k * p->x_depth) -
                    xz;
                const uint32_t yv =
                    (uint32_t)tg_load8(y, p->w_elem,
                                       ym + k * p->y_depth + j * p->y_col) -
                    (uint32_t)p->y_zero_points[j];
                sum += xv * yv;
              }
              *out++ = tg_wrap_s32(sum);
            }
          }
        }
      }
    }
  }
}
