package quant

import (
	"fmt"
	"math"
)

// logisticInputIntegerBits is kInputIntegerBits of the int8 LOGISTIC and TANH
// kernels: inputs are rescaled to Q4.27.
const logisticInputIntegerBits = 4

// LogisticParams are the precomputed parameters of int8 LOGISTIC and TANH
// (§10.1), TFLM's OpDataLogistic / OpData fields input_zero_point,
// input_range_radius, input_multiplier and input_left_shift.
type LogisticParams struct {
	InputZeroPoint   int32
	InputRangeRadius int32 // |x − zp| ≥ radius saturates without evaluation
	InputMultiplier  int32 // Q0.31 significand of inScale·2^27 (no fix-up, no flush)
	InputLeftShift   int   // its frexp exponent, in [0, 31]
}

// prepareLogisticTanh is the Prepare arithmetic common to LOGISTIC and TANH:
// R = double(inScale)·2^27, (frac, shift) = frexp(R), multiplier =
// int32(round(frac·2^31)) and radius = CalculateInputRadius(4, shift, 31).
func prepareLogisticTanh(op string, inScale float32, inZeroPoint int32) (LogisticParams, error) {
	if err := checkScale(op+" input", inScale); err != nil {
		return LogisticParams{}, err
	}
	frac, shift := math.Frexp(float64(inScale) * (1 << (31 - logisticInputIntegerBits)))
	if shift < 0 || shift > 31 {
		// TFLM would shift by a negative amount or by ≥ 32 (undefined behaviour).
		return LogisticParams{}, fmt.Errorf("quant: %s input scale %v is out of the supported range (shift %d)", op, inScale, shift)
	}
	return LogisticParams{
		InputZeroPoint:   inZeroPoint,
		InputRangeRadius: CalculateInputRadius(logisticInputIntegerBits, shift, 31),
		// frac < 1 − 2^−24 for a float32 scale, so this never rounds to 2^31.
		InputMultiplier: int32(math.Round(frac * (1 << 31))),
		InputLeftShift:  shift,
	}, nil
}

// PrepareLogisticInt8 computes LogisticParams for int8 LOGISTIC (§10.1). TFLM
// calls frexp and rounds itself (no 2^31 fix-up and no flush, unlike
// QuantizeMultiplier). Prepare requires the output zero point to be −128; the
// output scale is not checked but the kernel assumes 1/256. It reproduces
// CalculateArithmeticOpDataLogistic in tensorflow/lite/micro/kernels/
// logistic_common.cc (tensorflow/tflite-micro at commit 90b983c2).
func PrepareLogisticInt8(inScale float32, inZeroPoint, outZeroPoint int32) (LogisticParams, error) {
	if outZeroPoint != -128 {
		return LogisticParams{}, fmt.Errorf("quant: LOGISTIC int8 output zero point must be -128, got %d", outZeroPoint)
	}
	return prepareLogisticTanh("LOGISTIC", inScale, inZeroPoint)
}

// PrepareTanhInt8 computes LogisticParams for int8 TANH (§10.1), the same
// arithmetic as PrepareLogisticInt8. TFLM checks neither output parameter;
// the kernel assumes scale 1/128 and zero point 0. It reproduces
// CalculateArithmeticOpData in tensorflow/lite/micro/kernels/tanh.cc
// (tensorflow/tflite-micro at commit 90b983c2).
func PrepareTanhInt8(inScale float32, inZeroPoint int32) (LogisticParams, error) {
	return prepareLogisticTanh("TANH", inScale, inZeroPoint)
}

// LogisticInt8 returns the int8 LOGISTIC of x (§10.2): v = x − zp; v ≤ −radius
// gives −128, v ≥ radius gives 127, otherwise the gemmlowp fixed-point
// logistic of MultiplyByQuantizedMultiplier(v, …) as Q4.27, rounded to Q0.8 and
// offset by −128. It reproduces Logistic (int8) in tensorflow/lite/kernels/
// internal/reference/integer_ops/logistic.h (tensorflow/tflite-micro at
// commit 90b983c2).
func LogisticInt8(p LogisticParams, x int8) int8 {
	v := int32(x) - p.InputZeroPoint
	switch {
	case v <= -p.InputRangeRadius:
		return math.MinInt8
	case v >= p.InputRangeRadius:
		return math.MaxInt8
	}
	a := MultiplyByQuantizedMultiplier(v, p.InputMultiplier, p.InputLeftShift)
	y := RoundingDivideByPOT(LogisticFixed(a, logisticInputIntegerBits), 31-8)
	return int8(clamp32(y-128, math.MinInt8, math.MaxInt8))
}

// TanhInt8 returns the int8 TANH of x (§10.2): as LogisticInt8 but with the
// gemmlowp fixed-point tanh, rounded to Q0.7 and no output offset. It
// reproduces Tanh (int8) in tensorflow/lite/kernels/internal/reference/
// integer_ops/tanh.h (tensorflow/tflite-micro at commit 90b983c2).
func TanhInt8(p LogisticParams, x int8) int8 {
	v := int32(x) - p.InputZeroPoint
	switch {
	case v <= -p.InputRangeRadius:
		return math.MinInt8
	case v >= p.InputRangeRadius:
		return math.MaxInt8
	}
	a := MultiplyByQuantizedMultiplier(v, p.InputMultiplier, p.InputLeftShift)
	y := RoundingDivideByPOT(TanhFixed(a, logisticInputIntegerBits), 31-7)
	return int8(clamp32(y, math.MinInt8, math.MaxInt8))
}
