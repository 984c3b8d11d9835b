/* tg_rt.c: tinygen's interpreter runtime: blob loader, validator and
 * dispatcher.
 *
 * Part of tinygen (https://github.com/tinygen/tinygen), copied unchanged
 * into every interpreter project. The blob format is docs/blob-format.md.
 * tg_rt_init checks every field of the blob that tg_rt_invoke later uses,
 * so that tg_rt_invoke can trust it: tables inside the blob, indices in
 * range, arguments inside their storage, and each step's parameters
 * accepted by its kernel's bounds check (generated with the kernel table).
 * The work is linear in the steps, arguments and records; the weights are
 * not read (tg_rt_check_crc reads them).
 */
#include "tg_rt.h"
#include "tg_rt_kernel.h"
#include "tg_rtk_table.h"

/* The runtime is built for size whatever the build's level: its budget is
 * 2 kB of flash at -Os (docs/blob-format.md), init runs once per blob and
 * tg_rt_invoke's work per step is small beside the kernels'. GCC only
 * (Clang has no such pragma; build the runtime with -Os there). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("Os")
#endif

/* Header layout (docs/blob-format.md). */
#define H_MAGIC 0u
#define H_VERSION 4u
#define H_HEADER_BYTES 6u
#define H_TOTAL 8u
#define H_CRC 12u
#define H_ARENA 20u
#define H_ALIGN 24u
#define H_N_IN 28u
#define H_N_OUT 30u
#define H_IO 32u
#define H_TENSOR 36u
#define H_N_TENSOR 40u
#define H_STEP 44u
#define H_N_STEP 48u
#define H_ARG 52u
#define H_N_ARG 56u
#define H_DATA 60u
#define HEADER_BYTES 64u

#define IO_BYTES 48u
#define TENSOR_BYTES 12u
#define STEP_BYTES 12u

/* Tensor kinds. */
#define T_ARENA 1u
#define T_INPUT 2u
#define T_OUTPUT 3u
#define T_CONST 4u

/* Argument entries: a tensor index, A_ABSENT (NULL), or A_LIST | n
 * followed by n tensor indices. */
#define A_ABSENT 0xffffu
#define A_LIST 0x8000u
#define ABSENT 0xffffffffu

/* The blob's constants are little-endian and kernels read them in place:
 * the runtime runs on little-endian targets only (every tinygen target). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tinygen's interpreter runtime needs a little-endian target"
#endif

/* Little-endian reads of blob fields. Every 32-bit field of the header and
 * the tables is 4-aligned in a blob that tg_rt_init found 8-aligned, so on
 * little-endian GCC/Clang targets a read is one load. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TG_RT_INLINE static inline __attribute__((always_inline))
TG_RT_INLINE uint32_t rd32(const uint8_t *p) {
  uint32_t v;
  __builtin_memcpy(&v, __builtin_assume_aligned(p, 4), 4);
  return v;
}
TG_RT_INLINE uint32_t rd16(const uint8_t *p) {
  uint16_t v;
  __builtin_memcpy(&v, __builtin_assume_aligned(p, 2), 2);
  return v;
}
#else
#define TG_RT_INLINE static
static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
#endif

/* in_range reports whether [off, off+len) lies inside [lo, hi). */
TG_RT_INLINE int in_range(uint32_t off, uint32_t len, uint32_t lo, uint32_t hi) {
  return off >= lo && off <= hi && len <= hi - off;
}

/* find_kernel returns the table's kernel of id (at least 1), NULL when
 * the firmware lacks it: a scan of the few kernels a firmware links. */
static const tg_rt_kernel_t *find_kernel(uint32_t id) {
  uint32_t i, n = tg_rt_num_kernels;
  for (i = 0; i < n; i++) {
    if (tg_rt_kernel_ids[i] == id) {
      return tg_rt_kernels[i];
    }
  }
  return NULL;
}

static tg_rt_status_t fail(tg_rt_ctx_t *ctx, tg_rt_status_t st, uint32_t detail) {
  ctx->detail = detail;
  return st;
}

/* check_io validates the input/output records: a known element type, a
 * rank the record holds, and bytes equal to the shape's elements times the
 * element size (without overflow). Returns the first bad index, or n. */
static uint32_t check_io(const uint8_t *r, uint32_t n) {
  uint32_t i, d;
  for (i = 0; i < n; i++, r += IO_BYTES) {
    /* Element sizes of dtypes 0-7, one per nibble: 0 1 1 2 4 8 4 1. */
    uint32_t es = r[0] < 8u ? (0x14842110u >> (4u * r[0])) & 15u : 0u, rank = r[1], elems = 1;
    if (es == 0u || rank > TG_RT_MAX_RANK) {
      break;
    }
    for (d = 0; d < rank; d++) {
      uint32_t dim = rd32(r + 16 + 4 * d);
      if (dim > 0x7fffffffu || (dim != 0u && elems > 0x7fffffffu / dim)) {
        return i;
      }
      elems *= dim;
    }
    if (elems > 0x7fffffffu / es || elems * es != rd32(r + 4)) {
      break;
    }
  }
  return i;
}

/* check_tensors validates the tensor records: arena ranges aligned and
 * inside the arena, input/output indices and sizes, constants 4-aligned
 * inside the data region. Returns the first bad index, or n. */
static uint32_t check_tensors(const uint8_t *b, const uint8_t *t, uint32_t n, uint32_t need, uint32_t align,
                              uint32_t n_in, uint32_t n_out, uint32_t data, uint32_t total) {
  const uint8_t *io = b + rd32(b + H_IO);
  uint32_t i;
  for (i = 0; i < n; i++, t += TENSOR_BYTES) {
    uint32_t w0 = rd32(t), v = rd32(t + 4), len = rd32(t + 8), lim = total;
    if (w0 == T_CONST) {
      /* The most frequent kind first: 4-aligned inside the data region. */
      if ((v & 3u) != 0u || v < data) {
        return i;
      }
    } else if (w0 == T_ARENA) {
      if ((v & (align - 1u)) != 0u) {
        return i;
      }
      lim = need;
    } else if ((w0 | 1u) == T_OUTPUT) {
      /* T_INPUT or T_OUTPUT: an index below the count and no more bytes
       * than its input/output record states. */
      if (v >= (w0 == T_INPUT ? n_in : n_out) || len > rd32(io + (w0 == T_INPUT ? v : n_in + v) * IO_BYTES + 4)) {
        return i;
      }
      continue;
    } else {
      return i;
    }
    if (v > lim || len > lim - v) {
      return i;
    }
  }
  return i;
}

tg_rt_status_t tg_rt_init(tg_rt_ctx_t *ctx, const void *blob, size_t blob_bytes, void *arena,
                          size_t arena_bytes) {
  const uint8_t *b = (const uint8_t *)blob, *tt;
  uint32_t total, align, need, n_in, n_out, n_io, io, tns, n_t, stp, n_stp, arg, n_arg, data, s, i;
  uint32_t bytes[TG_RT_MAX_ARGS], lbytes[TG_RT_MAX_ARGS], ptr_bytes[TG_RT_MAX_PTRS];
  const uint8_t *ptrs[TG_RT_MAX_PTRS];
  tg_rt_check_in_t in;

  if (ctx == NULL) {
    return TG_RT_ERR_ARGUMENT;
  }
  ctx->ready = 0;
  ctx->detail = 0;
  if (b == NULL || (arena == NULL && arena_bytes != 0u)) {
    return TG_RT_ERR_ARGUMENT;
  }
  if (((uintptr_t)b & 7u) != 0u) {
    return fail(ctx, TG_RT_ERR_ALIGN, 8u);
  }
  if (blob_bytes < HEADER_BYTES) {
    return fail(ctx, TG_RT_ERR_TRUNCATED, HEADER_BYTES);
  }
  if (rd32(b + H_MAGIC) != 0x4c424754u) { /* "TGBL" */
    return TG_RT_ERR_MAGIC;
  }
  if (rd16(b + H_VERSION) != TG_RT_FORMAT_VERSION) {
    return fail(ctx, TG_RT_ERR_VERSION, rd16(b + H_VERSION));
  }
  total = rd32(b + H_TOTAL);
  if (total > blob_bytes || total < HEADER_BYTES) {
    return fail(ctx, TG_RT_ERR_TRUNCATED, total);
  }
  align = rd16(b + H_ALIGN);
  need = rd32(b + H_ARENA);
  n_in = rd16(b + H_N_IN);
  n_out = rd16(b + H_N_OUT);
  n_io = n_in + n_out;
  io = rd32(b + H_IO);
  tns = rd32(b + H_TENSOR);
  n_t = rd32(b + H_N_TENSOR);
  stp = rd32(b + H_STEP);
  n_stp = rd32(b + H_N_STEP);
  arg = rd32(b + H_ARG);
  n_arg = rd32(b + H_N_ARG);
  data = rd32(b + H_DATA);
  /* Every table lies in the blob, aligned; counts are bounded first so
   * that the products cannot overflow. */
  if (rd16(b + H_HEADER_BYTES) != HEADER_BYTES || align < 4u || align > 64u || (align & (align - 1u)) != 0u ||
      (need & (align - 1u)) != 0u || n_t > 0x7fffu || n_stp > 0xffffu || n_arg > 0xffffffu || n_in == 0u ||
      ((io | tns | stp | arg | data) & 3u) != 0u || !in_range(io, n_io * IO_BYTES, HEADER_BYTES, total) ||
      !in_range(tns, n_t * TENSOR_BYTES, HEADER_BYTES, total) || !in_range(stp, n_stp * STEP_BYTES, HEADER_BYTES, total) ||
      !in_range(arg, n_arg * 2u, HEADER_BYTES, total) || data > total) {
    return TG_RT_ERR_HEADER;
  }
  if (arena_bytes < need) {
    return fail(ctx, TG_RT_ERR_ARENA_SMALL, need);
  }
  if (((uintptr_t)arena & (align - 1u)) != 0u) {
    return fail(ctx, TG_RT_ERR_ALIGN, align);
  }
  i = check_io(b + io, n_io);
  if (i != n_io) {
    return fail(ctx, TG_RT_ERR_IO, i);
  }
  tt = b + tns;
  in.arg_bytes = bytes;
  in.list_bytes = lbytes;
  in.ptr = ptrs;
  in.ptr_bytes = ptr_bytes;
  i = check_tensors(b, tt, n_t, need, align, n_in, n_out, data, total);
  if (i != n_t) {
    return fail(ctx, TG_RT_ERR_TENSOR, i);
  }
  for (s = 0; s < n_stp; s++) {
    const uint8_t *r = b + stp + s * STEP_BYTES, *x;
    uint32_t id = rd16(r), na = rd16(r + 2), po = rd32(r + 4), first = rd32(r + 8);
    /* The runtime's own byte copy (kernel id 0): a source and a written
     * output of the same size, no list, no parameters. */
    uint32_t a, top = 0, n_list = 0, outs = 2u, lst = 0xffu, n_args = 2u;
    const tg_rt_kernel_t *k = NULL;

    if (na > TG_RT_MAX_ARGS || first > n_arg || na > n_arg - first) {
      return fail(ctx, TG_RT_ERR_STEP, s);
    }
    if (id != 0u) {
      k = find_kernel(id);
      if (k == NULL) {
        return fail(ctx, TG_RT_ERR_KERNEL_MISSING, id);
      }
      if ((po & 3u) != 0u || !in_range(po, k->rec_bytes, data, total)) {
        return fail(ctx, TG_RT_ERR_STEP, s);
      }
      outs = k->out_mask;
      lst = k->list_arg;
      n_args = k->n_args;
    }
    x = b + arg + 2u * first;
    for (a = 0; a < na; a++, top++, outs >>= 1) {
      /* top < na <= TG_RT_MAX_ARGS: bytes[top] is in range; the count
       * is checked against the kernel's after the loop. Bit 0 of outs is
       * argument top's. */
      uint32_t v = rd16(x + 2u * a), writes = outs & 1u;
      if (v < n_t) {
        /* A tensor (n_t <= 0x7fff: neither A_ABSENT nor a list): written
         * ones are arena (1) or output (3) tensors. */
        const uint8_t *t = tt + v * TENSOR_BYTES;
        if (top == lst || (writes && (t[0] | 2u) != T_OUTPUT)) {
          return fail(ctx, TG_RT_ERR_ARG, s);
        }
        bytes[top] = rd32(t + 8);
        continue;
      }
      if (v == A_ABSENT) {
        if (writes || top == lst) {
          return fail(ctx, TG_RT_ERR_ARG, s);
        }
        bytes[top] = ABSENT;
        continue;
      }
      {
        /* A list: n readable tensors. */
        uint32_t n = v & ~A_LIST, j;
        if ((v & A_LIST) == 0u || top != lst || n == 0u || n >= na - a) {
          return fail(ctx, TG_RT_ERR_ARG, s);
        }
        for (j = 0; j < n; j++) {
          uint32_t e = rd16(x + 2u * (a + 1u + j));
          if (e >= n_t) {
            return fail(ctx, TG_RT_ERR_ARG, s);
          }
          lbytes[j] = rd32(tt + e * TENSOR_BYTES + 8);
        }
        n_list = n;
        bytes[top] = n;
        a += n;
      }
    }
    if (top != n_args) {
      return fail(ctx, TG_RT_ERR_ARG, s);
    }
    if (id == 0u) {
      if (bytes[0] != bytes[1] || bytes[0] == ABSENT) {
        return fail(ctx, TG_RT_ERR_ARG, s);
      }
      continue;
    }
    /* Pointer fields name constant tensors; the kernel's check sees them. */
    for (i = 0; i < k->n_ptrs; i++) {
      uint32_t c = rd32(b + po + k->ptr_offs[i]);
      const uint8_t *t;
      if (c >= n_t) {
        return fail(ctx, TG_RT_ERR_PARAMS, s);
      }
      t = tt + c * TENSOR_BYTES;
      if (t[0] != T_CONST) {
        return fail(ctx, TG_RT_ERR_PARAMS, s);
      }
      ptrs[i] = b + rd32(t + 4);
      ptr_bytes[i] = rd32(t + 8);
    }
    in.rec = b + po;
    in.n_list = n_list;
    if (k->check(&in) != 0) {
      return fail(ctx, TG_RT_ERR_PARAMS, s);
    }
  }
  ctx->blob = b;
  ctx->arena = (uint8_t *)arena;
  ctx->n_inputs = (uint16_t)n_in;
  ctx->n_outputs = (uint16_t)n_out;
  ctx->n_steps = (uint16_t)n_stp;
  ctx->ready = 1;
  return TG_RT_OK;
}

/* decode writes a parameter record into the C struct at dst. The target
 * is little-endian (see above), so a value's bytes in the record are its
 * bytes in memory: every run but a pointer is a byte copy. */
static void decode(const tg_rt_kernel_t *k, const uint8_t *b, const uint8_t *rec, uint8_t *dst) {
  const uint8_t *tt = b + rd32(b + H_TENSOR);
  uint32_t f, i;
  for (f = 0; f < k->n_fields; f++) {
    const tg_rt_field_t *fd = &k->fields[f];
    uint8_t *d = dst + fd->off;
    if (fd->kind == TG_RT_F_PTR) {
      const void *p = b + rd32(tt + rd32(rec) * TENSOR_BYTES + 4);
      const uint8_t *pb = (const uint8_t *)&p;
      for (i = 0; i < sizeof p; i++) {
        d[i] = pb[i];
      }
      rec += 4;
      continue;
    }
    {
      uint32_t n = (uint32_t)fd->kind * fd->count;
      for (i = 0; i < n; i++) {
        d[i] = rec[i];
      }
      rec += n;
    }
  }
}

tg_rt_status_t tg_rt_invoke(tg_rt_ctx_t *ctx, const void *const *inputs, void *const *outputs) {
  const uint8_t *b, *st, *args, *tt;
  uint32_t s, n_steps;
  tg_rt_params_t params;
  void *ptr[TG_RT_MAX_ARGS];

  if (ctx == NULL || !ctx->ready) {
    return TG_RT_ERR_NOT_READY;
  }
  if (inputs == NULL || outputs == NULL) {
    return TG_RT_ERR_ARGUMENT;
  }
  b = ctx->blob;
  st = b + rd32(b + H_STEP);
  args = b + rd32(b + H_ARG);
  tt = b + rd32(b + H_TENSOR);
  n_steps = ctx->n_steps;
  for (s = 0; s < n_steps; s++, st += STEP_BYTES) {
    uint32_t id = rd16(st), na = rd16(st + 2), a, slot = 0, extra = 0;
    const uint8_t *x = args + 2u * rd32(st + 8);
    /* Arguments take slots 0..; list elements go at the end of ptr and
     * the list's slot points at its first element. */
    for (a = 0; a < na; a++) {
      uint32_t v = rd16(x + 2u * a);
      void *p = NULL;
      if (v == A_ABSENT) {
        /* NULL */
      } else if ((v & A_LIST) != 0u) {
        extra = v & ~A_LIST;
        ptr[slot++] = &ptr[TG_RT_MAX_ARGS - extra];
        continue;
      } else {
        const uint8_t *t = tt + v * TENSOR_BYTES;
        uint32_t off = rd32(t + 4);
        switch (t[0]) {
        case T_ARENA:
          p = ctx->arena + off;
          break;
        case T_INPUT:
          p = (void *)(uintptr_t)inputs[off];
          break;
        case T_OUTPUT:
          p = outputs[off];
          break;
        default:
          p = (void *)(uintptr_t)(b + off);
          break;
        }
      }
      if (extra > 0u) {
        ptr[TG_RT_MAX_ARGS - extra] = p;
        extra--;
      } else {
        ptr[slot++] = p;
      }
    }
    if (id == 0u) {
      const uint8_t *src = (const uint8_t *)ptr[0];
      uint8_t *dst = (uint8_t *)ptr[1];
      uint32_t n = rd32(tt + rd16(x) * TENSOR_BYTES + 8), i;
      for (i = 0; i < n; i++) {
        dst[i] = src[i];
      }
    } else {
      const tg_rt_kernel_t *k = find_kernel(id);
      decode(k, b, b + rd32(st + 4), (uint8_t *)&params);
      k->call(&params, ptr);
    }
  }
  return TG_RT_OK;
}

static tg_rt_status_t describe(const tg_rt_ctx_t *ctx, uint32_t k, uint32_t n, uint32_t first, tg_rt_tensor_t *t) {
  const uint8_t *r;
  uint32_t d, sc;
  if (ctx == NULL || !ctx->ready || t == NULL || k >= n) {
    return TG_RT_ERR_ARGUMENT;
  }
  r = ctx->blob + rd32(ctx->blob + H_IO) + (first + k) * IO_BYTES;
  t->dtype = (tg_rt_dtype_t)r[0];
  t->rank = r[1];
  for (d = 0; d < TG_RT_MAX_RANK; d++) {
    t->dims[d] = d < t->rank ? (int32_t)rd32(r + 16 + 4 * d) : 1;
  }
  t->bytes = rd32(r + 4);
  sc = rd32(r + 8);
  {
    const uint8_t *sb = (const uint8_t *)&sc;
    uint8_t *fb = (uint8_t *)&t->scale;
    fb[0] = sb[0];
    fb[1] = sb[1];
    fb[2] = sb[2];
    fb[3] = sb[3];
  }
  t->zero_point = (int32_t)rd32(r + 12);
  return TG_RT_OK;
}

tg_rt_status_t tg_rt_input(const tg_rt_ctx_t *ctx, uint32_t k, tg_rt_tensor_t *t) {
  return describe(ctx, k, ctx != NULL ? ctx->n_inputs : 0u, 0, t);
}

tg_rt_status_t tg_rt_output(const tg_rt_ctx_t *ctx, uint32_t k, tg_rt_tensor_t *t) {
  return describe(ctx, k, ctx != NULL ? ctx->n_outputs : 0u, ctx != NULL ? ctx->n_inputs : 0u, t);
}

uint32_t tg_rt_arena_bytes(const tg_rt_ctx_t *ctx) {
  return ctx != NULL && ctx->ready ? rd32(ctx->blob + H_ARENA) : 0u;
}

uint32_t tg_rt_detail(const tg_rt_ctx_t *ctx) { return ctx != NULL ? ctx->detail : 0u; }
