/* tg_int8.h: loads of uint8/int8 elements and the int32 wrap of the
 * integer-sum kernels (internal helper).
 *
 * Part of tinygen's kernel library (https://github.com/tinygen/tinygen),
 * copied unchanged into every generated project.
 */
#ifndef TG_INT8_H
#define TG_INT8_H

#include <stdint.h>

/* tg_load8 returns element i of a uint8 (elem 0) or int8 (elem 1) array. */
static inline int32_t tg_load8(const void *base, int32_t elem, int32_t i) {
  if (elem == 0) {
    return ((const uint8_t *)base)[i];
  }
  return ((const int8_t *)base)[i];
}

/* tg_wrap_s32 returns u modulo 2^32 as an int32_t (two's complement)
 * without an implementation-defined conversion. */
static inline int32_t tg_wrap_s32(uint32_t u) {
  return u < 0x80000000u ? (int32_t)u : -(int32_t)(~u) - 1;
}

#endif /* TG_INT8_H */
