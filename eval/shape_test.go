package eval

import (
	"testing"

	"github.com/tinygen/tinygen/ir"
)

func TestReshapeSqueezeCopyBytes(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{1, 2, 1, 3}, qp(0.5, 1))
	r := b.op(ir.Reshape, ir.ReshapeAttrs{NewShape: []int{3, 2}}, ir.Int8, ir.Shape{3, 2}, qp(99, -7), in)
	b.op(ir.Squeeze, ir.SqueezeAttrs{}, ir.Int8, ir.Shape{3, 2}, qp(1, 0), r)
	equalI8(t, b.run(t, i8s(1, -2, 3, -4, 5, -6)), 1, -2, 3, -4, 5, -6)

	b = newBuilder()
	fin := b.input(ir.Float32, ir.Shape{1, 2, 1}, nil)
	b.op(ir.Squeeze, ir.SqueezeAttrs{Axes: []int{0, 2}}, ir.Float32, ir.Shape{2}, nil, fin)
	equalF32(t, b.run(t, f32s(1.5, negZero)), 1.5, negZero)
}

func TestConcatenation(t *testing.T) {
	t.Run("int8 axis 1", func(t *testing.T) {
		b := newBuilder()
		x := b.input(ir.Int8, ir.Shape{2, 2}, qp(0.5, 3))
		y := b.input(ir.Int8, ir.Shape{2, 1}, qp(0.5, 3))
		z := b.konst(ir.Int8, ir.Shape{2, 3}, qp(0.5, 3), i8s(7, 8, 9, 10, 11, 12))
		b.op(ir.Concatenation, ir.ConcatenationAttrs{Axis: 1}, ir.Int8, ir.Shape{2, 6}, qp(0.5, 3), x, y, z)
		equalI8(t, b.run(t, i8s(1, 2, 3, 4), i8s(-1, -2)), 1, 2, -1, 7, 8, 9, 3, 4, -2, 10, 11, 12)
	})
	t.Run("float axis 0 and last", func(t *testing.T) {
		b := newBuilder()
		x := b.input(ir.Float32, ir.Shape{1, 2}, nil)
		y := b.input(ir.Float32, ir.Shape{2, 2}, nil)
		b.op(ir.Concatenation, ir.ConcatenationAttrs{Axis: 0}, ir.Float32, ir.Shape{3, 2}, nil, x, y)
		equalF32(t, b.run(t, f32s(1, 2), f32s(3, 4, 5, 6)), 1, 2, 3, 4, 5, 6)
	})
	t.Run("int16 axis 2", func(t *testing.T) {
		b := newBuilder()
		x := b.input(ir.Int16, ir.Shape{1, 2, 1}, qp(1, 0))
		y := b.input(ir.Int16, ir.Shape{1, 2, 2}, qp(1, 0))
		b.op(ir.Concatenation, ir.ConcatenationAttrs{Axis: 2}, ir.Int16, ir.Shape{1, 2, 3}, qp(1, 0), x, y)
		got := asI16(b.run(t, i16s(-1, -2), i16s(300, 301, 302, 303)))
		want := []int16{-1, 300, 301, -2, 302, 303}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	})
	t.Run("different scale rejected", func(t *testing.T) {
		b := newBuilder()
		x := b.input(ir.Int8, ir.Shape{2}, qp(0.5, 3))
		y := b.input(ir.Int8, ir.Shape{2}, qp(0.25, 3))
		b.op(ir.Concatenation, ir.ConcatenationAttrs{Axis: 0}, ir.Int8, ir.Shape{4}, qp(0.5, 3), x, y)
		b.prepareErr(t, "op 0 (CONCATENATION)", "input 1", "requantize")
	})
	t.Run("fused activation rejected", func(t *testing.T) {
		b := newBuilder()
		x := b.input(ir.Float32, ir.Shape{2}, nil)
		b.op(ir.Concatenation, ir.ConcatenationAttrs{Axis: 0, Activation: ir.ActRelu}, ir.Float32, ir.Shape{2}, nil, x)
		b.prepareErr(t, "op 0 (CONCATENATION)", "RELU")
	})
}

func TestPad(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{1, 2, 2}, qp(0.5, 1))
	b.op(ir.Pad, ir.PadAttrs{Before: []int{0, 1, 0}, After: []int{1, 0, 1}}, ir.Int8, ir.Shape{2, 3, 3}, qp(0.5, -9), in)
	// Pads with the output zero point −9; the input is copied raw.
	equalI8(t, b.run(t, i8s(1, 2, 3, 4)),
		-9, -9, -9, 1, 2, -9, 3, 4, -9,
		-9, -9, -9, -9, -9, -9, -9, -9, -9)

	b = newBuilder()
	fin := b.input(ir.Float32, ir.Shape{2}, nil)
	b.op(ir.Pad, ir.PadAttrs{Before: []int{2}, After: []int{1}}, ir.Float32, ir.Shape{5}, nil, fin)
	equalF32(t, b.run(t, f32s(negZero, 3)), 0, 0, negZero, 3, 0)

	b = newBuilder()
	sin := b.input(ir.Int16, ir.Shape{1, 1}, qp(1, 0))
	b.op(ir.Pad, ir.PadAttrs{Before: []int{1, 0}, After: []int{0, 1}}, ir.Int16, ir.Shape{2, 2}, qp(1, 0), sin)
	if got := asI16(b.run(t, i16s(-500))); got[0] != 0 || got[1] != 0 || got[2] != -500 || got[3] != 0 {
		t.Fatalf("int16 pad: got %v", got)
	}
}

func TestTranspose(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{2, 3, 4}, qp(1, 0))
	b.op(ir.Transpose, ir.TransposeAttrs{Perm: []int{2, 0, 1}}, ir.Int8, ir.Shape{4, 2, 3}, qp(1, 0), in)
	x := seq8(24, 0)
	var want []int8
	for k := 0; k < 4; k++ {
		for i := 0; i < 2; i++ {
			for j := 0; j < 3; j++ {
				want = append(want, x[i*12+j*4+k])
			}
		}
	}
	equalI8(t, b.run(t, i8s(x...)), want...)

	// Rank 6, float.
	b = newBuilder()
	fin := b.input(ir.Float32, ir.Shape{2, 1, 2, 1, 2, 1}, nil)
	b.op(ir.Transpose, ir.TransposeAttrs{Perm: []int{5, 4, 3, 2, 1, 0}}, ir.Float32, ir.Shape{1, 2, 1, 2, 1, 2}, nil, fin)
	// Reversing the axes of a 2x2x2 array (ignoring size-1 axes): out[a,b,c]
	// = in[c,b,a].
	equalF32(t, b.run(t, f32s(0, 1, 2, 3, 4, 5, 6, 7)), 0, 4, 2, 6, 1, 5, 3, 7)
}

func TestStridedSlice(t *testing.T) {
	x := seq8(24, 0) // shape [2, 3, 4]: x[i,j,k] = 12i + 4j + k
	at := func(i, j, k int) int8 { return x[12*i+4*j+k] }
	for _, tc := range []struct {
		name  string
		attrs ir.StridedSliceAttrs
		shape ir.Shape
		want  []int8
	}{
		{"plain", ir.StridedSliceAttrs{Begin: []int{0, 1, 1}, End: []int{1, 3, 3}, Strides: []int{1, 1, 1}},
			ir.Shape{1, 2, 2}, []int8{at(0, 1, 1), at(0, 1, 2), at(0, 2, 1), at(0, 2, 2)}},
		{"negative indices", ir.StridedSliceAttrs{Begin: []int{-1, -2, -3}, End: []int{2, -1, -1}, Strides: []int{1, 1, 1}},
			ir.Shape{1, 1, 2}, []int8{at(1, 1, 1), at(1, 1, 2)}},
		{"negative stride", ir.StridedSliceAttrs{Begin: []int{1, 2, 3}, End: []int{0, -4, 0}, Strides: []int{-1, -2, -2}},
			ir.Shape{1, 2, 2}, []int8{at(1, 2, 3), at(1, 2, 1), at(1, 0, 3), at(1, 0, 1)}},
		{"begin and end masks", ir.StridedSliceAttrs{Begin: []int{1, 7, 2}, End: []int{2, -9, 0}, Strides: []int{1, 1, 3},
			BeginMask: 0b011, EndMask: 0b110}, ir.Shape{2, 3, 1}, []int8{at(0, 0, 2), at(0, 1, 2), at(0, 2, 2), at(1, 0, 2), at(1, 1, 2), at(1, 2, 2)}},
		{"masks with negative stride", ir.StridedSliceAttrs{Begin: []int{0, 0, 0}, End: []int{0, 0, 0}, Strides: []int{1, -1, -3},
			BeginMask: 0b110, EndMask: 0b111}, ir.Shape{2, 3, 2},
			[]int8{at(0, 2, 3), at(0, 2, 0), at(0, 1, 3), at(0, 1, 0), at(0, 0, 3), at(0, 0, 0),
				at(1, 2, 3), at(1, 2, 0), at(1, 1, 3), at(1, 1, 0), at(1, 0, 3), at(1, 0, 0)}},
		{"shrink", ir.StridedSliceAttrs{Begin: []int{1, -1, 0}, End: []int{0, 0, 4}, Strides: []int{1, 1, 2},
			ShrinkAxisMask: 0b011}, ir.Shape{2}, []int8{at(1, 2, 0), at(1, 2, 2)}},
		{"shrink all", ir.StridedSliceAttrs{Begin: []int{0, 1, 3}, End: []int{1, 2, 4}, Strides: []int{1, 1, 1},
			ShrinkAxisMask: 0b111}, ir.Shape{}, []int8{at(0, 1, 3)}},
		{"clamped out of range", ir.StridedSliceAttrs{Begin: []int{-100, 1, 2}, End: []int{100, 100, 100}, Strides: []int{5, 5, 5}},
			ir.Shape{1, 1, 1}, []int8{at(0, 1, 2)}},
		{"empty", ir.StridedSliceAttrs{Begin: []int{1, 2, 0}, End: []int{1, 3, 4}, Strides: []int{1, 1, 1}},
			ir.Shape{0, 1, 4}, nil},
		{"offset", ir.StridedSliceAttrs{Begin: []int{1, 1, 1}, End: []int{1, 2, 2}, Strides: []int{1, 1, 1}, Offset: true},
			ir.Shape{1, 2, 2}, []int8{at(1, 1, 1), at(1, 1, 2), at(1, 2, 1), at(1, 2, 2)}},
		// An ellipsis covers one axis here (one entry per input axis): that
		// axis is taken whole whatever its begin/end say.
		{"ellipsis", ir.StridedSliceAttrs{Begin: []int{1, 0, 1}, End: []int{2, 0, 2}, Strides: []int{1, 1, 1}, EllipsisMask: 0b010},
			ir.Shape{1, 3, 1}, []int8{at(1, 0, 1), at(1, 1, 1), at(1, 2, 1)}},
		// A new axis inserts a size-1 dimension; the remaining entries
		// address the input axes that follow, and the last input axis is
		// taken whole.
		{"new axis", ir.StridedSliceAttrs{Begin: []int{0, 1, 2}, End: []int{0, 2, 3}, Strides: []int{1, 1, 1}, NewAxisMask: 0b001},
			ir.Shape{1, 1, 1, 4}, []int8{at(1, 2, 0), at(1, 2, 1), at(1, 2, 2), at(1, 2, 3)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder()
			in := b.input(ir.Int8, ir.Shape{2, 3, 4}, qp(1, 0))
			b.op(ir.StridedSlice, tc.attrs, ir.Int8, tc.shape, qp(1, 0), in)
			equalI8(t, b.run(t, i8s(x...)), tc.want...)
		})
	}
}

func TestStridedSliceErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs ir.StridedSliceAttrs
		shape ir.Shape
		want  string
	}{
		{"shape mismatch", ir.StridedSliceAttrs{Begin: []int{0, 0}, End: []int{2, 2}, Strides: []int{1, 1}}, ir.Shape{2, 3}, "selects shape 2x2"},
		{"shrink out of range", ir.StridedSliceAttrs{Begin: []int{5, 0}, End: []int{6, 3}, Strides: []int{1, 1}, ShrinkAxisMask: 1}, ir.Shape{3}, "shrunk axis 0"},
		{"shrink negative stride", ir.StridedSliceAttrs{Begin: []int{1, 0}, End: []int{0, 3}, Strides: []int{-1, 1}, ShrinkAxisMask: 1}, ir.Shape{3}, "shrunk axis 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder()
			in := b.input(ir.Float32, ir.Shape{2, 3}, nil)
			b.op(ir.StridedSlice, tc.attrs, ir.Float32, tc.shape, nil, in)
			b.prepareErr(t, "op 0 (STRIDED_SLICE)", tc.want)
		})
	}
}

func TestStridedSliceRegion(t *testing.T) {
	eff, start, count, stride, out, err := ir.StridedSliceRegion(ir.StridedSliceAttrs{
		Begin: []int{-1, 0}, End: []int{0, 0}, Strides: []int{-1, 2}, EndMask: 0b11, NewAxisMask: 0b10,
	}, ir.Shape{5, 4})
	if err != nil {
		t.Fatal(err)
	}
	// Axis 1 is a new axis; input axis 1 (size 4) becomes effective axis 2
	// and is taken whole with stride 1.
	if !eff.Equal(ir.Shape{5, 1, 4}) || !out.Equal(ir.Shape{5, 1, 4}) ||
		start[0] != 4 || count[0] != 5 || stride[0] != -1 || count[1] != 1 || count[2] != 4 || stride[2] != 1 {
		t.Fatalf("got eff %v start %v count %v stride %v out %v", eff, start, count, stride, out)
	}
}
