package eval

import (
	"testing"

	"github.com/tinygen/tinygen/ir"
)

func convAttrs(p ir.Padding, s, d int, act ir.Activation) ir.Conv2DAttrs {
	return ir.Conv2DAttrs{Padding: p, StrideH: s, StrideW: s, DilationH: d, DilationW: d, Activation: act}
}

// int8 per-channel conv worked by hand: multipliers 0.125 and 0.25 are
// exact, so the only roundings are MBQM's two (§2.3); (1,0) of channel 0 is
// 8.375 exactly but the double rounding gives 9.
func TestConvInt8PerChannel(t *testing.T) {
	for _, tc := range []struct {
		act  ir.Activation
		want []int8
	}{
		{ir.ActNone, []int8{0, -1, 1, -1, 4, 0, 5, 1}},
		{ir.ActRelu, []int8{0, -1, 1, -1, 4, 0, 5, 1}},
		{ir.ActRelu6, []int8{0, -1, 1, -1, 1, 0, 1, 1}}, // Q(6) = −5 + 6
	} {
		t.Run(tc.act.String(), func(t *testing.T) {
			b := newBuilder()
			in := b.input(ir.Int8, ir.Shape{1, 3, 3, 1}, qp(0.5, 1))
			w := b.konst(ir.Int8, ir.Shape{2, 2, 2, 1}, qc(0, 0.25, 0.5), i8s(1, 2, 3, 4, -1, 0, 2, 1))
			bias := b.konst(ir.Int32, ir.Shape{2}, nil, i32s(10, 3))
			b.op(ir.Conv2D, convAttrs(ir.PadValid, 1, 1, tc.act), ir.Int8, ir.Shape{1, 2, 2, 2}, qp(1, -5), in, w, bias)
			equalI8(t, b.run(t, i8s(seq8(9, 1)...)), tc.want...)
		})
	}
}

func TestConvInt8NoBiasPerTensorFilter(t *testing.T) {
	// M = 1·1/1 = 1 → MBQM is the identity; no bias (nil input).
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{1, 2, 2, 2}, qp(1, 0))
	w := b.konst(ir.Int8, ir.Shape{1, 1, 1, 2}, qp(1, 0), i8s(2, -1))
	b.op(ir.Conv2D, convAttrs(ir.PadValid, 1, 1, ir.ActNone), ir.Int8, ir.Shape{1, 2, 2, 1}, qp(1, 3), in, w, nil)
	equalI8(t, b.run(t, i8s(1, 2, 3, 4, 50, 1, 100, -100)), 3, 5, 102, 127)
}

func TestConvFloatSameStride2(t *testing.T) {
	// 4x4 input 1..16, 3x3 ones, SAME stride 2: total padding 1 goes to the
	// bottom/right (§4).
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{1, 4, 4, 1}, nil)
	w := b.konst(ir.Float32, ir.Shape{1, 3, 3, 1}, nil, f32s(1, 1, 1, 1, 1, 1, 1, 1, 1))
	bias := b.konst(ir.Float32, ir.Shape{1}, nil, f32s(0.5))
	b.op(ir.Conv2D, convAttrs(ir.PadSame, 2, 1, ir.ActNone), ir.Float32, ir.Shape{1, 2, 2, 1}, nil, in, w, bias)
	equalF32(t, b.run(t, f32s(seqF(16, 1)...)), 54.5, 45.5, 72.5, 54.5)
}

func TestConvFloatDilated(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{1, 5, 5, 1}, nil)
	w := b.konst(ir.Float32, ir.Shape{1, 2, 2, 1}, nil, f32s(1, 1, 1, 1))
	b.op(ir.Conv2D, convAttrs(ir.PadValid, 1, 2, ir.ActNone), ir.Float32, ir.Shape{1, 3, 3, 1}, nil, in, w)
	var want []float32
	for oy := 0; oy < 3; oy++ {
		for ox := 0; ox < 3; ox++ {
			want = append(want, float32(24+20*oy+4*ox))
		}
	}
	equalF32(t, b.run(t, f32s(seqF(25, 0)...)), want...)
}

func TestConvFloatGroups(t *testing.T) {
	// Input depth 4, filter depth 2 → 2 groups; channel 0 reads input
	// channels 0-1, channel 1 reads 2-3.
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{1, 1, 1, 4}, nil)
	w := b.konst(ir.Float32, ir.Shape{2, 1, 1, 2}, nil, f32s(1, 1, 1, -1))
	b.op(ir.Conv2D, convAttrs(ir.PadValid, 1, 1, ir.ActRelu), ir.Float32, ir.Shape{1, 1, 1, 2}, nil, in, w)
	equalF32(t, b.run(t, f32s(1, 2, 3, 4)), 3, 0)
}

func TestConvInt8Groups(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{1, 1, 1, 4}, qp(1, 0))
	w := b.konst(ir.Int8, ir.Shape{2, 1, 1, 2}, qp(1, 0), i8s(1, 1, 1, -1))
	b.op(ir.Conv2D, convAttrs(ir.PadValid, 1, 1, ir.ActNone), ir.Int8, ir.Shape{1, 1, 1, 2}, qp(1, 0), in, w)
	equalI8(t, b.run(t, i8s(1, 2, 3, 4)), 3, -1)
}

func TestConvInt16(t *testing.T) {
	// 16x8 with an int64 bias uses the int64 accumulator and the reduced
	// multiplier (§2.5); with M = 0.5 (2^30, 0): r = 2^14, result
	// (x·2^14 + 2^14) >> 15 = floor((x+1)/2).
	for _, tc := range []struct {
		name string
		bias *ir.Tensor
		want []int16
	}{
		{"int64 bias", &ir.Tensor{DType: ir.Int64, Shape: ir.Shape{1}, Data: i64s(0)}, []int16{-1, 2, 1000}},
		{"int32 bias", &ir.Tensor{DType: ir.Int32, Shape: ir.Shape{1}, Data: i32s(0)}, []int16{-1, 2, 1000}},
		{"no bias", nil, []int16{-1, 2, 1000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder()
			in := b.input(ir.Int16, ir.Shape{1, 1, 3, 1}, qp(0.5, 0))
			w := b.konst(ir.Int8, ir.Shape{1, 1, 1, 1}, qp(1, 0), i8s(1))
			var bias *ir.Tensor
			if tc.bias != nil {
				bias = b.g.AddTensor(tc.bias)
			}
			b.op(ir.Conv2D, convAttrs(ir.PadValid, 1, 1, ir.ActNone), ir.Int16, ir.Shape{1, 1, 3, 1}, qp(1, 0), in, w, bias)
			got := asI16(b.run(t, i16s(-3, 3, 2000)))
			// int32 path: MBQM(-3, 2^30, 0) = −1 (§2.7), 3 → 2; int64 path:
			// floor(-2/2) = −1, floor(4/2) = 2.
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestConvPrepareErrors(t *testing.T) {
	t.Run("filter scale count", func(t *testing.T) {
		// Two scales along filter dimension 1 (which Verify accepts) for
		// three output channels.
		b := newBuilder()
		in := b.input(ir.Int8, ir.Shape{1, 2, 1, 1}, qp(1, 0))
		w := b.konst(ir.Int8, ir.Shape{3, 2, 1, 1}, qc(1, 1, 1), i8s(1, 1, 1, 1, 1, 1))
		b.op(ir.Conv2D, convAttrs(ir.PadValid, 1, 1, ir.ActNone), ir.Int8, ir.Shape{1, 1, 1, 3}, qp(1, 0), in, w)
		b.prepareErr(t, "op 0 (CONV_2D)", "2 scales, want 1 or 3")
	})
	t.Run("hybrid", func(t *testing.T) {
		b := newBuilder()
		in := b.input(ir.Float32, ir.Shape{1, 1, 1, 1}, nil)
		w := b.konst(ir.Int8, ir.Shape{1, 1, 1, 1}, qp(1, 0), i8s(1))
		b.op(ir.Conv2D, convAttrs(ir.PadValid, 1, 1, ir.ActNone), ir.Float32, ir.Shape{1, 1, 1, 1}, nil, in, w)
		b.prepareErr(t, "op 0 (CONV_2D)", "unsupported type combination", "input 0 f32", "input 1 i8")
	})
	t.Run("per-channel axis", func(t *testing.T) {
		b := newBuilder()
		in := b.input(ir.Int8, ir.Shape{1, 1, 1, 2}, qp(1, 0))
		w := b.konst(ir.Int8, ir.Shape{2, 1, 1, 2}, qc(3, 1, 1), i8s(1, 1, 1, 1))
		b.op(ir.Conv2D, convAttrs(ir.PadValid, 1, 1, ir.ActNone), ir.Int8, ir.Shape{1, 1, 1, 2}, qp(1, 0), in, w)
		b.prepareErr(t, "CONV_2D", "dimension 3")
	})
	t.Run("missing input quant", func(t *testing.T) {
		b := newBuilder()
		in := b.input(ir.Int8, ir.Shape{1, 1, 1, 1}, nil)
		w := b.konst(ir.Int8, ir.Shape{1, 1, 1, 1}, qp(1, 0), i8s(1))
		b.op(ir.Conv2D, convAttrs(ir.PadValid, 1, 1, ir.ActNone), ir.Int8, ir.Shape{1, 1, 1, 1}, qp(1, 0), in, w)
		b.prepareErr(t, "CONV_2D", "no quantisation")
	})
}

func dwAttrs(p ir.Padding, s, d, m int, act ir.Activation) ir.DepthwiseConv2DAttrs {
	return ir.DepthwiseConv2DAttrs{Padding: p, StrideH: s, StrideW: s, DilationH: d, DilationW: d, DepthMultiplier: m, Activation: act}
}

func TestDepthwiseFloatMultiplier(t *testing.T) {
	// Depth multiplier 2: output channel 0 sums the window, channel 1 is
	// tap(0,0) − tap(1,1). SAME padding puts the extra row/col at the end.
	w := f32s(1, 1, 1, 0, 1, 0, 1, -1) // [fy][fx][oc]
	for _, tc := range []struct {
		pad   ir.Padding
		shape ir.Shape
		want  []float32
	}{
		{ir.PadValid, ir.Shape{1, 1, 1, 2}, []float32{10, -3}},
		{ir.PadSame, ir.Shape{1, 2, 2, 2}, []float32{10, -3, 6, 2, 7, 3, 4, 4}},
	} {
		t.Run(tc.pad.String(), func(t *testing.T) {
			b := newBuilder()
			in := b.input(ir.Float32, ir.Shape{1, 2, 2, 1}, nil)
			wt := b.konst(ir.Float32, ir.Shape{1, 2, 2, 2}, nil, w)
			b.op(ir.DepthwiseConv2D, dwAttrs(tc.pad, 1, 1, 2, ir.ActNone), ir.Float32, tc.shape, nil, in, wt)
			equalF32(t, b.run(t, f32s(1, 2, 3, 4)), tc.want...)
		})
	}
}

func TestDepthwiseInt8Dilated(t *testing.T) {
	// Scales 1 → multiplier exactly 1; dilation 2 reads the corners of the
	// 3x3 input: 1·1 + 2·3 + 3·7 + 4·9 + bias 5 = 69, minus input offset
	// terms (zero point 0), output zero point −100 → −31.
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{1, 3, 3, 1}, qp(1, 0))
	w := b.konst(ir.Int8, ir.Shape{1, 2, 2, 1}, qc(3, 1), i8s(1, 2, 3, 4))
	bias := b.konst(ir.Int32, ir.Shape{1}, nil, i32s(5))
	b.op(ir.DepthwiseConv2D, dwAttrs(ir.PadValid, 1, 2, 1, ir.ActNone), ir.Int8, ir.Shape{1, 1, 1, 1}, qp(1, -100), in, w, bias)
	equalI8(t, b.run(t, i8s(seq8(9, 1)...)), -31)
}

func TestDepthwiseInt8PerChannelMultiplier(t *testing.T) {
	// Two input channels, multiplier 2 → 4 output channels with scales
	// 1, 2, 0.5, 1 (input and output scale 1, input zero point 1).
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{1, 1, 1, 2}, qp(1, 1))
	w := b.konst(ir.Int8, ir.Shape{1, 1, 1, 4}, qc(3, 1, 2, 0.5, 1), i8s(1, 1, 2, -3))
	b.op(ir.DepthwiseConv2D, dwAttrs(ir.PadValid, 1, 1, 2, ir.ActNone), ir.Int8, ir.Shape{1, 1, 1, 4}, qp(1, 0), in, w)
	// inputs − zp = 4, 10: oc0 = 4, oc1 = 4·2 = 8, oc2 = 2·10·0.5 = 10,
	// oc3 = −30.
	equalI8(t, b.run(t, i8s(5, 11)), 4, 8, 10, -30)
}

func TestFullyConnectedInt8KeepNumDims(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{2, 1, 3}, qp(1, 1))
	w := b.konst(ir.Int8, ir.Shape{2, 3}, qp(1, 0), i8s(1, 0, -1, 2, 1, 0))
	bias := b.konst(ir.Int32, ir.Shape{2}, nil, i32s(1, -1))
	b.op(ir.FullyConnected, ir.FullyConnectedAttrs{KeepNumDims: true}, ir.Int8, ir.Shape{2, 1, 2}, qp(1, -2), in, w, bias)
	equalI8(t, b.run(t, i8s(3, 4, 5, -1, 0, 1)), -3, 4, -3, -8)
}

func TestFullyConnectedInt8PerChannel(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{1, 2}, qp(0.5, 0))
	w := b.konst(ir.Int8, ir.Shape{2, 2}, qc(0, 1, 0.25), i8s(3, 1, 8, 8))
	b.op(ir.FullyConnected, ir.FullyConnectedAttrs{Activation: ir.ActRelu}, ir.Int8, ir.Shape{1, 2}, qp(1, 0), in, w)
	// ch0: (3·4 + 1·(−6))·0.5 = 3; ch1: (32 − 48)·0.125 = −2 → RELU → 0.
	equalI8(t, b.run(t, i8s(4, -6)), 3, 0)
}

func TestFullyConnectedFloatBatches(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{2, 3}, nil)
	w := b.konst(ir.Float32, ir.Shape{2, 3}, nil, f32s(1, 2, 3, -1, 0, 1))
	bias := b.konst(ir.Float32, ir.Shape{2}, nil, f32s(0.5, -0.5))
	b.op(ir.FullyConnected, ir.FullyConnectedAttrs{Activation: ir.ActRelu6}, ir.Float32, ir.Shape{2, 2}, nil, in, w, bias)
	// row 0: 1+4+9+0.5 = 14.5 → 6; −1+3−0.5 = 1.5. row 1: −1−2−3+0.5 = −5.5
	// → 0; 1−1−0.5 = −0.5 → 0.
	equalF32(t, b.run(t, f32s(1, 2, 3, -1, -1, -1)), 6, 1.5, 0, 0)
}

func TestFloatAccumulationOrder(t *testing.T) {
	// total is accumulated in float32 from 0 in order and the bias added
	// last: 1e8 + 1 + 1 − 1e8 is 0 in float32 (the ones are lost), +1 bias.
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{1, 4}, nil)
	w := b.konst(ir.Float32, ir.Shape{1, 4}, nil, f32s(1, 1, 1, 1))
	bias := b.konst(ir.Float32, ir.Shape{1}, nil, f32s(1))
	b.op(ir.FullyConnected, ir.FullyConnectedAttrs{}, ir.Float32, ir.Shape{1, 1}, nil, in, w, bias)
	equalF32(t, b.run(t, f32s(1e8, 1, 1, -1e8)), 1)
}

func TestNonConstantFilter(t *testing.T) {
	// Filters and biases may be runtime tensors.
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{1, 2}, nil)
	w := b.input(ir.Float32, ir.Shape{1, 2}, nil)
	b.op(ir.FullyConnected, ir.FullyConnectedAttrs{}, ir.Float32, ir.Shape{1, 1}, nil, in, w)
	equalF32(t, b.run(t, f32s(2, 3), f32s(4, 5)), 23)
}
