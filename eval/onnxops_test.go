// Tests of the operators and attributes added for ONNX, on small cases
// worked out by hand from the ONNX operator definitions.

package eval

import (
	"testing"

	"github.com/tinygen/tinygen/ir"
)

func TestAveragePoolExplicitPads(t *testing.T) {
	// x = 1..4 in a 1x4 row; filter 1x3, stride 1, pads left 1, right 2.
	// Windows: [_,1,2] [1,2,3] [2,3,4] [3,4,_] [4,_,_].
	x := f32s(1, 2, 3, 4)
	for _, tc := range []struct {
		name string
		a    ir.Pool2DAttrs
		want []float32
	}{
		{"exclude pad", ir.Pool2DAttrs{}, []float32{1.5, 2, 3, 3.5, 4}},
		{"count_include_pad", ir.Pool2DAttrs{CountIncludePad: true}, []float32{1, 2, 3, 7.0 / 3, 4.0 / 3}},
		// ceil_mode added the last right pad: the last window counts 2.
		{"ceil pad not counted", ir.Pool2DAttrs{CountIncludePad: true, CeilPadRight: 1}, []float32{1, 2, 3, 7.0 / 3, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.a
			a.Padding, a.FilterH, a.FilterW, a.StrideH, a.StrideW = ir.PadExplicit, 1, 3, 1, 1
			a.PadLeft, a.PadRight = 1, 2
			b := newBuilder()
			in := b.input(ir.Float32, ir.Shape{1, 1, 4, 1}, nil)
			b.op(ir.AveragePool2D, a, ir.Float32, ir.Shape{1, 1, 5, 1}, nil, in)
			equalF32(t, b.run(t, x), tc.want...)
		})
	}
}

func TestAveragePoolCountIncludePadInt8(t *testing.T) {
	// Codes 10, 20 with zero point 4 and one padded tap on the left: the
	// pad counts as code 4: (4+10+20)/3 = 11.33 → 11.
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{1, 1, 2, 1}, qp(0.5, 4))
	a := ir.Pool2DAttrs{Padding: ir.PadExplicit, FilterH: 1, FilterW: 3, StrideH: 1, StrideW: 1, CountIncludePad: true}
	a.PadLeft = 1
	b.op(ir.AveragePool2D, a, ir.Int8, ir.Shape{1, 1, 1, 1}, qp(0.5, 4), in)
	equalI8(t, b.run(t, i8s(10, 20)), 11)
}

func TestMaxPoolDilation(t *testing.T) {
	// 1x5 row, filter 1x2 dilation 2: windows {0,2} {1,3} {2,4}.
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{1, 1, 5, 1}, nil)
	a := ir.Pool2DAttrs{Padding: ir.PadValid, FilterH: 1, FilterW: 2, StrideH: 1, StrideW: 1, DilationW: 2}
	b.op(ir.MaxPool2D, a, ir.Float32, ir.Shape{1, 1, 3, 1}, nil, in)
	equalF32(t, b.run(t, f32s(5, 1, 2, 7, 0)), 5, 7, 2)
}

func TestConvAsymmetricPads(t *testing.T) {
	// 1x3 input, 1x2 filter of ones, pads left 0, right 1: sums of
	// neighbours, the last with the padding zero.
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{1, 1, 3, 1}, nil)
	w := b.konst(ir.Float32, ir.Shape{1, 1, 2, 1}, nil, f32s(1, 1))
	a := ir.Conv2DAttrs{Padding: ir.PadExplicit, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	a.PadRight = 1
	b.op(ir.Conv2D, a, ir.Float32, ir.Shape{1, 1, 3, 1}, nil, in, w)
	equalF32(t, b.run(t, f32s(1, 2, 4)), 3, 6, 4)
}

func TestDivPreluBatchMatMul(t *testing.T) {
	b := newBuilder()
	x := b.input(ir.Float32, ir.Shape{2, 2}, nil)
	y := b.konst(ir.Float32, ir.Shape{2}, nil, f32s(2, -4))
	b.output(b.op(ir.Div, ir.BinaryAttrs{}, ir.Float32, ir.Shape{2, 2}, nil, x, y))
	al := b.konst(ir.Float32, ir.Shape{2}, nil, f32s(0.5, 0.25))
	b.output(b.op(ir.Prelu, ir.NoAttrs{}, ir.Float32, ir.Shape{2, 2}, nil, x, al))
	// [2,2] x [2,2]ᵀ with adj_y.
	b.output(b.op(ir.BatchMatMul, ir.BatchMatMulAttrs{AdjY: true}, ir.Float32, ir.Shape{2, 2}, nil, x, x))
	e := b.prepare(t)
	outs, err := e.Run([][]byte{f32s(1, -2, -3, 4)})
	if err != nil {
		t.Fatal(err)
	}
	equalF32(t, outs[0], 0.5, 0.5, -1.5, -1)
	equalF32(t, outs[1], 1, -0.5, -1.5, 4)
	equalF32(t, outs[2], 5, -11, -11, 25)
}

func TestBatchMatMulBroadcast(t *testing.T) {
	// x [2,1,2] (two 1x2 rows), y [2,1] shared: out [2,1,1].
	b := newBuilder()
	x := b.input(ir.Float32, ir.Shape{2, 1, 2}, nil)
	y := b.konst(ir.Float32, ir.Shape{2, 1}, nil, f32s(10, 1))
	b.op(ir.BatchMatMul, ir.BatchMatMulAttrs{}, ir.Float32, ir.Shape{2, 1, 1}, nil, x, y)
	equalF32(t, b.run(t, f32s(1, 2, 3, 4)), 12, 34)
}

func TestDepthToSpaceResizePadModes(t *testing.T) {
	b := newBuilder()
	x := b.input(ir.Int8, ir.Shape{1, 1, 1, 4}, qp(1, 0))
	b.output(b.op(ir.DepthToSpace, ir.DepthToSpaceAttrs{BlockSize: 2}, ir.Int8, ir.Shape{1, 2, 2, 1}, qp(1, 0), x))
	r := b.input(ir.Int8, ir.Shape{1, 1, 3, 1}, qp(1, 0))
	b.output(b.op(ir.ResizeNearestNeighbor, ir.ResizeAttrs{NewHeight: 1, NewWidth: 6, CoordMode: ir.Asymmetric, NearestMode: ir.Floor},
		ir.Int8, ir.Shape{1, 1, 6, 1}, qp(1, 0), r))
	b.output(b.op(ir.Pad, ir.PadAttrs{Before: []int{0, 0, 2, 0}, After: []int{0, 0, 2, 0}, Mode: ir.PadReflect},
		ir.Int8, ir.Shape{1, 1, 7, 1}, qp(1, 0), r))
	b.output(b.op(ir.Pad, ir.PadAttrs{Before: []int{0, 0, 1, 0}, After: []int{0, 0, 2, 0}, Mode: ir.PadWrap},
		ir.Int8, ir.Shape{1, 1, 6, 1}, qp(1, 0), r))
	e := b.prepare(t)
	outs, err := e.Run([][]byte{i8s(1, 2, 3, 4), i8s(7, 8, 9)})
	if err != nil {
		t.Fatal(err)
	}
	equalI8(t, outs[0], 1, 2, 3, 4)
	equalI8(t, outs[1], 7, 7, 8, 8, 9, 9)
	equalI8(t, outs[2], 9, 8, 7, 8, 9, 8, 7)
	equalI8(t, outs[3], 9, 7, 8, 9, 7, 8)
}

func TestRawIntegerArithmetic(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind ir.OpKind
		dt   ir.DType
		a, b []byte
		want []byte
	}{
		// int8 wraps: 100+100 = -56; -128-1 = 127.
		{"add i8 wraps", ir.Add, ir.Int8, i8s(100, -128), i8s(100, 1), i8s(-56, -127)},
		{"sub i8 wraps", ir.Sub, ir.Int8, i8s(-128, 5), i8s(1, 7), i8s(127, -2)},
		{"mul u8 wraps", ir.Mul, ir.UInt8, u8s(16, 3), u8s(16, 5), u8s(0, 15)},
		// Truncation toward zero; 0 for a zero divisor; MIN/-1 wraps.
		{"div i16", ir.Div, ir.Int16, i16s(-7, 7, 5, -32768), i16s(2, -2, 0, -1), i16s(-3, -3, 0, -32768)},
		{"mul i32 wraps", ir.Mul, ir.Int32, i32s(1<<30, -3), i32s(4, 5), i32s(0, -15)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder()
			n := len(tc.a) / tc.dt.Size()
			x := b.input(tc.dt, ir.Shape{n}, nil)
			y := b.input(tc.dt, ir.Shape{n}, nil)
			b.op(tc.kind, ir.BinaryAttrs{}, tc.dt, ir.Shape{n}, nil, x, y)
			e := b.prepare(t)
			outs, err := e.Run([][]byte{tc.a, tc.b})
			if err != nil {
				t.Fatal(err)
			}
			if string(outs[0]) != string(tc.want) {
				t.Errorf("got %v, want %v", outs[0], tc.want)
			}
		})
	}
}

func TestMatMulAndConvInteger(t *testing.T) {
	// MatMulInteger: x [1,2] u8 zp 1, y [2,2] i8 with column zero points
	// (0, 2): (3-1)*(1-0)+(4-1)*(2-0) = 8; (3-1)*(5-2)+(4-1)*(-1-2) = -3.
	b := newBuilder()
	x := b.input(ir.UInt8, ir.Shape{1, 2}, qp(1, 1))
	y := b.konst(ir.Int8, ir.Shape{2, 2}, &ir.Quant{Scale: []float32{1, 1}, ZeroPoint: []int64{0, 2}, Axis: 1}, i8s(1, 5, 2, -1))
	b.op(ir.BatchMatMul, ir.BatchMatMulAttrs{}, ir.Int32, ir.Shape{1, 2}, nil, x, y)
	out := b.run(t, u8s(3, 4))
	if string(out) != string(i32s(8, -3)) {
		t.Errorf("MatMulInteger: got %v", out)
	}
	// ConvInteger: 1x3 input u8 zp 2, filter 1x2 of ones (zp 0), pad
	// right 1: (5-2)+(3-2), (3-2)+(2-2), (2-2) + padding 0.
	b = newBuilder()
	in := b.input(ir.UInt8, ir.Shape{1, 1, 3, 1}, qp(1, 2))
	w := b.konst(ir.Int8, ir.Shape{1, 1, 2, 1}, nil, i8s(1, 1))
	a := ir.Conv2DAttrs{Padding: ir.PadExplicit, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	a.PadRight = 1
	b.op(ir.Conv2D, a, ir.Int32, ir.Shape{1, 1, 3, 1}, nil, in, w)
	out = b.run(t, u8s(5, 3, 2))
	if string(out) != string(i32s(4, 1, 0)) {
		t.Errorf("ConvInteger: got %v", out)
	}
}

func TestQuantizeDequantizePerAxis(t *testing.T) {
	// [2,2] along axis 1: scales (0.5, 2), zero points (1, -3).
	q := &ir.Quant{Scale: []float32{0.5, 2}, ZeroPoint: []int64{1, -3}, Axis: 1}
	b := newBuilder()
	x := b.input(ir.Float32, ir.Shape{2, 2}, nil)
	y := b.op(ir.Quantize, ir.QuantizeAttrs{}, ir.Int16, ir.Shape{2, 2}, q, x)
	b.output(y)
	b.output(b.op(ir.Dequantize, ir.NoAttrs{}, ir.Float32, ir.Shape{2, 2}, nil, y))
	e := b.prepare(t)
	outs, err := e.Run([][]byte{f32s(1, 5, -1.25, -3)})
	if err != nil {
		t.Fatal(err)
	}
	// 1/0.5+1 = 3; 5/2 = 2.5 → 3, -3 → 0; -1.25/0.5 = -2.5 → -3, +1 → -2;
	// -3/2 = -1.5 → -2, -3 → -5.
	if string(outs[0]) != string(i16s(3, 0, -2, -5)) {
		t.Errorf("quantized: %v", outs[0])
	}
	equalF32(t, outs[1], 1, 6, -1.5, -4)
}

func TestPreluInt8(t *testing.T) {
	// Input scale 0.5 zp 0, alpha 0.25 (code 25, scale 0.01), output scale
	// 0.5 zp 0: x ≥ 0 passes through; x < 0 gives round(x·0.25).
	b := newBuilder()
	x := b.input(ir.Int8, ir.Shape{4}, qp(0.5, 0))
	al := b.konst(ir.Int8, ir.Shape{1}, qp(0.01, 0), i8s(25))
	b.op(ir.Prelu, ir.NoAttrs{}, ir.Int8, ir.Shape{4}, qp(0.5, 0), x, al)
	equalI8(t, b.run(t, i8s(10, 0, -8, -10)), 10, 0, -2, -3)
}
