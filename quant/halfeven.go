// halfeven.go: ONNX QuantizeLinear's rounding (ties to even).

package quant

import "math"

// RoundHalfEvenToInt32 returns x rounded to the nearest integer with ties to
// even (C's rintf/nearbyintf in the default rounding mode, NumPy's rint),
// converted to int32 with RoundToInt32's rule: saturating, NaN → 0.
func RoundHalfEvenToInt32(x float32) int32 { return roundSaturating(x, math.RoundToEven) }

// QuantizeFloatHalfEven quantizes x like ONNX QuantizeLinear:
// clamp(rint(x/scale) + zeroPoint, lo, hi) with a float32 division and ties
// rounded to even (the ONNX reference's np.rint(x / y_scale); ONNX
// Runtime's MlasQuantizeLinear divides and rounds with nearbyintf).
// QuantizeFloat is the same with TFLite's half-away-from-zero rounding.
func QuantizeFloatHalfEven(x, scale float32, zeroPoint, lo, hi int32) int32 {
	q := int64(RoundHalfEvenToInt32(x/scale)) + int64(zeroPoint)
	return int32(min(max(q, int64(lo)), int64(hi)))
}
