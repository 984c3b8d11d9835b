package eval

import (
	"math"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// §10.2 verified vectors (input zero point 0).
func TestLogisticTanhInt8Table(t *testing.T) {
	x := []int8{-128, -40, -1, 0, 1, 40, 127}
	for _, tc := range []struct {
		kind  ir.OpKind
		scale float32
		outQ  *ir.Quant
		want  []int8
	}{
		{ir.Logistic, 0.1, qp(1.0/256, -128), []int8{-128, -123, -6, 0, 6, 123, 127}},
		{ir.Tanh, 0.1, qp(1.0/128, 0), []int8{-128, -128, -13, 0, 13, 127, 127}},
		{ir.Logistic, 0.0235294122, qp(1.0/256, -128), []int8{-116, -56, -2, 0, 2, 56, 116}},
		{ir.Tanh, 0.0235294122, qp(1.0/128, 0), []int8{-127, -94, -3, 0, 3, 94, 127}},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			b := newBuilder()
			in := b.input(ir.Int8, ir.Shape{7}, qp(tc.scale, 0))
			b.op(tc.kind, ir.NoAttrs{}, ir.Int8, ir.Shape{7}, tc.outQ, in)
			equalI8(t, b.run(t, i8s(x...)), tc.want...)
		})
	}
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{1}, qp(0.1, 0))
	b.op(ir.Logistic, ir.NoAttrs{}, ir.Int8, ir.Shape{1}, qp(1.0/256, 0), in)
	b.prepareErr(t, "op 0 (LOGISTIC)", "-128")
}

func TestReluInt8(t *testing.T) {
	// RELU requantizes: M = 0.5/0.25 = 2; lo = max(−128, zo).
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{4}, qp(0.5, -10))
	b.op(ir.Relu, ir.NoAttrs{}, ir.Int8, ir.Shape{4}, qp(0.25, -128), in)
	equalI8(t, b.run(t, i8s(-20, 0, 50, 127)), -128, -108, -8, 127)

	// RELU6 ignores the output parameters: [zi, zi + round(6/0.5)].
	b = newBuilder()
	in = b.input(ir.Int8, ir.Shape{4}, qp(0.5, -10))
	b.op(ir.Relu6, ir.NoAttrs{}, ir.Int8, ir.Shape{4}, qp(123, 45), in)
	equalI8(t, b.run(t, i8s(-20, 0, 5, -10)), -10, 0, 2, -10)
}

func TestLeakyReluInt8(t *testing.T) {
	// alpha 0.5 → (2^30, 0); identity 1 → (2^30, 1). −3·0.5 = −1.5 → −1
	// (SRDHM ties toward +inf), −5·0.5 = −2.5 → −2.
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{4}, qp(0.5, 0))
	b.op(ir.LeakyRelu, ir.LeakyReluAttrs{Alpha: 0.5}, ir.Int8, ir.Shape{4}, qp(0.5, 0), in)
	equalI8(t, b.run(t, i8s(-3, -5, 7, -128)), -1, -2, 7, -64)
}

func TestHardSwishInt8ZeroPoint(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{3}, qp(0.05, 7))
	b.op(ir.HardSwish, ir.NoAttrs{}, ir.Int8, ir.Shape{3}, qp(0.03, -4), in)
	got := asI8(b.run(t, i8s(7, 127, -128)))
	// hswish(0) = 0 → zo; hswish(6) = 6 → 6/0.03 − 4 → 127 (saturated);
	// hswish(−6.75) = 0 → zo.
	if got[0] != -4 || got[1] != 127 || got[2] != -4 {
		t.Fatalf("got %v, want [-4 127 -4]", got)
	}
}

func TestFloatActivations(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		kind  ir.OpKind
		attrs ir.Attrs
		in    []float32
		want  []float32
	}{
		{ir.Relu, ir.NoAttrs{}, []float32{-1, negZero, nan32, 3, inf}, []float32{0, negZero, nan32, 3, inf}},
		{ir.Relu6, ir.NoAttrs{}, []float32{7, negZero, nan32, -2, 5}, []float32{6, negZero, nan32, 0, 5}},
		{ir.LeakyRelu, ir.LeakyReluAttrs{Alpha: 0.1}, []float32{-2, negZero, 3, nan32}, []float32{float32(-2) * 0.1, negZero, 3, nan32}},
		{ir.HardSwish, ir.NoAttrs{}, []float32{-4, 1, 4, nan32, 0}, []float32{negZero, float32(4) / 6, 4, nan32, 0}},
		{ir.Logistic, ir.NoAttrs{}, []float32{0, 20, -10, nan32}, []float32{0.5, 1, float32(math.Exp(-10)), nan32}},
		{ir.Tanh, ir.NoAttrs{}, []float32{0, 1, -30}, []float32{0, float32(math.Tanh(1)), -1}},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			b := newBuilder()
			in := b.input(ir.Float32, ir.Shape{len(tc.in)}, nil)
			b.op(tc.kind, tc.attrs, ir.Float32, ir.Shape{len(tc.in)}, nil, in)
			equalF32(t, b.run(t, f32s(tc.in...)), tc.want...)
		})
	}
}

func TestActivationInt16(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Int16, ir.Shape{3}, qp(0.5, 0))
	b.op(ir.Relu, ir.NoAttrs{}, ir.Int16, ir.Shape{3}, qp(0.25, 0), in)
	if got := asI16(b.run(t, i16s(-5, 100, 20000))); got[0] != 0 || got[1] != 200 || got[2] != 32767 {
		t.Fatalf("got %v, want [0 200 32767]", got)
	}
}
