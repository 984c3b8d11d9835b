// runtime_test.go: the C runtime on the host: every synthetic model (every
// kernel) bit-exact against the evaluator, every truncation and byte flip
// of real blobs under ASan/UBSan, and the libFuzzer harness.

package runtimec_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinygen/tinygen/codegen/blob"
	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/shared"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	runtimec "github.com/tinygen/tinygen/runtime-c"
)

// allKernels writes a runtime with every kernel of the reference set into
// a new folder.
func allKernels(t *testing.T) string { return allKernelsOf(t, "") }

// setOps returns the symbols of the reference set and of set.
func setOps(t *testing.T, set string) []string {
	t.Helper()
	lib := kernels.Builtin()
	var ops []string
	for _, s := range []string{kernels.Reference, set} {
		if s == "" {
			continue
		}
		ks, err := lib.Kernels(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			ops = append(ops, k.Symbol)
		}
	}
	return ops
}

// allKernelsOf writes a runtime with every kernel of the reference set and
// of the kernel set set (preferred) into a new folder.
func allKernelsOf(t *testing.T, set string) string {
	t.Helper()
	files, _, err := driver.Runtime(driver.RuntimeOptions{Ops: setOps(t, set), Kernels: set})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := driver.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	return dir
}

// hostRuntime builds the host harness with every kernel under ASan/UBSan.
func hostRuntime(t *testing.T) string { return hostRuntimeOf(t, "") }

// hostRuntimeOf builds the host harness with every kernel of the reference
// set and of set under ASan/UBSan.
func hostRuntimeOf(t *testing.T, set string) string {
	t.Helper()
	cc := sharedtest.RequireTool(t, "gcc", "gcc")
	dir := allKernelsOf(t, set)
	f := runtimec.HostMain()
	if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	srcs, err := hostcc.CFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "tg_rt_host")
	if err := hostcc.Link(context.Background(), cc, dir, bin, srcs, append(hostcc.WarningFlags, hostcc.SanitizerFlags...)...); err != nil {
		t.Fatal(err)
	}
	return bin
}

// synthetic compiles a synthetic model to a blob and returns the model too.
func synthetic(t *testing.T, tm testmodels.Model) (*driver.Model, []byte) {
	return syntheticWith(t, tm, "")
}

// syntheticWith compiles a synthetic model to a blob preferring the kernel
// set set.
func syntheticWith(t *testing.T, tm testmodels.Model, set string) (*driver.Model, []byte) {
	t.Helper()
	data, err := tflite.Encode(tm.Graph())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), tm.Name+".tflite")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := driver.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m, compileBlobWith(t, m, set)
}

func compileBlob(t *testing.T, m *driver.Model) []byte { return compileBlobWith(t, m, "") }

// compileBlobWith compiles m to a blob preferring the kernel set set.
func compileBlobWith(t *testing.T, m *driver.Model, set string) []byte {
	t.Helper()
	files, _, err := driver.CompileInterp(m, driver.CompileOptions{Name: "model", Generator: "tinygen (test)", Kernels: set, PassControls: driver.PassControls{Check: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == "model.tgb" {
			return f.Data
		}
	}
	t.Fatal("no model.tgb")
	return nil
}

// randomInput fills a tensor: any bytes, or floats in [-1, 1).
func randomInput(r *rand.Rand, tn *ir.Tensor) []byte {
	b := make([]byte, tn.NumBytes())
	if tn.DType == ir.Float32 {
		for i := 0; i+4 <= len(b); i += 4 {
			binary.LittleEndian.PutUint32(b[i:], mathFloat32bits(float32(r.Float64()*2-1)))
		}
		return b
	}
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

// TestSyntheticModels runs every synthetic model (together they use every
// kind of kernel parameters) through the interpreter and requires the
// evaluator's outputs: integers byte for byte, floats within tolerance.
func TestSyntheticModels(t *testing.T) {
	bin := hostRuntime(t)
	for _, tm := range testmodels.All() {
		t.Run(tm.Name, func(t *testing.T) {
			m, data := synthetic(t, tm)
			path := filepath.Join(t.TempDir(), "model.tgb")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(7, uint64(len(tm.Name))))
			for v := 0; v < 3; v++ {
				var ins [][]byte
				for _, in := range m.Graph.Inputs {
					ins = append(ins, randomInput(r, in))
				}
				want, err := driver.Run(m, ins)
				if err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(bin, path)
				cmd.Stdin = bytes.NewReader(bytes.Join(ins, nil))
				var out, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("vector %d: %v\n%s", v, err, stderr.String())
				}
				got := out.Bytes()
				for k, o := range m.Graph.Outputs {
					n := o.NumBytes()
					if len(got) < n {
						t.Fatalf("vector %d: output %d: %d bytes, want %d", v, k, len(got), n)
					}
					var msg string
					if o.DType == ir.Float32 {
						msg = golden.CompareFloat32(got[:n], want[k], golden.FloatRelTol, golden.FloatAbsTol)
					} else {
						msg = golden.CompareBytes(got[:n], want[k])
					}
					if msg != "" {
						t.Errorf("vector %d output %d: %s", v, k, msg)
					}
					got = got[n:]
				}
			}
		})
	}
}

// many feeds blobs to one `tg_rt_host --many` process and returns its
// status lines.
func many(t *testing.T, bin string, blobs [][]byte) []string {
	t.Helper()
	var in bytes.Buffer
	for _, b := range blobs {
		in.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(b))))
		in.Write(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--many")
	cmd.Stdin = &in
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		t.Fatalf("the runtime failed after %d blobs: %v\n%s", len(lines), err, stderr.String())
	}
	var lines []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != len(blobs) {
		t.Fatalf("%d status lines for %d blobs", len(lines), len(blobs))
	}
	return lines
}

// field returns the integer value of key=... in a status line.
func field(line, key string) int {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return -99
}

// Status codes of tg_rt.h the tests look for.
const (
	rtOK        = 0
	rtVersion   = 3
	rtTruncated = 4
	rtCRC       = 5
	rtStep      = 10
	rtArg       = 12
	rtParams    = 13
)

// TestTruncateAndFlip feeds real blobs truncated at every length and with
// every byte flipped (and, for the largest, one random bit per byte)
// through init, the CRC check and invoke, in one process built with
// ASan/UBSan: nothing may read or write out of bounds; every truncation
// is rejected at init and every changed payload byte by the CRC.
func TestTruncateAndFlip(t *testing.T) {
	truncateAndFlip(t, hostRuntime(t), referenceSeeds(t))
}

// TestTruncateAndFlipSets does the same with blobs of the specialised
// sets armv7em and rv32 (their C runs on the host): packed weights,
// per-channel records, scratch arguments, nested parameter structs and
// repeated layers that share their operand entries go through the
// validator's rules under ASan/UBSan.
func TestTruncateAndFlipSets(t *testing.T) {
	for _, set := range []string{"armv7em", "rv32"} {
		t.Run(set, func(t *testing.T) {
			tm, ok := testmodels.Get("kws_tiny")
			if !ok {
				t.Fatal("no synthetic model kws_tiny")
			}
			_, data := syntheticWith(t, tm, set)
			_, ref := synthetic(t, tm)
			if bytes.Equal(data, ref) {
				t.Fatalf("kws_tiny uses no %s kernel", set)
			}
			// Repeated layers sharing their operand entries, and lists.
			rep := irBlobWith(t, "repeat_fc", repeatFCIR(4, 2), set)
			truncateAndFlip(t, hostRuntimeOf(t, set), [][]byte{data, rep})
		})
	}
}

// referenceSeeds returns the blobs of TestTruncateAndFlip.
func referenceSeeds(t *testing.T) [][]byte {
	var seeds [][]byte
	for _, name := range []string{"kws_tiny", "shape_ops", "elementwise_f32", "quant_dequant"} {
		tm, ok := testmodels.Get(name)
		if !ok {
			t.Fatalf("no synthetic model %s", name)
		}
		_, data := synthetic(t, tm)
		seeds = append(seeds, data)
	}
	// PRELU int8 and the extended int8 pools.
	seeds = append(seeds, extInt8Blob(t))
	// A real model's blob when the shared folder is there.
	if dir, err := shared.Dir(); err == nil {
		m, err := driver.Load(filepath.Join(dir, "models", "hello_world", "hello_world_int8.tflite"))
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, compileBlob(t, m))
	} else if os.Getenv("CI") == "true" {
		t.Fatal(err)
	}
	return seeds
}

// truncateAndFlip runs the truncations and flips of every seed through bin.
func truncateAndFlip(t *testing.T, bin string, seeds [][]byte) {
	for i, data := range seeds {
		ok := many(t, bin, [][]byte{data})
		if field(ok[0], "init") != rtOK || field(ok[0], "crc") != rtOK || field(ok[0], "invoke") != rtOK {
			t.Fatalf("blob %d: the intact blob fails: %s", i, ok[0])
		}
		var blobs [][]byte
		for n := 0; n < len(data); n++ {
			blobs = append(blobs, data[:n])
		}
		for k, line := range many(t, bin, blobs) {
			if field(line, "init") != rtTruncated {
				t.Errorf("blob %d truncated to %d bytes: %s, want init=%d (TG_RT_ERR_TRUNCATED)", i, k, line, rtTruncated)
			}
		}
		blobs = blobs[:0]
		r := rand.New(rand.NewPCG(3, uint64(i)))
		for k := range data {
			b := append([]byte(nil), data...)
			b[k] ^= 0xff
			blobs = append(blobs, b)
			b = append([]byte(nil), data...)
			b[k] ^= 1 << r.IntN(8)
			blobs = append(blobs, b)
		}
		accepted := 0
		for k, line := range many(t, bin, blobs) {
			pos := k / 2
			if k%2 == 0 && (pos == 4 || pos == 5) && field(line, "init") != rtVersion {
				t.Errorf("blob %d with its format version changed: %s, want init=%d (TG_RT_ERR_VERSION)", i, line, rtVersion)
			}
			if k%2 == 0 && pos >= 12 && pos < 16 && field(line, "crc") != rtCRC {
				t.Errorf("blob %d with its CRC field changed: %s, want crc=%d", i, line, rtCRC)
			}
			if pos >= blob.HeaderBytes && field(line, "crc") != rtCRC {
				t.Errorf("blob %d with byte %d changed: the CRC check passed: %s", i, pos, line)
			}
			if field(line, "init") == rtOK {
				accepted++
			}
		}
		t.Logf("blob %d (%d bytes): %d truncations rejected; %d of %d changed blobs passed init and ran safely",
			i, len(data), len(data), accepted, len(blobs))
	}
}

// TestFuzzHarness builds the libFuzzer harness with clang
// (-fsanitize=fuzzer,address,undefined) and runs it on a seed corpus of
// real blobs for $TG_FUZZ_SECONDS (default 10): any crash fails. Run it
// for long with TG_FUZZ_SECONDS=1800 TG_FUZZ_DIR=dir (the corpus and the
// harness are kept there).
func TestFuzzHarness(t *testing.T) {
	const fuzzSet = "armv7em"
	clang := sharedtest.RequireTool(t, "clang", "clang")
	seconds := 10
	if s := os.Getenv("TG_FUZZ_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("TG_FUZZ_SECONDS=%q", s)
		}
		seconds = n
	}
	// The harness holds the reference kernels and those of fuzzSet, whose
	// blobs (packed weights, per-channel records, scratch) are seeds too.
	dir := allKernelsOf(t, fuzzSet)
	if d := os.Getenv("TG_FUZZ_DIR"); d != "" {
		dir = d
		files, _, err := driver.Runtime(driver.RuntimeOptions{Ops: setOps(t, fuzzSet), Kernels: fuzzSet})
		if err != nil {
			t.Fatal(err)
		}
		if err := driver.WriteFiles(dir, files); err != nil {
			t.Fatal(err)
		}
	}
	harness, err := os.ReadFile(filepath.Join("fuzz", "tg_rt_fuzz.c"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tg_rt_fuzz.c"), harness, 0o644); err != nil {
		t.Fatal(err)
	}
	srcs, err := hostcc.CFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "tg_rt_fuzz")
	flags := []string{"-g", "-O1", "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all", "-ffp-contract=off", "-lm"}
	if err := hostcc.Link(context.Background(), clang, dir, bin, srcs, flags...); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("clang cannot build a libFuzzer binary (install the Debian package clang): %v", err)
	}
	corpus := filepath.Join(dir, "corpus")
	if err := os.MkdirAll(corpus, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tm := range testmodels.All() {
		_, data := synthetic(t, tm)
		if err := os.WriteFile(filepath.Join(corpus, "seed-"+tm.Name+".tgb"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, data = syntheticWith(t, tm, fuzzSet)
		if err := os.WriteFile(filepath.Join(corpus, "seed-"+tm.Name+"-"+fuzzSet+".tgb"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Inputs the fuzzer once failed on (testdata/fuzz-regressions): every
	// run starts with them.
	regressions, err := filepath.Glob(filepath.Join("testdata", "fuzz-regressions", "*.tgb"))
	if err != nil || len(regressions) == 0 {
		t.Fatalf("no fuzz regression inputs: %v", err)
	}
	for _, f := range regressions {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(corpus, "regression-"+filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The ONNX-era reference kernels (PRELU int8, extended pools, integer
	// sums, per-axis (de)quantisation, table gathers, requantisation).
	extra := onnxNodeBlobs(t)
	if extra == nil {
		extra = map[string][]byte{}
	}
	extra["ext_int8"] = extInt8Blob(t)
	// Repeated layers that share their operand entries (the memo's
	// shortcut) and CONCATENATIONs (a list) in one blob.
	extra["repeat_fc-"+fuzzSet] = irBlobWith(t, "repeat_fc", repeatFCIR(4, 2), fuzzSet)
	for name, data := range extra {
		if err := os.WriteFile(filepath.Join(corpus, "seed-"+name+".tgb"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+120)*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nice", "-n", "19", bin, fmt.Sprintf("-max_total_time=%d", seconds), "-max_len=65536",
		"-rss_limit_mb=1024", "-timeout=20", "-print_final_stats=1", corpus)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	tail := string(out)
	if i := strings.LastIndex(tail, "\n#"); i > 0 {
		tail = tail[i:]
	}
	if err != nil {
		t.Fatalf("the fuzzer found a problem: %v\n%s", err, string(out[max(0, len(out)-4000):]))
	}
	t.Logf("fuzzed %d s:%s", seconds, tail)
}

func mathFloat32bits(f float32) uint32 { return math.Float32bits(f) }

// TestCompilesEverywhere compiles the runtime and a table of every kernel
// with the project's warning flags (-Werror -pedantic) with clang and the
// cross compilers that are installed (gcc builds it in the other tests).
func TestCompilesEverywhere(t *testing.T) {
	dir := allKernels(t)
	srcs := []string{"tg_rt.c", "tg_rt_crc.c", "tg_rtk_table.c"}
	for _, c := range []struct {
		cc, pkg string
		flags   []string
	}{
		{"clang", "clang", nil},
		{"arm-none-eabi-gcc", "gcc-arm-none-eabi", []string{"-Os", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "--specs=picolibc.specs"}},
		{"arm-none-eabi-gcc", "gcc-arm-none-eabi", []string{"-O2", "-mcpu=cortex-m0", "-mthumb", "--specs=picolibc.specs"}},
		{"riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf", []string{"-Os", "-march=rv32imc_zicsr", "-mabi=ilp32", "--specs=picolibc.specs"}},
	} {
		if _, err := exec.LookPath(c.cc); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found: install the Debian package %s", c.cc, c.pkg)
			}
			t.Logf("%s not found (Debian package %s): skipped", c.cc, c.pkg)
			continue
		}
		flags := append(append([]string{}, hostcc.WarningFlags...), c.flags...)
		if err := hostcc.Compile(context.Background(), c.cc, dir, srcs, flags...); err != nil {
			t.Errorf("%s %v: %v", c.cc, c.flags, err)
		}
	}
}
