package quant

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
)

// RequantizeParams are the precomputed parameters of QUANTIZE with an integer
// input (requantization between int8, uint8, int16 and int32), §11.
type RequantizeParams struct {
	Multiplier      Multiplier // QuantizeMultiplier(double(inScale)/double(outScale))
	InputZeroPoint  int32
	OutputZeroPoint int32
	Min, Max        int32 // the output type's range
	// FlipSignBit is set for the int8↔uint8 fast path (ratio exactly 1 and
	// zero points 128 apart): the output is the input with bit 7 flipped.
	FlipSignBit bool
}

// PrepareRequantize computes RequantizeParams for requantizing inType to
// outType. It reproduces PrepareQuantizeReference in tensorflow/lite/micro/
// kernels/quantize_common.cc and the same-scale test of Requantize in
// tensorflow/lite/kernels/internal/reference/requantize.h
// (tensorflow/tflite-micro at commit 90b983c2). TFLM supports int8→int8,
// int8→uint8, uint8→int8, int8→int16/int32, int16→int8/int16/int32 and
// int32→int8/int16; other pairs give an error.
func PrepareRequantize(inScale, outScale float32, inZeroPoint, outZeroPoint int32, inType, outType ir.DType) (RequantizeParams, error) {
	var p RequantizeParams
	ok := false
	switch inType {
	case ir.Int8:
		ok = outType == ir.Int8 || outType == ir.UInt8 || outType == ir.Int16 || outType == ir.Int32
	case ir.UInt8:
		ok = outType == ir.Int8
	case ir.Int16:
		ok = outType == ir.Int8 || outType == ir.Int16 || outType == ir.Int32
	case ir.Int32:
		ok = outType == ir.Int8 || outType == ir.Int16
	}
	if !ok {
		return p, fmt.Errorf("quant: QUANTIZE from %v to %v is not supported", inType, outType)
	}
	if err := checkScale("QUANTIZE input", inScale); err != nil {
		return p, err
	}
	if err := checkScale("QUANTIZE output", outScale); err != nil {
		return p, err
	}
	p.Min, p.Max, _ = intRange(outType)
	p.InputZeroPoint, p.OutputZeroPoint = inZeroPoint, outZeroPoint
	p.Multiplier.Multiplier, p.Multiplier.Shift = QuantizeMultiplier(float64(inScale) / float64(outScale))
	if p.Multiplier == (Multiplier{1 << 30, 1}) {
		d := inZeroPoint - outZeroPoint
		p.FlipSignBit = (inType == ir.Int8 && outType == ir.UInt8 && d == -128) ||
			(inType == ir.UInt8 && outType == ir.Int8 && d == 128)
	}
	return p, nil
}

// RequantizeElement returns the requantized value of the raw input x (§11):
// with FlipSignBit, x XOR 0x80 reinterpreted in the output type (equal to
// x − zi + zo); otherwise clamp(MultiplyByQuantizedMultiplier(x − zi, …) + zo,
// Min, Max). x − zi is an int32 subtraction (it may wrap for int32 inputs, as
// in C++). It reproduces Requantize in tensorflow/lite/kernels/internal/
// reference/requantize.h (tensorflow/tflite-micro at commit 90b983c2).
func RequantizeElement(p RequantizeParams, x int32) int32 {
	if p.FlipSignBit {
		if p.Min < 0 { // uint8 → int8
			return int32(int8(uint8(x) ^ 0x80))
		}
		return int32(uint8(x) ^ 0x80) // int8 → uint8
	}
	return clamp32(p.Multiplier.Apply(x-p.InputZeroPoint)+p.OutputZeroPoint, p.Min, p.Max)
}
