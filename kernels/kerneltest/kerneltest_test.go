// Tests of the conformance suite and the test-only kernel set: the suite
// for every set, selection and fallback of testset, NewLibrary's checks.

package kerneltest_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/kernels/kerneltest"
	"github.com/tinygen/tinygen/plan"
	"github.com/tinygen/tinygen/program"
)

func library(t *testing.T) *kernels.Library {
	t.Helper()
	lib, err := kernels.NewLibrary(kerneltest.TestSet())
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// TestConformance runs the conformance suite for every built-in kernel set
// and for the test-only set.
func TestConformance(t *testing.T) {
	lib := library(t)
	sets := kernels.Builtin().Sets()
	sets = append(sets, kerneltest.TestSetName)
	for _, set := range sets {
		t.Run(set, func(t *testing.T) {
			kerneltest.Run(t, lib, set, kerneltest.Options{})
		})
	}
}

// selectionGraph is x → MAX_POOL_2D 2×2/2 (testset accepts: filter_h 2) → a
// → MAX_POOL_2D 1×3/1 SAME with RELU6 (testset refuses: filter_h 1) → b,
// with a and b graph outputs.
func selectionGraph() *ir.Graph {
	q := func() *ir.Quant { return &ir.Quant{Scale: []float32{0.05}, ZeroPoint: []int64{-3}} }
	g := &ir.Graph{Name: "two_pools"}
	x := g.AddTensor(&ir.Tensor{Name: "x", DType: ir.Int8, Shape: ir.Shape{1, 9, 8, 3}, Quant: q()})
	a := g.AddTensor(&ir.Tensor{Name: "a", DType: ir.Int8, Shape: ir.Shape{1, 4, 4, 3}, Quant: q()})
	b := g.AddTensor(&ir.Tensor{Name: "b", DType: ir.Int8, Shape: ir.Shape{1, 4, 4, 3}, Quant: q()})
	g.AddOp(&ir.Op{Kind: ir.MaxPool2D, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{a}, SourceIndex: 0,
		Attrs: ir.Pool2DAttrs{Padding: ir.PadValid, FilterH: 2, FilterW: 2, StrideH: 2, StrideW: 2}})
	g.AddOp(&ir.Op{Kind: ir.MaxPool2D, Inputs: []*ir.Tensor{a}, Outputs: []*ir.Tensor{b}, SourceIndex: 1,
		Attrs: ir.Pool2DAttrs{Padding: ir.PadSame, FilterH: 1, FilterW: 3, StrideH: 1, StrideW: 1, Activation: ir.ActRelu6}})
	g.Inputs, g.Outputs = []*ir.Tensor{x}, []*ir.Tensor{a, b}
	return g
}

// TestTestSetSelection compiles a model with two MAX_POOL_2D ops preferring
// testset: the first runs on tg_max_pool2d_s8_testset with its own
// parameters and scratch memory planned in the arena, the second falls
// back to the reference kernel; both sources are linked and the outputs
// equal the evaluator's.
func TestTestSetSelection(t *testing.T) {
	lib := library(t)
	g := selectionGraph()
	s, err := kerneltest.Compile(g, lib, kerneltest.TestSetName)
	if err != nil {
		t.Fatal(err)
	}
	p := s.Program
	want := []struct{ kernel, set, params string }{
		{"tg_max_pool2d_s8_testset", kerneltest.TestSetName, "tg_max_pool2d_s8_testset_params_t"},
		{"tg_max_pool2d_s8", kernels.Reference, "tg_pool_s8_params_t"},
	}
	if len(p.Steps) != len(want) {
		t.Fatalf("%d steps, want %d", len(p.Steps), len(want))
	}
	for i, w := range want {
		st := p.Steps[i]
		if st.Kind != program.KernelStep || st.Kernel != w.kernel || st.KernelSet != w.set || st.ParamsType != w.params {
			t.Errorf("step %d: %v %s (%s) with %s, want a kernel step %s (%s) with %s", i, st.Kind, st.Kernel, st.KernelSet, st.ParamsType, w.kernel, w.set, w.params)
		}
	}
	// The testset step: its own parameter row_len and a scratch argument.
	st := p.Steps[0]
	rowLen := -1
	for _, f := range st.Params.Fields {
		if f.Name == "row_len" {
			rowLen = int(f.Value.(program.Int))
		}
	}
	if rowLen != 8*3 {
		t.Errorf("row_len %d, want in_w*in_c = 24", rowLen)
	}
	var scratch *program.Arg
	for i := range st.Args {
		if st.Args[i].Loc.Kind == program.LocScratch {
			scratch = &st.Args[i]
		}
	}
	if scratch == nil || scratch.Loc.Bytes < 24 {
		t.Fatalf("step 0 args %+v: want a LocScratch argument of at least 24 bytes", st.Args)
	}
	for _, a := range p.Steps[1].Args {
		if a.Loc.Kind == program.LocScratch {
			t.Errorf("the reference step has a scratch argument")
		}
	}
	found := false
	for _, b := range p.Arena.Buffers {
		if b.ScratchOf >= 0 {
			found = true
			if b.ScratchOf != 0 || b.Offset != scratch.Loc.Offset || b.Size < 24 || b.Offset+b.Size > p.Arena.Size {
				t.Errorf("scratch buffer %+v: want step 0's, at offset %d, of at least 24 bytes inside the %d-byte arena", b, scratch.Loc.Offset, p.Arena.Size)
			}
		}
	}
	if !found {
		t.Errorf("no arena buffer holds scratch memory: %+v", p.Arena.Buffers)
	}
	if err := plan.Verify(s.Graph, s.Plan, func(op *ir.Op) []int { return s.Calls[op].InPlaceInputs(op) }); err != nil {
		t.Errorf("plan.Verify: %v", err)
	}
	var files []string
	for _, f := range p.Files {
		files = append(files, f.Name)
	}
	for _, f := range []string{"tg_testset.h", "tg_max_pool2d_s8_testset.c", "tg_max_pool2d_s8.c"} {
		if !slices.Contains(files, f) {
			t.Errorf("program files %v lack %s", files, f)
		}
	}
	// Both arena modes, every compiler, outputs equal to eval's.
	vectors := kerneltest.RandomInputs(g, 8, 3)
	expect := kerneltest.Expected(t, g, vectors)
	for i, cc := range kerneltest.Compilers(t) {
		arena := []cgen.ArenaMode{cgen.StaticArena, cgen.CallerArena}[i%2]
		got, err := kerneltest.BuildAndRun(t, cc, p, arena, vectors)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(cc), err)
		}
		for v := range vectors {
			for k, msg := range kerneltest.Compare(g, got[v], expect[v]) {
				t.Errorf("%s: vector %d output %s: %s", filepath.Base(cc), v, g.Outputs[k].Name, msg)
			}
		}
	}
	// Preferring reference (the default) never picks testset.
	s, err = kerneltest.Compile(g, lib, kernels.Reference)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range s.Program.Steps {
		if st.KernelSet != kernels.Reference {
			t.Errorf("preferring reference, step %d runs %s (%s)", st.Index, st.Kernel, st.KernelSet)
		}
	}
}

// TestNewLibraryErrors checks NewLibrary's refusals of malformed sets.
func TestNewLibraryErrors(t *testing.T) {
	ok := kerneltest.TestSet
	tests := []struct {
		name string
		edit func(s *kernels.Set)
		want string
	}{
		{"reference symbol reused", func(s *kernels.Set) { s.Kernels[0].Symbol = "tg_max_pool2d_s8" }, "symbol tg_max_pool2d_s8 is taken"},
		{"symbol twice in the set", func(s *kernels.Set) { s.Kernels = append(s.Kernels, s.Kernels[0]) }, "symbol tg_max_pool2d_s8_testset is taken"},
		{"unknown specialised kernel", func(s *kernels.Set) { s.Kernels[0].Specialises = "tg_max_pool2d_s16" }, `specialises unknown kernel "tg_max_pool2d_s16"`},
		{"no Specialise function", func(s *kernels.Set) { s.Kernels[0].Specialise = nil }, "has no Specialise function"},
		{"no header", func(s *kernels.Set) { s.Header = "" }, "no header"},
		{"missing header", func(s *kernels.Set) { s.Header = "tg_other.h" }, "header tg_other.h"},
		{"missing source", func(s *kernels.Set) {
			s.Files = fstest.MapFS{"tg_testset.h": {Data: []byte("/* header */\n")}}
		}, "tg_max_pool2d_s8_testset.c"},
		{"reference name", func(s *kernels.Set) { s.Name = kernels.Reference }, `repeated set name "reference"`},
		{"built-in set name", func(s *kernels.Set) { s.Name = kernels.RV32 }, `repeated set name "rv32"`},
		{"built-in set's symbol reused", func(s *kernels.Set) { s.Kernels[0].Symbol = "tg_conv2d_s8_rv32" }, "symbol tg_conv2d_s8_rv32 is taken"},
		{"empty name", func(s *kernels.Set) { s.Name = "" }, `bad or repeated set name ""`},
		{"path in name", func(s *kernels.Set) { s.Name = "../x" }, `bad or repeated set name "../x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ok()
			tc.edit(&s)
			_, err := kernels.NewLibrary(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewLibrary: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	t.Run("set twice", func(t *testing.T) {
		_, err := kernels.NewLibrary(ok(), ok())
		if err == nil || !strings.Contains(err.Error(), `repeated set name "testset"`) {
			t.Fatalf("NewLibrary: %v, want a repeated-name error", err)
		}
	})
	t.Run("valid", func(t *testing.T) {
		lib, err := kernels.NewLibrary(ok())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := lib.Sets(), append(kernels.Builtin().Sets(), kerneltest.TestSetName); !slices.Equal(got, want) || got[0] != kernels.Reference {
			t.Errorf("Sets() = %v", got)
		}
	})
}

// TestLibraryKeepsItsOwnKernels checks that NewLibrary neither writes into
// the caller's Set nor changes when the caller later edits it.
func TestLibraryKeepsItsOwnKernels(t *testing.T) {
	s := kerneltest.TestSet()
	lib, err := kernels.NewLibrary(s)
	if err != nil {
		t.Fatal(err)
	}
	if s.Kernels[0].Set != "" {
		t.Errorf("NewLibrary set the caller's Kernel.Set to %q", s.Kernels[0].Set)
	}
	s.Kernels[0].Specialise = func(*ir.Op, kernels.Call) (kernels.Call, bool, error) { return kernels.Call{}, false, nil }
	st, err := kerneltest.Compile(selectionGraph(), lib, kerneltest.TestSetName)
	if err != nil {
		t.Fatal(err)
	}
	if k := st.Program.Steps[0].Kernel; k != "tg_max_pool2d_s8_testset" {
		t.Errorf("after the caller edited its Set, step 0 runs %s, want tg_max_pool2d_s8_testset", k)
	}
}
