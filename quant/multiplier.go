package quant

import (
	"fmt"
	"math"
)

// Multiplier is a quantized real multiplier M ≈ Multiplier·2^(Shift−31), as
// produced by QuantizeMultiplier: Multiplier is a Q0.31 significand (normally
// in [2^30, 2^31), 0 for M = 0, negative for negative M) and Shift is a left
// shift (positive multiplies up, negative divides down). The C code generator
// prints these two fields; TFLM stores them as output_multiplier and
// output_shift.
type Multiplier struct {
	Multiplier int32
	Shift      int
}

// Apply returns MultiplyByQuantizedMultiplier(x, m.Multiplier, m.Shift).
func (m Multiplier) Apply(x int32) int32 {
	return MultiplyByQuantizedMultiplier(x, m.Multiplier, m.Shift)
}

// QuantizeMultiplier converts a real multiplier m to a Q0.31 significand and
// a left shift, m ≈ multiplier·2^(shift−31) (§1.1). It reproduces
// QuantizeMultiplier in tensorflow/lite/kernels/internal/quantization_util.cc
// (tensorflow/tflite-micro at commit 90b983c2), default build: frexp, round
// half away from zero of frac·2^31 in double, the 2^31 → 2^30 fix-up with
// shift+1, and flushing shift < −31 to (0, 0). There is no upper clamp on the
// shift. m = 0 and non-finite m (which TFLM does not handle) give (0, 0).
func QuantizeMultiplier(m float64) (multiplier int32, shift int) {
	if m == 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		return 0, 0
	}
	frac, shift := math.Frexp(m)
	q := math.Round(frac * (1 << 31))
	if q == 1<<31 {
		q = 1 << 30
		shift++
	}
	if shift < -31 {
		return 0, 0
	}
	return int32(q), shift
}

// QuantizeMultiplierSmallerThanOneExp is QuantizeMultiplier for
// 0 < m < 1, returning the (non-positive) left shift as is (§1.2). It
// reproduces QuantizeMultiplierSmallerThanOneExp in tensorflow/lite/kernels/
// internal/quantization_util.cc (tensorflow/tflite-micro at commit 90b983c2)
// and returns an error where that function CHECK-fails: m outside (0, 1), or
// m so close to 1 that it rounds up to shift 1.
func QuantizeMultiplierSmallerThanOneExp(m float64) (multiplier int32, shift int, err error) {
	if !(m > 0 && m < 1) {
		return 0, 0, fmt.Errorf("quant: multiplier %v is not in (0, 1)", m)
	}
	multiplier, shift = QuantizeMultiplier(m)
	if shift > 0 {
		return 0, 0, fmt.Errorf("quant: multiplier %v rounds to 1 (shift %d > 0)", m, shift)
	}
	return multiplier, shift, nil
}

// QuantizeMultiplierGreaterThanOne is QuantizeMultiplier for m > 1 (§1.2). It
// reproduces QuantizeMultiplierGreaterThanOne in tensorflow/lite/kernels/
// internal/quantization_util.cc (tensorflow/tflite-micro at commit 90b983c2)
// and returns an error where that function CHECK-fails (m ≤ 1, NaN or
// infinite).
func QuantizeMultiplierGreaterThanOne(m float64) (multiplier int32, shift int, err error) {
	if !(m > 1) || math.IsInf(m, 0) {
		return 0, 0, fmt.Errorf("quant: multiplier %v is not a finite number > 1", m)
	}
	multiplier, shift = QuantizeMultiplier(m)
	return multiplier, shift, nil // shift ≥ 1 for m > 1
}

// shl32 returns x·2^s with int32 wrap-around (C++: x * (1 << s), undefined on
// overflow). s ≤ 0 returns x; s ≥ 32 returns 0.
func shl32(x int32, s int) int32 {
	if s <= 0 {
		return x
	}
	if s >= 32 {
		return 0
	}
	return x << s
}

// MultiplyByQuantizedMultiplier returns approximately x·q·2^(shift−31): a
// left shift by max(shift, 0), SaturatingRoundingDoublingHighMul by q, then
// RoundingDivideByPOT by max(−shift, 0) (§2.3). It reproduces the int32
// MultiplyByQuantizedMultiplier in tensorflow/lite/kernels/internal/common.cc
// (tensorflow/tflite-micro at commit 90b983c2), double-rounding branch (the
// default build). The caller must ensure x·2^shift fits in int32 (C++ has
// undefined behaviour otherwise; Go wraps). The result is not clamped.
func MultiplyByQuantizedMultiplier(x, q int32, shift int) int32 {
	left, right := 0, -shift
	if shift > 0 {
		left, right = shift, 0
	}
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(shl32(x, left), q), right)
}

// MultiplyByQuantizedMultiplierSmallerThanOneExp is
// RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, q), −shift) for
// shift ≤ 0 (§2.4), used by ADD and SUB. It reproduces the function of that
// name in tensorflow/lite/kernels/internal/common.h (tensorflow/tflite-micro
// at commit 90b983c2). A positive shift is treated as 0.
func MultiplyByQuantizedMultiplierSmallerThanOneExp(x, q int32, shift int) int32 {
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, q), -shift)
}

// MultiplyByQuantizedMultiplierGreaterThanOne is
// SaturatingRoundingDoublingHighMul(x·2^shift, q) for shift ≥ 0, with no
// final rounding shift (§2.4); int8 softmax uses it. It reproduces the
// function of that name in tensorflow/lite/kernels/internal/common.h
// (tensorflow/tflite-micro at commit 90b983c2). x·2^shift must fit in int32
// (Go wraps); a negative shift is treated as 0.
func MultiplyByQuantizedMultiplierGreaterThanOne(x, q int32, shift int) int32 {
	return SaturatingRoundingDoublingHighMul(shl32(x, shift), q)
}

// MultiplyByQuantizedMultiplierInt64 is the int64-accumulator overload
// (§2.5): q is reduced to 15 bits, r = q < 0x7FFF0000 ? (q+2^15)>>16 : 0x7FFF,
// and the result is (x·r + 2^(14−shift)) >> (15−shift), a single rounding with
// ties toward +infinity. It reproduces the int64 MultiplyByQuantizedMultiplier
// in tensorflow/lite/kernels/internal/common.cc (tensorflow/tflite-micro at
// commit 90b983c2), identical in both rounding builds. TFLM's contract is
// q ≥ 0, −31 ≤ shift < 8 and −2^47 ≤ x < 2^47; shifts ≥ 8 are treated as 7
// here, shifts < −48 as −48, and a result outside int32 is truncated to its
// low 32 bits (C++ DCHECKs it).
func MultiplyByQuantizedMultiplierInt64(x int64, q int32, shift int) int32 {
	r := int64(0x7FFF)
	if q < 0x7FFF0000 {
		r = (int64(q) + 1<<15) >> 16
	}
	total := 15 - min(max(shift, -48), 7)
	return int32((x*r + int64(1)<<(total-1)) >> total)
}

// DownScaleInt32ToInt16Multiplier rounds a Q0.31 multiplier m ≥ 0 to Q0.15:
// m ≥ 2^31−1−2^15 gives 32767, otherwise (m + 2^15) >> 16 (§13). It
// reproduces DownScaleInt32ToInt16Multiplier in tensorflow/lite/kernels/
// internal/common.h (tensorflow/tflite-micro at commit 90b983c2).
func DownScaleInt32ToInt16Multiplier(m int32) int16 {
	if m >= math.MaxInt32-1<<15 {
		return math.MaxInt16
	}
	return int16((m + 1<<15) >> 16)
}

// CalculateInputRadius returns floor((2^integerBits − 1)·2^(totalSignedBits −
// integerBits) / 2^leftShift), computed in double: the largest input
// magnitude (after the zero point) that the fixed-point softmax, logistic and
// tanh kernels evaluate rather than saturate. It reproduces
// CalculateInputRadius in tensorflow/lite/kernels/internal/
// quantization_util.cc (tensorflow/tflite-micro at commit 90b983c2); TFLM
// passes totalSignedBits = 31. leftShift must be in [0, 62] (C++ shifts 1LL);
// values outside are clamped to that range.
func CalculateInputRadius(integerBits, leftShift, totalSignedBits int) int32 {
	leftShift = min(max(leftShift, 0), 62)
	r := float64(int64(1)<<integerBits-1) * float64(int64(1)<<(totalSignedBits-integerBits)) /
		float64(int64(1)<<leftShift)
	return int32(math.Floor(r))
}
