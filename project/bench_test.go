package project

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/targets"
)

// fakeModel is a generated-model stand-in with the API the harness uses:
// one int8 input of 4 bytes, output 0 the input plus one (int8), output 1
// the input as float32 divided by 8.
const fakeHeader = `#ifndef FAKE_H
#define FAKE_H
#include <stdint.h>
#define FAKE_INPUT0_BYTES 4
#define FAKE_INPUT0_DATA(in) ((in)->x)
#define FAKE_OUTPUT0_BYTES 4
#define FAKE_OUTPUT0_DATA(out) ((out)->y)
#define FAKE_OUTPUT1_BYTES 16
#define FAKE_OUTPUT1_DATA(out) ((out)->z)
typedef struct { int8_t x[4]; } fake_input_t;
typedef struct { int8_t y[4]; float z[4]; } fake_output_t;
typedef enum { FAKE_OK = 0 } fake_status_t;
int fake_run(const fake_input_t *in, fake_output_t *out);
#endif
`

const fakeSource = `#include "fake.h"
int fake_run(const fake_input_t *in, fake_output_t *out) {
  int i;
  for (i = 0; i < 4; i++) {
    out->y[i] = (int8_t)(in->x[i] + 1);
    out->z[i] = (float)in->x[i] / 8.0f;
  }
  return FAKE_OK;
}
`

func f32s(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// TestHarnessOnHost builds the harness with a fake model for the host
// under the strict warning flags and checks what it prints: exact int8
// comparison, float32 within the tolerance, and the mismatch line.
func TestHarnessOnHost(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gcc not found: install the Debian package gcc")
		}
		t.Skip("gcc not found: install the Debian package gcc")
	}
	host, err := targets.Get("host")
	if err != nil {
		t.Fatal(err)
	}
	good := Vector{Inputs: [][]byte{{0, 8, 0xF8, 3}}, Outputs: [][]byte{{1, 9, 0xF9, 4}, f32s(0, 1, -1, 0.375000001)}}
	badInt := Vector{Inputs: [][]byte{{1, 1, 1, 1}}, Outputs: [][]byte{{2, 2, 0x80, 2}, f32s(0.125, 0.125, 0.125, 0.125)}}
	badFloat := Vector{Inputs: [][]byte{{16, 0, 0, 0}}, Outputs: [][]byte{{17, 1, 1, 1}, f32s(2.001, 0, 0, 0)}}
	h := Harness{Model: "fake", Inputs: []int{4}, Outputs: []int{4, 16}, FloatOutputs: []bool{false, true}, OutputTypes: []string{"int8", "float32"},
		RTol: 1e-5, ATol: 1e-6, Vectors: []Vector{good, badInt, badFloat}}
	files, err := Bench(host, []File{{Name: "fake.h", Data: []byte(fakeHeader)}, {Name: "fake.c", Data: []byte(fakeSource)}}, h)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var srcs []string
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f.Name, ".c") {
			srcs = append(srcs, f.Name)
		}
	}
	args := append([]string{"-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wshadow", "-Wstrict-prototypes",
		"-Wmissing-prototypes", "-Wdouble-promotion", "-Wvla", "-O1", "-o", "fw"}, srcs...)
	build := exec.Command(cc, args...)
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	run := exec.Command("./fw")
	run.Dir = dir
	out, err := run.Output()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("exit %v, want status 1 (mismatches)\n%s", err, out)
	}
	want := "TINYGEN-MISMATCH vector=1 output=0 index=2 dtype=int8 got=2 want=128\n" +
		fmt.Sprintf("TINYGEN-MISMATCH vector=2 output=1 index=0 dtype=float32 got=%d want=%d\n", math.Float32bits(2), math.Float32bits(2.001)) +
		"TINYGEN-RESULT vectors=3 passed=1 stack_bytes=0\nTINYGEN-END\n"
	if string(out) != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	// What bench prints: typed values.
	lines := strings.Split(string(out), "\n")
	for i, typed := range []string{"TINYGEN-MISMATCH vector=1 output=0 index=2 dtype=int8 got=2 want=-128",
		"TINYGEN-MISMATCH vector=2 output=1 index=0 dtype=float32 got=2 want=2.001"} {
		if got := FormatMismatch(lines[i]); got != typed {
			t.Errorf("FormatMismatch(%q) = %q, want %q", lines[i], got, typed)
		}
	}
}

func TestHarnessCheck(t *testing.T) {
	ok := Harness{Model: "m", Inputs: []int{2}, Outputs: []int{1}, Vectors: []Vector{{Inputs: [][]byte{{1, 2}}, Outputs: [][]byte{{3}}}}}
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		edit func(h *Harness)
		want string
	}{
		{"no model", func(h *Harness) { h.Model = "" }, "without a model name"},
		{"no vectors", func(h *Harness) { h.Vectors = nil }, "no test vectors"},
		{"short input", func(h *Harness) { h.Vectors = []Vector{{Inputs: [][]byte{{1}}, Outputs: [][]byte{{3}}}} }, "input 0 has 1 bytes, want 2"},
		{"wrong count", func(h *Harness) { h.Vectors = []Vector{{Inputs: [][]byte{{1, 2}}}} }, "0 outputs"},
		{"float flags", func(h *Harness) { h.FloatOutputs = []bool{true, false} }, "2 float flags for 1 outputs"},
		{"float size", func(h *Harness) { h.FloatOutputs = []bool{true} }, "not a multiple of 4"},
		{"arena align", func(h *Harness) { h.CallerArena = true }, "positive alignment"},
		{"comment in name", func(h *Harness) { h.Model = "m */ int tg_pwned; /*" }, "not a C identifier"},
		{"include escape", func(h *Harness) { h.Model = `m.h"\n#include "/etc/passwd` }, "not a C identifier"},
		{"keyword name", func(h *Harness) { h.Model = "int" }, "not a C identifier"},
	}
	for _, c := range bad {
		h := ok
		c.edit(&h)
		if err := h.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	host, err := targets.Get("host")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Bench(host, []File{{Name: "tg_board.h"}}, ok); err == nil || !strings.Contains(err.Error(), "two files named tg_board.h") {
		t.Errorf("name collision: %v", err)
	}
}

// TestInterpHarnessCRC checks that the interpreter harness's
// initialisation region holds tg_rt_check_crc exactly when CRC is set,
// before tg_rt_init and inside the measured region.
func TestInterpHarnessCRC(t *testing.T) {
	for _, crc := range []bool{false, true} {
		h := Harness{Model: "m", Inputs: []int{2}, Outputs: []int{1}, CRC: crc,
			Vectors: []Vector{{Inputs: [][]byte{{1, 2}}, Outputs: [][]byte{{3}}}}}
		src := string(h.InterpMainC())
		begin := strings.Index(src, "tg_bench_begin();")
		end := strings.Index(src, "tg_bench_end();")
		check := strings.Index(src, "tg_rt_check_crc(m_blob, m_blob_size)")
		init := strings.Index(src, "tg_rt_init(&ctx, m_blob")
		if begin < 0 || end < begin || init < begin || init > end {
			t.Fatalf("crc=%v: no init region around tg_rt_init:\n%s", crc, src)
		}
		if crc != (check >= 0) || (crc && (check < begin || check > init)) {
			t.Errorf("crc=%v: tg_rt_check_crc at %d (region %d-%d, init at %d)", crc, check, begin, end, init)
		}
	}
}
