package quant

import (
	"math"

	"github.com/tinygen/tinygen/ir"
)

// Float32 helpers shared by the evaluator and the generated C. All arithmetic
// is float32 with one rounding per operation; none of these expressions can
// be contracted into a fused multiply-add.

// RoundToInt32 returns roundf(x) (half away from zero) converted to int32,
// the TfLiteRound-then-static_cast step of quantization (§3, §11). C++ leaves
// NaN and out-of-range values undefined; tinygen defines the conversion as
// saturating with NaN → 0, which is what the Arm VCVT instruction of
// Cortex-M FPUs does. The generated C must implement the same rule.
func RoundToInt32(x float32) int32 { return roundSaturating(x, math.Round) }

// roundSaturating returns round(x) converted to int32, saturating, NaN → 0
// (the conversion rule of RoundToInt32 and RoundHalfEvenToInt32).
func roundSaturating(x float32, round func(float64) float64) int32 {
	switch {
	case x != x:
		return 0
	case x >= 1<<31:
		return math.MaxInt32
	case x <= -1<<31:
		return math.MinInt32
	}
	return int32(round(float64(x)))
}

// QuantizeFloat quantizes x to clamp(int32(roundf(x/scale)) + zeroPoint, lo,
// hi), where x/scale is a float32 division (not a multiplication by 1/scale)
// and roundf rounds half away from zero (§11, QUANTIZE float32 → int). It
// reproduces AffineQuantize in tensorflow/lite/kernels/internal/reference/
// quantize.h (tensorflow/tflite-micro at commit 90b983c2). NaN and
// out-of-int32-range quotients follow RoundToInt32; the zero point is added
// without overflow.
func QuantizeFloat(x, scale float32, zeroPoint, lo, hi int32) int32 {
	q := int64(RoundToInt32(x/scale)) + int64(zeroPoint)
	return int32(min(max(q, int64(lo)), int64(hi)))
}

// Dequantize returns float32(double(scale)·double(q − zeroPoint)), which
// equals the correctly rounded float32 product (§11). It reproduces
// Dequantize in tensorflow/lite/kernels/internal/reference/dequantize.h
// (tensorflow/tflite-micro at commit 90b983c2). q − zeroPoint is an int32
// subtraction, as in TFLM (it cannot overflow for 8- and 16-bit inputs).
func Dequantize(q int32, scale float32, zeroPoint int32) float32 {
	return float32(float64(scale) * float64(q-zeroPoint))
}

// ClampFloat returns std::min(std::max(x, lo), hi) with the C++ comparison
// semantics (§14.1): t = x < lo ? lo : x; return hi < t ? hi : t. NaN passes
// through, −0.0 is preserved, and ±Inf become the bounds. It reproduces
// ActivationFunctionWithMinMax in tensorflow/lite/kernels/internal/common.h
// (tensorflow/tflite-micro at commit 90b983c2). Do not replace it with
// math.Min/math.Max.
func ClampFloat(x, lo, hi float32) float32 {
	if x < lo {
		x = lo
	}
	if hi < x {
		return hi
	}
	return x
}

// FloatActivationRange returns the clamp bounds of a fused activation in a
// float kernel (§3): NONE and every other code [−MaxFloat32, MaxFloat32]
// (not ±Inf), RELU [0, MaxFloat32], RELU6 [0, 6], RELU_N1_TO_1 [−1, 1]. It
// reproduces CalculateActivationRange in tensorflow/lite/kernels/
// kernel_util.h (tensorflow/tflite-micro at commit 90b983c2).
func FloatActivationRange(act ir.Activation) (lo, hi float32) {
	switch act {
	case ir.ActRelu:
		return 0, math.MaxFloat32
	case ir.ActRelu6:
		return 0, 6
	case ir.ActReluN1To1:
		return -1, 1
	}
	return -math.MaxFloat32, math.MaxFloat32
}

// Expf is the single-precision exponential used by the float helpers:
// float32(math.Exp(float64(x))), almost always the correctly rounded value.
// A C libm expf can differ by an ulp in rare cases (§14.5); compare float
// SOFTMAX/LOGISTIC outputs with a few ulp of tolerance.
func Expf(x float32) float32 { return float32(math.Exp(float64(x))) }

// LogisticFloat is the float LOGISTIC kernel (§14.4): 1 above
// 16.619047164916992188, expf(x) below −9, else 1/(1+expf(−x)); NaN → NaN. It
// reproduces Logistic (float) in tensorflow/lite/kernels/internal/reference/
// logistic.h (tensorflow/tflite-micro at commit 90b983c2), with Expf standing
// for expf.
func LogisticFloat(x float32) float32 {
	const upper, lower = 16.619047164916992188, -9
	switch {
	case x > upper:
		return 1
	case x < lower:
		return Expf(x)
	}
	return 1 / (1 + Expf(-x))
}

// TanhFloat is the float TANH kernel, tanhf(x), computed as
// float32(math.Tanh(float64(x))) (§14.4, §14.5: libm may differ by an ulp).
func TanhFloat(x float32) float32 { return float32(math.Tanh(float64(x))) }

// ReluFloat is x < 0 ? 0 : x (keeps −0.0 and NaN), as ReluFloat in
// tensorflow/lite/micro/kernels/activations_common.cc (§14.4).
func ReluFloat(x float32) float32 {
	if x < 0 {
		return 0
	}
	return x
}

// Relu6Float is x > 6 ? 6 : (x < 0 ? 0 : x), as Relu6Float in
// tensorflow/lite/micro/kernels/activations_common.cc (§14.4).
func Relu6Float(x float32) float32 {
	if x > 6 {
		return 6
	}
	return ReluFloat(x)
}

// LeakyReluFloat is x > 0 ? x : x·alpha, as LeakyRelu (float) in
// tensorflow/lite/kernels/internal/reference/leaky_relu.h (§14.4).
func LeakyReluFloat(x, alpha float32) float32 {
	if x > 0 {
		return x
	}
	return x * alpha
}

// HardSwishFloat is x·std::min(6, std::max(0, x+3))/6 evaluated as ((x·c)/6)
// in float32, as HardSwish (float) in tensorflow/lite/kernels/internal/
// reference/hard_swish.h (§14.4). std::max(0, v) is (0 < v) ? v : 0 and
// std::min(6, v) is (v < 6) ? v : 6.
func HardSwishFloat(x float32) float32 {
	c := x + 3
	if !(0 < c) {
		c = 0
	}
	if !(c < 6) {
		c = 6
	}
	return x * c / 6
}
