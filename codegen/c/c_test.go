package c_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/internal/ctext"
	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/kernels/kerneltest"
	"github.com/tinygen/tinygen/passes"
	"github.com/tinygen/tinygen/program"
	"github.com/tinygen/tinygen/targets"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// generate compiles a model for the host through the passes and emits its
// files with fixed options, as the goldens pin.
func generate(t testing.TB, g *ir.Graph, opts cgen.Options) []cgen.File {
	t.Helper()
	p, err := compileProgram(g, nil)
	if err != nil {
		t.Fatalf("%s: %v", g.Name, err)
	}
	if opts.Generator == "" {
		opts.Generator = "tinygen (test)"
		opts.Settings = "planner=best aliasing=all"
	}
	files, err := cgen.Generate(p, opts)
	if err != nil {
		t.Fatalf("%s: %v", g.Name, err)
	}
	return files
}

// compileProgram runs the passes on g for the host target (with lib's
// kernel sets preferred when lib is not nil).
func compileProgram(g *ir.Graph, lib *kernels.Library, prefer ...string) (*program.Program, error) {
	host, err := targets.Get("host")
	if err != nil {
		return nil, err
	}
	s, err := passes.Run(g, passes.Config{Target: host, Library: lib, KernelSets: prefer, Name: ctext.Identifier(g.Name),
		Source: program.Source{File: g.Name + ".tflite", Description: g.Description}, Controls: passes.Controls{Check: true}})
	if err != nil {
		return nil, err
	}
	return s.Program, nil
}

func writeAll(t testing.TB, dir string, files []cgen.File) {
	t.Helper()
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// goldenModels are the synthetic models whose generated C is pinned.
var goldenModels = []string{"kws_tiny", "kws_tiny_f32", "shape_ops", "quant_dequant"}

// TestGolden compares the generated files of a few synthetic models byte
// for byte with testdata/<model>/ (go test -update rewrites them) and
// compiles each with the warning flags under gcc, clang and
// arm-none-eabi-gcc.
func TestGolden(t *testing.T) {
	for _, name := range goldenModels {
		t.Run(name, func(t *testing.T) {
			m, _ := testmodels.Get(name)
			files := generate(t, m.Graph(), cgen.Options{})
			dir := filepath.Join("testdata", name)
			for _, f := range files[:3] { // <m>.h, <m>.c, <m>_weights.c
				path := filepath.Join(dir, f.Name)
				if *update {
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./codegen/c -update)", err)
				}
				if !bytes.Equal(f.Data, want) {
					t.Errorf("%s differs from the golden file (go test ./codegen/c -update rewrites it)", path)
				}
			}
			build := t.TempDir()
			writeAll(t, build, files)
			compileEverywhere(t, build)
		})
	}
}

// compileEverywhere compiles every .c file of dir with the warning flags
// under each host compiler and, where installed, arm-none-eabi-gcc for a
// Cortex-M4 with FPU.
func compileEverywhere(t *testing.T, dir string) {
	t.Helper()
	files, err := hostcc.CFiles(dir, "_host_main.c")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, cc := range kerneltest.Compilers(t) {
		if err := hostcc.Compile(ctx, cc, dir, files, append(hostcc.WarningFlags, "-O2")...); err != nil {
			t.Errorf("%s: %v", filepath.Base(cc), err)
		}
	}
	arm := sharedtest.RequireTool(t, "arm-none-eabi-gcc", "gcc-arm-none-eabi")
	flags := append(append([]string{}, hostcc.WarningFlags...), "-Os", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16")
	if err := hostcc.Compile(ctx, arm, dir, files, flags...); err != nil {
		t.Errorf("arm-none-eabi-gcc: %v", err)
	}
}

// TestHostMatchesEval builds every synthetic model's generated code with
// its host harness under AddressSanitizer and UndefinedBehaviorSanitizer,
// with each host compiler and both arena modes, runs random inputs and
// requires the outputs of the Go evaluator: byte for byte for integer
// outputs, within the golden float tolerance for float32 ones.
func TestHostMatchesEval(t *testing.T) {
	ccs := kerneltest.Compilers(t)
	for _, m := range testmodels.All() {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			g := m.Graph()
			vectors := kerneltest.RandomInputs(g, 16, 1)
			want := kerneltest.Expected(t, g, vectors)
			p, err := compileProgram(g, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, cc := range ccs {
				arena := cgen.StaticArena
				if i%2 == 1 {
					arena = cgen.CallerArena
				}
				got, err := kerneltest.BuildAndRun(t, cc, p, arena, vectors)
				if err != nil {
					t.Fatalf("%s: %v", filepath.Base(cc), err)
				}
				for v := range vectors {
					for k, msg := range kerneltest.Compare(g, got[v], want[v]) {
						t.Errorf("%s: vector %d output %d: %s", filepath.Base(cc), v, k, msg)
					}
				}
			}
		})
	}
}

// TestDeterministic generates every synthetic model twice and requires
// identical bytes.
func TestDeterministic(t *testing.T) {
	for _, m := range testmodels.All() {
		a := generate(t, m.Graph(), cgen.Options{HostMain: true})
		b := generate(t, m.Graph(), cgen.Options{HostMain: true})
		if len(a) != len(b) {
			t.Fatalf("%s: %d files, then %d", m.Name, len(a), len(b))
		}
		for i := range a {
			if a[i].Name != b[i].Name || !bytes.Equal(a[i].Data, b[i].Data) {
				t.Errorf("%s: %s differs between two runs", m.Name, a[i].Name)
			}
		}
	}
}

// TestHostileNames gives every tensor a name that would break naive C
// output (comment terminators, trigraphs, keywords, non-ASCII, huge
// names) and requires code that compiles cleanly and keeps the names
// inside comments.
func TestHostileNames(t *testing.T) {
	m, _ := testmodels.Get("kws_tiny")
	g := m.Graph()
	names := []string{"*/ int x; /*", "int", "??/", "a\nb\\", "résumé ☃", strings.Repeat("x", 500), "", "__reserved", "9lives"}
	for i, tn := range g.Tensors {
		tn.Name = names[i%len(names)]
	}
	g.Name = "*/ evil /*"
	g.Description = "*/ #error boom /*"
	files := generate(t, g, cgen.Options{HostMain: true})
	for _, f := range files {
		if strings.Contains(string(f.Data), "int x;") && !strings.HasPrefix(f.Name, "tg_") {
			// The text may appear only inside a comment: check that no
			// line with it is outside /* ... */.
			for _, line := range strings.Split(string(f.Data), "\n") {
				if strings.Contains(line, "int x;") && !strings.Contains(line, "*_/ int x; /_*") {
					t.Errorf("%s: unescaped name in %q", f.Name, line)
				}
			}
		}
		if strings.Contains(string(f.Data), "#error") && !strings.Contains(string(f.Data), "*_/ #error boom /_*") {
			t.Errorf("%s: unescaped description", f.Name)
		}
	}
	dir := t.TempDir()
	writeAll(t, dir, files)
	compileEverywhere(t, dir)
}

// forbidden are calls and headers that model and kernel code must not use.
var forbidden = regexp.MustCompile(`\b(malloc|calloc|realloc|free|printf|fprintf|puts|fopen|exit|abort)\s*\(|#include\s*<(stdio|stdlib)\.h>`)

// TestNoForbiddenCalls scans every kernel source and the generated model
// files (not the host harness) for heap, stdio and process calls.
func TestNoForbiddenCalls(t *testing.T) {
	check := func(name string, data []byte) {
		if loc := forbidden.FindIndex(data); loc != nil {
			t.Errorf("%s uses %q", name, data[loc[0]:loc[1]])
		}
	}
	srcs, err := kernels.SourceFiles(kernels.Reference)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range append(kernels.Headers(), srcs...) {
		b, err := kernels.File(kernels.Reference, n)
		if err != nil {
			t.Fatal(err)
		}
		check(n, b)
	}
	for _, m := range testmodels.All() {
		for _, f := range generate(t, m.Graph(), cgen.Options{}) {
			check(m.Name+"/"+f.Name, f.Data)
		}
	}
}

// TestUnsupportedNamesOp checks that an op without a C kernel fails with an
// error naming the op and its types.
func TestUnsupportedNamesOp(t *testing.T) {
	g := &ir.Graph{Name: "int16_relu"}
	q := &ir.Quant{Scale: []float32{0.1}, ZeroPoint: []int64{0}}
	x := g.AddTensor(&ir.Tensor{Name: "x", DType: ir.Int16, Shape: ir.Shape{4}, Quant: q})
	y := g.AddTensor(&ir.Tensor{Name: "y", DType: ir.Int16, Shape: ir.Shape{4}, Quant: q})
	g.AddOp(&ir.Op{Kind: ir.Relu, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{y}, SourceIndex: 7})
	g.Inputs, g.Outputs = []*ir.Tensor{x}, []*ir.Tensor{y}
	if _, err := eval.New(g); err != nil {
		t.Fatalf("eval should accept int16 RELU: %v", err)
	}
	_, err := compileProgram(g, nil)
	if err == nil || !strings.Contains(err.Error(), "op 7 (RELU)") || !strings.Contains(err.Error(), "int16") {
		t.Fatalf("error %v, want one naming op 7 (RELU) and int16", err)
	}
}

// TestLineWidth checks that no generated line is longer than
// cgen.MaxLine columns, for every synthetic model (and with hostile,
// very long tensor names).
func TestLineWidth(t *testing.T) {
	graphs := []*ir.Graph{}
	for _, m := range testmodels.All() {
		graphs = append(graphs, m.Graph())
	}
	long, _ := testmodels.Get("kws_tiny")
	g := long.Graph()
	for _, tn := range g.Tensors {
		tn.Name = strings.Repeat("very_long_tensor_name/", 20)
	}
	g.Description = strings.Repeat("a long description ", 30)
	graphs = append(graphs, g)
	for _, g := range graphs {
		for _, f := range generate(t, g, cgen.Options{HostMain: true, Settings: "planner=best aliasing=all"}) {
			for i, line := range strings.Split(string(f.Data), "\n") {
				if len(line) > cgen.MaxLine {
					t.Errorf("%s/%s:%d: %d columns: %s", g.Name, f.Name, i+1, len(line), line)
				}
			}
		}
	}
}

// TestStepCommentOpName checks that an op's model name (untrusted text)
// appears in its step comment only through ctext: a comment terminator
// and a newline in the name cannot end the comment.
func TestStepCommentOpName(t *testing.T) {
	m, _ := testmodels.Get("kws_tiny")
	g := m.Graph()
	for _, o := range g.Ops {
		o.Name = "conv */ int evil;\n#define X"
	}
	for _, f := range generate(t, g, cgen.Options{}) {
		s := string(f.Data)
		if strings.Contains(s, "*/ int evil") {
			t.Errorf("%s: the op name ends a comment", f.Name)
		}
		if strings.Contains(s, "\n#define X") {
			t.Errorf("%s: a newline in the op name reaches C", f.Name)
		}
	}
	found := false
	for _, f := range generate(t, g, cgen.Options{}) {
		found = found || strings.Contains(string(f.Data), "int evil")
	}
	if !found {
		t.Error("the op name is not in any step comment")
	}
}
