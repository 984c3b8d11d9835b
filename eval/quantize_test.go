package eval

import (
	"math"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

func TestQuantizeFloat(t *testing.T) {
	// x / 0.5 in float32, rounded half away from zero, + 3, clamped. NaN → 0
	// (tinygen's defined conversion) + zero point.
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{7}, nil)
	b.op(ir.Quantize, ir.QuantizeAttrs{}, ir.Int8, ir.Shape{7}, qp(0.5, 3), in)
	inf := float32(math.Inf(1))
	equalI8(t, b.run(t, f32s(0.25, -0.25, 0.75, 1000, -1000, nan32, -inf)), 4, 2, 5, 127, -128, 3, -128)

	b = newBuilder()
	in = b.input(ir.Float32, ir.Shape{3}, nil)
	b.op(ir.Quantize, ir.QuantizeAttrs{}, ir.UInt8, ir.Shape{3}, qp(0.5, 128), in)
	if got := b.run(t, f32s(-1, 0, 100)); string(got) != string(u8s(126, 128, 255)) {
		t.Fatalf("uint8: got %v", got)
	}

	b = newBuilder()
	in = b.input(ir.Float32, ir.Shape{2}, nil)
	b.op(ir.Quantize, ir.QuantizeAttrs{}, ir.Int16, ir.Shape{2}, qp(1.0/1024, 0), in)
	if got := asI16(b.run(t, f32s(1.5, -40))); got[0] != 1536 || got[1] != -32768 {
		t.Fatalf("int16: got %v", got)
	}
}

func TestRequantize(t *testing.T) {
	// 0.5/1 → (2^30, 0): MBQM(3) = 2, MBQM(−3) = −1 (SRDHM ties toward +inf).
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{3}, qp(0.5, 0))
	b.op(ir.Quantize, ir.QuantizeAttrs{}, ir.Int8, ir.Shape{3}, qp(1, 0), in)
	equalI8(t, b.run(t, i8s(3, -3, 127)), 2, -1, 64)

	// int8 → uint8 with the same scale and zero points 128 apart flips bit 7.
	b = newBuilder()
	in = b.input(ir.Int8, ir.Shape{3}, qp(0.3, -5))
	b.op(ir.Quantize, ir.QuantizeAttrs{}, ir.UInt8, ir.Shape{3}, qp(0.3, 123), in)
	if got := b.run(t, i8s(-128, 0, 127)); string(got) != string(u8s(0, 128, 255)) {
		t.Fatalf("int8→uint8: got %v", got)
	}

	// int8 → int16.
	b = newBuilder()
	in = b.input(ir.Int8, ir.Shape{2}, qp(0.5, 1))
	b.op(ir.Quantize, ir.QuantizeAttrs{}, ir.Int16, ir.Shape{2}, qp(1.0/256, 0), in)
	if got := asI16(b.run(t, i8s(-128, 127))); got[0] != -16512 || got[1] != 16128 {
		t.Fatalf("int8→int16: got %v", got)
	}

	// uint8 → int16 is not a pair TFLM supports.
	b = newBuilder()
	in = b.input(ir.UInt8, ir.Shape{2}, qp(0.5, 1))
	b.op(ir.Quantize, ir.QuantizeAttrs{}, ir.Int16, ir.Shape{2}, qp(1, 0), in)
	b.prepareErr(t, "op 0 (QUANTIZE)", "u8", "i16")
}

func TestDequantize(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{3}, qp(0.1, 2))
	b.op(ir.Dequantize, ir.NoAttrs{}, ir.Float32, ir.Shape{3}, nil, in)
	s := float64(float32(0.1))
	equalF32(t, b.run(t, i8s(5, 2, -128)), float32(s*3), 0, float32(s*-130))

	b = newBuilder()
	in = b.input(ir.Int16, ir.Shape{1}, qp(0.5, 0))
	b.op(ir.Dequantize, ir.NoAttrs{}, ir.Float32, ir.Shape{1}, nil, in)
	equalF32(t, b.run(t, i16s(-32768)), -16384)

	b = newBuilder()
	in = b.input(ir.UInt8, ir.Shape{1}, qp(2, 128))
	b.op(ir.Dequantize, ir.NoAttrs{}, ir.Float32, ir.Shape{1}, nil, in)
	equalF32(t, b.run(t, u8s(0)), -256)
}
