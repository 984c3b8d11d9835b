// lower_quantize.go: ONNX QuantizeLinear (ties to even, per tensor, per
// axis or blocked) lowered to tg_quantize_f32_blocked.

package kernels

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
)

// lowerQuantizeBlocked lowers a QUANTIZE float32 → uint8/int8/int16 with
// ONNX's rounding or blocked scales to tg_quantize_f32_blocked: the scales
// and zero points are parameter arrays (from the output's quantisation,
// or from the constant inputs 1 and 2 of a blocked QUANTIZE), addressed by
// the strides its doc comment gives.
func lowerQuantizeBlocked(op *ir.Op) (Call, error) {
	x, y := op.Inputs[0], op.Outputs[0]
	a, _ := op.Attrs.(ir.QuantizeAttrs)
	code, ok := axisCodes[y.DType]
	if x.DType != ir.Float32 || !ok {
		return Call{}, noKernel(op)
	}
	size := y.Shape.Elements()
	inner, dim, block := max(size, 1), 1, 1
	outerStride, axisStride, innerStride := 0, 0, 0
	var scales []float32
	var zps []int
	if op.Blocked() {
		scales = op.Inputs[1].Float32s()
		var err error
		if zps, err = op.Inputs[2].Ints(); err != nil {
			return Call{}, err
		}
		inner = 1
		for _, d := range x.Shape[a.Axis+1:] {
			inner *= d
		}
		dim, block = x.Shape[a.Axis], a.BlockSize
		blocks := (dim + block - 1) / block
		inner, dim = max(inner, 1), max(dim, 1)
		outerStride, axisStride, innerStride = blocks*inner, inner, 1
	} else {
		var channels int
		var err error
		if _, inner, channels, scales, zps, err = axisParams(y); err != nil {
			return Call{}, err
		}
		if y.Quant.PerChannel() {
			dim, axisStride = channels, 1
		} else {
			inner = max(size, 1)
		}
	}
	if len(scales) == 0 || len(scales) != len(zps) {
		return Call{}, fmt.Errorf("%v: %d scales and %d zero points", op, len(scales), len(zps))
	}
	even := 0
	if a.Rounding == ir.QuantizeRoundHalfEven {
		even = 1
	}
	lo, hi := y.DType.Range()
	return newCall("tg_quantize_f32_blocked", []Field{fi("size", size), fi("elem", code),
		fi("inner", inner), fi("dim", dim), fi("block", block),
		fi("outer_stride", outerStride), fi("axis_stride", axisStride), fi("inner_stride", innerStride),
		fi("round_half_even", even), fi("qmin", int(lo)), fi("qmax", int(hi)),
		f("scales", Array{Elem: "float", Floats: scales}), f("zero_points", ints(zps, "int32_t"))},
		in("input", x, "float"), out(y, "void"))
}
