package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/project"
	"github.com/tinygen/tinygen/targets"
)

// requireQEMUTargets skips (fails under CI) when the cross toolchains or
// simulators are missing.
func requireQEMUTargets(t *testing.T) {
	t.Helper()
	for _, tool := range [][2]string{{"arm-none-eabi-gcc", "gcc-arm-none-eabi"}, {"qemu-system-arm", "qemu-system-arm"},
		{"riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf"}, {"qemu-system-riscv32", "qemu-system-misc"}, {"gcc", "gcc"}} {
		sharedtest.RequireTool(t, tool[0], tool[1])
	}
}

func jobs(t *testing.T, opts driver.BenchOptions) []*bench.Job {
	t.Helper()
	if opts.Results == "" {
		opts.Results = t.TempDir()
	}
	opts.Generator = "tinygen (test)"
	opts.Check = true
	js, err := driver.BenchJobs(opts)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestAWWOnSimulators runs aww with every golden vector on Cortex-M4 and
// RV32IMC, twice: every output must match and the instruction counts and
// sizes must repeat exactly.
func TestAWWOnSimulators(t *testing.T) {
	dir := sharedtest.Require(t)
	requireQEMUTargets(t)
	model := filepath.Join(dir, "models", "aww", "aww.tflite")
	runner := &bench.Runner{Workers: 2, CacheDir: t.TempDir()}
	m, err := driver.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	// Scratch in the arena: cortex-m4's armv7em depthwise kernel takes a
	// 64-byte zero-point pixel, rv32imc's convolution its im2col rows.
	arena := map[string]int64{"cortex-m4": 16064, "rv32imc": 16768}
	weights := map[string]int64{}
	for _, tg := range []string{"cortex-m4", "rv32imc"} {
		weights[tg] = driver.WeightBytesFor(m.Graph, tg)
	}
	var first []*bench.Result
	for round := 0; round < 2; round++ {
		res := runner.Run(context.Background(), jobs(t, driver.BenchOptions{Models: []string{model}, Targets: []string{"cortex-m4", "rv32imc"}}))
		for i, r := range res {
			if !r.Validated() || r.Vectors != 14 {
				t.Fatalf("%s: %s %d/%d: %s", r.ID, r.Status, r.Passed, r.Vectors, r.Error)
			}
			if r.Inference <= 0 || len(r.PerVector) != 14 || r.Memory.ROMWeights != weights[r.Target] || r.Memory.RAMArena != arena[r.Target] || r.StackUsed <= 0 {
				t.Errorf("%s: implausible measurements %+v", r.ID, r)
			}
			if r.Model != "aww" || r.Counter != "qemu-plugin" {
				t.Errorf("%s: model %q counter %q", r.ID, r.Model, r.Counter)
			}
			if round == 1 {
				p := first[i]
				if r.InitInstructions != p.InitInstructions || !equal(r.PerVector, p.PerVector) || r.Memory != p.Memory || r.StackUsed != p.StackUsed {
					t.Errorf("%s: second run differs: %d %v vs %d %v", r.ID, r.InitInstructions, r.PerVector, p.InitInstructions, p.PerVector)
				}
			}
		}
		first = res
	}
	// The artefacts are kept, and run.sh reproduces the run.
	r := first[0]
	for _, f := range []string{"fw.elf", "fw.map", "sim.log", "result.json", "run.sh", "aww.c", "tg_bench_main.c"} {
		if _, err := os.Stat(filepath.Join(r.Dir, f)); err != nil {
			t.Errorf("artefact %s: %v", f, err)
		}
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestHostBuiltin runs the bundled model natively, counting with callgrind.
func TestHostBuiltin(t *testing.T) {
	sharedtest.RequireTool(t, "gcc", "gcc")
	sharedtest.RequireTool(t, "valgrind", "valgrind")
	runner := &bench.Runner{Workers: 1}
	res := runner.Run(context.Background(), jobs(t, driver.BenchOptions{Models: []string{driver.BuiltinModel}}))
	r := res[0]
	if !r.Validated() || r.Counter != "callgrind" || r.Inference <= 0 || r.Vectors != 4 {
		t.Fatalf("%+v", r)
	}
}

// TestMismatchFails corrupts one expected output byte: the run must
// report the mismatch with the element, and fail.
func TestMismatchFails(t *testing.T) {
	requireQEMUTargets(t)
	js := jobs(t, driver.BenchOptions{Models: []string{driver.BuiltinModel}, Targets: []string{"cortex-m4"}})
	first := regexp.MustCompile(`(vec0_out0\[4\] = \{\n  )(\d+)`)
	for i, f := range js[0].Files {
		if f.Name != project.MainFile {
			continue
		}
		m := first.FindSubmatchIndex(f.Data)
		if m == nil {
			t.Fatalf("no vec0_out0 in %s", f.Data)
		}
		data := append([]byte{}, f.Data[:m[4]]...)
		if string(f.Data[m[4]:m[5]]) == "7" {
			data = append(data, '8')
		} else {
			data = append(data, '7')
		}
		js[0].Files[i].Data = append(data, f.Data[m[5]:]...)
	}
	res := (&bench.Runner{CacheDir: t.TempDir()}).Run(context.Background(), js)
	r := res[0]
	if r.Status != bench.StatusMismatch || r.Passed != 3 || !strings.Contains(r.Error, "TINYGEN-MISMATCH vector=0 output=0 index=0") {
		t.Fatalf("%s %d/%d: %s", r.Status, r.Passed, r.Vectors, r.Error)
	}
	if !bench.NewReport(res, nil).Failed() {
		t.Error("report does not fail")
	}
}

// TestDoesNotFit runs a model on a copy of cortex-m4 with 2 KiB of flash
// and 8 KiB of RAM.
func TestDoesNotFit(t *testing.T) {
	requireQEMUTargets(t)
	js := jobs(t, driver.BenchOptions{Models: []string{driver.BuiltinModel}, Targets: []string{"cortex-m4"}})
	for _, limit := range []struct {
		region     string
		flash, ram uint64
	}{{"FLASH", 2 << 10, 1 << 20}, {"RAM", 1 << 20, 8 << 10}} {
		tiny := *js[0].Target
		tiny.Name, tiny.Flash.Size, tiny.RAM.Size = "tiny", limit.flash, limit.ram
		job := *js[0]
		job.Target, job.Dir = &tiny, t.TempDir()
		files, err := project.Bench(&tiny, stripSupport(job.Files), harnessOf(t, js[0]))
		if err != nil {
			t.Fatal(err)
		}
		job.Files = files
		r := (&bench.Runner{CacheDir: t.TempDir()}).RunJob(context.Background(), &job)
		want := regexp.MustCompile(`^does not fit tiny ` + limit.region + ` \(needs [0-9]+ bytes, has [0-9]+\)$`)
		if r.Status != bench.StatusNoFit || !want.MatchString(r.Error) {
			t.Errorf("%s: %s: %q", limit.region, r.Status, r.Error)
		}
	}
}

// stripSupport keeps the generated model files of a bench project.
func stripSupport(files []project.File) []project.File {
	var out []project.File
	for _, f := range files {
		if strings.HasPrefix(f.Name, "tg_board") || strings.HasPrefix(f.Name, "tg_startup") || f.Name == targets.LinkerScriptName || f.Name == project.MainFile {
			continue
		}
		out = append(out, f)
	}
	return out
}

// harnessOf rebuilds a job's harness from the builtin model's vectors; the
// test only needs a valid one.
func harnessOf(t *testing.T, j *bench.Job) project.Harness {
	t.Helper()
	for _, f := range j.Files {
		if f.Name == project.MainFile {
			return project.Harness{Model: j.Prefix, Inputs: []int{490}, Outputs: []int{4},
				Vectors: []project.Vector{{Inputs: [][]byte{make([]byte, 490)}, Outputs: [][]byte{make([]byte, 4)}}}}
		}
	}
	t.Fatal("no harness")
	return project.Harness{}
}

// TestMissingToolchain names the Debian package of a missing compiler.
func TestMissingToolchain(t *testing.T) {
	js := jobs(t, driver.BenchOptions{Models: []string{driver.BuiltinModel}, Targets: []string{"cortex-m4"}})
	t.Setenv("PATH", t.TempDir())
	r := (&bench.Runner{CacheDir: t.TempDir()}).RunJob(context.Background(), js[0])
	if r.Status != bench.StatusFailed || !strings.Contains(r.Error, "arm-none-eabi-gcc not found: install the Debian package gcc-arm-none-eabi") {
		t.Errorf("%s: %q", r.Status, r.Error)
	}
}

// TestTimeout stops a simulator run that takes too long and keeps what it
// printed.
func TestTimeout(t *testing.T) {
	requireQEMUTargets(t)
	js := jobs(t, driver.BenchOptions{Models: []string{driver.BuiltinModel}, Targets: []string{"rv32imc"}})
	js[0].Timeout = 1
	r := (&bench.Runner{CacheDir: t.TempDir()}).RunJob(context.Background(), js[0])
	if r.Status != bench.StatusFailed || !strings.Contains(r.Error, "did not finish within") {
		t.Errorf("%s: %q", r.Status, r.Error)
	}
}

// TestMeasureForeignELF runs a finished firmware through the --elf path
// (a build that follows docs/bench-protocol.md) and gets the same counts.
func TestMeasureForeignELF(t *testing.T) {
	requireQEMUTargets(t)
	runner := &bench.Runner{CacheDir: t.TempDir()}
	js := jobs(t, driver.BenchOptions{Models: []string{driver.BuiltinModel}, Targets: []string{"cortex-m4"}})
	built := runner.RunJob(context.Background(), js[0])
	if !built.Validated() {
		t.Fatalf("%+v", built)
	}
	tg, err := targets.Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	foreign := &bench.Job{ID: "foreign", Model: "foreign", Backend: "elf", Target: tg, Dir: t.TempDir(),
		ELF: filepath.Join(built.Dir, "fw.elf")}
	r := runner.RunJob(context.Background(), foreign)
	if !r.Validated() || !equal(r.PerVector, built.PerVector) || r.Memory.ROM != built.Memory.ROM {
		t.Errorf("foreign run %+v, built %+v", r, built)
	}
}

// TestGoldenOnSimulators runs every shared golden model with all its
// vectors on Cortex-M4 and RV32IMC: every output must match (int8 byte for
// byte, float32 within the golden tolerance, with picolibc's libm and,
// on RV32IMC, soft float).
func TestGoldenOnSimulators(t *testing.T) {
	sharedtest.Require(t)
	requireQEMUTargets(t)
	if testing.Short() {
		t.Skip("the golden matrix takes about 40 s; skipped with -short")
	}
	models := driver.DefaultBenchModels()[1:]
	if len(models) == 0 {
		t.Fatal("no golden models")
	}
	res := (&bench.Runner{Workers: 2, CacheDir: t.TempDir()}).Run(context.Background(),
		jobs(t, driver.BenchOptions{Models: models, Targets: []string{"cortex-m4", "rv32imc"}}))
	for _, r := range res {
		if !r.Validated() {
			t.Errorf("%s: %s %d/%d: %s", r.ID, r.Status, r.Passed, r.Vectors, r.Error)
		}
	}
	t.Logf("%d runs validated", len(res))
}
