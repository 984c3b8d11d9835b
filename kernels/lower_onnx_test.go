// Lowering checks of the operators and attributes added for ONNX that the
// random conformance suite does not reach: hostile geometries and the
// kernel choice between the TFLite and the extended pools.

package kernels

import (
	"math"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

func onnxPoolOp(kind ir.OpKind, a ir.Pool2DAttrs, in, out ir.Shape) *ir.Op {
	return &ir.Op{Kind: kind, Attrs: a,
		Inputs:  []*ir.Tensor{{Name: "x", DType: ir.Float32, Shape: in}},
		Outputs: []*ir.Tensor{{Name: "y", DType: ir.Float32, Shape: out}}}
}

func TestLowerPoolChoosesKernel(t *testing.T) {
	base := ir.Pool2DAttrs{Padding: ir.PadExplicit, FilterH: 2, FilterW: 2, StrideH: 1, StrideW: 1}
	base.PadLeft = 1
	dil := base
	dil.DilationW = 2
	cip := base
	cip.CountIncludePad = true
	for _, c := range []struct {
		name string
		kind ir.OpKind
		a    ir.Pool2DAttrs
		out  ir.Shape
		want string
	}{
		// Explicit pads alone keep TFLite's kernels.
		{"pads", ir.AveragePool2D, base, ir.Shape{1, 3, 5, 1}, "tg_average_pool2d_f32"},
		{"dilation", ir.MaxPool2D, dil, ir.Shape{1, 3, 4, 1}, "tg_max_pool2d_ext_f32"},
		{"count_include_pad", ir.AveragePool2D, cip, ir.Shape{1, 3, 5, 1}, "tg_average_pool2d_ext_f32"},
	} {
		c.a.Padding = ir.PadExplicit
		op := onnxPoolOp(c.kind, c.a, ir.Shape{1, 4, 5, 1}, c.out)
		if s, err := ir.InferShape(op); err != nil || !s.Equal(c.out) {
			t.Fatalf("%s: shape %v, %v", c.name, s, err)
		}
		call, err := Lower(op)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if call.Kernel.Symbol != c.want {
			t.Errorf("%s: kernel %s, want %s", c.name, call.Kernel.Symbol, c.want)
		}
	}
}

func TestLowerRefusesHostilePools(t *testing.T) {
	huge := ir.Pool2DAttrs{Padding: ir.PadExplicit, FilterH: 5000, FilterW: 5000, StrideH: 5000, StrideW: 5000, CountIncludePad: true}
	huge.PadBottom, huge.PadRight = 4999, 4999
	pads := ir.Pool2DAttrs{Padding: ir.PadExplicit, FilterH: 1, FilterW: 1, StrideH: math.MaxInt32, StrideW: 1, DilationH: 2}
	pads.PadTop, pads.PadBottom = math.MaxInt32-1, math.MaxInt32-1
	for _, c := range []struct {
		name string
		op   *ir.Op
		want string
	}{
		{"window taps", onnxPoolOp(ir.AveragePool2D, huge, ir.Shape{1, 1, 1, 1}, ir.Shape{1, 1, 1, 1}), "larger than"},
		{"padded extent", onnxPoolOp(ir.MaxPool2D, pads, ir.Shape{1, 2, 1, 1}, ir.Shape{1, 2, 1, 1}), "int32"},
	} {
		_, err := Lower(c.op)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
