package eval

import (
	"math"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

func poolAttrs(p ir.Padding, fh, fw, s int, act ir.Activation) ir.Pool2DAttrs {
	return ir.Pool2DAttrs{Padding: p, FilterH: fh, FilterW: fw, StrideH: s, StrideW: s, Activation: act}
}

// §6: the average of raw codes (zero point not removed) rounded half away
// from zero with trunc-div.
func TestAveragePoolInt8Rounding(t *testing.T) {
	for _, tc := range []struct {
		name string
		zp   int64
		in   []int8
		want int8
	}{
		{"zp -128 tie", -128, []int8{-128, -127}, -128}, // acc −255, n 2 → −128 (not −127)
		{"-5/2", 0, []int8{-2, -3}, -3},
		{"5/2", 0, []int8{2, 3}, 3},
		{"-10/4 via pairs", 0, []int8{-5, -5}, -5},
		{"0", 0, []int8{1, -1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder()
			in := b.input(ir.Int8, ir.Shape{1, 1, 2, 1}, qp(0.5, tc.zp))
			b.op(ir.AveragePool2D, poolAttrs(ir.PadValid, 1, 2, 1, ir.ActNone), ir.Int8, ir.Shape{1, 1, 1, 1}, qp(0.5, tc.zp), in)
			equalI8(t, b.run(t, i8s(tc.in...)), tc.want)
		})
	}
	// acc −10, n 4 → −3; acc −9, n 4 → −2.
	for _, tc := range []struct {
		in   []int8
		want int8
	}{{[]int8{-1, -2, -3, -4}, -3}, {[]int8{-1, -2, -3, -3}, -2}} {
		b := newBuilder()
		in := b.input(ir.Int8, ir.Shape{1, 2, 2, 1}, qp(0.5, 0))
		b.op(ir.AveragePool2D, poolAttrs(ir.PadValid, 2, 2, 1, ir.ActNone), ir.Int8, ir.Shape{1, 1, 1, 1}, qp(0.5, 0), in)
		equalI8(t, b.run(t, i8s(tc.in...)), tc.want)
	}
}

func TestAveragePoolSamePaddingNotCounted(t *testing.T) {
	// 3x3 SAME with a 3x3 filter: the corner windows hold 4 taps, edges 6,
	// the centre 9; padding taps are not counted.
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{1, 3, 3, 1}, nil)
	b.op(ir.AveragePool2D, poolAttrs(ir.PadSame, 3, 3, 1, ir.ActNone), ir.Float32, ir.Shape{1, 3, 3, 1}, nil, in)
	x := seqF(9, 1)
	want := []float32{
		(1 + 2 + 4 + 5) / float32(4), (1 + 2 + 3 + 4 + 5 + 6) / float32(6), (2 + 3 + 5 + 6) / float32(4),
		(1 + 2 + 4 + 5 + 7 + 8) / float32(6), 45 / float32(9), (2 + 3 + 5 + 6 + 8 + 9) / float32(6),
		(4 + 5 + 7 + 8) / float32(4), (4 + 5 + 6 + 7 + 8 + 9) / float32(6), (5 + 6 + 8 + 9) / float32(4),
	}
	equalF32(t, b.run(t, f32s(x...)), want...)

	bi := newBuilder()
	ini := bi.input(ir.Int8, ir.Shape{1, 3, 3, 1}, qp(1, 0))
	bi.op(ir.AveragePool2D, poolAttrs(ir.PadSame, 3, 3, 1, ir.ActNone), ir.Int8, ir.Shape{1, 3, 3, 1}, qp(1, 0), ini)
	// 12/4 = 3, 21/6 = 3.5 → 4, 16/4 = 4, 27/6 = 4.5 → 5, 5, 33/6 = 5.5 → 6,
	// 24/4 = 6, 39/6 = 6.5 → 7, 28/4 = 7.
	equalI8(t, bi.run(t, i8s(seq8(9, 1)...)), 3, 4, 4, 5, 5, 6, 6, 7, 7)
}

func TestMaxPool(t *testing.T) {
	t.Run("int8 relu6 stride 2", func(t *testing.T) {
		b := newBuilder()
		in := b.input(ir.Int8, ir.Shape{1, 2, 4, 1}, qp(1, -3))
		b.op(ir.MaxPool2D, poolAttrs(ir.PadValid, 2, 2, 2, ir.ActRelu6), ir.Int8, ir.Shape{1, 1, 2, 1}, qp(1, -3), in)
		// windows max 5 and −10; RELU6 range [−3, 3].
		equalI8(t, b.run(t, i8s(1, 5, -20, -10, 0, 2, -50, -128)), 3, -3)
	})
	t.Run("float NaN ignored", func(t *testing.T) {
		b := newBuilder()
		in := b.input(ir.Float32, ir.Shape{1, 1, 6, 1}, nil)
		b.op(ir.MaxPool2D, poolAttrs(ir.PadValid, 1, 2, 2, ir.ActNone), ir.Float32, ir.Shape{1, 1, 3, 1}, nil, in)
		inf := float32(math.Inf(1))
		// max(NaN, 1) = 1 (NaN never wins the < test); all-NaN windows give
		// −FLT_MAX; +Inf is clamped to FLT_MAX by the NONE range.
		equalF32(t, b.run(t, f32s(nan32, 1, nan32, nan32, inf, 2)), 1, -math.MaxFloat32, math.MaxFloat32)
	})
	t.Run("float -0 preserved", func(t *testing.T) {
		b := newBuilder()
		in := b.input(ir.Float32, ir.Shape{1, 1, 2, 1}, nil)
		b.op(ir.MaxPool2D, poolAttrs(ir.PadValid, 1, 2, 1, ir.ActRelu), ir.Float32, ir.Shape{1, 1, 1, 1}, nil, in)
		equalF32(t, b.run(t, f32s(negZero, -1)), negZero)
	})
}

func TestPoolPrepareErrors(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{1, 2, 2, 1}, qp(0.5, 0))
	b.op(ir.MaxPool2D, poolAttrs(ir.PadValid, 2, 2, 1, ir.ActNone), ir.Int8, ir.Shape{1, 1, 1, 1}, qp(0.25, 0), in)
	b.prepareErr(t, "op 0 (MAX_POOL_2D)", "scale")

	b = newBuilder()
	in = b.input(ir.Int8, ir.Shape{1, 2, 2, 1}, qp(0.5, 0))
	b.op(ir.AveragePool2D, poolAttrs(ir.PadValid, 2, 2, 1, ir.ActNone), ir.Int8, ir.Shape{1, 1, 1, 1}, qp(0.5, 1), in)
	b.prepareErr(t, "op 0 (AVERAGE_POOL_2D)", "zero point")

	// Within 1e-6 is accepted.
	b = newBuilder()
	in = b.input(ir.Int8, ir.Shape{1, 2, 2, 1}, qp(0.5, 0))
	b.op(ir.AveragePool2D, poolAttrs(ir.PadValid, 2, 2, 1, ir.ActNone), ir.Int8, ir.Shape{1, 1, 1, 1}, qp(0.5000005, 0), in)
	b.prepare(t)
}
