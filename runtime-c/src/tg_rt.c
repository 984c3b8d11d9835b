/* tg_rt.c: tinygen's interpreter runtime: blob loader, validator and
 * dispatcher.
 *
 * Part of tinygen (https://github.com/tinygen/tinygen), copied unchanged
 * into every interpreter project. The blob format is docs/blob-format.md.
 * tg_rt_init checks every field of the blob that tg_rt_invoke later uses,
 * so that tg_rt_invoke can trust it: tables inside the blob, indices in
 * range, operands inside their storage, and each step's parameters
 * accepted by its kernel's bounds check (generated with the kernel table).
 * The work is linear in the steps and operands; the weights are not read
 * (tg_rt_check_crc reads them), and a step that repeats an earlier step's
 * record and sizes (a model's repeated layers) skips the part of the check
 * it would only repeat: its operand entries too when it shares them.
 */
#include "tg_rt.h"
#include "tg_rt_kernel.h"
#include "tg_rtk_table.h"

/* The runtime is built for size whatever the build's level: its budget is
 * 2 kB of flash at -Os (docs/blob-format.md), init runs once per blob and
 * tg_rt_invoke's work per step is small beside the kernels'. GCC only
 * (Clang has no such pragma; build the runtime with -Os there). Its
 * short copy loops stay loops (a library memcpy call costs more). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("Os", "no-tree-loop-distribute-patterns")
#endif

/* Header layout (docs/blob-format.md). */
#define H_MAGIC 0u
#define H_VERSION 4u
#define H_HEADER_BYTES 6u
#define H_TOTAL 8u
#define H_ARENA 20u
#define H_ALIGN 24u
#define H_N_IN 28u
#define H_N_OUT 30u
#define H_IO 32u
#define H_STEP 44u
#define H_N_STEP 48u
#define H_OPND 52u
#define H_N_OPND 56u
#define H_DATA 60u
#define HEADER_BYTES 64u

#define IO_BYTES 48u
#define STEP_BYTES 20u
#define OPND_BYTES 8u

/* Operand entries (u32 location, u32 bytes): O_ABSENT (NULL), O_LIST | n
 * followed by n operands, or a location: a value with its kind in the low
 * two bits. */
#define O_ABSENT 0xffffffffu
#define O_LIST 0x80000000u
#define K_ARENA 0u  /* value: byte offset in the arena */
#define K_INPUT 1u  /* value >> 2: input index */
#define K_OUTPUT 2u /* value >> 2: output index */
#define K_CONST 3u  /* value: byte offset of the data in the blob */
#define ABSENT 0xffffffffu

/* Validated steps remembered for their kernel checks: two slots (a
 * model's repeated layers alternate two kernels, depthwise and pointwise),
 * steps of at most MEMO_ARGS arguments. */
#define MEMO 2u
#define MEMO_ARGS 4u

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

/* Functions kept out of tg_rt_init, whose many live values would otherwise
 * crowd their loops out of registers. */
#if defined(__GNUC__)
#define TG_RT_NOINLINE static __attribute__((noinline))
#else
#define TG_RT_NOINLINE static
#endif

/* in_range reports whether [off, off+len) lies inside [lo, hi). */
TG_RT_INLINE int in_range(uint32_t off, uint32_t len, uint32_t lo, uint32_t hi) {
  return off >= lo && off <= hi && len <= hi - off;
}

/* find_kernel returns the table's kernel of id, NULL when the firmware
 * lacks it (and for id 0). */
static const tg_rt_kernel_t *find_kernel(uint32_t id) {
  uint32_t slot = id < tg_rt_num_slots ? tg_rt_kernel_slots[id] : 0u;
  return slot != 0u ? tg_rt_kernels[slot - 1u] : NULL;
}

static tg_rt_status_t fail(tg_rt_ctx_t *ctx, tg_rt_status_t st, uint32_t detail) {
  ctx->detail = detail;
  return st;
}

/* check_io validates the input/output records: a known element type, a
 * rank the record holds, and bytes equal to the shape's elements times the
 * element size (without overflow). Returns the first bad index, or n. */
TG_RT_NOINLINE uint32_t check_io(const uint8_t *r, uint32_t n) {
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

/* A validated step whose check another step with the same record,
 * kernel, constant block size and argument sizes need not repeat; first
 * is its first operand entry, so that a step with the same entries need
 * not check them either. */
typedef struct {
  uint32_t rec, id, cbytes, first;
  const tg_rt_kernel_t *k;
  uint32_t bytes[MEMO_ARGS];
} memo_t;

/* What tg_rt_init's step checks share: the limits operands are checked
 * against, the memo, and the arguments as the kernel's check sees them. */
typedef struct {
  const uint8_t *b, *io, *ops;  /* the blob, its input/output records and operands */
  uint32_t need, align_mask;    /* arena bytes (< O_LIST), alignment - 1 */
  uint32_t n_in, n_out, n_op;
  uint32_t data, total;         /* the data region [data, total) */
  uint32_t n_memo;
  memo_t memo[MEMO];
  uint32_t bytes[TG_RT_MAX_ARGS];  /* an argument's bytes, ABSENT, or a list's count */
  uint32_t lbytes[TG_RT_MAX_ARGS]; /* a list's elements' bytes */
  tg_rt_check_in_t in;
} env_t;

/* operand returns n when the n bytes at location v lie inside their
 * storage (an aligned arena offset; an input or output index, whose
 * buffer holds the bytes its record states; a constant's offset in the
 * data region) and a written operand is arena or output storage; ABSENT
 * otherwise (n itself is never ABSENT then: every storage is smaller). */
static uint32_t operand(const env_t *e, uint32_t v, uint32_t n, uint32_t writes) {
  uint32_t off = v & ~3u, k = v & 3u, idx = v >> 2, lim;
  if (v >= O_LIST) {
    return ABSENT;
  }
  if (k == K_ARENA) {
    if ((off & e->align_mask) != 0u) {
      return ABSENT;
    }
    lim = e->need;
  } else if (k == K_CONST) {
    if (writes != 0u || off < e->data) {
      return ABSENT;
    }
    lim = e->total;
  } else {
    if (k == K_INPUT ? writes != 0u || idx >= e->n_in : idx >= e->n_out) {
      return ABSENT;
    }
    off = 0;
    lim = rd32(e->io + (k == K_INPUT ? idx : e->n_in + idx) * IO_BYTES + 4);
  }
  return off <= lim && n <= lim - off ? n : ABSENT;
}

/* operands validates a step's na operand entries at x against its
 * kernel's signature (sig: bit i when argument i is written, the list
 * argument << 8, 0xff if none) into e->bytes, e->lbytes and
 * e->in.n_list. Returns the number of arguments, or TG_RT_MAX_ARGS + 1
 * for a bad entry. */
TG_RT_NOINLINE uint32_t operands(env_t *e, const uint8_t *x, uint32_t na, uint32_t sig) {
  const uint8_t *end = x + OPND_BYTES * na;
  uint32_t *bp = e->bytes, need = e->need, mask = e->align_mask, lst = sig >> 8;
  e->in.n_list = 0;
  for (; x < end; x += OPND_BYTES, bp++) {
    /* bp - e->bytes < na <= TG_RT_MAX_ARGS: in range. */
    uint32_t v = rd32(x), n = rd32(x + 4), top, writes;
    /* The frequent case first: an arena location (kind 0, aligned: the
     * mask covers the kind bits; need < O_LIST). A plain operand where the
     * list belongs is refused below: the list never comes. */
    if ((v & mask) == 0u && v <= need && n <= need - v) {
      *bp = n;
      continue;
    }
    top = (uint32_t)(bp - e->bytes);
    writes = (sig >> top) & 1u;
    if (v == O_ABSENT) {
      if (writes != 0u || top == lst) {
        break;
      }
      *bp = ABSENT;
      continue;
    }
    if (v >= O_LIST) {
      /* A list: n readable locations. */
      uint32_t c = v & ~O_LIST, j;
      if (top != lst || c == 0u || c >= (uint32_t)(end - x) / OPND_BYTES) {
        break;
      }
      for (j = 0; j < c; j++) {
        x += OPND_BYTES;
        e->lbytes[j] = operand(e, rd32(x), rd32(x + 4), 0u);
        if (e->lbytes[j] == ABSENT) {
          return TG_RT_MAX_ARGS + 1u;
        }
      }
      e->in.n_list = c;
      *bp = c;
      continue;
    }
    *bp = operand(e, v, n, writes & 1u);
    if (*bp == ABSENT) {
      break;
    }
  }
  /* The list argument, if the kernel has one, got its list. */
  if (x != end || (lst != 0xffu) != (e->in.n_list != 0u)) {
    return TG_RT_MAX_ARGS + 1u;
  }
  return (uint32_t)(bp - e->bytes);
}

/* check_step validates step s (its record at r), before any kernel runs:
 * TG_RT_OK, or an error with ctx->detail set. */
TG_RT_NOINLINE tg_rt_status_t check_step(env_t *e, tg_rt_ctx_t *ctx, const uint8_t *r, uint32_t s) {
  uint32_t id = rd16(r), na = rd16(r + 2), po = rd32(r + 4), first = rd32(r + 8), cb = rd32(r + 12),
           cn = rd32(r + 16);
  /* The runtime's own byte copy (kernel id 0): a source and a written
   * output, po bytes long, no list, no parameters. */
  uint32_t sig = 0xff02u, n_args = 2u, memo = 0, i;
  const tg_rt_kernel_t *k = NULL;
  memo_t *m = NULL;

  if (na > TG_RT_MAX_ARGS || first > e->n_op || na > e->n_op - first) {
    return fail(ctx, TG_RT_ERR_STEP, s);
  }
  if (id != 0u) {
    /* A remembered step with this record and kernel: both were checked
     * then. */
    if (e->memo[0].rec == po && e->memo[0].id == id) {
      m = &e->memo[0];
    } else if (e->memo[1].rec == po && e->memo[1].id == id) {
      m = &e->memo[1];
    }
    if (m != NULL) {
      k = m->k;
    } else {
      k = find_kernel(id);
      if (k == NULL) {
        return fail(ctx, TG_RT_ERR_KERNEL_MISSING, id);
      }
      if ((po & 3u) != 0u || !in_range(po, k->rec_bytes, e->data, e->total)) {
        return fail(ctx, TG_RT_ERR_STEP, s);
      }
    }
    /* The constant block the pointer fields point into (the kernel's
     * check checks each field against it). */
    if ((cb & 3u) != 0u || !in_range(cb, cn, e->data, e->total)) {
      return fail(ctx, TG_RT_ERR_STEP, s);
    }
    sig = k->out_mask | (uint32_t)k->list_arg << 8;
    n_args = k->n_args;
  }
  if (m != NULL && m->first == first && m->cbytes == cn && na == n_args && k->list_arg == 0xffu) {
    /* The remembered step's own operand entries (as many, and no list
     * whose element sizes would be needed): checked then, with these
     * bytes. A repeated layer on a ping-pong plan shares them. */
    for (i = 0; i < MEMO_ARGS; i++) {
      e->bytes[i] = m->bytes[i];
    }
    memo = 1;
  } else if (operands(e, e->ops + OPND_BYTES * first, na, sig) != n_args) {
    return fail(ctx, TG_RT_ERR_ARG, s);
  }
  if (id == 0u) {
    if (e->bytes[0] == ABSENT || po > e->bytes[0] || po > e->bytes[1]) {
      return fail(ctx, TG_RT_ERR_ARG, s);
    }
    return TG_RT_OK;
  }
  /* A step with the record, kernel, block size and argument sizes of a
   * step already checked passes the part of the check that reads only
   * those (the parts that read constants or lists still run). Entries
   * past n_args compare too: they can only make a match fail. */
  if (m != NULL && memo == 0u) {
    memo = ((m->cbytes ^ cn) | (m->bytes[0] ^ e->bytes[0]) | (m->bytes[1] ^ e->bytes[1]) |
            (m->bytes[2] ^ e->bytes[2]) | (m->bytes[3] ^ e->bytes[3])) == 0u;
  }
  e->in.memo = memo;
  e->in.rec = e->b + po;
  e->in.block = e->b + cb;
  e->in.cbytes = cn;
  if (k->check(&e->in) != 0) {
    return fail(ctx, TG_RT_ERR_PARAMS, s);
  }
  if (memo == 0u && n_args <= MEMO_ARGS) {
    m = &e->memo[e->n_memo++ & 1u];
    m->rec = po;
    m->id = id;
    m->cbytes = cn;
    m->first = first;
    m->k = k;
    for (i = 0; i < MEMO_ARGS; i++) {
      m->bytes[i] = e->bytes[i];
    }
  }
  return TG_RT_OK;
}

tg_rt_status_t tg_rt_init(tg_rt_ctx_t *ctx, const void *blob, size_t blob_bytes, void *arena,
                          size_t arena_bytes) {
  const uint8_t *b = (const uint8_t *)blob;
  uint32_t total, align, need, n_in, n_out, n_io, io, stp, n_stp, opn, n_op, data, s, i;
  tg_rt_status_t st;
  env_t e;

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
  stp = rd32(b + H_STEP);
  n_stp = rd32(b + H_N_STEP);
  opn = rd32(b + H_OPND);
  n_op = rd32(b + H_N_OPND);
  data = rd32(b + H_DATA);
  /* Every table lies in the blob, aligned; counts are bounded first so
   * that the products cannot overflow. */
  if (rd16(b + H_HEADER_BYTES) != HEADER_BYTES || align < 4u || align > 64u || (align & (align - 1u)) != 0u ||
      (need & (align - 1u)) != 0u || need >= O_LIST || n_stp > 0xffffu || n_op > 0xffffffu || n_in == 0u ||
      ((io | stp | opn | data) & 3u) != 0u || !in_range(io, n_io * IO_BYTES, HEADER_BYTES, total) ||
      !in_range(stp, n_stp * STEP_BYTES, HEADER_BYTES, total) ||
      !in_range(opn, n_op * OPND_BYTES, HEADER_BYTES, total) || data > total) {
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
  e.b = b;
  e.io = b + io;
  e.ops = b + opn;
  e.need = need;
  e.align_mask = align - 1u;
  e.n_in = n_in;
  e.n_out = n_out;
  e.n_op = n_op;
  e.data = data;
  e.total = total;
  e.n_memo = 0;
  e.memo[0].id = e.memo[1].id = 0u; /* never a kernel's id */
  for (i = 0; i < MEMO_ARGS; i++) {
    e.bytes[i] = 0;
  }
  e.in.arg_bytes = e.bytes;
  e.in.list_bytes = e.lbytes;
  for (s = 0; s < n_stp; s++) {
    st = check_step(&e, ctx, b + stp + s * STEP_BYTES, s);
    if (st != TG_RT_OK) {
      return st;
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
 * bytes in memory: every run but a pointer is a byte copy; a pointer is
 * the step's constant block plus the record's offset. */
static void decode(const tg_rt_kernel_t *k, const uint8_t *block, const uint8_t *rec, uint8_t *dst) {
  uint32_t f, i;
  for (f = 0; f < k->n_fields; f++) {
    const tg_rt_field_t *fd = &k->fields[f];
    uint8_t *d = dst + fd->off;
    if (fd->kind == TG_RT_F_PTR) {
      const void *p = block + rd32(rec);
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
  const uint8_t *b, *st, *ops;
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
  ops = b + rd32(b + H_OPND);
  n_steps = ctx->n_steps;
  for (s = 0; s < n_steps; s++, st += STEP_BYTES) {
    uint32_t id = rd16(st), na = rd16(st + 2), a, slot = 0, extra = 0;
    const uint8_t *x = ops + OPND_BYTES * rd32(st + 8);
    /* Arguments take slots 0..; list elements go at the end of ptr and
     * the list's slot points at its first element. */
    for (a = 0; a < na; a++) {
      uint32_t v = rd32(x + OPND_BYTES * a), off = v & ~3u;
      void *p;
      if (v == O_ABSENT) {
        p = NULL;
      } else if (v >= O_LIST) {
        extra = v & ~O_LIST;
        ptr[slot++] = &ptr[TG_RT_MAX_ARGS - extra];
        continue;
      } else {
        switch (v & 3u) {
        case K_ARENA:
          /* No arithmetic on a NULL arena (a blob needing 0 bytes). */
          p = off != 0u ? ctx->arena + off : ctx->arena;
          break;
        case K_INPUT:
          p = (void *)(uintptr_t)inputs[v >> 2];
          break;
        case K_OUTPUT:
          p = outputs[v >> 2];
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
      uint32_t n = rd32(st + 4), i;
      for (i = 0; i < n; i++) {
        dst[i] = src[i];
      }
    } else {
      const tg_rt_kernel_t *k = find_kernel(id);
      decode(k, b + rd32(st + 12), b + rd32(st + 4), (uint8_t *)&params);
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
