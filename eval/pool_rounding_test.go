// Tests of AVERAGE_POOL_2D with Rounding=HALF_EVEN (ONNX Runtime's int8
// average pool rounding).
package eval

import (
	"testing"

	"github.com/tinygen/tinygen/ir"
)

func TestAveragePoolInt8HalfEven(t *testing.T) {
	for _, tc := range []struct {
		name string
		zp   int64
		in   []int8
		want int8
	}{
		{"zp 1: centred 2/4 ties to 0, +1", 1, []int8{2, 2, 1, 1}, 1},
		{"zp -1: centred 6/4 ties to 2, -1", -1, []int8{1, 1, 0, 0}, 1},
		{"2/4 tie to 0", 0, []int8{1, 1, 0, 0}, 0},
		{"6/4 tie to 2", 0, []int8{2, 2, 1, 1}, 2},
		{"10/4 tie to 2", 0, []int8{3, 3, 2, 2}, 2},
		{"-10/4 tie to -2", 0, []int8{-1, -2, -3, -4}, -2},
		{"-6/4 tie to -2", 0, []int8{-2, -2, -1, -1}, -2},
		{"-9/4 not a tie", 0, []int8{-1, -2, -3, -3}, -2},
		{"-11/4 not a tie", 0, []int8{-2, -2, -3, -4}, -3},
		{"-510/4 tie to -128", 0, []int8{-128, -128, -127, -127}, -128},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder()
			in := b.input(ir.Int8, ir.Shape{1, 2, 2, 1}, qp(0.5, tc.zp))
			a := poolAttrs(ir.PadValid, 2, 2, 1, ir.ActNone)
			a.Rounding = ir.PoolRoundHalfEven
			b.op(ir.AveragePool2D, a, ir.Int8, ir.Shape{1, 1, 1, 1}, qp(0.5, tc.zp), in)
			equalI8(t, b.run(t, i8s(tc.in...)), tc.want)
		})
	}
}
