/* tg_rt_kernel.h: the interface between tinygen's interpreter runtime
 * (tg_rt.c) and the kernel table that `tinygen compile --mode interp` and
 * `tinygen runtime` generate (tg_rtk_table.c).
 *
 * Part of tinygen (https://github.com/tinygen/tinygen). A kernel's
 * parameters travel in the blob as a record: its struct's fields in
 * declaration order, little-endian, packed, with a 4-byte offset into the
 * step's constant block in place of every pointer. The table describes, per kernel id, how to decode
 * that record into the C struct (fields), how to check it against the
 * buffers the step passes (check) and how to call the kernel (call).
 */
#ifndef TG_RT_KERNEL_H
#define TG_RT_KERNEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most operand entries of one step (list elements included). */
#define TG_RT_MAX_ARGS 32

/* Field kinds of a parameter record. */
#define TG_RT_F_B1 1u  /* count 1-byte values (int8_t, uint8_t) */
#define TG_RT_F_B2 2u  /* count 2-byte values (int16_t, uint16_t) */
#define TG_RT_F_B4 4u  /* count 4-byte values (int32_t, uint32_t, float) */
#define TG_RT_F_PTR 8u /* one pointer: a uint32 offset into the constant block */

/* One run of fields: count values of a kind at byte offset off of the C
 * struct (consecutive in the record). */
typedef struct {
  uint16_t off;
  uint16_t count;
  uint8_t kind;
} tg_rt_field_t;

/* What a kernel's bounds check sees: the encoded record, the bytes from
 * every argument's start to the end of its storage (0xffffffff for an
 * absent one; a list's is its element count), the same for a list's
 * elements, and the step's constant block (its pointer fields are offsets
 * into it, checked by the check itself). memo is 1 when a step with the
 * same record, kernel, block size and argument sizes already passed: the
 * check then skips its conditions that read nothing else. */
typedef struct {
  const uint8_t *rec;
  uint32_t memo;
  const uint32_t *arg_bytes;
  const uint32_t *list_bytes;
  uint32_t n_list;
  const uint8_t *block;
  uint32_t cbytes;
} tg_rt_check_in_t;

/* call decodes nothing: it casts and calls. check returns 0 when the
 * parameters keep the kernel inside the buffers it is given. */
typedef void (*tg_rt_call_t)(const void *params, void *const *args);
typedef int (*tg_rt_check_t)(const tg_rt_check_in_t *in);

/* One kernel of the table. */
typedef struct {
  tg_rt_call_t call;
  tg_rt_check_t check;
  const tg_rt_field_t *fields;
  uint16_t n_fields;
  uint16_t rec_bytes; /* the encoded record's size */
  uint8_t n_args;     /* tensor arguments after the parameters */
  uint8_t list_arg;   /* the array-of-pointers argument, 0xff if none */
  uint8_t out_mask;   /* bit i: argument i is written (outputs, scratch) */
} tg_rt_kernel_t;

/* The table: the kernels the firmware links, in increasing id order
 * (docs/blob-format.md), and for every id below tg_rt_num_slots the
 * position of its kernel in tg_rt_kernels plus one, or 0 when the
 * firmware lacks it. Id 0, the runtime's own byte copy, is never in it. */
extern const tg_rt_kernel_t *const tg_rt_kernels[];
extern const uint8_t tg_rt_kernel_slots[];
extern const uint16_t tg_rt_num_slots;

#ifdef __cplusplus
}
#endif

#endif /* TG_RT_KERNEL_H */
