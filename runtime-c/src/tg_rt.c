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
#define H_CONST 36u
#define H_N_CONST 40u
#define H_STEP 44u
#define H_N_STEP 48u
#define H_ARG 52u
#define H_N_ARG 56u
#define H_DATA 60u
#define HEADER_BYTES 64u

#define IO_BYTES 48u
#define CONST_BYTES 12u
#define STEP_BYTES 12u
#define ARG_BYTES 12u

/* Argument kinds. */
#define A_NONE 0u
#define A_ARENA 1u
#define A_INPUT 2u
#define A_OUTPUT 3u
#define A_CONST 4u
#define A_LIST 5u
#define A_WRITE 1u /* flag: the kernel writes the argument */

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* in_range reports whether [off, off+len) lies inside [lo, hi). */
static int in_range(uint32_t off, uint32_t len, uint32_t lo, uint32_t hi) {
  return off >= lo && off <= hi && len <= hi - off;
}

static tg_rt_status_t fail(tg_rt_ctx_t *ctx, tg_rt_status_t st, uint32_t detail) {
  ctx->detail = detail;
  return st;
}

static uint32_t elem_size(uint32_t dtype) {
  static const uint8_t sizes[8] = {0, 1, 1, 2, 4, 8, 4, 1};
  return dtype < 8u ? sizes[dtype] : 0u;
}

/* check_io validates the input/output records. */
static int check_io(const uint8_t *b, uint32_t n) {
  uint32_t i, d;
  for (i = 0; i < n; i++) {
    const uint8_t *r = b + i * IO_BYTES;
    uint32_t es = elem_size(r[0]), rank = r[1];
    uint32_t elems = 1;
    if (es == 0u || rank > TG_RT_MAX_RANK) {
      return (int)i;
    }
    for (d = 0; d < rank; d++) {
      uint32_t dim = rd32(r + 16 + 4 * d);
      if (dim > 0x7fffffffu || (dim != 0u && elems > 0x7fffffffu / dim)) {
        return (int)i;
      }
      elems *= dim;
    }
    if (elems > 0x7fffffffu / es || elems * es != rd32(r + 4)) {
      return (int)i;
    }
  }
  return -1;
}

tg_rt_status_t tg_rt_init(tg_rt_ctx_t *ctx, const void *blob, size_t blob_bytes, void *arena,
                          size_t arena_bytes) {
  const uint8_t *b = (const uint8_t *)blob;
  uint32_t total, align, need, n_in, n_out, n_io, io, cst, n_cst, stp, n_stp, arg, n_arg, data, s, i;
  uint32_t bytes[TG_RT_MAX_ARGS], lbytes[TG_RT_MAX_ARGS];
  const uint8_t *ptrs[TG_RT_MAX_PTRS];
  uint32_t ptr_bytes[TG_RT_MAX_PTRS];

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
  if (b[0] != 'T' || b[1] != 'G' || b[2] != 'B' || b[3] != 'L') {
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
  cst = rd32(b + H_CONST);
  n_cst = rd32(b + H_N_CONST);
  stp = rd32(b + H_STEP);
  n_stp = rd32(b + H_N_STEP);
  arg = rd32(b + H_ARG);
  n_arg = rd32(b + H_N_ARG);
  data = rd32(b + H_DATA);
  /* Every table lies in the blob, 4-aligned; counts are bounded first so
   * that the products cannot overflow. */
  if (rd16(b + H_HEADER_BYTES) != HEADER_BYTES || align < 4u || align > 64u || (align & (align - 1u)) != 0u ||
      (need & (align - 1u)) != 0u || n_io > 0xffffu || n_cst > 0xffffffu || n_stp > 0xffffu ||
      n_arg > 0xffffffu || n_in == 0u || ((io | cst | stp | arg | data) & 3u) != 0u ||
      !in_range(io, n_io * IO_BYTES, HEADER_BYTES, total) || !in_range(cst, n_cst * CONST_BYTES, HEADER_BYTES, total) ||
      !in_range(stp, n_stp * STEP_BYTES, HEADER_BYTES, total) || !in_range(arg, n_arg * ARG_BYTES, HEADER_BYTES, total) ||
      !in_range(data, 0, HEADER_BYTES, total)) {
    return TG_RT_ERR_HEADER;
  }
  if (arena_bytes < need) {
    return fail(ctx, TG_RT_ERR_ARENA_SMALL, need);
  }
  if (((uintptr_t)arena & (align - 1u)) != 0u) {
    return fail(ctx, TG_RT_ERR_ALIGN, align);
  }
  i = (uint32_t)check_io(b + io, n_io);
  if (i != 0xffffffffu) {
    return fail(ctx, TG_RT_ERR_IO, i);
  }
  for (i = 0; i < n_cst; i++) {
    const uint8_t *r = b + cst + i * CONST_BYTES;
    uint32_t es = elem_size(r[8]), off = rd32(r);
    if (es == 0u || (off & (es - 1u)) != 0u || !in_range(off, rd32(r + 4), data, total)) {
      return fail(ctx, TG_RT_ERR_CONST, i);
    }
  }
  for (s = 0; s < n_stp; s++) {
    const uint8_t *r = b + stp + s * STEP_BYTES;
    uint32_t id = rd16(r), na = rd16(r + 2), po = rd32(r + 4), first = rd32(r + 8);
    uint32_t a, top = 0, list_left = 0;
    const tg_rt_kernel_t *k = NULL;
    tg_rt_check_in_t in;
    uint32_t n_list = 0;

    if (na > TG_RT_MAX_ARGS || first > n_arg || na > n_arg - first) {
      return fail(ctx, TG_RT_ERR_STEP, s);
    }
    if (id == 0u) {
      /* The runtime's byte copy: a readable source, a written output
       * of the same size, no parameters. */
      const uint8_t *src = b + arg + first * ARG_BYTES;
      if (na != 2u || src[0] == A_LIST || src[0] == A_NONE || src[ARG_BYTES] != A_OUTPUT ||
          rd32(src + 8) != rd32(src + ARG_BYTES + 8)) {
        return fail(ctx, TG_RT_ERR_STEP, s);
      }
    } else {
      if (id >= tg_rt_num_kernels || tg_rt_kernels[id] == NULL) {
        return fail(ctx, TG_RT_ERR_KERNEL_MISSING, id);
      }
      k = tg_rt_kernels[id];
      if (!in_range(po, k->rec_bytes, data, total)) {
        return fail(ctx, TG_RT_ERR_STEP, s);
      }
    }
    for (a = 0; a < na; a++) {
      const uint8_t *x = b + arg + (first + a) * ARG_BYTES;
      uint32_t kind = x[0], fl = x[1], v = rd32(x + 4), n = rd32(x + 8);
      int writes, elem = list_left > 0u;
      if (elem) {
        list_left--;
        writes = 0;
      } else {
        if (id != 0u && top >= k->n_args) {
          return fail(ctx, TG_RT_ERR_ARG, s);
        }
        writes = id == 0u ? a == 1u : (int)((k->out_mask >> top) & 1u);
        if (id != 0u && (kind == A_LIST) != (top == k->list_arg)) {
          return fail(ctx, TG_RT_ERR_ARG, s);
        }
        top++;
      }
      if ((uint32_t)writes != (fl & A_WRITE) || x[2] != 0u || x[3] != 0u) {
        return fail(ctx, TG_RT_ERR_ARG, s);
      }
      switch (kind) {
      case A_NONE:
        if (v != 0u || n != 0u || writes) {
          return fail(ctx, TG_RT_ERR_ARG, s);
        }
        break;
      case A_ARENA:
        if ((v & (align - 1u)) != 0u || !in_range(v, n, 0, need)) {
          return fail(ctx, TG_RT_ERR_ARG, s);
        }
        break;
      case A_INPUT:
      case A_OUTPUT:
        if ((kind == A_INPUT && (v >= n_in || writes)) || (kind == A_OUTPUT && v >= n_out) ||
            n > rd32(b + io + (kind == A_INPUT ? v : n_in + v) * IO_BYTES + 4)) {
          return fail(ctx, TG_RT_ERR_ARG, s);
        }
        break;
      case A_CONST:
        if (v >= n_cst || writes || n > rd32(b + cst + v * CONST_BYTES + 4)) {
          return fail(ctx, TG_RT_ERR_ARG, s);
        }
        break;
      case A_LIST:
        if (v != n || v == 0u || v > na - a - 1u || writes) {
          return fail(ctx, TG_RT_ERR_ARG, s);
        }
        list_left = v;
        break;
      default:
        return fail(ctx, TG_RT_ERR_ARG, s);
      }
      if (elem) {
        lbytes[n_list++] = n;
      } else {
        bytes[top - 1u] = kind == A_NONE ? 0xffffffffu : n;
      }
    }
    if (id == 0u) {
      continue;
    }
    if (top != k->n_args || list_left != 0u) {
      return fail(ctx, TG_RT_ERR_ARG, s);
    }
    /* Pointer fields name constants; the kernel's check sees them. */
    {
      const uint8_t *rec = b + po;
      uint32_t f, off = 0, np = 0;
      for (f = 0; f < k->n_fields; f++) {
        const tg_rt_field_t *fd = &k->fields[f];
        if (fd->kind == TG_RT_F_PTR) {
          uint32_t c = rd32(rec + off);
          if (c >= n_cst || np >= TG_RT_MAX_PTRS) {
            return fail(ctx, TG_RT_ERR_PARAMS, s);
          }
          ptrs[np] = b + rd32(b + cst + c * CONST_BYTES);
          ptr_bytes[np] = rd32(b + cst + c * CONST_BYTES + 4);
          np++;
          off += 4u;
        } else {
          off += (uint32_t)fd->kind * fd->count;
        }
      }
      in.rec = rec;
      in.arg_bytes = bytes;
      in.list_bytes = lbytes;
      in.n_list = n_list;
      in.ptr = ptrs;
      in.ptr_bytes = ptr_bytes;
      if (k->check(&in) != 0) {
        return fail(ctx, TG_RT_ERR_PARAMS, s);
      }
    }
  }
  ctx->blob = b;
  ctx->blob_bytes = total;
  ctx->arena = (uint8_t *)arena;
  ctx->n_inputs = (uint16_t)n_in;
  ctx->n_outputs = (uint16_t)n_out;
  ctx->n_steps = (uint16_t)n_stp;
  ctx->ready = 1;
  return TG_RT_OK;
}

/* decode writes a parameter record into the C struct at dst. */
static void decode(const tg_rt_kernel_t *k, const uint8_t *b, const uint8_t *rec, uint8_t *dst) {
  uint32_t f, i;
  const uint8_t *cst = b + rd32(b + H_CONST);
  for (f = 0; f < k->n_fields; f++) {
    const tg_rt_field_t *fd = &k->fields[f];
    uint8_t *d = dst + fd->off;
    if (fd->kind == TG_RT_F_PTR) {
      const void *p = b + rd32(cst + rd32(rec) * CONST_BYTES);
      const uint8_t *pb = (const uint8_t *)&p;
      for (i = 0; i < sizeof p; i++) {
        d[i] = pb[i];
      }
      rec += 4;
    } else if (fd->kind == TG_RT_F_B4) {
      for (i = 0; i < fd->count; i++) {
        uint32_t v = rd32(rec);
        const uint8_t *vb = (const uint8_t *)&v;
        d[0] = vb[0];
        d[1] = vb[1];
        d[2] = vb[2];
        d[3] = vb[3];
        d += 4;
        rec += 4;
      }
    } else if (fd->kind == TG_RT_F_B2) {
      for (i = 0; i < fd->count; i++) {
        uint16_t v = (uint16_t)rd16(rec);
        const uint8_t *vb = (const uint8_t *)&v;
        d[0] = vb[0];
        d[1] = vb[1];
        d += 2;
        rec += 2;
      }
    } else {
      for (i = 0; i < fd->count; i++) {
        d[i] = rec[i];
      }
      rec += fd->count;
    }
  }
}

tg_rt_status_t tg_rt_invoke(tg_rt_ctx_t *ctx, const void *const *inputs, void *const *outputs) {
  const uint8_t *b, *st, *args, *cst;
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
  cst = b + rd32(b + H_CONST);
  n_steps = ctx->n_steps;
  for (s = 0; s < n_steps; s++, st += STEP_BYTES) {
    uint32_t id = rd16(st), na = rd16(st + 2), a, slot = 0, extra = 0;
    const uint8_t *x = args + rd32(st + 8) * ARG_BYTES;
    /* Top-level arguments take slots 0..; list elements go after them
     * and the list's slot points at its first element. */
    for (a = 0; a < na; a++, x += ARG_BYTES) {
      uint32_t v = rd32(x + 4);
      void *p = NULL;
      switch (x[0]) {
      case A_ARENA:
        p = ctx->arena + v;
        break;
      case A_INPUT:
        p = (void *)(uintptr_t)inputs[v];
        break;
      case A_OUTPUT:
        p = outputs[v];
        break;
      case A_CONST:
        p = (void *)(uintptr_t)(b + rd32(cst + v * CONST_BYTES));
        break;
      case A_LIST:
        ptr[slot++] = &ptr[TG_RT_MAX_ARGS - v];
        extra = v;
        continue;
      default:
        break;
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
      uint32_t n = rd32(x - ARG_BYTES + 8), i;
      for (i = 0; i < n; i++) {
        dst[i] = src[i];
      }
    } else {
      const tg_rt_kernel_t *k = tg_rt_kernels[id];
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
