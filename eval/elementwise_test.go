package eval

import (
	"math"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// The §7/§8 scales: in1 0.05 zp −3, in2 0.1 zp 5, out 0.15 zp −10.
func arithGraph(kind ir.OpKind, act ir.Activation, s1, s2 ir.Shape, so ir.Shape) *builder {
	b := newBuilder()
	x := b.input(ir.Int8, s1, qp(0.05, -3))
	y := b.input(ir.Int8, s2, qp(0.1, 5))
	b.op(kind, ir.BinaryAttrs{Activation: act}, ir.Int8, so, qp(0.15, -10), x, y)
	return b
}

func TestArithInt8WorkedExamples(t *testing.T) {
	for _, tc := range []struct {
		kind ir.OpKind
		want int8
	}{
		{ir.Add, -9},  // §7
		{ir.Mul, -54}, // §8
		{ir.Sub, 24},  // (0.05·53 + 0.1·25)/0.15 − 10 = 24.33
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			b := arithGraph(tc.kind, ir.ActNone, ir.Shape{1}, ir.Shape{1}, ir.Shape{1})
			equalI8(t, b.run(t, i8s(50), i8s(-20)), tc.want)
		})
	}
}

func TestArithInt8ActivationAndSaturation(t *testing.T) {
	// ADD with RELU: lo = max(−128, zo) = −10, so −140 clamps to −10;
	// (0.05·130 + 0.1·122)/0.15 − 10 = 114.67 → 115.
	b := arithGraph(ir.Add, ir.ActRelu, ir.Shape{3}, ir.Shape{3}, ir.Shape{3})
	got := asI8(b.run(t, i8s(-128, 127, 50), i8s(-128, 127, -20)))
	if got[0] != -10 || got[1] != 115 || got[2] != -9 {
		t.Fatalf("got %v, want [-10 115 -9]", got)
	}
}

// refBroadcast computes out[i] = f(a[ia], b[ib]) with an independent
// implementation: the output multi-index is decoded per element and reduced
// modulo each input dimension.
func refBroadcast(as, bs, out ir.Shape, f func(ia, ib int) float32) []float32 {
	n := out.Elements()
	res := make([]float32, n)
	for o := 0; o < n; o++ {
		idx := make([]int, len(out))
		r := o
		for d := len(out) - 1; d >= 0; d-- {
			idx[d] = r % out[d]
			r /= out[d]
		}
		flat := func(s ir.Shape) int {
			k := 0
			for d := range s {
				k = k*s[d] + idx[d+len(out)-len(s)]%s[d]
			}
			return k
		}
		res[o] = f(flat(as), flat(bs))
	}
	return res
}

func TestArithFloatBroadcast(t *testing.T) {
	for _, tc := range []struct {
		a, b, out ir.Shape
	}{
		{ir.Shape{2, 1, 3}, ir.Shape{4, 1}, ir.Shape{2, 4, 3}},
		{ir.Shape{3}, ir.Shape{2, 3}, ir.Shape{2, 3}},
		{ir.Shape{1}, ir.Shape{2, 2}, ir.Shape{2, 2}},
		{ir.Shape{}, ir.Shape{2}, ir.Shape{2}},
		{ir.Shape{2, 1, 1, 1, 1, 3}, ir.Shape{1, 2, 1, 1, 2, 1}, ir.Shape{2, 2, 1, 1, 2, 3}},
	} {
		for _, kind := range []ir.OpKind{ir.Add, ir.Sub, ir.Mul} {
			b := newBuilder()
			x := b.input(ir.Float32, tc.a, nil)
			y := b.input(ir.Float32, tc.b, nil)
			b.op(kind, ir.BinaryAttrs{}, ir.Float32, tc.out, nil, x, y)
			xa := seqF(tc.a.Elements(), 1)
			ya := seqF(tc.b.Elements(), 10)
			for i := range ya {
				ya[i] *= 1.5
			}
			want := refBroadcast(tc.a, tc.b, tc.out, func(i, j int) float32 {
				switch kind {
				case ir.Add:
					return xa[i] + ya[j]
				case ir.Sub:
					return xa[i] - ya[j]
				}
				return xa[i] * ya[j]
			})
			equalF32(t, b.run(t, f32s(xa...), f32s(ya...)), want...)
		}
	}
}

func TestArithInt8BroadcastMatchesElementwise(t *testing.T) {
	// A broadcast ADD gives exactly the same codes as the elementwise ADD on
	// the explicitly repeated operand.
	bb := arithGraph(ir.Add, ir.ActNone, ir.Shape{2, 3}, ir.Shape{3}, ir.Shape{2, 3})
	be := arithGraph(ir.Add, ir.ActNone, ir.Shape{2, 3}, ir.Shape{2, 3}, ir.Shape{2, 3})
	x := i8s(-100, -3, 0, 17, 90, 127)
	got := bb.run(t, x, i8s(-20, 5, 60))
	want := be.run(t, x, i8s(-20, 5, 60, -20, 5, 60))
	equalI8(t, got, asI8(want)...)
}

func TestArithFloatClamp(t *testing.T) {
	inf := float32(math.Inf(1))
	b := newBuilder()
	x := b.input(ir.Float32, ir.Shape{4}, nil)
	y := b.input(ir.Float32, ir.Shape{4}, nil)
	b.op(ir.Add, ir.BinaryAttrs{Activation: ir.ActNone}, ir.Float32, ir.Shape{4}, nil, x, y)
	// NaN passes, ±Inf become ±FLT_MAX, −0 + −0 stays −0.
	equalF32(t, b.run(t, f32s(nan32, inf, -inf, negZero), f32s(1, 1, 1, negZero)),
		nan32, math.MaxFloat32, -math.MaxFloat32, negZero)

	b = newBuilder()
	x = b.input(ir.Float32, ir.Shape{4}, nil)
	y = b.input(ir.Float32, ir.Shape{4}, nil)
	b.op(ir.Mul, ir.BinaryAttrs{Activation: ir.ActRelu}, ir.Float32, ir.Shape{4}, nil, x, y)
	// RELU range [0, FLT_MAX]: −0 is not < 0 so it stays −0; NaN passes.
	equalF32(t, b.run(t, f32s(negZero, -2, nan32, inf), f32s(1, 3, 1, 2)), negZero, 0, nan32, math.MaxFloat32)
}

func TestMinMax(t *testing.T) {
	t.Run("int8 raw codes broadcast", func(t *testing.T) {
		for _, kind := range []ir.OpKind{ir.Maximum, ir.Minimum} {
			b := newBuilder()
			// Different quantisation on purpose: raw codes are compared and
			// copied.
			x := b.input(ir.Int8, ir.Shape{2, 1, 3}, qp(0.5, 0))
			y := b.input(ir.Int8, ir.Shape{1, 4, 1}, qp(2, 10))
			b.op(kind, ir.NoAttrs{}, ir.Int8, ir.Shape{2, 4, 3}, qp(1, 0), x, y)
			xa := []int8{-5, 0, 5, 100, -100, 1}
			ya := []int8{-128, 1, 4, 127}
			want := refBroadcast(ir.Shape{2, 1, 3}, ir.Shape{1, 4, 1}, ir.Shape{2, 4, 3}, func(i, j int) float32 {
				if (kind == ir.Maximum) == (xa[i] > ya[j]) {
					return float32(xa[i])
				}
				return float32(ya[j])
			})
			got := asI8(b.run(t, i8s(xa...), i8s(ya...)))
			for i := range got {
				if float32(got[i]) != want[i] {
					t.Fatalf("%v: got %v, want %v", kind, got, want)
				}
			}
		}
	})
	t.Run("float NaN", func(t *testing.T) {
		for _, tc := range []struct {
			kind ir.OpKind
			want []float32
		}{
			// el1 > el2 ? el1 : el2 — a NaN on either side selects el2.
			{ir.Maximum, []float32{1, nan32, 2, 0}},
			{ir.Minimum, []float32{1, nan32, 1, 0}},
		} {
			b := newBuilder()
			x := b.input(ir.Float32, ir.Shape{4}, nil)
			y := b.input(ir.Float32, ir.Shape{4}, nil)
			b.op(tc.kind, ir.NoAttrs{}, ir.Float32, ir.Shape{4}, nil, x, y)
			equalF32(t, b.run(t, f32s(nan32, 1, 1, negZero), f32s(1, nan32, 2, 0)), tc.want...)
		}
	})
	t.Run("int16 and int32", func(t *testing.T) {
		b := newBuilder()
		x := b.input(ir.Int16, ir.Shape{2}, nil)
		y := b.input(ir.Int16, ir.Shape{2}, nil)
		b.op(ir.Maximum, ir.NoAttrs{}, ir.Int16, ir.Shape{2}, nil, x, y)
		if got := asI16(b.run(t, i16s(-300, 300), i16s(200, -200))); got[0] != 200 || got[1] != 300 {
			t.Fatalf("got %v", got)
		}
		b = newBuilder()
		x = b.input(ir.Int32, ir.Shape{2}, nil)
		y = b.input(ir.Int32, ir.Shape{1}, nil)
		b.op(ir.Minimum, ir.NoAttrs{}, ir.Int32, ir.Shape{2}, nil, x, y)
		got := b.run(t, i32s(-70000, 70000), i32s(5))
		if string(got) != string(i32s(-70000, 5)) {
			t.Fatalf("got %v", got)
		}
	})
}

func TestArithUnsupported(t *testing.T) {
	b := newBuilder()
	x := b.input(ir.Int32, ir.Shape{2}, qp(1, 0))
	y := b.input(ir.Int32, ir.Shape{2}, qp(1, 0))
	b.op(ir.Add, ir.BinaryAttrs{}, ir.Int32, ir.Shape{2}, qp(1, 0), x, y)
	b.prepareErr(t, "op 0 (ADD)", "unsupported type combination", "input 0 i32", "output 0 i32")
}
