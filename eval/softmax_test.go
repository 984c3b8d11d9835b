package eval

import (
	"math"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// §9.3: in_scale 0.1, beta 1, row [127, 120, 100, 0, −128, 126].
func TestSoftmaxInt8WorkedExample(t *testing.T) {
	row := []int8{127, 120, 100, 0, -128, 126}
	t.Run("int8", func(t *testing.T) {
		b := newBuilder()
		in := b.input(ir.Int8, ir.Shape{2, 6}, qp(0.1, 3))
		b.op(ir.Softmax, ir.SoftmaxAttrs{Beta: 1}, ir.Int8, ir.Shape{2, 6}, qp(1.0/256, -128), in)
		// Two identical rows (each row is independent); the input zero
		// point does not matter, only differences do.
		got := b.run(t, i8s(append(append([]int8{}, row...), row...)...))
		want := []int8{-24, -77, -121, -128, -128, -34}
		equalI8(t, got, append(append([]int8{}, want...), want...)...)
	})
	t.Run("int16", func(t *testing.T) {
		// ir.Verify does not accept an int8 → int16 SOFTMAX yet, so the
		// kernel is run directly.
		in := &ir.Tensor{DType: ir.Int8, Shape: ir.Shape{1, 1, 6}, Quant: qp(0.1, 0)}
		out := &ir.Tensor{DType: ir.Int16, Shape: ir.Shape{1, 1, 6}, Quant: qp(1.0/65536, -32768)}
		op := &ir.Op{Kind: ir.Softmax, Attrs: ir.SoftmaxAttrs{Beta: 1}, Inputs: []*ir.Tensor{in}, Outputs: []*ir.Tensor{out}}
		got := asI16(runKernel(t, op, i8s(row...)))
		want := []int16{-6221, -19585, -30984, -32768, -32768, -8747}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	})
}

func TestSoftmaxPrepareErrors(t *testing.T) {
	for _, q := range []*ir.Quant{qp(1.0/255, -128), qp(1.0/256, 0)} {
		b := newBuilder()
		in := b.input(ir.Int8, ir.Shape{1, 4}, qp(0.1, 0))
		b.op(ir.Softmax, ir.SoftmaxAttrs{Beta: 1}, ir.Int8, ir.Shape{1, 4}, q, in)
		b.prepareErr(t, "op 0 (SOFTMAX)", "1/256")
	}
	b := newBuilder()
	in := b.input(ir.Int16, ir.Shape{1, 4}, qp(1.0/32768, 0))
	b.op(ir.Softmax, ir.SoftmaxAttrs{Beta: 1}, ir.Int16, ir.Shape{1, 4}, qp(1.0/32768, 0), in)
	b.prepareErr(t, "op 0 (SOFTMAX)", "unsupported type combination", "input 0 i16")
}

func TestSoftmaxFloat(t *testing.T) {
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{2, 3}, nil)
	b.op(ir.Softmax, ir.SoftmaxAttrs{Beta: 2}, ir.Float32, ir.Shape{2, 3}, nil, in)
	x := []float32{1, 2, 3, -1, -1, -1}
	got := asF32(b.run(t, f32s(x...)))
	// Reference order: e = expf((x − max)·beta), sum in order, divide.
	for r := 0; r < 2; r++ {
		row := x[3*r : 3*r+3]
		m := row[0]
		for _, v := range row {
			m = max(m, v)
		}
		var e [3]float32
		var sum float32
		for c, v := range row {
			e[c] = float32(math.Exp(float64((v - m) * 2)))
			sum += e[c]
		}
		for c := range row {
			if w := e[c] / sum; got[3*r+c] != w {
				t.Fatalf("row %d: got %v, want %v", r, got[3*r:3*r+3], w)
			}
		}
	}
	if got[3] != got[4] || got[4] != got[5] || math.Abs(float64(got[0]+got[1]+got[2])-1) > 1e-6 {
		t.Fatalf("implausible softmax %v", got)
	}
}
