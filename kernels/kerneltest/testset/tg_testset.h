/* tg_testset.h: the kernels of tinygen's test-only kernel set "testset".
 *
 * The set exists to test kernel-set selection, fallback to the reference
 * set, kernel-specific parameters and scratch memory (package
 * kernels/kerneltest); it never ships in a generated project of a real
 * compile.
 */
#ifndef TG_TESTSET_H
#define TG_TESTSET_H

#include "tg_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parameters of tg_max_pool2d_s8_testset: the reference pooling
 * parameters and the length of the scratch row (in_w * in_c). */
typedef struct {
  tg_window_t win;
  int32_t act_min, act_max;
  int32_t row_len;
} tg_max_pool2d_s8_testset_params_t;

/* MAX_POOL_2D, int8, separable: scratch holds row_len int8 values. */
void tg_max_pool2d_s8_testset(const tg_max_pool2d_s8_testset_params_t *p,
                              const int8_t *input, int8_t *output,
                              int8_t *scratch);

#ifdef __cplusplus
}
#endif

#endif /* TG_TESTSET_H */
