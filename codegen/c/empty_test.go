// empty_test.go: graphs with zero-element inputs and outputs (ONNX allows
// them; C has no zero-length arrays).

package c_test

import (
	"path/filepath"
	"strings"
	"testing"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels/kerneltest"
)

// emptyGraphs are graphs whose inputs or outputs have no elements: every
// input empty (the harness runs once), an empty input beside a full one
// read by the same CONCATENATION, and empty outputs written by nothing.
var emptyGraphs = []struct{ name, text string }{
	{"all_empty", `tinygen-ir 1
graph "all_empty" source "onnx opset 18" description ""
tensor %0 "x" f32[0]
tensor %1 "a" f32[0]
tensor %2 "b" f32[0]
input %0
op 0 STRIDED_SLICE (%0) -> (%1) {Begin=[0] End=[0] Strides=[1] BeginMask=0 EndMask=0 EllipsisMask=0 NewAxisMask=0 ShrinkAxisMask=0 Offset=false}
op 1 RESHAPE (%0) -> (%2) {NewShape=[0]}
output %1
output %2
`},
	{"mixed", `tinygen-ir 1
graph "mixed" source "onnx opset 13" description ""
tensor %0 "x" f32[0,3]
tensor %1 "y" f32[2,3]
tensor %2 "cat" f32[2,3]
tensor %3 "r" f32[3,0]
tensor %4 "s" f32[2,3]
input %0
input %1
op 0 CONCATENATION (%0, %1) -> (%2) {Axis=0 Activation=NONE}
op 1 RESHAPE (%0) -> (%3) {NewShape=[3,0]}
op 2 ADD (%2, %1) -> (%4) {Activation=NONE}
output %3
output %4
`},
	{"tflite_empty_input", `tinygen-ir 1
graph "tflite_empty_input" source "tflite v3" description ""
tensor %0 "x" i8[1,0] quant(scale=[0.5] zp=[0])
tensor %1 "y" i8[1,4] quant(scale=[0.5] zp=[0])
tensor %2 "z" i8[1,4] quant(scale=[0.5] zp=[0])
input %0
input %1
op 0 CONCATENATION (%0, %1) -> (%2) {Axis=1 Activation=NONE}
output %2
`},
}

// TestEmptyTensors compiles each graph of emptyGraphs for the host: the
// header documents the placeholder members, every file compiles with the
// warning flags (no zero-length arrays), and the harness built with the
// sanitizers gives the evaluator's outputs.
func TestEmptyTensors(t *testing.T) {
	ccs := kerneltest.Compilers(t)
	for _, tc := range emptyGraphs {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ir.ParseString(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			p, err := compileProgram(g, nil)
			if err != nil {
				t.Fatal(err)
			}
			files, err := cgen.Generate(p, cgen.Options{HostMain: true, Generator: "tinygen (test)"})
			if err != nil {
				t.Fatal(err)
			}
			h := string(files[0].Data)
			for _, io := range append(append([]*ir.Tensor{}, g.Inputs...), g.Outputs...) {
				if io.Shape.Elements() == 0 && !strings.Contains(h, "no elements, a placeholder") {
					t.Errorf("%s.h does not say that %v is a placeholder:\n%s", g.Name, io, h)
				}
			}
			if strings.Contains(h, "[0]") {
				t.Errorf("%s.h declares a zero-length array:\n%s", g.Name, h)
			}
			dir := t.TempDir()
			writeAll(t, dir, files)
			compileEverywhere(t, dir)

			vectors := kerneltest.RandomInputs(g, 3, 5)
			want := kerneltest.Expected(t, g, vectors)
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
