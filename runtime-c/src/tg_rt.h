/* tg_rt.h: the API of tinygen's interpreter-mode runtime.
 *
 * Part of tinygen (https://github.com/tinygen/tinygen), copied unchanged
 * into every interpreter project. The runtime runs a model blob (a .tgb file
 * written by `tinygen compile --mode interp`, format in docs/blob-format.md)
 * with the kernels linked into the firmware: it validates the blob once at
 * tg_rt_init, before any kernel runs, then tg_rt_invoke calls one kernel per
 * step. C99, no malloc, no stdio, no global state: everything lives in the
 * caller's tg_rt_ctx_t, the blob (read-only) and the caller's arena.
 *
 * Usage (TFLM users: tg_rt_init is MicroInterpreter's constructor plus
 * AllocateTensors, tg_rt_invoke is Invoke):
 *
 *   static uint8_t arena[4096] __attribute__((aligned(16)));
 *   tg_rt_ctx_t ctx;
 *   tg_rt_status_t st = tg_rt_init(&ctx, blob, blob_size, arena, sizeof arena);
 *   if (st == TG_RT_ERR_ARENA_SMALL) -> tg_rt_detail(&ctx) bytes are needed
 *   tg_rt_tensor_t in0;  tg_rt_input(&ctx, 0, &in0);   (shape, type, scale)
 *   st = tg_rt_invoke(&ctx, inputs, outputs);
 *
 * Inputs and outputs live in the caller's buffers (as in tinygen's AOT
 * code): tg_rt_invoke takes an array of input pointers and one of output
 * pointers, each buffer at least the tensor's bytes and aligned for its
 * element type.
 */
#ifndef TG_RT_H
#define TG_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The blob format version this runtime reads (docs/blob-format.md). */
#define TG_RT_FORMAT_VERSION 2u

/* Largest tensor rank the blob's input and output records hold. */
#define TG_RT_MAX_RANK 8

/* Status codes. tg_rt_detail() gives the step, index or byte count the
 * error concerns (see each code). */
typedef enum {
  TG_RT_OK = 0,
  TG_RT_ERR_ARGUMENT = 1,       /* a NULL pointer or a bad index from the caller */
  TG_RT_ERR_MAGIC = 2,          /* not a tinygen blob */
  TG_RT_ERR_VERSION = 3,        /* another format version; detail: the blob's */
  TG_RT_ERR_TRUNCATED = 4,      /* size field and buffer disagree; detail: bytes the header claims */
  TG_RT_ERR_CRC = 5,            /* tg_rt_check_crc: payload CRC mismatch */
  TG_RT_ERR_ALIGN = 6,          /* blob or arena pointer misaligned; detail: the alignment needed */
  TG_RT_ERR_HEADER = 7,         /* a header field or table out of range */
  TG_RT_ERR_IO = 8,             /* an input/output record is invalid; detail: its index */
  TG_RT_ERR_TENSOR = 9,         /* (format 1 tensor records; not returned since format 2) */
  TG_RT_ERR_STEP = 10,          /* a step record is invalid; detail: the step */
  TG_RT_ERR_KERNEL_MISSING = 11,/* the firmware lacks a kernel; detail: the kernel id */
  TG_RT_ERR_ARG = 12,           /* a step operand is invalid; detail: the step */
  TG_RT_ERR_PARAMS = 13,        /* a step's parameters fail the kernel's bounds check; detail: the step */
  TG_RT_ERR_ARENA_SMALL = 14,   /* the arena is too small; detail: the bytes needed */
  TG_RT_ERR_NOT_READY = 15      /* tg_rt_invoke before a successful tg_rt_init */
} tg_rt_status_t;

/* Element types of inputs, outputs and constants (blob codes). */
typedef enum {
  TG_RT_INT8 = 1,
  TG_RT_UINT8 = 2,
  TG_RT_INT16 = 3,
  TG_RT_INT32 = 4,
  TG_RT_INT64 = 5,
  TG_RT_FLOAT32 = 6,
  TG_RT_BOOL = 7
} tg_rt_dtype_t;

/* A model input or output as the blob describes it. */
typedef struct {
  tg_rt_dtype_t dtype;
  uint32_t rank;
  int32_t dims[TG_RT_MAX_RANK];
  uint32_t bytes;      /* the buffer size tg_rt_invoke needs */
  float scale;         /* 0 when not quantized (or quantized per channel) */
  int32_t zero_point;
} tg_rt_tensor_t;

/* The runtime's state: opaque to the caller, no pointers into it survive a
 * call. At most 64 bytes on 32-bit targets. */
typedef struct {
  const uint8_t *blob;
  uint8_t *arena;
  uint32_t detail;
  uint16_t n_inputs, n_outputs;
  uint16_t n_steps;
  uint16_t ready;
} tg_rt_ctx_t;

/* tg_rt_init validates the blob (every offset, length, count, index,
 * shape and kernel parameter bound; not the CRC, see tg_rt_check_crc) and
 * binds it to the arena. blob must stay valid and unchanged while ctx is
 * used, aligned to 8 bytes; the arena aligned to the blob's arena
 * alignment (16 is always enough) and at least its arena size. */
tg_rt_status_t tg_rt_init(tg_rt_ctx_t *ctx, const void *blob, size_t blob_bytes, void *arena,
                          size_t arena_bytes);

/* tg_rt_check_crc checks the CRC-32 of the blob's payload (every byte after
 * the header): TG_RT_OK or TG_RT_ERR_CRC (or a header error). It reads the
 * whole blob, so it is a separate call: run it once after a download. */
tg_rt_status_t tg_rt_check_crc(const void *blob, size_t blob_bytes);

/* tg_rt_invoke runs every step. inputs[k] and outputs[k] are the caller's
 * buffers of input and output k. */
tg_rt_status_t tg_rt_invoke(tg_rt_ctx_t *ctx, const void *const *inputs, void *const *outputs);

/* tg_rt_input and tg_rt_output describe input or output k. */
tg_rt_status_t tg_rt_input(const tg_rt_ctx_t *ctx, uint32_t k, tg_rt_tensor_t *t);
tg_rt_status_t tg_rt_output(const tg_rt_ctx_t *ctx, uint32_t k, tg_rt_tensor_t *t);

/* tg_rt_arena_bytes returns the arena size the blob needs (0 if ctx holds
 * no validated blob). */
uint32_t tg_rt_arena_bytes(const tg_rt_ctx_t *ctx);

/* tg_rt_detail returns the detail of the last error (see the codes). */
uint32_t tg_rt_detail(const tg_rt_ctx_t *ctx);

#ifdef __cplusplus
}
#endif

#endif /* TG_RT_H */
