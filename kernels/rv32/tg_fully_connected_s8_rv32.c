/* tg_fully_connected_s8_rv32: FULLY_CONNECTED, int8, for RV32IM (kernel
 * set "rv32").
 *
 * Same results as tg_fully_connected_s8 (reference) for a filter zero point
 * of 0. Units are taken 8 at a time: 8 accumulators in registers start
 * from the folded bias and sum input[d] * weight over the depth, two
 * depths per step (per step 2 input and 16 weight loads at constant
 * offsets from two incremented pointers), then each is requantised with
 * its unit's record. Units past the end have zero weights and are not
 * stored.
 */
#include "tg_rv32.h"

TG_RV32_FN
void tg_fully_connected_s8_rv32(const tg_fully_connected_s8_rv32_params_t *p,
                                const int8_t *input, int8_t *output) {
  const int32_t units = p->units, depth = p->depth;
  const int32_t blocks = (units + 7) / 8;
  const int32_t off = p->output_offset, lo = p->act_min, hi = p->act_max;
  int32_t b, ub, i;

  for (b = 0; b < p->batches; b++) {
    const int8_t *in_row = input + b * depth;
    const int8_t *const pair_end = in_row + (depth & ~(int32_t)1);
    const int8_t *wp = p->weights;
    const int32_t *q = p->chan;
    for (ub = 0; ub < blocks; ub++) {
      const int8_t *x = in_row;
      uint32_t acc[8];
      uint32_t s0 = (uint32_t)q[0 * TG_RV32_CHAN];
      uint32_t s1 = (uint32_t)q[1 * TG_RV32_CHAN];
      uint32_t s2 = (uint32_t)q[2 * TG_RV32_CHAN];
      uint32_t s3 = (uint32_t)q[3 * TG_RV32_CHAN];
      uint32_t s4 = (uint32_t)q[4 * TG_RV32_CHAN];
      uint32_t s5 = (uint32_t)q[5 * TG_RV32_CHAN];
      uint32_t s6 = (uint32_t)q[6 * TG_RV32_CHAN];
      uint32_t s7 = (uint32_t)q[7 * TG_RV32_CHAN];
      while (x != pair_end) {
        const int32_t x0 = x[0], x1 = x[1];
        s0 += (uint32_t)(x0 * wp[0] + x1 * wp[8]);
        s1 += (uint32_t)(x0 * wp[1] + x1 * wp[9]);
        s2 += (uint32_t)(x0 * wp[2] + x1 * wp[10]);
        s3 += (uint32_t)(x0 * wp[3] + x1 * wp[11]);
        s4 += (uint32_t)(x0 * wp[4] + x1 * wp[12]);
        s5 += (uint32_t)(x0 * wp[5] + x1 * wp[13]);
        s6 += (uint32_t)(x0 * wp[6] + x1 * wp[14]);
        s7 += (uint32_t)(x0 * wp[7] + x1 * wp[15]);
        x += 2;
        wp += 16;
      }
      if (depth & 1) {
        const int32_t x0 = x[0];
        s0 += (uint32_t)(x0 * wp[0]);
        s1 += (uint32_t)(x0 * wp[1]);
        s2 += (uint32_t)(x0 * wp[2]);
        s3 += (uint32_t)(x0 * wp[3]);
        s4 += (uint32_t)(x0 * wp[4]);
        s5 += (uint32_t)(x0 * wp[5]);
        s6 += (uint32_t)(x0 * wp[6]);
        s7 += (uint32_t)(x0 * wp[7]);
        wp += 8;
      }
      acc[0] = s0;
      acc[1] = s1;
      acc[2] = s2;
      acc[3] = s3;
      acc[4] = s4;
      acc[5] = s5;
      acc[6] = s6;
      acc[7] = s7;
      for (i = 0; i < 8 && ub * 8 + i < units; i++) {
        const int32_t *r = q + i * TG_RV32_CHAN;
        output[b * units + ub * 8 + i] = (int8_t)tg_rv32_requant(
            acc[i], (uint32_t)r[TG_RV32_MULT] << 1, r[TG_RV32_LEFT],
            r[TG_RV32_RIGHT], r[TG_RV32_HALF], r[TG_RV32_NEG], off, lo, hi);
      }
      q += 8 * TG_RV32_CHAN;
    }
  }
}
