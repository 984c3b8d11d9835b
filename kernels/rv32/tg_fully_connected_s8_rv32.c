/* tg_fully_connected_s8_rv32: FULLY_CONNECTED, int8, for RV32IM (kernel
 * set "rv32").
 *
 * Same results as tg_fully_connected_s8 (reference) for a filter zero point
 * of 0. Units are taken 8 at a time: 8 accumulators in registers start
 * from the folded bias and sum input[d] * weight over the depth, two
 * depths per step (per step 2 input and 16 weight loads at constant
 * offsets from two incremented pointers), then each is requantised with
 * its unit's record. A remainder of 4 to 7 units runs one block of 4 the
 * same way, and the last units (at most 3) one at a time, so the weights
 * are never padded.
 */
#include "tg_rv32.h"

/* rq requantises unit u's accumulator with its record. */
TG_RV32_FN
static inline int8_t rq(const tg_fully_connected_s8_rv32_params_t *p,
                        const int32_t *r, uint32_t acc) {
  const int32_t s = r[TG_RV32_SHIFT];
  return (int8_t)tg_rv32_requant(
      acc, (uint32_t)r[TG_RV32_MULT], TG_RV32_LEFT_OF(s), TG_RV32_RIGHT_OF(s),
      r[TG_RV32_ROUND], TG_RV32_NEG_OF(s), p->act_min, p->act_max);
}

TG_RV32_FN
void tg_fully_connected_s8_rv32(const tg_fully_connected_s8_rv32_params_t *p,
                                const int8_t *input, int8_t *output) {
  const int32_t units = p->units, depth = p->depth;
  const int32_t full = units / 8;
  int32_t b, ub, u;

  for (b = 0; b < p->batches; b++) {
    const int8_t *in_row = input + b * depth;
    const int8_t *const pair_end = in_row + (depth & ~(int32_t)1);
    const int8_t *wp = p->weights;
    const int32_t *q = p->chan;
    int8_t *o = output + b * units;
    for (ub = 0; ub < full; ub++) {
      const int8_t *x = in_row;
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
      o[0] = rq(p, q, s0);
      o[1] = rq(p, q + TG_RV32_CHAN, s1);
      o[2] = rq(p, q + 2 * TG_RV32_CHAN, s2);
      o[3] = rq(p, q + 3 * TG_RV32_CHAN, s3);
      o[4] = rq(p, q + 4 * TG_RV32_CHAN, s4);
      o[5] = rq(p, q + 5 * TG_RV32_CHAN, s5);
      o[6] = rq(p, q + 6 * TG_RV32_CHAN, s6);
      o[7] = rq(p, q + 7 * TG_RV32_CHAN, s7);
      o += 8;
      q += 8 * TG_RV32_CHAN;
    }
    u = full * 8;
    if (units - u >= 4) {
      const int8_t *x = in_row;
      uint32_t s0 = (uint32_t)q[0 * TG_RV32_CHAN];
      uint32_t s1 = (uint32_t)q[1 * TG_RV32_CHAN];
      uint32_t s2 = (uint32_t)q[2 * TG_RV32_CHAN];
      uint32_t s3 = (uint32_t)q[3 * TG_RV32_CHAN];
      while (x != pair_end) {
        const int32_t x0 = x[0], x1 = x[1];
        s0 += (uint32_t)(x0 * wp[0] + x1 * wp[4]);
        s1 += (uint32_t)(x0 * wp[1] + x1 * wp[5]);
        s2 += (uint32_t)(x0 * wp[2] + x1 * wp[6]);
        s3 += (uint32_t)(x0 * wp[3] + x1 * wp[7]);
        x += 2;
        wp += 8;
      }
      if (depth & 1) {
        const int32_t x0 = x[0];
        s0 += (uint32_t)(x0 * wp[0]);
        s1 += (uint32_t)(x0 * wp[1]);
        s2 += (uint32_t)(x0 * wp[2]);
        s3 += (uint32_t)(x0 * wp[3]);
        wp += 4;
      }
      o[0] = rq(p, q, s0);
      o[1] = rq(p, q + TG_RV32_CHAN, s1);
      o[2] = rq(p, q + 2 * TG_RV32_CHAN, s2);
      o[3] = rq(p, q + 3 * TG_RV32_CHAN, s3);
      o += 4;
      q += 4 * TG_RV32_CHAN;
      u += 4;
    }
    for (; u < units; u++) {
      const int8_t *x = in_row;
      uint32_t s0 = (uint32_t)q[0];
      while (x != in_row + depth) {
        s0 += (uint32_t)((int32_t)*x++ * (int32_t)*wp++);
      }
      *o++ = rq(p, q, s0);
      q += TG_RV32_CHAN;
    }
  }
}
