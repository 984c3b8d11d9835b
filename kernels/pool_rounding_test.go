// Tests of the lowering and selection of int8 AVERAGE_POOL_2D with
// Rounding=HALF_EVEN.
package kernels

import (
	"testing"

	"github.com/tinygen/tinygen/ir"
)

func TestLowerHalfEvenPool(t *testing.T) {
	q := func() *ir.Quant { return &ir.Quant{Scale: []float32{0.5}, ZeroPoint: []int64{-3}} }
	mk := func(r ir.PoolRounding) *ir.Op {
		return &ir.Op{Kind: ir.AveragePool2D,
			Attrs:   ir.Pool2DAttrs{Padding: ir.PadValid, FilterH: 2, FilterW: 2, StrideH: 2, StrideW: 2, Rounding: r},
			Inputs:  []*ir.Tensor{{Name: "x", DType: ir.Int8, Shape: ir.Shape{1, 4, 4, 2}, Quant: q()}},
			Outputs: []*ir.Tensor{{Name: "y", DType: ir.Int8, Shape: ir.Shape{1, 2, 2, 2}, Quant: q()}}}
	}
	for _, c := range []struct {
		r        ir.PoolRounding
		want     string
		halfEven int
	}{
		{ir.PoolRoundHalfAway, "tg_average_pool2d_s8_armv7em", -1}, // the set specialises the TFLite pool
		{ir.PoolRoundHalfEven, "tg_average_pool2d_ext_s8", 1},
	} {
		op := mk(c.r)
		if referenceOnly(op) != (c.r == ir.PoolRoundHalfEven) {
			t.Errorf("%v: referenceOnly = %v", c.r, referenceOnly(op))
		}
		call, err := Builtin().Select(op, []string{"armv7em", "rv32", Reference})
		if err != nil {
			t.Fatalf("%v: %v", c.r, err)
		}
		if call.Kernel.Symbol != c.want {
			t.Fatalf("%v: kernel %s, want %s", c.r, call.Kernel.Symbol, c.want)
		}
		got := -1
		for _, f := range call.Params.Fields {
			if f.Name == "round_half_even" {
				got = int(f.Value.(Int))
			}
		}
		if got != c.halfEven {
			t.Errorf("%v: round_half_even = %d, want %d", c.r, got, c.halfEven)
		}
	}
}
