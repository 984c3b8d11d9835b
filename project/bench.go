// Package project turns the files an emitter wrote into a project for one
// target: today the benchmark firmware that `tinygen bench` builds and runs
// (the generated model, the target's startup code, linker script and board
// support, and a harness with the test vectors); Arduino sketches, CMake
// and Zephyr modules fit the same shape.
package project

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/tinygen/tinygen/internal/ctext"
	"github.com/tinygen/tinygen/internal/genfile"
	"github.com/tinygen/tinygen/targets"
)

// File is one file of a project (genfile.File).
type File = genfile.File

// Vector is one set of inputs with the outputs expected from them, each
// the raw bytes of a tensor.
type Vector struct {
	Inputs  [][]byte
	Outputs [][]byte
}

// Harness describes the benchmark main program of a generated model.
type Harness struct {
	// Model is the generated model's C prefix (kws in kws_run, KWS_...).
	Model string
	// Inputs and Outputs are the byte sizes of the model's tensors, in
	// order.
	Inputs, Outputs []int
	// FloatOutputs marks float32 outputs, compared within RTol/ATol; all
	// others must match byte for byte.
	FloatOutputs []bool
	RTol, ATol   float32
	// OutputTypes name the outputs' element types (int8, uint8, int16,
	// int32, float32; see MismatchTypes): a mismatch line gives the wrong
	// element's index and bits in that type, with a dtype field, so that
	// bench can print typed values. Empty: bytes (uint8), or float32 for
	// FloatOutputs.
	OutputTypes []string
	// CallerArena means the harness passes its own arena to
	// <m>_run_with_arena (the model has no static arena);
	// the harness then declares ArenaSize bytes aligned to ArenaAlign.
	CallerArena           bool
	ArenaSize, ArenaAlign int
	// CRC makes the interpreter harness's initialisation region check the
	// blob's CRC (tg_rt_check_crc) before tg_rt_init, so that bench
	// reports what loading a blob with its CRC check costs.
	CRC bool
	// Vectors are run in order, one inference each.
	Vectors []Vector
}

// Result-line protocol, documented in docs/bench-protocol.md.
const (
	// ResultPrefix starts the one machine-readable result line.
	ResultPrefix = "TINYGEN-RESULT"
	// MismatchPrefix starts a line that describes a wrong output.
	MismatchPrefix = "TINYGEN-MISMATCH"
	// Sentinel is the last line a complete run prints.
	Sentinel = "TINYGEN-END"
)

// MainFile is the name of the harness source.
const MainFile = "tg_bench_main.c"

// Check validates the harness description.
func (h *Harness) Check() error {
	if h.Model == "" {
		return fmt.Errorf("project: harness without a model name")
	}
	if ctext.Identifier(h.Model) != h.Model {
		// The name goes into identifiers, an #include and comments.
		return fmt.Errorf("project: model name %q is not a C identifier (use ctext.Identifier)", h.Model)
	}
	if len(h.Inputs) == 0 || len(h.Outputs) == 0 {
		return fmt.Errorf("project: model %s needs at least one input and one output", h.Model)
	}
	if len(h.FloatOutputs) != 0 && len(h.FloatOutputs) != len(h.Outputs) {
		return fmt.Errorf("project: %d float flags for %d outputs", len(h.FloatOutputs), len(h.Outputs))
	}
	if len(h.Vectors) == 0 {
		return fmt.Errorf("project: model %s has no test vectors", h.Model)
	}
	for i, v := range h.Vectors {
		if len(v.Inputs) != len(h.Inputs) || len(v.Outputs) != len(h.Outputs) {
			return fmt.Errorf("project: vector %d has %d inputs and %d outputs, the model %d and %d",
				i, len(v.Inputs), len(v.Outputs), len(h.Inputs), len(h.Outputs))
		}
		for k, b := range v.Inputs {
			if len(b) != h.Inputs[k] {
				return fmt.Errorf("project: vector %d input %d has %d bytes, want %d", i, k, len(b), h.Inputs[k])
			}
		}
		for k, b := range v.Outputs {
			if len(b) != h.Outputs[k] {
				return fmt.Errorf("project: vector %d output %d has %d bytes, want %d", i, k, len(b), h.Outputs[k])
			}
			if h.isFloat(k) && len(b)%4 != 0 {
				return fmt.Errorf("project: float output %d has %d bytes, not a multiple of 4", k, len(b))
			}
		}
	}
	if len(h.OutputTypes) != 0 && len(h.OutputTypes) != len(h.Outputs) {
		return fmt.Errorf("project: %d output types for %d outputs", len(h.OutputTypes), len(h.Outputs))
	}
	for k, dt := range h.OutputTypes {
		size, ok := MismatchTypes[dt]
		if !ok {
			return fmt.Errorf("project: output %d has type %q, not one of int8, uint8, int16, int32, float32", k, dt)
		}
		if h.isFloat(k) != (dt == "float32") {
			return fmt.Errorf("project: output %d has type %s but float flag %v", k, dt, h.isFloat(k))
		}
		for i, v := range h.Vectors {
			if len(v.Outputs[k])%size != 0 {
				return fmt.Errorf("project: vector %d output %d has %d bytes, not a multiple of the %d-byte %s", i, k, len(v.Outputs[k]), size, dt)
			}
		}
	}
	if h.CallerArena && h.ArenaAlign < 1 {
		return fmt.Errorf("project: caller arena needs a positive alignment")
	}
	return nil
}

func (h *Harness) isFloat(k int) bool { return k < len(h.FloatOutputs) && h.FloatOutputs[k] }

// MismatchTypes are the element types a mismatch line's dtype field names,
// with their sizes in bytes.
var MismatchTypes = map[string]int{"int8": 1, "uint8": 1, "int16": 2, "int32": 4, "float32": 4}

// outputType is output k's element type name.
func (h *Harness) outputType(k int) string {
	switch {
	case k < len(h.OutputTypes):
		return h.OutputTypes[k]
	case h.isFloat(k):
		return "float32"
	}
	return "uint8"
}

// Bench returns the benchmark firmware project of a generated model for a
// target: the model's files, the target's support files and linker script
// (targets.LinkerScriptName; the host target has none) and the harness. The model's files
// must not collide with the target's or the harness's.
func Bench(t *targets.Target, model []File, h Harness) ([]File, error) {
	if err := h.Check(); err != nil {
		return nil, err
	}
	support, err := t.SupportFiles()
	if err != nil {
		return nil, err
	}
	files := append([]File{}, model...)
	for _, f := range support {
		files = append(files, File{Name: f.Name, Data: f.Data})
	}
	if t.Arch != "host" {
		script, err := t.LinkerScript()
		if err != nil {
			return nil, err
		}
		files = append(files, File{Name: targets.LinkerScriptName, Data: []byte(script)})
	}
	files = append(files, File{Name: MainFile, Data: h.MainC()})
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Name] {
			return nil, fmt.Errorf("project: two files named %s (a model named like a support file?)", f.Name)
		}
		seen[f.Name] = true
	}
	return files, nil
}

// MainC renders the harness. It runs an empty initialisation region (the
// AOT code has nothing to initialise), then, for every vector, copies the
// inputs in, runs one inference between tg_bench_begin and tg_bench_end,
// and compares the outputs with the expected bytes (float32 outputs
// within |got - want| <= ATol + RTol·|want|). It prints a
// TINYGEN-MISMATCH line for the first wrong element of each wrong output
// (element index, dtype, and the element's bits; bench prints them typed),
// then one TINYGEN-RESULT line and TINYGEN-END, and returns 0 when every
// vector passed, 1 otherwise (2 when <m>_run reports an error).
func (h *Harness) MainC() []byte {
	var b bytes.Buffer
	up := strings.ToUpper(h.Model)
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("/* Code generated by tinygen. DO NOT EDIT.\n")
	w(" * %s: benchmark harness for %s (%d vectors). Protocol: docs/bench-protocol.md.\n", MainFile, h.Model, len(h.Vectors))
	w(" * Test vectors live in the .testdata section, outside the measured ROM. */\n")
	w("#include <stddef.h>\n#include <stdint.h>\n\n#include \"tg_board.h\"\n#include \"%s.h\"\n\n", h.Model)
	w("#define NUM_VECTORS %d\n\n", len(h.Vectors))
	h.writeVectors(&b)
	w("\nstatic %s_input_t in;\nstatic %s_output_t out;\n", h.Model, h.Model)
	if h.CallerArena {
		// Named like the static arena of the generated code, so that size
		// reports find it either way.
		w("static uint8_t %s_arena[%d] __attribute__((aligned(%d)));\n", h.Model, max(h.ArenaSize, 1), h.ArenaAlign)
	}
	h.writeCheckHelpers(&b)
	w("\nint main(void) {\n")
	w("  uint32_t v, passed = 0;\n  int status = 0;\n\n")
	w("  /* Region 0: initialisation. The AOT model has nothing to initialise. */\n")
	w("  tg_bench_begin();\n  tg_bench_end();\n\n")
	w("  for (v = 0; v < NUM_VECTORS; v++) {\n    int rc, ok = 1;\n")
	for k := range h.Inputs {
		w("    copy_bytes(%s_INPUT%d_DATA(&in), inputs%d[v], %s_INPUT%d_BYTES);\n", up, k, k, up, k)
	}
	w("    /* Region v+1: one inference. */\n    tg_bench_begin();\n")
	if h.CallerArena {
		w("    rc = (int)%s_run_with_arena(%s_arena, sizeof %s_arena, &in, &out);\n", h.Model, h.Model, h.Model)
	} else {
		w("    rc = (int)%s_run(&in, &out);\n", h.Model)
	}
	w("    tg_bench_end();\n")
	w("    if (rc != %s_OK) {\n      put_kv(\"%s vector=\", v);\n      put_kv(\" run_status=\", (uint32_t)rc);\n      tg_board_puts(\"\\n\");\n      status = 2;\n      continue;\n    }\n", up, MismatchPrefix)
	for k := range h.Outputs {
		if h.isFloat(k) {
			w("    ok &= check_f32(v, %d, (const uint8_t *)%s_OUTPUT%d_DATA(&out), outputs%d[v], %s_OUTPUT%d_BYTES / 4);\n", k, up, k, k, up, k)
		} else {
			dt := h.outputType(k)
			w("    ok &= check_elems(v, %d, (const uint8_t *)%s_OUTPUT%d_DATA(&out), outputs%d[v], %s_OUTPUT%d_BYTES, %d, \"%s\");\n",
				k, up, k, k, up, k, MismatchTypes[dt], dt)
		}
	}
	return h.finishMain(&b)
}

// writeVectors writes the test vectors as const arrays and the per-tensor
// tables inputs<k>[v] and outputs<k>[v] of both harnesses.
func (h *Harness) writeVectors(b *bytes.Buffer) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	for i, v := range h.Vectors {
		for k, in := range v.Inputs {
			byteArray(b, fmt.Sprintf("vec%d_in%d", i, k), in)
		}
		for k, out := range v.Outputs {
			byteArray(b, fmt.Sprintf("vec%d_out%d", i, k), out)
		}
	}
	for k := range h.Inputs {
		w("static const uint8_t *const inputs%d[NUM_VECTORS] = {", k)
		for i := range h.Vectors {
			if i > 0 {
				w(", ")
			}
			w("vec%d_in%d", i, k)
		}
		w("};\n")
	}
	for k := range h.Outputs {
		w("static const uint8_t *const outputs%d[NUM_VECTORS] = {", k)
		for i := range h.Vectors {
			if i > 0 {
				w(", ")
			}
			w("vec%d_out%d", i, k)
		}
		w("};\n")
	}
}

// writeCheckHelpers writes the board helpers and the output checks the
// model's output types need.
func (h *Harness) writeCheckHelpers(b *bytes.Buffer) {
	b.WriteString(baseHelpers)
	anyFloat, anyBytes := false, false
	for k := range h.Outputs {
		if h.isFloat(k) {
			anyFloat = true
		} else {
			anyBytes = true
		}
	}
	if anyBytes {
		b.WriteString(checkBytesC)
	}
	if anyFloat {
		b.WriteString(checkF32C)
	}
}

// finishMain ends both harnesses' main: the passed count, the TINYGEN-RESULT
// and TINYGEN-END lines and the exit status; it fills in the tolerances.
func (h *Harness) finishMain(b *bytes.Buffer) []byte {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("    passed += (uint32_t)ok;\n  }\n\n")
	w("  put_kv(\"%s vectors=\", NUM_VECTORS);\n", ResultPrefix)
	w("  put_kv(\" passed=\", passed);\n")
	w("  put_kv(\" stack_bytes=\", tg_board_stack_used());\n")
	w("  tg_board_puts(\"\\n%s\\n\");\n", Sentinel)
	w("  if (status == 0 && passed != NUM_VECTORS) {\n    status = 1;\n  }\n  return status;\n}\n")
	out := b.Bytes()
	out = bytes.ReplaceAll(out, []byte("@RTOL@"), []byte(floatLit(h.RTol)))
	out = bytes.ReplaceAll(out, []byte("@ATOL@"), []byte(floatLit(h.ATol)))
	return out
}

func floatLit(f float32) string {
	s := fmt.Sprintf("%g", f)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s + "f"
}

// byteArray writes one test-data array.
func byteArray(b *bytes.Buffer, name string, data []byte) {
	fmt.Fprintf(b, "TG_TESTDATA static const uint8_t %s[%d] = {", name, max(len(data), 1))
	if len(data) == 0 {
		b.WriteString("0")
	}
	for i, x := range data {
		if i%24 == 0 {
			b.WriteString("\n ")
		}
		fmt.Fprintf(b, " %d,", x)
	}
	b.WriteString("\n};\n")
}

// baseHelpers are the harness's static functions for copying and number
// printing, without libc; checkBytesC and checkF32C check outputs.
const baseHelpers = `
static void copy_bytes(void *dst, const void *src, size_t n) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  size_t i;
  for (i = 0; i < n; i++) {
    d[i] = s[i];
  }
}

/* put_kv prints a label and an unsigned decimal number. */
static void put_kv(const char *label, uint32_t value) {
  char buf[11];
  int i = 10;
  buf[10] = '\0';
  do {
    buf[--i] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value != 0u && i > 0);
  tg_board_puts(label);
  tg_board_puts(&buf[i]);
}

/* mismatch prints the protocol line of a wrong element: its index, its
 * type, and the got and want element bits as unsigned decimals. */
static void mismatch(uint32_t v, uint32_t k, uint32_t index, const char *dtype, uint32_t got, uint32_t want) {
  put_kv("` + MismatchPrefix + ` vector=", v);
  put_kv(" output=", k);
  put_kv(" index=", index);
  tg_board_puts(" dtype=");
  tg_board_puts(dtype);
  put_kv(" got=", got);
  put_kv(" want=", want);
  tg_board_puts("\n");
}
`

const checkBytesC = `
/* check_elems requires got to equal want byte for byte; it reports the
 * first wrong element of size bytes (little-endian) by its element index. */
static int check_elems(uint32_t v, uint32_t k, const uint8_t *got, const uint8_t *want, size_t n, size_t size,
                       const char *dtype) {
  size_t i, j;
  for (i = 0; i < n; i++) {
    if (got[i] != want[i]) {
      size_t e = i / size;
      uint32_t g = 0, w = 0;
      for (j = 0; j < size; j++) {
        g |= (uint32_t)got[e * size + j] << (8 * j);
        w |= (uint32_t)want[e * size + j] << (8 * j);
      }
      mismatch(v, k, (uint32_t)e, dtype, g, w);
      return 0;
    }
  }
  return 1;
}
`

const checkF32C = `
static float load_f32(const uint8_t *p) {
  union {
    uint32_t u;
    float f;
  } x;
  x.u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  return x.f;
}

/* check_f32 requires |got - want| <= ATOL + RTOL * |want| per element (and
 * NaN where want is NaN); got is in memory order, want little-endian. */
static int check_f32(uint32_t v, uint32_t k, const uint8_t *got, const uint8_t *want, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    float g, e, d, tol;
    uint32_t gbits = 0;
    size_t j;
    copy_bytes(&g, got + 4 * i, 4);
    e = load_f32(want + 4 * i);
    for (j = 0; j < 4; j++) {
      gbits |= (uint32_t)got[4 * i + j] << (8 * j);
    }
    if (e != e) {
      if (g == g) {
        mismatch(v, k, (uint32_t)i, "float32", gbits, 0x7fc00000u);
        return 0;
      }
      continue;
    }
    d = g > e ? g - e : e - g;
    tol = @ATOL@ + @RTOL@ * (e > 0.0f ? e : -e);
    if (!(d <= tol)) {
      mismatch(v, k, (uint32_t)i, "float32", gbits, (uint32_t)want[4 * i] | (uint32_t)want[4 * i + 1] << 8 |
                                              (uint32_t)want[4 * i + 2] << 16 | (uint32_t)want[4 * i + 3] << 24);
      return 0;
    }
  }
  return 1;
}
`
