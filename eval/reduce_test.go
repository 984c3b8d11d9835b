package eval

import (
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// §12.1: in_s == out_s, n = 49, sum −1000, zero points −5 → −20.
func TestMeanInt8WorkedExample(t *testing.T) {
	x := make([]int8, 49)
	for i := range x {
		x[i] = -20
	}
	x[17] = -40 // 48·(−20) − 40 = −1000
	for _, tc := range []struct {
		keep  bool
		shape ir.Shape
	}{{true, ir.Shape{1, 1, 1, 1}}, {false, ir.Shape{1, 1}}} {
		b := newBuilder()
		in := b.input(ir.Int8, ir.Shape{1, 7, 7, 1}, qp(0.25, -5))
		b.op(ir.Mean, ir.MeanAttrs{Axes: []int{1, 2}, KeepDims: tc.keep}, ir.Int8, tc.shape, qp(0.25, -5), in)
		equalI8(t, b.run(t, i8s(x...)), -20)
	}
}

func TestMeanInt8Rescale(t *testing.T) {
	// 0.5/1 with n = 2: M' = 2^30, S' = −1; per column sums 7 → 2 (3.5 → 4
	// in SRDHM, 2 after RDBPOT), −3 → −1 (−1.5 → −1, then −0.5 → −1).
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{2, 2}, qp(0.5, 0))
	b.op(ir.Mean, ir.MeanAttrs{Axes: []int{0}}, ir.Int8, ir.Shape{2}, qp(1, 0), in)
	equalI8(t, b.run(t, i8s(3, -1, 4, -2)), 2, -1)
}

func TestMeanFloat(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{2, 3}, nil)
	b.op(ir.Mean, ir.MeanAttrs{Axes: []int{1}}, ir.Float32, ir.Shape{2}, nil, in)
	equalF32(t, b.run(t, f32s(1, 2, 3, 4, 5, 7)), 2, float32(16)/3)

	b = newBuilder()
	in = b.input(ir.Float32, ir.Shape{2, 3}, nil)
	b.op(ir.Mean, ir.MeanAttrs{Axes: []int{0}, KeepDims: true}, ir.Float32, ir.Shape{1, 3}, nil, in)
	equalF32(t, b.run(t, f32s(1, 2, 3, 4, 5, 7)), 2.5, 3.5, 5)

	// Sums run in input memory order in float32: ((1e8 + 1) − 1e8) + 1 = 1.
	b = newBuilder()
	in = b.input(ir.Float32, ir.Shape{1, 2, 2, 1}, nil)
	b.op(ir.Mean, ir.MeanAttrs{Axes: []int{1, 2}}, ir.Float32, ir.Shape{1, 1}, nil, in)
	equalF32(t, b.run(t, f32s(1e8, 1, -1e8, 1)), 0.25)

	// All axes of a rank-3 tensor, and a middle axis.
	b = newBuilder()
	in = b.input(ir.Float32, ir.Shape{2, 2, 2}, nil)
	b.op(ir.Mean, ir.MeanAttrs{Axes: []int{1}}, ir.Float32, ir.Shape{2, 2}, nil, in)
	equalF32(t, b.run(t, f32s(0, 1, 2, 3, 4, 5, 6, 7)), 1, 2, 5, 6)
}
