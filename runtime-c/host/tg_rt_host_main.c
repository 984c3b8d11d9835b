/* tg_rt_host_main.c: a host test harness of tinygen's interpreter runtime
 * (tests only; it uses stdio).
 *
 *   tg_rt_host BLOB     loads BLOB, checks its CRC, initialises, then reads
 *                       the inputs as raw bytes from stdin, runs the model
 *                       and writes the outputs to stdout, until stdin ends
 *                       (once when the inputs hold no bytes: empty tensors).
 *   tg_rt_host --many   reads blobs from stdin, each as a 4-byte
 *                       little-endian length and the bytes; for each prints
 *                       one line "init=<status> detail=<d> crc=<status>
 *                       invoke=<status>" (invoke on zero inputs, only when
 *                       init succeeded; -1 when not run). Each blob, arena
 *                       and tensor gets a heap buffer of exactly its size.
 * Exit status: 0 on success, 2 on a runtime error (printed to stderr), 3 on
 * a truncated input, 4 on an I/O error.
 */
#define _POSIX_C_SOURCE 200112L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tg_rt.h"

#define MAX_BLOB (16u << 20)
#define MAX_ARENA (8u << 20)
#define MAX_IO 8u
#define MAX_IO_BYTES (4u << 20)

static uint8_t blob[MAX_BLOB] __attribute__((aligned(64)));
static uint8_t arena[MAX_ARENA] __attribute__((aligned(64)));
static uint8_t io[2 * MAX_IO][MAX_IO_BYTES] __attribute__((aligned(64)));

/* run_many feeds each blob through init, the CRC check and invoke, with
 * the blob, the arena and every tensor in a heap buffer of exactly its
 * size, so that AddressSanitizer catches any access outside them. */
static int run_many(void) {
  for (;;) {
    uint8_t len[4];
    uint32_t n, k, need;
    tg_rt_ctx_t ctx;
    tg_rt_status_t st, crc;
    int inv = -1, ok = 1;
    const void *ins[MAX_IO];
    void *outs[MAX_IO];
    void *bufs[2 * MAX_IO] = {NULL};
    uint8_t *b, *ar = NULL;
    tg_rt_tensor_t t;
    if (fread(len, 1, 4, stdin) != 4) {
      return 0;
    }
    n = (uint32_t)len[0] | (uint32_t)len[1] << 8 | (uint32_t)len[2] << 16 | (uint32_t)len[3] << 24;
    if (n > MAX_BLOB || (b = (uint8_t *)malloc(n > 0 ? n : 1)) == NULL) {
      return 4;
    }
    if (fread(b, 1, n, stdin) != n) {
      return 3;
    }
    crc = tg_rt_check_crc(b, n);
    st = tg_rt_init(&ctx, b, n, NULL, 0);
    if (st == TG_RT_ERR_ARENA_SMALL && (need = tg_rt_detail(&ctx)) <= MAX_ARENA) {
      void *p = NULL;
      if (posix_memalign(&p, 64, need) == 0) {
        ar = (uint8_t *)p;
        st = tg_rt_init(&ctx, b, n, ar, need);
      }
    }
    if (st == TG_RT_OK) {
      for (k = 0; ok && tg_rt_input(&ctx, k, &t) == TG_RT_OK; k++) {
        ok = k < MAX_IO && t.bytes <= MAX_IO_BYTES && (bufs[k] = calloc(1, t.bytes + 1u)) != NULL;
        ins[k] = bufs[k];
      }
      for (k = 0; ok && tg_rt_output(&ctx, k, &t) == TG_RT_OK; k++) {
        ok = k < MAX_IO && t.bytes <= MAX_IO_BYTES && (bufs[MAX_IO + k] = malloc(t.bytes + 1u)) != NULL;
        outs[k] = bufs[MAX_IO + k];
      }
      if (ok) {
        inv = (int)tg_rt_invoke(&ctx, ins, outs);
      }
      for (k = 0; k < 2 * MAX_IO; k++) {
        free(bufs[k]);
      }
    }
    printf("init=%d detail=%lu crc=%d invoke=%d\n", (int)st, (unsigned long)tg_rt_detail(&ctx), (int)crc, inv);
    fflush(stdout);
    free(ar);
    free(b);
  }
}

int main(int argc, char **argv) {
  FILE *f;
  size_t n;
  tg_rt_ctx_t ctx;
  tg_rt_status_t st;
  tg_rt_tensor_t t;
  uint32_t k, first, n_in = 0, n_out = 0;
  unsigned long in_total = 0;
  const void *ins[MAX_IO];
  void *outs[MAX_IO];
  uint32_t in_bytes[MAX_IO], out_bytes[MAX_IO];

  if (argc == 2 && argv[1][0] == '-' && argv[1][1] == '-') {
    return run_many();
  }
  if (argc != 2) {
    fprintf(stderr, "usage: %s BLOB | --many\n", argv[0]);
    return 4;
  }
  f = fopen(argv[1], "rb");
  if (f == NULL) {
    fprintf(stderr, "%s: cannot open\n", argv[1]);
    return 4;
  }
  n = fread(blob, 1, MAX_BLOB, f);
  fclose(f);
  st = tg_rt_check_crc(blob, n);
  if (st != TG_RT_OK) {
    fprintf(stderr, "%s: tg_rt_check_crc: status %d\n", argv[1], (int)st);
    return 2;
  }
  st = tg_rt_init(&ctx, blob, n, arena, sizeof arena);
  if (st != TG_RT_OK) {
    fprintf(stderr, "%s: tg_rt_init: status %d detail %lu\n", argv[1], (int)st, (unsigned long)tg_rt_detail(&ctx));
    return 2;
  }
  for (k = 0; tg_rt_input(&ctx, k, &t) == TG_RT_OK && k < MAX_IO; k++) {
    if (t.bytes > MAX_IO_BYTES) {
      return 4;
    }
    in_bytes[k] = t.bytes;
    in_total += t.bytes;
    ins[k] = io[k];
    n_in++;
  }
  for (k = 0; tg_rt_output(&ctx, k, &t) == TG_RT_OK && k < MAX_IO; k++) {
    if (t.bytes > MAX_IO_BYTES) {
      return 4;
    }
    out_bytes[k] = t.bytes;
    outs[k] = io[MAX_IO + k];
    n_out++;
  }
  /* The first input with bytes tells the end of stdin; when no input has
   * bytes, the model runs once. */
  for (first = 0; first < n_in && in_bytes[first] == 0u; first++) {
  }
  for (;;) {
    for (k = 0; k < n_in; k++) {
      size_t got = fread(io[k], 1, in_bytes[k], stdin);
      if (k == first && got == 0 && feof(stdin)) {
        return 0;
      }
      if (got != in_bytes[k]) {
        fprintf(stderr, "input %lu truncated\n", (unsigned long)k);
        return 3;
      }
    }
    st = tg_rt_invoke(&ctx, ins, outs);
    if (st != TG_RT_OK) {
      fprintf(stderr, "tg_rt_invoke: status %d\n", (int)st);
      return 2;
    }
    for (k = 0; k < n_out; k++) {
      if (fwrite(outs[k], 1, out_bytes[k], stdout) != out_bytes[k]) {
        return 4;
      }
    }
    fflush(stdout);
    if (in_total == 0) {
      return 0; /* empty inputs: one run, no input to wait for */
    }
  }
}
