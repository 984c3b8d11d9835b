/* tg_rt_fuzz.c: the libFuzzer harness of tinygen's interpreter runtime
 * (tests only). Build with Debian's clang:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *     -I. tg_rt_fuzz.c tg_rt.c tg_rt_crc.c tg_rtk_table.c tg_*.c -lm
 *
 * with a runtime holding every kernel (tinygen runtime --ops ...). Each
 * input is a blob: it is copied into a heap buffer of exactly its size
 * (so that AddressSanitizer sees any read past it), validated with an
 * arena of exactly the size the blob asks for, CRC-checked, and, when
 * tg_rt_init accepts it, run on input and output buffers of exactly their
 * sizes, filled from the blob's bytes. Any out-of-bounds access or
 * undefined behaviour aborts. runtime-c/runtime_test.go drives it.
 */
#define _POSIX_C_SOURCE 200112L
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tg_rt.h"

#define MAX_IO 8u
#define LIMIT (8u << 20) /* arena and tensor bytes a run may allocate */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tg_rt_ctx_t ctx;
  tg_rt_status_t st;
  uint8_t *blob, *arena = NULL;
  void *bufs[2 * MAX_IO];
  const void *ins[MAX_IO];
  void *outs[MAX_IO];
  uint32_t need, k, n_in = 0, n_out = 0, ok = 1;
  tg_rt_tensor_t t;

  if (size > LIMIT) {
    return 0;
  }
  /* malloc's alignment (16) satisfies the runtime's 8. */
  blob = (uint8_t *)malloc(size > 0 ? size : 1);
  if (blob == NULL) {
    return 0;
  }
  if (size > 0) {
    memcpy(blob, data, size);
  }
  (void)tg_rt_check_crc(blob, size);
  st = tg_rt_init(&ctx, blob, size, NULL, 0);
  need = st == TG_RT_ERR_ARENA_SMALL ? tg_rt_detail(&ctx) : 0u;
  if (st == TG_RT_ERR_ARENA_SMALL && need <= LIMIT) {
    void *p = NULL;
    if (posix_memalign(&p, 64, need) == 0) {
      arena = (uint8_t *)p;
      st = tg_rt_init(&ctx, blob, size, arena, need);
    }
  }
  if (st == TG_RT_OK) {
    memset(bufs, 0, sizeof bufs);
    for (k = 0; ok && tg_rt_input(&ctx, k, &t) == TG_RT_OK; k++, n_in++) {
      ok = k < MAX_IO && t.bytes <= LIMIT && (bufs[k] = malloc(t.bytes > 0 ? t.bytes : 1)) != NULL;
      if (ok) {
        uint32_t i;
        for (i = 0; i < t.bytes; i++) {
          ((uint8_t *)bufs[k])[i] = blob[i % size];
        }
        ins[k] = bufs[k];
      }
    }
    for (k = 0; ok && tg_rt_output(&ctx, k, &t) == TG_RT_OK; k++, n_out++) {
      ok = k < MAX_IO && t.bytes <= LIMIT && (bufs[MAX_IO + k] = malloc(t.bytes > 0 ? t.bytes : 1)) != NULL;
      if (ok) {
        outs[k] = bufs[MAX_IO + k];
      }
    }
    if (ok) {
      (void)tg_rt_invoke(&ctx, ins, outs);
    }
    for (k = 0; k < 2 * MAX_IO; k++) {
      free(bufs[k]);
    }
  }
  free(arena);
  free(blob);
  return 0;
}
