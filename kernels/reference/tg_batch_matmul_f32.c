/* tg_batch_matmul_f32: BATCH_MATMUL, float32, batch dimensions broadcast
 * NumPy style, either operand possibly transposed.
 *
 * Every output element is a float32 sum from 0 over k in order of
 * x[i, k] * y[k, j], as reference_ops::BatchMatMul (float,
 * tensorflow/lite/kernels/internal/reference/batch_matmul.h) accumulates it
 * (and tinygen's Go evaluator, eval/onnxops.go prepareBatchMatMul). The
 * product and the addition are separate statements (no contraction). The
 * output must not overlap the inputs.
 */
#include "tg_kernels.h"

void tg_batch_matmul_f32(const tg_batch_matmul_f32_params_t *p,
                         const float *x, const float *y, float *output) {
  int32_t b0, b1, b2, b3, i, j, k;
  float *out = output;

  for (b0 = 0; b0 < p->batch_dims[0]; b0++) {
    for (b1 = 0; b1 < p->batch_dims[1]; b1++) {
      for (b2 = 0; b2 < p->batch_dims[2]; b2++) {
        for (b3 = 0; b3 < p->batch_dims[3]; b3++) {
          const float *xm = x + b0 * p->x_batch_strides[0] +
                            b1 * p->x_batch_strides[1] +
                            b2 * p->x_batch_strides[2] +
                            b3 * p->x_batch_strides[3];
          const float *ym = y + b0 * p->y_batch_strides[0] +
                            b1 * p->y_batch_strides[1] +
                            b2 * p->y_batch_strides[2] +
                            b3 * p->y_batch_strides[3];
          for (i = 0; i < p->rows; i++) {
            for (j = 0; j < p->cols; j++) {
              float total = 0.0f;
              for (k = 0; k < p->depth; k++) {
                const float prod =
                    xm[i * p->x_row + k * p->x_depth] *
                    ym[k * p->y_depth + j * p->y_col];
                total += prod;
              }
              *out++ = total;
            }
          }
        }
      }
    }
  }
}
