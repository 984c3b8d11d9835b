package quant

import (
	"fmt"
	"math"

	"github.com/tinygen/tinygen/ir"
)

// activationType checks that a standalone quantized activation runs on int8
// or int16 and returns the type's range.
func activationType(op string, dt ir.DType) (lo, hi int32, err error) {
	if dt != ir.Int8 && dt != ir.Int16 {
		return 0, 0, fmt.Errorf("quant: %s: unsupported type %v", op, dt)
	}
	return intRange(dt)
}

// ReluParams are the precomputed parameters of quantized RELU, which
// requantizes from the input to the output scale (§13), TFLM's ReluOpData.
type ReluParams struct {
	InputZeroPoint  int32
	OutputZeroPoint int32
	Output          Multiplier // from double(float32(inScale/outScale))
	Min, Max        int32      // max(type min, zo), type max
}

// PrepareRelu computes ReluParams for int8 or int16 RELU:
// QuantizeMultiplier(double(float32(inScale/outScale))), Min =
// max(type min, outZeroPoint + roundf(0/outScale)), Max = type max. It
// reproduces CalculateReluOpData in tensorflow/lite/micro/kernels/
// activations_common.cc (tensorflow/tflite-micro at commit 90b983c2).
func PrepareRelu(inScale, outScale float32, inZeroPoint, outZeroPoint int32, dt ir.DType) (ReluParams, error) {
	lo, hi, err := activationType("RELU", dt)
	if err != nil {
		return ReluParams{}, err
	}
	if err := checkScale("RELU input", inScale); err != nil {
		return ReluParams{}, err
	}
	if err := checkScale("RELU output", outScale); err != nil {
		return ReluParams{}, err
	}
	p := ReluParams{InputZeroPoint: inZeroPoint, OutputZeroPoint: outZeroPoint, Max: hi}
	p.Output.Multiplier, p.Output.Shift = QuantizeMultiplier(float64(inScale / outScale))
	p.Min = int32(max(int64(lo), int64(outZeroPoint)+int64(RoundToInt32(0/outScale))))
	return p, nil
}

// ReluElement returns clamp(zo + MultiplyByQuantizedMultiplier(x − zi, …),
// Min, Max), as ReluQuantized in tensorflow/lite/micro/kernels/activations.h
// (tensorflow/tflite-micro at commit 90b983c2).
func ReluElement(p ReluParams, x int32) int32 {
	return clamp32(p.OutputZeroPoint+p.Output.Apply(x-p.InputZeroPoint), p.Min, p.Max)
}

// Relu6Params are the bounds of quantized RELU6, which does not requantize:
// the output parameters are ignored (§13).
type Relu6Params struct {
	Lo int32 // the input zero point (not clamped)
	Hi int32 // clamp(round(6/inScale) + zi, type range)
}

// PrepareRelu6 computes Relu6Params for int8 or int16 RELU6: Lo = inZeroPoint,
// Hi = FloatToQuantizedType(6.0f, inScale, inZeroPoint) = clamp(roundf(6/
// inScale) + inZeroPoint, type range) with a float32 division. It reproduces
// Relu6Prepare in tensorflow/lite/micro/kernels/activations_common.cc and
// FloatToQuantizedType in tensorflow/lite/micro/micro_utils.h
// (tensorflow/tflite-micro at commit 90b983c2).
func PrepareRelu6(inScale float32, inZeroPoint int32, dt ir.DType) (Relu6Params, error) {
	lo, hi, err := activationType("RELU6", dt)
	if err != nil {
		return Relu6Params{}, err
	}
	if err := checkScale("RELU6 input", inScale); err != nil {
		return Relu6Params{}, err
	}
	six := int64(RoundToInt32(6/inScale)) + int64(inZeroPoint)
	return Relu6Params{Lo: inZeroPoint, Hi: int32(min(max(six, int64(lo)), int64(hi)))}, nil
}

// Relu6Element returns x > Hi ? Hi : (x < Lo ? Lo : x), as Relu6Quantized in
// tensorflow/lite/micro/kernels/activations.h (tensorflow/tflite-micro at
// commit 90b983c2).
func Relu6Element(p Relu6Params, x int32) int32 {
	if x > p.Hi {
		return p.Hi
	}
	if x < p.Lo {
		return p.Lo
	}
	return x
}

// LeakyReluParams are the precomputed parameters of quantized LEAKY_RELU
// (§13), TFLM's LeakyReluOpData.
type LeakyReluParams struct {
	InputZeroPoint  int32
	OutputZeroPoint int32
	Alpha           Multiplier // for x < zi; negative Multiplier if alpha < 0
	Identity        Multiplier // for x ≥ zi
	Min, Max        int32      // the type range
}

// PrepareLeakyRelu computes LeakyReluParams for int8 or int16 LEAKY_RELU:
// Alpha = QuantizeMultiplier(double(float32(inScale·alpha/outScale))) (float32
// operations left to right) and Identity =
// QuantizeMultiplier(double(float32(inScale/outScale))). A negative alpha
// gives a negative Alpha.Multiplier. It reproduces CalculateOpDataLeakyRelu in
// tensorflow/lite/micro/kernels/leaky_relu_common.cc (tensorflow/tflite-micro
// at commit 90b983c2).
func PrepareLeakyRelu(inScale, outScale, alpha float32, inZeroPoint, outZeroPoint int32, dt ir.DType) (LeakyReluParams, error) {
	lo, hi, err := activationType("LEAKY_RELU", dt)
	if err != nil {
		return LeakyReluParams{}, err
	}
	if err := checkScale("LEAKY_RELU input", inScale); err != nil {
		return LeakyReluParams{}, err
	}
	if err := checkScale("LEAKY_RELU output", outScale); err != nil {
		return LeakyReluParams{}, err
	}
	if math.IsNaN(float64(alpha)) || math.IsInf(float64(alpha), 0) {
		return LeakyReluParams{}, fmt.Errorf("quant: LEAKY_RELU alpha %v is not finite", alpha)
	}
	p := LeakyReluParams{InputZeroPoint: inZeroPoint, OutputZeroPoint: outZeroPoint, Min: lo, Max: hi}
	p.Alpha.Multiplier, p.Alpha.Shift = QuantizeMultiplier(float64(inScale * alpha / outScale))
	p.Identity.Multiplier, p.Identity.Shift = QuantizeMultiplier(float64(inScale / outScale))
	return p, nil
}

// LeakyReluElement returns, with v = x − zi, clamp(zo +
// MultiplyByQuantizedMultiplier(v, Identity) if v ≥ 0, else zo +
// MultiplyByQuantizedMultiplier(v, Alpha)) to the type range. A negative
// alpha multiplier is passed to MultiplyByQuantizedMultiplier as is (its
// SaturatingRoundingDoublingHighMul handles the sign, rounding ties toward
// +infinity). It reproduces QuantizeLeakyRelu in tensorflow/lite/kernels/
// internal/reference/leaky_relu.h (tensorflow/tflite-micro at commit 90b983c2).
func LeakyReluElement(p LeakyReluParams, x int32) int32 {
	v := x - p.InputZeroPoint
	m := p.Identity
	if v < 0 {
		m = p.Alpha
	}
	return clamp32(p.OutputZeroPoint+m.Apply(v), p.Min, p.Max)
}

// HardSwishParams are the precomputed parameters of int8 HARD_SWISH (§13),
// TFLM's HardSwishParams. Both multipliers are Q0.15 (DownScaleInt32ToInt16Multiplier).
type HardSwishParams struct {
	InputZeroPoint    int32
	OutputZeroPoint   int32
	OutputMultiplier  int16 // (inScale/128)/outScale
	OutputShift       int   // ≤ 0
	ReluishMultiplier int16 // (inScale/128)/(3/32768)
	ReluishShift      int   // left shift, may be positive or negative
}

// PrepareHardSwishInt8 computes HardSwishParams: with hires = inScale/128
// (float32), output multiplier QuantizeMultiplier(double(hires/outScale)) and
// reluish multiplier QuantizeMultiplier(double(hires/(3/32768))), both
// down-scaled to Q0.15. Prepare fails unless the output shift is ≤ 0. It
// reproduces HardSwishPrepare in tensorflow/lite/micro/kernels/
// hard_swish_common.cc (tensorflow/tflite-micro at commit 90b983c2).
func PrepareHardSwishInt8(inScale, outScale float32, inZeroPoint, outZeroPoint int32) (HardSwishParams, error) {
	if err := checkScale("HARD_SWISH input", inScale); err != nil {
		return HardSwishParams{}, err
	}
	if err := checkScale("HARD_SWISH output", outScale); err != nil {
		return HardSwishParams{}, err
	}
	hires := (1.0 / 128.0) * inScale
	const reluishScale float32 = 3.0 / 32768.0
	qo, eo := QuantizeMultiplier(float64(hires / outScale))
	if eo > 0 {
		return HardSwishParams{}, fmt.Errorf("quant: HARD_SWISH output multiplier %v needs a left shift (%d); TFLM requires it ≤ 0",
			hires/outScale, eo)
	}
	qr, er := QuantizeMultiplier(float64(hires / reluishScale))
	return HardSwishParams{
		InputZeroPoint:    inZeroPoint,
		OutputZeroPoint:   outZeroPoint,
		OutputMultiplier:  DownScaleInt32ToInt16Multiplier(qo),
		OutputShift:       eo,
		ReluishMultiplier: DownScaleInt32ToInt16Multiplier(qr),
		ReluishShift:      er,
	}, nil
}

// saturatingLeftShift16 is SaturatingLeftShift in hard_swish.h: v·2^amount
// clamped to int16 (amount ≥ 0; computed in int64, amounts beyond 48 behave
// like 48).
func saturatingLeftShift16(v int16, amount int) int16 {
	r := int64(v) << min(amount, 48)
	return int16(min(max(r, math.MinInt16), math.MaxInt16))
}

// HardSwishInt8 returns the int8 HARD_SWISH of x, in int16 arithmetic (§13):
// the input is moved to a 2^−7-finer scale, multiplied by the output
// multiplier (rounding SRDHM16) and by a "reluish" factor in [0, 1] derived
// with saturating shifts, using the non-rounding SaturatingDoublingHighMul16
// for the final product. It reproduces HardSwish (quantized) in
// tensorflow/lite/kernels/internal/reference/hard_swish.h
// (tensorflow/tflite-micro at commit 90b983c2).
func HardSwishInt8(p HardSwishParams, x int8) int8 {
	v := int16(int32(x) - p.InputZeroPoint)
	hires := v * (1 << 7)
	preshift := SaturatingRoundingDoublingHighMul16(hires, p.OutputMultiplier)
	r := hires
	if p.ReluishShift > 0 {
		r = saturatingLeftShift16(r, p.ReluishShift-1)
	}
	r = SaturatingRoundingDoublingHighMul16(r, p.ReluishMultiplier)
	if p.ReluishShift > 0 {
		r = saturatingLeftShift16(r, 1)
	}
	if p.ReluishShift < 0 {
		r = RoundingDivideByPOT16(r, -p.ReluishShift)
	}
	r = int16((int32(r) + 1<<15) >> 1) // [−1, 1] → [0, 1]
	o := RoundingDivideByPOT16(SaturatingDoublingHighMul16(r, preshift), -p.OutputShift)
	o += int16(p.OutputZeroPoint) // int16 arithmetic, as in TFLM
	return int8(min(max(o, math.MinInt8), math.MaxInt8))
}
