/* tg_fully_connected_f32_fpu: FULLY_CONNECTED, float32, register-blocked
 * (kernel set fpu).
 *
 * Computes the same outputs as tg_fully_connected_f32 (reference set), bit
 * for bit: each unit's sum starts at 0 and adds the rounded product
 * filter[u, d] * input[b, d] in order of d, then the bias (0 when absent),
 * then the clamp. Units run in blocks of 4 (TG_FPU_OC_BLOCK) whose filter
 * rows were interleaved at compile time ([depth][4]), so each input
 * element is loaded once per block and the 4 weights of a step are
 * consecutive.
 */
#include <stddef.h>

#include "tg_fpu.h"
#include "tg_fixedpoint.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

void tg_fully_connected_f32_fpu(const tg_fully_connected_f32_fpu_params_t *p,
                                const float *input, const float *bias,
                                float *output) {
  const int32_t units = p->units, depth = p->depth;
  int32_t b, u0, d, j;

  for (b = 0; b < p->batches; b++) {
    const float *x = input + b * depth;
    float *out = output + b * units;
    for (u0 = 0; u0 < units; u0 += TG_FPU_OC_BLOCK) {
      const float *w = p->packed + u0 * depth;
      const int32_t nb =
          units - u0 < TG_FPU_OC_BLOCK ? units - u0 : TG_FPU_OC_BLOCK;
      float acc[TG_FPU_OC_BLOCK];
      if (nb == TG_FPU_OC_BLOCK) {
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        for (d = 0; d < depth; d++) {
          const float xv = x[d];
          TG_FPU_MAC(a0, w[0], xv);
          TG_FPU_MAC(a1, w[1], xv);
          TG_FPU_MAC(a2, w[2], xv);
          TG_FPU_MAC(a3, w[3], xv);
          w += 4;
        }
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
      } else {
        for (j = 0; j < nb; j++) {
          float a = 0.0f;
          for (d = 0; d < depth; d++) {
            TG_FPU_MAC(a, w[d * nb + j], x[d]);
          }
          acc[j] = a;
        }
      }
      for (j = 0; j < nb; j++) {
        float bv = 0.0f;
        if (bias != NULL) {
          bv = bias[u0 + j];
        }
        out[u0 + j] = tg_clampf(acc[j] + bv, p->act_min, p->act_max);
      }
    }
  }
}
