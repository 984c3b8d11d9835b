// untrusted_test.go: the hardened requantisation of interpreter projects
// (TG_UNTRUSTED_PARAMS) is free of undefined behaviour for any record and
// equal to the plain form for the records the code generator writes.

package blob

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/kernels"
)

// requantTU wraps the armv7em and rv32 requantisation helpers as
// functions named PREFIX_fast, PREFIX_plus and PREFIX_rv.
const requantTU = `#include <stdint.h>
#include "tg_armv7em.h"
#include "tg_rv32.h"

int32_t PREFIX_fast(int32_t acc, int32_t m, int32_t rs, int32_t rc, int32_t post);
int32_t PREFIX_plus(int32_t acc, int32_t m, int32_t rs, int32_t rc, int32_t post);
int32_t PREFIX_rv(uint32_t acc, uint32_t m2, int32_t left, int32_t right, int32_t round, int32_t neg);

int32_t PREFIX_fast(int32_t acc, int32_t m, int32_t rs, int32_t rc, int32_t post) {
  return tg_a7_rq_fast(acc, m, 1, rs, rc, post);
}
int32_t PREFIX_plus(int32_t acc, int32_t m, int32_t rs, int32_t rc, int32_t post) {
  return tg_a7_rq_plus(acc, m, 0, rs, rc, post);
}
int32_t PREFIX_rv(uint32_t acc, uint32_t m2, int32_t left, int32_t right, int32_t round, int32_t neg) {
  return tg_rv32_requant(acc, m2, left, right, round, neg, -128, 127);
}
`

// requantMain calls the plain forms only with records the code generator
// can write (shifts in range, sums without overflow) and compares them
// with the hardened forms, then calls the hardened forms with hostile
// records (every shift, extreme constants and accumulators): under UBSan
// with -fno-sanitize-recover any undefined arithmetic aborts.
const requantMain = `#include <stdint.h>
#include <stdio.h>

#define DECL(p) \
  int32_t p##_fast(int32_t, int32_t, int32_t, int32_t, int32_t); \
  int32_t p##_plus(int32_t, int32_t, int32_t, int32_t, int32_t); \
  int32_t p##_rv(uint32_t, uint32_t, int32_t, int32_t, int32_t, int32_t);
DECL(plain)
DECL(hard)

static uint32_t seed = 12345u;
static uint32_t next(void) {
  seed = seed * 1664525u + 1013904223u;
  return seed;
}

int main(void) {
  static const int32_t wild[] = {0, 1, -1, 31, 32, 33, 63, 255, 256, -31, -32, 0x7fffffff, (int32_t)0x80000000u,
                                 0x40000000, -0x40000000, 0x3fffffff, 12345678};
  const unsigned nw = sizeof wild / sizeof wild[0];
  unsigned i, a, b, c, d;
  unsigned long mismatches = 0, calls = 0;
  for (i = 0; i < 200000u; i++) {
    int32_t rs = (int32_t)(1u + next() % 31u), off = (int32_t)(next() % 256u) - 128;
    int32_t post = (next() & 1u) ? off : 0;
    int32_t rc = rs < 23 ? (int32_t)((1u << (rs - 1)) + (uint32_t)off * (1u << rs)) : (int32_t)(1u << (rs - 1));
    int32_t acc = (int32_t)next(), m = (int32_t)(0x40000000u | (next() >> 2));
    int32_t small = (int32_t)(next() % 0x200000u) - 0x100000;
    uint32_t m2 = next() | 0x80000000u;
    int32_t left = (int32_t)(next() % 8u), right = (int32_t)(next() % 32u);
    int32_t round = right ? (int32_t)((1u << right) >> 1) : 0;
    if (plain_fast(acc >> 2, m, rs, rc, post) != hard_fast(acc >> 2, m, rs, rc, post)) mismatches++;
    if (plain_plus(acc, (int32_t)((uint32_t)m * 2u), rs, rc, post) !=
        hard_plus(acc, (int32_t)((uint32_t)m * 2u), rs, rc, post)) mismatches++;
    if (plain_rv((uint32_t)small, m2, left, right, round, right ? -1 : 0) !=
        hard_rv((uint32_t)small, m2, left, right, round, right ? -1 : 0)) mismatches++;
  }
  for (a = 0; a < nw; a++)
    for (b = 0; b < nw; b++)
      for (c = 0; c < nw; c++)
        for (d = 0; d < nw; d++) {
          volatile int32_t sink;
          sink = hard_fast(wild[a], wild[b], wild[c], wild[d], wild[(a + d) % nw]);
          sink = hard_plus(wild[a], wild[b], wild[c], wild[d], wild[(b + c) % nw]);
          sink = hard_rv((uint32_t)wild[a], (uint32_t)wild[b], wild[c], wild[d], wild[(a + b) % nw], wild[(c + d) % nw]);
          (void)sink;
          calls += 3;
        }
  printf("mismatches %lu hostile %lu\n", mismatches, calls);
  return mismatches != 0;
}
`

// TestUntrustedRequant builds the helpers twice (plain and with
// TG_UNTRUSTED_PARAMS) under ASan/UBSan and runs requantMain.
func TestUntrustedRequant(t *testing.T) {
	cc := sharedtest.RequireTool(t, "gcc", "gcc")
	dir := t.TempDir()
	lib := kernels.Builtin()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range kernels.Headers() {
		data, err := lib.File(kernels.Reference, name)
		if err != nil {
			t.Fatal(err)
		}
		write(name, data)
	}
	for _, sh := range [][2]string{{"armv7em", "tg_armv7em.h"}, {"rv32", "tg_rv32.h"}} {
		data, err := lib.File(sh[0], sh[1])
		if err != nil {
			t.Fatal(err)
		}
		write(sh[1], data)
	}
	write("plain.c", []byte(strings.ReplaceAll(requantTU, "PREFIX", "plain")))
	write("hard.c", []byte("#define "+UntrustedDefine+" 1\n"+strings.ReplaceAll(requantTU, "PREFIX", "hard")))
	write("main.c", []byte(requantMain))
	bin := filepath.Join(dir, "requant")
	files := []string{"plain.c", "hard.c", "main.c"}
	if err := hostcc.Link(context.Background(), cc, dir, bin, files, append([]string{"-std=c99", "-Wall", "-Wextra"}, hostcc.SanitizerFlags...)...); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil || !bytes.HasPrefix(out, []byte("mismatches 0 hostile ")) {
		t.Fatalf("requant harness: %v\n%s", err, out)
	}
}

// TestUntrustedKernels: the interpreter's copy of tg_kernels.h defines
// the macro first thing; other files are untouched.
func TestUntrustedKernels(t *testing.T) {
	in := []File{{Name: "tg_kernels.h", Data: []byte("/* k */\n")}, {Name: "tg_port.h", Data: []byte("/* p */\n")}}
	out := UntrustedKernels(in)
	if !bytes.Contains(out[0].Data, []byte("#define "+UntrustedDefine+" 1")) || !bytes.HasSuffix(out[0].Data, in[0].Data) {
		t.Errorf("tg_kernels.h not configured:\n%s", out[0].Data)
	}
	if !bytes.Equal(out[1].Data, in[1].Data) || !bytes.Equal(in[0].Data, []byte("/* k */\n")) {
		t.Errorf("other files or the input changed")
	}
}
