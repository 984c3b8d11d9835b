// Tests of the pooling kernels' division and selection: the reciprocal
// that tg_a7_pool_div and tg_rv32_pool_div multiply by gives the exact
// quotient for every window size and sum they use it for, and the sets
// take the TFLite pools but not the ONNX extended ones.

package kernels

import (
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// TestPoolReciprocalExact checks, for every n in [2, 256] and every
// x = |sum| + n/2 with |sum| <= 128 n (the largest int8 window sum), that
// the high word of x * (0xffffffff / n + 1) is floor(x / n), as
// docs/kernels.md proves: the C kernels divide that way.
func TestPoolReciprocalExact(t *testing.T) {
	for n := uint64(2); n <= 256; n++ {
		r := uint64(0xffffffff)/n + 1
		for x := uint64(0); x <= 128*n+n/2; x++ {
			if q := x * r >> 32; q != x/n {
				t.Fatalf("n %d, x %d: reciprocal quotient %d, want %d", n, x, q, x/n)
			}
		}
	}
}

// TestPoolSelection checks which pools the sets take: armv7em and rv32
// the int8 TFLite ones (with the reference parameters), not the dilated
// ONNX ones; fpu the float32 ones only.
func TestPoolSelection(t *testing.T) {
	q := func() *ir.Quant { return &ir.Quant{Scale: []float32{0.5}, ZeroPoint: []int64{-3}} }
	mk := func(k ir.OpKind, a ir.Pool2DAttrs) *ir.Op {
		_, dw := a.Dilations()
		return &ir.Op{Kind: k, Attrs: a,
			Inputs:  []*ir.Tensor{{Name: "x", DType: ir.Int8, Shape: ir.Shape{1, 6, 6, 8}, Quant: q()}},
			Outputs: []*ir.Tensor{{Name: "y", DType: ir.Int8, Shape: ir.Shape{1, 3, (6-dw-1)/2 + 1, 8}, Quant: q()}}}
	}
	f32 := func(op *ir.Op) *ir.Op {
		for _, x := range append(op.Inputs, op.Outputs...) {
			x.DType, x.Quant = ir.Float32, nil
		}
		return op
	}
	tflite := ir.Pool2DAttrs{Padding: ir.PadValid, FilterH: 2, FilterW: 2, StrideH: 2, StrideW: 2}
	dilated := ir.Pool2DAttrs{Padding: ir.PadValid, FilterH: 2, FilterW: 2, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 2}
	for _, c := range []struct {
		set, name string
		op        *ir.Op
		want      string
	}{
		{ArmV7EM, "average", mk(ir.AveragePool2D, tflite), "tg_average_pool2d_s8_armv7em"},
		{ArmV7EM, "max", mk(ir.MaxPool2D, tflite), "tg_max_pool2d_s8_armv7em"},
		{RV32, "average", mk(ir.AveragePool2D, tflite), "tg_average_pool2d_s8_rv32"},
		{RV32, "max", mk(ir.MaxPool2D, tflite), "tg_max_pool2d_s8_rv32"},
		{ArmV7EM, "dilated max", mk(ir.MaxPool2D, dilated), "tg_max_pool2d_ext_s8"},
		{RV32, "dilated max", mk(ir.MaxPool2D, dilated), "tg_max_pool2d_ext_s8"},
		{FPU, "int8 average", mk(ir.AveragePool2D, tflite), "tg_average_pool2d_s8"},
		{FPU, "float average", f32(mk(ir.AveragePool2D, tflite)), "tg_average_pool2d_f32_fpu"},
		{FPU, "float max", f32(mk(ir.MaxPool2D, tflite)), "tg_max_pool2d_f32_fpu"},
		{ArmV7EM, "float max", f32(mk(ir.MaxPool2D, tflite)), "tg_max_pool2d_f32"},
	} {
		call, err := Builtin().Select(c.op, []string{c.set, Reference})
		if err != nil {
			t.Fatalf("%s %s: %v", c.set, c.name, err)
		}
		if call.Kernel.Symbol != c.want {
			t.Errorf("%s %s: kernel %s, want %s", c.set, c.name, call.Kernel.Symbol, c.want)
		}
		if call.Params.Type != call.Kernel.ParamsType {
			t.Errorf("%s %s: params %s, kernel takes %s", c.set, c.name, call.Params.Type, call.Kernel.ParamsType)
		}
	}
}
