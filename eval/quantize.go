package eval

import (
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// prepareQuantize prepares QUANTIZE. float32 → int8, uint8, int16 or int32
// computes clamp(roundf(x / scale) + zero point) with a float32 division
// (quant.QuantizeFloat, AffineQuantize in tensorflow/lite/kernels/internal/
// reference/quantize.h); an integer input is requantized
// (quant.PrepareRequantize/RequantizeElement, PrepareQuantizeReference in
// tensorflow/lite/micro/kernels/quantize_common.cc and Requantize in
// reference/requantize.h), for the pairs TFLM supports (§11). The output
// must be quantised per tensor.
func prepareQuantize(op *ir.Op) (kernel, error) {
	in, out := op.Inputs[0], op.Outputs[0]
	if op.Blocked() {
		return prepareQuantizeBlocked(op)
	}
	if in.DType == ir.Float32 && out.Quant.PerChannel() {
		return prepareQuantizePerAxis(op)
	}
	outS, outZ, err := tensorQuant(op, out, "output")
	if err != nil {
		return nil, err
	}
	if in.DType == ir.Float32 {
		if !isIntType(out.DType) {
			return nil, unsupportedTypes(op)
		}
		lo64, hi64 := out.DType.Range()
		lo, hi, dt := int32(lo64), int32(hi64), out.DType
		q := quantizeFunc(op)
		return func(ins [][]byte, o []byte) error {
			x := decodeF32(ins[0])
			for i, v := range x {
				setIntAt(o, dt, i, q(v, outS, outZ, lo, hi))
			}
			return nil
		}, nil
	}
	if !isIntType(in.DType) || !isIntType(out.DType) {
		return nil, unsupportedTypes(op)
	}
	inS, inZ, err := tensorQuant(op, in, "input")
	if err != nil {
		return nil, err
	}
	p, err := quant.PrepareRequantize(inS, outS, inZ, outZ, in.DType, out.DType)
	if err != nil {
		return nil, err
	}
	return unaryInt(in.DType, out.DType, func(x int32) int32 { return quant.RequantizeElement(p, x) }), nil
}

// prepareDequantize prepares DEQUANTIZE from int8, uint8 or int16 to
// float32: float32(double(scale)·double(q − zero point)) (quant.Dequantize,
// Dequantize in tensorflow/lite/kernels/internal/reference/dequantize.h, as
// called by tensorflow/lite/micro/kernels/dequantize.cc; §11). The input must
// be quantised per tensor.
func prepareDequantize(op *ir.Op) (kernel, error) {
	in, out := op.Inputs[0], op.Outputs[0]
	if out.DType != ir.Float32 || (in.DType != ir.Int8 && in.DType != ir.UInt8 && in.DType != ir.Int16) {
		return nil, unsupportedTypes(op)
	}
	if in.Quant.PerChannel() {
		return prepareDequantizePerAxis(op)
	}
	s, z, err := tensorQuant(op, in, "input")
	if err != nil {
		return nil, err
	}
	dt := in.DType
	return func(ins [][]byte, o []byte) error {
		x := decodeInts(ins[0], dt, 0)
		for i, v := range x {
			setF32At(o, i, quant.Dequantize(v, s, z))
		}
		return nil
	}, nil
}

// axisGeom returns, for a per-axis quantised tensor, the number of elements
// per index of the quantised dimension (its inner size) and that
// dimension's size: element i has channel (i / inner) % channels.
func axisGeom(t *ir.Tensor) (inner, channels int) {
	inner = 1
	for _, d := range t.Shape[t.Quant.Axis+1:] {
		inner *= d
	}
	return max(inner, 1), t.Shape[t.Quant.Axis]
}

// prepareQuantizePerAxis prepares QUANTIZE float32 → uint8/int8/int16 with
// one scale and zero point per index of the output's quantised dimension
// (ONNX QuantizeLinear with axis; TFLite's per-channel AffineQuantize):
// quant.QuantizeFloat with the element's channel parameters.
func prepareQuantizePerAxis(op *ir.Op) (kernel, error) {
	out := op.Outputs[0]
	if !isIntType(out.DType) {
		return nil, unsupportedTypes(op)
	}
	inner, channels := axisGeom(out)
	q := out.Quant
	lo64, hi64 := out.DType.Range()
	lo, hi, dt := int32(lo64), int32(hi64), out.DType
	qf := quantizeFunc(op)
	return func(ins [][]byte, o []byte) error {
		for i, v := range decodeF32(ins[0]) {
			c := (i / inner) % channels
			setIntAt(o, dt, i, qf(v, q.Scale[c], int32(q.ZeroPoint[c]), lo, hi))
		}
		return nil
	}, nil
}

// prepareDequantizePerAxis prepares DEQUANTIZE with one scale and zero
// point per index of the input's quantised dimension (ONNX
// DequantizeLinear with axis; TFLite's PerChannelDequantize):
// quant.Dequantize with the element's channel parameters.
func prepareDequantizePerAxis(op *ir.Op) (kernel, error) {
	in := op.Inputs[0]
	inner, channels := axisGeom(in)
	q, dt := in.Quant, in.DType
	return func(ins [][]byte, o []byte) error {
		for i, v := range decodeInts(ins[0], dt, 0) {
			c := (i / inner) % channels
			setF32At(o, i, quant.Dequantize(v, q.Scale[c], int32(q.ZeroPoint[c])))
		}
		return nil
	}, nil
}

// quantizeFunc returns the float → integer rule of a QUANTIZE by its
// Rounding: quant.QuantizeFloat (TFLite, half away from zero) or
// quant.QuantizeFloatHalfEven (ONNX QuantizeLinear).
func quantizeFunc(op *ir.Op) func(x, scale float32, zeroPoint, lo, hi int32) int32 {
	if a, _ := op.Attrs.(ir.QuantizeAttrs); a.Rounding == ir.QuantizeRoundHalfEven {
		return quant.QuantizeFloatHalfEven
	}
	return quant.QuantizeFloat
}

// prepareQuantizeBlocked prepares a blocked QUANTIZE (ONNX QuantizeLinear
// with block_size): each element is quantized with the scale and zero
// point of its block (ir.BlockIndex) by the op's rounding rule.
func prepareQuantizeBlocked(op *ir.Op) (kernel, error) {
	in, out := op.Inputs[0], op.Outputs[0]
	a := op.Attrs.(ir.QuantizeAttrs)
	scales := op.Inputs[1].Float32s()
	zps, err := op.Inputs[2].Ints()
	if err != nil {
		return nil, err
	}
	inner := 1
	for _, d := range in.Shape[a.Axis+1:] {
		inner *= d
	}
	dim := in.Shape[a.Axis]
	blocks := (dim + a.BlockSize - 1) / a.BlockSize
	lo64, hi64 := out.DType.Range()
	lo, hi, dt := int32(lo64), int32(hi64), out.DType
	qf := quantizeFunc(op)
	return func(ins [][]byte, o []byte) error {
		for i, v := range decodeF32(ins[0]) {
			j := ir.BlockIndex(i, inner, dim, a.BlockSize, blocks)
			setIntAt(o, dt, i, qf(v, scales[j], int32(zps[j]), lo, hi))
		}
		return nil
	}, nil
}
