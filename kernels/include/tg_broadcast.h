/* tg_broadcast.h: index walks shared by tinygen's reference kernels.
 *
 * Part of tinygen's kernel library (https://github.com/tinygen/tinygen),
 * copied unchanged into every generated project. Internal to the kernels:
 * generated code does not use it.
 *
 * Both walks visit a TG_MAX_DIMS-dimensional index space row-major. Unused
 * leading dimensions have size 1 and stride 0, so six nested loops cover
 * every rank; a dimension of size 0 visits nothing. Offsets are element
 * offsets accumulated by addition (strides may be negative or 0).
 *
 * The macros take the loop body last, as variadic arguments, so that the
 * body may contain commas. The body runs inside for loops: it may use
 * continue but must not use break. All loop state lives in local variables
 * (not re-read through the parameter pointer), because stores through
 * int8_t pointers may alias anything.
 */
#ifndef TG_BROADCAST_H
#define TG_BROADCAST_H

#include <stdint.h>

#include "tg_kernels.h"

/* TG_BROADCAST_EACH(bc, ia, ib, o, body...): for every output element o
 * (0, 1, ... in row-major order) of the tg_broadcast_t *bc, with ia and ib
 * the indices of the input elements it reads, run body. ia, ib and o are
 * int32_t lvalues declared by the caller. With bc->broadcast == 0 this is
 * one flat loop over bc->size elements with ia == ib == o. */
#define TG_BROADCAST_EACH(bc, ia, ib, o, ...)                                 \
  do {                                                                        \
    const tg_broadcast_t *const tg_bc_ = (bc);                                \
    if (tg_bc_->broadcast == 0) {                                             \
      const int32_t tg_n_ = tg_bc_->size;                                     \
      for ((o) = 0; (o) < tg_n_; (o)++) {                                     \
        (ia) = (o);                                                           \
        (ib) = (o);                                                           \
        __VA_ARGS__                                                           \
      }                                                                       \
    } else {                                                                  \
      const int32_t tg_d0_ = tg_bc_->dims[0], tg_d1_ = tg_bc_->dims[1];       \
      const int32_t tg_d2_ = tg_bc_->dims[2], tg_d3_ = tg_bc_->dims[3];       \
      const int32_t tg_d4_ = tg_bc_->dims[4], tg_d5_ = tg_bc_->dims[5];       \
      const int32_t tg_sa0_ = tg_bc_->a_strides[0];                           \
      const int32_t tg_sa1_ = tg_bc_->a_strides[1];                           \
      const int32_t tg_sa2_ = tg_bc_->a_strides[2];                           \
      const int32_t tg_sa3_ = tg_bc_->a_strides[3];                           \
      const int32_t tg_sa4_ = tg_bc_->a_strides[4];                           \
      const int32_t tg_sa5_ = tg_bc_->a_strides[5];                           \
      const int32_t tg_sb0_ = tg_bc_->b_strides[0];                           \
      const int32_t tg_sb1_ = tg_bc_->b_strides[1];                           \
      const int32_t tg_sb2_ = tg_bc_->b_strides[2];                           \
      const int32_t tg_sb3_ = tg_bc_->b_strides[3];                           \
      const int32_t tg_sb4_ = tg_bc_->b_strides[4];                           \
      const int32_t tg_sb5_ = tg_bc_->b_strides[5];                           \
      int32_t tg_i0_, tg_i1_, tg_i2_, tg_i3_, tg_i4_, tg_i5_;                 \
      int32_t tg_a0_, tg_a1_, tg_a2_, tg_a3_, tg_a4_;                         \
      int32_t tg_b0_, tg_b1_, tg_b2_, tg_b3_, tg_b4_;                         \
      (o) = 0;                                                                \
      for (tg_i0_ = 0, tg_a0_ = 0, tg_b0_ = 0; tg_i0_ < tg_d0_;               \
           tg_i0_++, tg_a0_ += tg_sa0_, tg_b0_ += tg_sb0_) {                  \
        for (tg_i1_ = 0, tg_a1_ = tg_a0_, tg_b1_ = tg_b0_; tg_i1_ < tg_d1_;   \
             tg_i1_++, tg_a1_ += tg_sa1_, tg_b1_ += tg_sb1_) {                \
          for (tg_i2_ = 0, tg_a2_ = tg_a1_, tg_b2_ = tg_b1_; tg_i2_ < tg_d2_; \
               tg_i2_++, tg_a2_ += tg_sa2_, tg_b2_ += tg_sb2_) {              \
            for (tg_i3_ = 0, tg_a3_ = tg_a2_, tg_b3_ = tg_b2_;                \
                 tg_i3_ < tg_d3_;                                             \
                 tg_i3_++, tg_a3_ += tg_sa3_, tg_b3_ += tg_sb3_) {            \
              for (tg_i4_ = 0, tg_a4_ = tg_a3_, tg_b4_ = tg_b3_;              \
                   tg_i4_ < tg_d4_;                                           \
                   tg_i4_++, tg_a4_ += tg_sa4_, tg_b4_ += tg_sb4_) {          \
                for (tg_i5_ = 0, (ia) = tg_a4_, (ib) = tg_b4_;                \
                     tg_i5_ < tg_d5_;                                         \
                     tg_i5_++, (ia) += tg_sa5_, (ib) += tg_sb5_, (o)++) {     \
                  __VA_ARGS__                                                 \
                }                                                             \
              }                                                               \
            }                                                                 \
          }                                                                   \
        }                                                                     \
      }                                                                       \
    }                                                                         \
  } while (0)

/* TG_WALK_ROWS(dims, strides, base, off, n, step, body...): walk the index
 * space dims[0..TG_MAX_DIMS) row by row. For every index of the first
 * TG_MAX_DIMS - 1 dimensions (row-major), off is base + sum(index[d] *
 * strides[d]), the offset of the row's first element; n = dims[5] is the
 * row's length and step = strides[5] the offset between its elements; then
 * body runs once for the row. dims and strides are int32_t arrays; off, n
 * and step are int32_t lvalues declared by the caller. An empty walk (a
 * dimension of 0) runs no loop at all (not even the outer ones, so that
 * their count is not bounded by dims that visit nothing). */
#define TG_WALK_ROWS(dims, strides, base, off, n, step, ...)                 \
  do {                                                                        \
    const int32_t *const tg_wd_ = (dims);                                     \
    const int32_t *const tg_ws_ = (strides);                                  \
    const int32_t tg_d0_ = tg_wd_[0], tg_d1_ = tg_wd_[1];                     \
    const int32_t tg_d2_ = tg_wd_[2], tg_d3_ = tg_wd_[3];                     \
    const int32_t tg_d4_ = tg_wd_[4];                                         \
    const int32_t tg_s0_ = tg_ws_[0], tg_s1_ = tg_ws_[1];                     \
    const int32_t tg_s2_ = tg_ws_[2], tg_s3_ = tg_ws_[3];                     \
    const int32_t tg_s4_ = tg_ws_[4];                                         \
    int32_t tg_i0_, tg_i1_, tg_i2_, tg_i3_, tg_i4_;                           \
    int32_t tg_o0_, tg_o1_, tg_o2_, tg_o3_;                                   \
    (n) = tg_wd_[5];                                                          \
    (step) = tg_ws_[5];                                                       \
    if (tg_d0_ <= 0 || tg_d1_ <= 0 || tg_d2_ <= 0 || tg_d3_ <= 0 ||           \
        tg_d4_ <= 0 || (n) <= 0) {                                            \
      break;                                                                  \
    }                                                                         \
    for (tg_i0_ = 0, tg_o0_ = (base); tg_i0_ < tg_d0_;                        \
         tg_i0_++, tg_o0_ += tg_s0_) {                                        \
      for (tg_i1_ = 0, tg_o1_ = tg_o0_; tg_i1_ < tg_d1_;                      \
           tg_i1_++, tg_o1_ += tg_s1_) {                                      \
        for (tg_i2_ = 0, tg_o2_ = tg_o1_; tg_i2_ < tg_d2_;                    \
             tg_i2_++, tg_o2_ += tg_s2_) {                                    \
          for (tg_i3_ = 0, tg_o3_ = tg_o2_; tg_i3_ < tg_d3_;                  \
               tg_i3_++, tg_o3_ += tg_s3_) {                                  \
            for (tg_i4_ = 0, (off) = tg_o3_; tg_i4_ < tg_d4_;                 \
                 tg_i4_++, (off) += tg_s4_) {                                 \
              __VA_ARGS__                                                     \
            }                                                                 \
          }                                                                   \
        }                                                                     \
      }                                                                       \
    }                                                                         \
  } while (0)

/* tg_copy_elems copies n elements of esz bytes from src to dst; consecutive
 * elements are src_step bytes apart in src and dst_step bytes apart in dst
 * (steps may be negative: offsets are integers, so no pointer ever leaves
 * its buffer). Byte accesses only, so no alignment or aliasing
 * assumptions; the common element sizes get fixed-size copies. */
static inline void tg_copy_elems(uint8_t *dst, int32_t dst_step,
                                 const uint8_t *src, int32_t src_step,
                                 int32_t n, int32_t esz) {
  int32_t i, j, d = 0, s = 0;
  switch (esz) {
  case 1:
    for (i = 0; i < n; i++, d += dst_step, s += src_step) {
      dst[d] = src[s];
    }
    break;
  case 2:
    for (i = 0; i < n; i++, d += dst_step, s += src_step) {
      dst[d] = src[s];
      dst[d + 1] = src[s + 1];
    }
    break;
  case 4:
    for (i = 0; i < n; i++, d += dst_step, s += src_step) {
      dst[d] = src[s];
      dst[d + 1] = src[s + 1];
      dst[d + 2] = src[s + 2];
      dst[d + 3] = src[s + 3];
    }
    break;
  default:
    for (i = 0; i < n; i++, d += dst_step, s += src_step) {
      for (j = 0; j < esz; j++) {
        dst[d + j] = src[s + j];
      }
    }
    break;
  }
}

#endif /* TG_BROADCAST_H */
