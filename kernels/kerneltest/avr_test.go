// Tests of the avr kernel set's arithmetic: tg_avr_srdhm, tg_avr_rdbpot
// and tg_avr_mbqm against the reference helpers of tg_fixedpoint.h on edge
// and random values, and tg_fully_connected_s8_avr against the reference
// tg_fully_connected_s8 on random geometries, offsets and quantisation;
// built for the host under ASan/UBSan with gcc and clang, and with avr-gcc
// (16-bit int) run in simavr.

package kerneltest_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/kernels/kerneltest"
)

// avrMain compares the avr set with the reference; it prints
// "avr-check ok N" (N comparisons) or the first mismatches and
// "avr-check FAIL", and returns 0 only when all agree. TG_TEST_N sets the
// number of random cases (fewer on the simulated ATmega328P).
const avrMain = `#include <stdint.h>
#include <string.h>
#include "tg_kernels.h"
#include "tg_fixedpoint.h"
#include "tg_avr.h"

#ifdef __AVR__
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
static void out_s(const char *s) {
  UBRR0H = 0; UBRR0L = 8; UCSR0B = (1 << TXEN0); UCSR0C = 3 << UCSZ00;
  while (*s) { while (!(UCSR0A & (1 << UDRE0))) {} UDR0 = (uint8_t)*s++; }
}
#else
#include <stdio.h>
static void out_s(const char *s) { fputs(s, stdout); }
#endif

static void out_u(uint32_t v) {
  char b[11];
  int i = 10;
  b[10] = '\0';
  do { b[--i] = (char)('0' + (int)(v % 10u)); v /= 10u; } while (v != 0u && i > 0);
  out_s(&b[i]);
}

static void out_i(int32_t v) {
  if (v < 0) { out_s("-"); out_u((uint32_t)0 - (uint32_t)v); } else { out_u((uint32_t)v); }
}

static uint32_t rng = 2463534242u;
static uint32_t next(void) {
  rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
  return rng;
}
/* A value in [lo, hi] (hi - lo < 2^32). */
static int32_t between(int32_t lo, int32_t hi) {
  uint32_t span = (uint32_t)hi - (uint32_t)lo + 1u;
  return (int32_t)((uint32_t)lo + (span == 0u ? next() : next() % span));
}

static const int32_t edges[] = {
  INT32_MIN, INT32_MIN + 1, -1073741825, -1073741824, -1073741823, -65536, -65535, -32768,
  -257, -256, -255, -2, -1, 0, 1, 2, 255, 256, 32767, 32768, 65535, 65536,
  1073741823, 1073741824, 1073741825, INT32_MAX - 1, INT32_MAX,
};
#define NEDGES ((int)(sizeof edges / sizeof edges[0]))

static uint32_t checked;
static int bad;

static void fail3(const char *what, int32_t a, int32_t b, int32_t c, int32_t got, int32_t want) {
  if (bad < 5) {
    out_s(what); out_s("("); out_i(a); out_s(", "); out_i(b); out_s(", "); out_i(c);
    out_s(") = "); out_i(got); out_s(", want "); out_i(want); out_s("\n");
  }
  bad++;
}

static void check_one(int32_t x, int32_t m, int32_t s) {
  int32_t got, want;
  got = tg_avr_srdhm(x, m); want = tg_srdhm(x, m);
  if (got != want) fail3("tg_avr_srdhm", x, m, 0, got, want);
  if (s >= 0) {
    got = tg_avr_rdbpot(x, s); want = tg_rdbpot(x, s);
    if (got != want) fail3("tg_avr_rdbpot", x, s, 0, got, want);
  }
  got = tg_avr_mbqm(x, m, s); want = tg_mbqm(x, m, s);
  if (got != want) fail3("tg_avr_mbqm", x, m, s, got, want);
  checked += 3;
}

/* Buffers of the fully-connected cases: batches <= 2, units <= 5,
 * depth <= 40. */
static int8_t in[2 * 40], filt[5 * 40], got8[2 * 5], want8[2 * 5];
static int32_t bias[5], mult[5];
static int8_t shift[5];

static void check_fc(int hostile) {
  tg_fully_connected_s8_params_t p;
  const int32_t *bp;
  int32_t i, n;
  memset(&p, 0, sizeof p);
  p.batches = between(1, 2);
  p.units = between(1, 5);
  p.depth = between(0, 40);
  p.per_channel = (int32_t)(next() & 1u);
  if (hostile) {
    /* Any offsets an interpreter blob could hold: no undefined behaviour,
     * no comparison (the reference's int32 products may overflow). */
    p.input_offset = (int32_t)next();
    p.filter_offset = (int32_t)next();
  } else if (next() % 4u == 0u) {
    p.input_offset = between(-32640, 32640);
    p.filter_offset = between(-32640, 32640);
  } else {
    p.input_offset = between(-127, 128);
    p.filter_offset = next() % 2u == 0u ? 0 : between(-127, 128);
  }
  p.output_offset = between(-128, 127);
  p.act_min = between(-128, 0);
  p.act_max = between(p.act_min, 127);
  n = p.per_channel ? p.units : 1;
  for (i = 0; i < n; i++) {
    mult[i] = next() % 8u == 0u ? (int32_t)next() : between(1073741824, INT32_MAX);
    shift[i] = (int8_t)(next() % 8u == 0u ? between(-40, 40) : between(-31, 8));
  }
  for (i = 0; i < p.batches * p.depth; i++) in[i] = (int8_t)next();
  for (i = 0; i < p.units * p.depth; i++) filt[i] = (int8_t)next();
  for (i = 0; i < p.units; i++) bias[i] = next() % 2u == 0u ? between(-100000, 100000) : (int32_t)next();
  p.multiplier = mult;
  p.shift = shift;
  bp = (next() & 1u) ? bias : NULL;
  tg_fully_connected_s8_avr(&p, in, filt, bp, got8);
  if (hostile) {
    return;
  }
  tg_fully_connected_s8(&p, in, filt, bp, want8);
  for (i = 0; i < p.batches * p.units; i++) {
    if (got8[i] != want8[i]) {
      fail3("tg_fully_connected_s8_avr (batches, units, depth)", p.batches, p.units, p.depth, got8[i], want8[i]);
      break;
    }
  }
  checked++;
}

int main(void) {
  int i, j, k;
  uint32_t r;
  for (i = 0; i < NEDGES; i++) {
    for (j = 0; j < NEDGES; j++) {
      for (k = -70; k <= 40; k += (k >= -33 && k <= 33) ? 1 : 9) {
        check_one(edges[i], edges[j], k);
      }
    }
  }
  for (r = 0; r < TG_TEST_N; r++) {
    int32_t x = (next() & 1u) ? (int32_t)next() : between(-70000, 70000);
    check_one(x, (int32_t)next(), between(-40, 40));
    check_one(x, between(1073741824, INT32_MAX), between(-31, 0));
  }
  for (r = 0; r < TG_TEST_N / 8u; r++) {
    check_fc(0);
    check_fc(1);
  }
  out_s(bad ? "avr-check FAIL\n" : "avr-check ok ");
  if (!bad) { out_u(checked); out_s("\n"); }
#ifdef __AVR__
  cli();
  sleep_enable();
  sleep_cpu();
#endif
  return bad ? 1 : 0;
}
`

// avrFiles writes avrMain and the reference and avr fully-connected
// kernels with their headers into dir; it returns the C files.
func avrFiles(t *testing.T, dir string) []string {
	t.Helper()
	lib := kernels.Builtin()
	files := map[string]string{
		"tg_fully_connected_s8.c": kernels.Reference,
		"tg_avr.h":                kernels.AVR, "tg_fully_connected_s8_avr.c": kernels.AVR,
	}
	for _, h := range kernels.Headers() {
		files[h] = kernels.Reference
	}
	return kerneltest.WriteSources(t, lib, dir, files, avrMain)
}

var avrCheckOK = regexp.MustCompile(`avr-check ok ([0-9]+)`)

// TestAVRArithmeticOnHost runs avrMain on the host (1 << 20 random cases)
// under the warning flags and the sanitizers, with every host compiler.
func TestAVRArithmeticOnHost(t *testing.T) {
	for _, cc := range kerneltest.Compilers(t) {
		dir := t.TempDir()
		srcs := avrFiles(t, dir)
		ctx := context.Background()
		flags := append(append([]string{"-DTG_TEST_N=1048576u"}, hostcc.WarningFlags...), hostcc.SanitizerFlags...)
		if err := hostcc.Link(ctx, cc, dir, filepath.Join(dir, "avrcheck"), srcs, flags...); err != nil {
			t.Fatalf("%s: %v", filepath.Base(cc), err)
		}
		if err := hostcc.Run(ctx, dir, 5*time.Minute, filepath.Join(dir, "avrcheck")); err != nil {
			t.Errorf("%s: %v", filepath.Base(cc), err)
		}
	}
}

// TestAVRArithmeticInSimavr builds avrMain with avr-gcc for the ATmega328P
// (16-bit int, the Arduino core's -Os) and runs it in simavr: the avr set
// must agree with the reference on the 8-bit core itself.
func TestAVRArithmeticInSimavr(t *testing.T) {
	cc := sharedtest.RequireTool(t, "avr-gcc", "gcc-avr")
	sim := sharedtest.RequireTool(t, "simavr", "simavr")
	dir := t.TempDir()
	srcs := avrFiles(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	args := append([]string{"-mmcu=atmega328p", "-DF_CPU=16000000", "-DTG_TEST_N=2048u", "-Os",
		"-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-o", "avrcheck.elf"}, srcs...)
	build := exec.CommandContext(ctx, cc, args...)
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("avr-gcc: %v\n%s", err, out)
	}
	run := exec.CommandContext(ctx, sim, "-m", "atmega328p", "-f", "16000000", "avrcheck.elf")
	run.Dir = dir
	out, err := run.CombinedOutput()
	text := strings.ReplaceAll(regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(string(out), ""), ".\n", "\n")
	if err != nil {
		t.Fatalf("simavr: %v\n%s", err, text)
	}
	m := avrCheckOK.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no avr-check ok line from simavr:\n%s", text)
	}
	t.Logf("simavr: %s comparisons agree", m[1])
}
