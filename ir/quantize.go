// Package ir: QUANTIZE's attributes (rounding, blocked scales) for ONNX
// QuantizeLinear.
package ir

import "fmt"

// QuantizeRounding is how QUANTIZE float32 → integer rounds x / scale.
type QuantizeRounding uint8

// The QUANTIZE rounding modes.
const (
	// QuantizeRoundHalfAway rounds ties away from zero (TFLite's
	// AffineQuantize, quant.QuantizeFloat); the default.
	QuantizeRoundHalfAway QuantizeRounding = iota
	// QuantizeRoundHalfEven rounds ties to the even integer (ONNX
	// QuantizeLinear: rint/nearbyint; quant.QuantizeFloatHalfEven).
	QuantizeRoundHalfEven
)

var quantizeRoundingNames = []string{"HALF_AWAY", "HALF_EVEN"}

// String returns the rounding mode's name in the IR text.
func (r QuantizeRounding) String() string {
	return enumName(quantizeRoundingNames, int(r), "quantize rounding")
}

// QuantizeAttrs are the attributes of QUANTIZE. Every field is left out
// of the IR text at its zero value, so TFLite graphs print as before.
//
// With one input, the output's quantisation parameters (per tensor or per
// axis) give the scale and zero point. With three, the op is a blocked
// QuantizeLinear: input 1 is a float32 constant of scales and input 2 a
// constant of zero points of the output's type, both shaped like the
// input except that dimension Axis has ceil(d / BlockSize) entries;
// element x[..., i, ...] (i on Axis) uses entry [..., i / BlockSize, ...].
// The output then has no quantisation parameters (its codes have no one
// scale).
type QuantizeAttrs struct {
	Rounding  QuantizeRounding `ir:"omitzero"`
	Axis      int              `ir:"omitzero"`
	BlockSize int              `ir:"omitzero"`
}

func (QuantizeAttrs) isAttrs() {}

// Blocked reports whether op is a QUANTIZE with per-block scales and
// zero points given as inputs 1 and 2.
func (o *Op) Blocked() bool {
	return o.Kind == Quantize && len(o.Inputs) == 3
}

// verifyQuantize checks QUANTIZE's types and attributes: a float32 or
// quantised input and a quantised integer output; or, blocked, a float32
// input, constant scales and zero points shaped by Axis and BlockSize and
// an unquantised 8/16-bit output. A non-default rounding needs a float32
// input.
func verifyQuantize(o *Op) error {
	in, out := o.Inputs[0], o.Outputs[0]
	a, _ := o.Attrs.(QuantizeAttrs)
	if int(a.Rounding) >= len(quantizeRoundingNames) {
		return fmt.Errorf("unknown quantize rounding %d", a.Rounding)
	}
	if a.Rounding != QuantizeRoundHalfAway && in.DType != Float32 {
		return fmt.Errorf("Rounding=%v needs a float32 input", a.Rounding)
	}
	if len(o.Inputs) == 1 {
		if a.Axis != 0 || a.BlockSize != 0 {
			return fmt.Errorf("Axis and BlockSize need the scale and zero point inputs")
		}
		if !out.DType.IsQuantizable() || out.Quant == nil {
			return fmt.Errorf("output %v must be a quantised integer tensor", out)
		}
		if in.DType != Float32 && in.Quant == nil {
			return fmt.Errorf("input %v must be float32 or quantised", in)
		}
		return nil
	}
	if len(o.Inputs) != 3 || o.Inputs[1] == nil || o.Inputs[2] == nil {
		return fmt.Errorf("blocked QUANTIZE needs both a scale and a zero point input")
	}
	s, z := o.Inputs[1], o.Inputs[2]
	if in.DType != Float32 {
		return fmt.Errorf("blocked QUANTIZE needs a float32 input, not %v", in.DType)
	}
	if out.DType != Int8 && out.DType != UInt8 && out.DType != Int16 {
		return fmt.Errorf("blocked QUANTIZE writes int8, uint8 or int16, not %v", out.DType)
	}
	if out.Quant != nil || s.Quant != nil || z.Quant != nil {
		return fmt.Errorf("blocked QUANTIZE's output, scales and zero points carry no quantisation parameters")
	}
	if !s.IsConst() || s.DType != Float32 {
		return fmt.Errorf("scales %v must be a float32 constant", s)
	}
	if !z.IsConst() || z.DType != out.DType {
		return fmt.Errorf("zero points %v must be a constant of the output's type %v", z, out.DType)
	}
	if a.Axis < 0 || a.Axis >= len(in.Shape) || a.BlockSize <= 0 {
		return fmt.Errorf("Axis=%d BlockSize=%d do not fit input shape %v", a.Axis, a.BlockSize, in.Shape)
	}
	want := in.Shape.Clone()
	want[a.Axis] = (in.Shape[a.Axis] + a.BlockSize - 1) / a.BlockSize
	if !s.Shape.Equal(want) || !z.Shape.Equal(want) {
		return fmt.Errorf("scales %v and zero points %v must have shape %v (input %v, BlockSize %d on axis %d)",
			s.Shape, z.Shape, want, in.Shape, a.BlockSize, a.Axis)
	}
	for i, v := range s.Float32s() {
		if !(v > 0) || v > 3.4e38 {
			return fmt.Errorf("scale %d is %v (want positive and finite)", i, v)
		}
	}
	return nil
}

// BlockIndex returns, for element i of a blocked QUANTIZE's input, the
// index of its scale and zero point. inner is the product of the input's
// dimensions after Axis, dim the size of Axis and blocks
// ceil(dim / BlockSize).
func BlockIndex(i, inner, dim, block, blocks int) int {
	r := i % inner
	a := (i / inner) % dim
	o := i / (inner * dim)
	return (o*blocks+a/block)*inner + r
}
