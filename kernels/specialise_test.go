// Tests of the helpers the specialised sets share.

package kernels

import (
	"testing"

	"github.com/tinygen/tinygen/ir"
)

func TestTFLiteWindow(t *testing.T) {
	i8 := func(shape ...int) *ir.Tensor { return &ir.Tensor{DType: ir.Int8, Shape: shape} }
	conv := func(in, filter []int, a ir.Conv2DAttrs) *ir.Op {
		return &ir.Op{Kind: ir.Conv2D, Attrs: a, Inputs: []*ir.Tensor{i8(in...), i8(filter...)}}
	}
	for _, tc := range []struct {
		name string
		op   *ir.Op
		want bool
	}{
		{"same", conv([]int{1, 8, 8, 4}, []int{2, 3, 3, 4}, ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}), true},
		{"explicit as same", conv([]int{1, 8, 8, 4}, []int{2, 3, 3, 4}, ir.Conv2DAttrs{Padding: ir.PadExplicit, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1,
			ExplicitPads: ir.ExplicitPads{PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1}}), true},
		{"explicit as valid", conv([]int{1, 8, 8, 4}, []int{2, 3, 3, 4}, ir.Conv2DAttrs{Padding: ir.PadExplicit, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1}), true},
		// The kernel suite's case that broke a specialised kernel: pads
		// wider than SAME's, and an output SAME cannot have.
		{"explicit wide", conv([]int{1, 1, 2, 12}, []int{2, 3, 5, 12}, ir.Conv2DAttrs{Padding: ir.PadExplicit, StrideH: 2, StrideW: 1, DilationH: 1, DilationW: 2,
			ExplicitPads: ir.ExplicitPads{PadTop: 2, PadLeft: 5, PadBottom: 1, PadRight: 4}}), false},
		{"explicit asymmetric", conv([]int{1, 8, 8, 4}, []int{2, 3, 3, 4}, ir.Conv2DAttrs{Padding: ir.PadExplicit, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1,
			ExplicitPads: ir.ExplicitPads{PadTop: 2, PadBottom: 0, PadLeft: 1, PadRight: 1}}), false},
		{"no window", &ir.Op{Kind: ir.Add, Attrs: ir.BinaryAttrs{}}, true},
	} {
		if got := tfliteWindow(tc.op); got != tc.want {
			t.Errorf("%s: tfliteWindow = %v, want %v", tc.name, got, tc.want)
		}
	}
}
