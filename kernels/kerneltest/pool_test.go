// Tests of the specialised pooling kernels (int8: armv7em, rv32; float32:
// fpu) on chosen geometries: the aww average pool, windows at and past the 256 taps of
// the 16-bit sums, a single tap, windows clipped at every border, channel
// counts with tails of 1 to 3, two images and activation clamps, with
// random inputs and with the extreme inputs (every code -128 or 127, and
// alternating) that reach the sums' bounds, built on the host under the
// sanitizers and compared byte for byte with the evaluator.

package kerneltest_test

import (
	"fmt"
	"path/filepath"
	"testing"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/kernels/kerneltest"
)

// poolCase is one pooling op: input shape, filter, strides, padding and
// activation.
type poolCase struct {
	name   string
	in     ir.Shape
	fh, fw int
	sh, sw int
	pad    ir.Padding
	act    ir.Activation
}

var poolCases = []poolCase{
	{"aww 25x5 over 64 channels", ir.Shape{1, 25, 5, 64}, 25, 5, 1, 1, ir.PadValid, ir.ActNone},
	{"256 taps, 8 channels", ir.Shape{1, 16, 16, 8}, 16, 16, 16, 16, ir.PadValid, ir.ActNone},
	{"272 taps, 4 channels", ir.Shape{1, 17, 16, 4}, 17, 16, 1, 1, ir.PadValid, ir.ActNone},
	{"3x3 same, 6 channels", ir.Shape{1, 7, 6, 6}, 3, 3, 1, 1, ir.PadSame, ir.ActNone},
	{"2x2 stride 2, relu6, 12 channels", ir.Shape{1, 8, 8, 12}, 2, 2, 2, 2, ir.PadValid, ir.ActRelu6},
	{"1x1 stride 2, 5 channels", ir.Shape{1, 5, 5, 5}, 1, 1, 2, 2, ir.PadValid, ir.ActNone},
	{"5x5 same stride 2, 2 images, 3 channels", ir.Shape{2, 9, 7, 3}, 5, 5, 2, 2, ir.PadSame, ir.ActNone},
	{"4x3 same strides 3x2, 20 channels, relu", ir.Shape{1, 10, 9, 20}, 4, 3, 3, 2, ir.PadSame, ir.ActRelu},
	{"one channel 3x2", ir.Shape{1, 6, 5, 1}, 3, 2, 1, 2, ir.PadSame, ir.ActNone},
	{"window larger than the image", ir.Shape{1, 3, 4, 7}, 6, 6, 1, 1, ir.PadSame, ir.ActReluN1To1},
}

// poolGraph builds one op of kind per case, each on a graph input of its
// own of type dt; int8 outputs have the input's quantisation (as TFLite
// requires).
func poolGraph(t *testing.T, kind ir.OpKind, dt ir.DType) *ir.Graph {
	t.Helper()
	g := &ir.Graph{Name: "pools"}
	for i, c := range poolCases {
		var q, qy *ir.Quant
		if dt == ir.Int8 {
			q = &ir.Quant{Scale: []float32{0.05}, ZeroPoint: []int64{int64(i%5 - 3)}}
			qy = q.Clone()
		}
		oh, _, err := ir.ConvOutSize(c.pad, c.in[1], c.fh, c.sh, 1)
		if err != nil {
			t.Fatal(err)
		}
		ow, _, err := ir.ConvOutSize(c.pad, c.in[2], c.fw, c.sw, 1)
		if err != nil {
			t.Fatal(err)
		}
		x := g.AddTensor(&ir.Tensor{Name: fmt.Sprintf("x%d", i), DType: dt, Shape: c.in, Quant: q})
		y := g.AddTensor(&ir.Tensor{Name: fmt.Sprintf("y%d", i), DType: dt, Shape: ir.Shape{c.in[0], oh, ow, c.in[3]}, Quant: qy})
		g.AddOp(&ir.Op{Kind: kind, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{y}, SourceIndex: i,
			Attrs: ir.Pool2DAttrs{Padding: c.pad, FilterH: c.fh, FilterW: c.fw, StrideH: c.sh, StrideW: c.sw, Activation: c.act}})
		g.Inputs, g.Outputs = append(g.Inputs, x), append(g.Outputs, y)
	}
	return g
}

// extremeInputs returns vectors whose every int8 input is filled with
// fill(i).
func extremeInputs(g *ir.Graph, fills ...func(i int) byte) [][][]byte {
	var out [][][]byte
	for _, fill := range fills {
		var v [][]byte
		for _, x := range g.Inputs {
			b := make([]byte, x.Shape.Elements())
			for i := range b {
				b[i] = fill(i)
			}
			v = append(v, b)
		}
		out = append(out, v)
	}
	return out
}

// TestPoolKernels runs AVERAGE_POOL_2D and MAX_POOL_2D on every case with
// each set that specialises them and checks that each op selected the
// set's kernel.
func TestPoolKernels(t *testing.T) {
	for _, set := range []string{kernels.ArmV7EM, kernels.RV32, kernels.FPU} {
		dt := ir.Int8
		if set == kernels.FPU {
			dt = ir.Float32
		}
		for _, kind := range []ir.OpKind{ir.AveragePool2D, ir.MaxPool2D} {
			t.Run(fmt.Sprintf("%s/%v", set, kind), func(t *testing.T) {
				g := poolGraph(t, kind, dt)
				s, err := kerneltest.Compile(g, kernels.Builtin(), set)
				if err != nil {
					t.Fatal(err)
				}
				for i, st := range s.Program.Steps {
					if st.KernelSet != set {
						t.Errorf("%s: step %d runs %s (%s), want the %s set", poolCases[st.Op.SourceIndex].name, i, st.Kernel, st.KernelSet, set)
					}
				}
				vectors := kerneltest.RandomInputs(g, 3, 7)
				if dt == ir.Int8 {
					vectors = append(vectors, extremeInputs(g,
						func(int) byte { return 0x80 }, func(int) byte { return 0x7f },
						func(i int) byte { return []byte{0x80, 0x7f, 0x81, 0x01}[i%4] },
						func(i int) byte { return byte(i*7) ^ byte(i>>3) })...)
				}
				expect := kerneltest.Expected(t, g, vectors)
				for k, cc := range kerneltest.Compilers(t) {
					arena := []cgen.ArenaMode{cgen.StaticArena, cgen.CallerArena}[k%2]
					got, err := kerneltest.BuildAndRun(t, cc, s.Program, arena, vectors)
					if err != nil {
						t.Fatalf("%s: %v", filepath.Base(cc), err)
					}
					for v := range vectors {
						for o, msg := range kerneltest.Compare(g, got[v], expect[v]) {
							t.Errorf("%s: vector %d, %s: %s", filepath.Base(cc), v, poolCases[o].name, msg)
						}
					}
				}
			})
		}
	}
}
