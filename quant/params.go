package quant

import (
	"fmt"
	"math"

	"github.com/tinygen/tinygen/ir"
)

// checkScale rejects scales that are zero, negative, NaN or infinite.
func checkScale(what string, s float32) error {
	if !(s > 0) || math.IsInf(float64(s), 1) {
		return fmt.Errorf("quant: %s scale %v is not a positive finite number", what, s)
	}
	return nil
}

// intRange returns the value range of an integer element type that fits in
// int32 (int8, uint8, int16, int32).
func intRange(dt ir.DType) (lo, hi int32, err error) {
	switch dt {
	case ir.Int8, ir.UInt8, ir.Int16, ir.Int32:
		l, h := dt.Range()
		return int32(l), int32(h), nil
	}
	return 0, 0, fmt.Errorf("quant: unsupported quantized type %v", dt)
}

// clamp32 returns min(max(x, lo), hi), the order TFLM uses.
func clamp32(x, lo, hi int32) int32 { return min(max(x, lo), hi) }

// ActivationRange returns the quantized clamp range [lo, hi] of a fused
// activation for an output of type dt with the given scale and zero point
// (§3). With Q(f) = zeroPoint + int32(roundf(f/scale)) (float32 division,
// RoundToInt32 conversion): RELU [max(qmin, Q(0)), qmax]; RELU6
// [max(qmin, Q(0)), min(qmax, Q(6))]; RELU_N1_TO_1 [max(qmin, Q(−1)),
// min(qmax, Q(1))]; NONE and every other code [qmin, qmax]. It reproduces
// CalculateActivationRangeQuantized in tensorflow/lite/kernels/kernel_util.cc
// (tensorflow/tflite-micro at commit 90b983c2). lo may exceed hi for extreme
// zero points, exactly as in TFLM (the clamp then yields hi). dt must be
// int8, uint8, int16 or int32 and the scale positive and finite.
func ActivationRange(act ir.Activation, dt ir.DType, scale float32, zeroPoint int32) (lo, hi int32, err error) {
	qmin, qmax, err := intRange(dt)
	if err != nil {
		return 0, 0, err
	}
	if err := checkScale("output", scale); err != nil {
		return 0, 0, err
	}
	q := func(f float32) int32 {
		v := int64(zeroPoint) + int64(RoundToInt32(f/scale))
		return int32(min(max(v, math.MinInt32), math.MaxInt32))
	}
	switch act {
	case ir.ActRelu:
		return max(qmin, q(0)), qmax, nil
	case ir.ActRelu6:
		return max(qmin, q(0)), min(qmax, q(6)), nil
	case ir.ActReluN1To1:
		return max(qmin, q(-1)), min(qmax, q(1)), nil
	}
	return qmin, qmax, nil
}

// checkFilterScales validates the per-channel scale list shared by the
// convolution and fully-connected helpers. Filter scales may be zero (a dead
// channel quantizes its multiplier to (0, 0), as in TFLM).
func checkFilterScales(inScale float32, filterScales []float32, outScale float32, channels int) error {
	if err := checkScale("input", inScale); err != nil {
		return err
	}
	if err := checkScale("output", outScale); err != nil {
		return err
	}
	if channels < 1 || (len(filterScales) != 1 && len(filterScales) != channels) {
		return fmt.Errorf("quant: %d filter scales for %d output channels (want 1 or %d)",
			len(filterScales), channels, channels)
	}
	for c, s := range filterScales {
		if !(s >= 0) || math.IsInf(float64(s), 1) {
			return fmt.Errorf("quant: filter scale %v of channel %d is not a non-negative finite number", s, c)
		}
	}
	return nil
}

// ConvMultipliers returns the per-output-channel multipliers of int8 (and
// 16x8) CONV_2D and DEPTHWISE_CONV_2D (§1.3, §5.1):
// QuantizeMultiplier(double(inScale)·double(filterScale[c])/double(outScale)),
// all in double. A single filter scale is broadcast to all channels (TFLM
// always uses per-channel arrays for these ops). It reproduces
// PopulateConvolutionQuantizationParams in tensorflow/lite/kernels/
// kernel_util.cc (tensorflow/tflite-micro at commit 90b983c2). The result has
// length channels; len(filterScales) must be 1 or channels.
func ConvMultipliers(inScale float32, filterScales []float32, outScale float32, channels int) ([]Multiplier, error) {
	if err := checkFilterScales(inScale, filterScales, outScale, channels); err != nil {
		return nil, err
	}
	ms := make([]Multiplier, channels)
	for c := range ms {
		fs := filterScales[0]
		if len(filterScales) > 1 {
			fs = filterScales[c]
		}
		ms[c].Multiplier, ms[c].Shift = QuantizeMultiplier(float64(inScale) * float64(fs) / float64(outScale))
	}
	return ms, nil
}

// FullyConnectedMultipliers returns the multipliers of int8 (and 16x8)
// FULLY_CONNECTED (§1.3, §5.4), one per output channel. Per-tensor (one
// filter scale) uses double(float32(inScale·filterScale))/double(outScale) —
// the product is rounded to float32 first — as GetQuantizedConvolutionMultipler
// in tensorflow/lite/kernels/kernel_util.cc; all channels then share the same
// value and the kernel uses the first. Per-channel uses the all-double formula
// of ConvMultipliers, as CalculateOpDataFullyConnected in
// tensorflow/lite/micro/kernels/fully_connected_common.cc (tensorflow/
// tflite-micro at commit 90b983c2).
func FullyConnectedMultipliers(inScale float32, filterScales []float32, outScale float32, channels int) ([]Multiplier, error) {
	if len(filterScales) != 1 {
		return ConvMultipliers(inScale, filterScales, outScale, channels)
	}
	if err := checkFilterScales(inScale, filterScales, outScale, channels); err != nil {
		return nil, err
	}
	var m Multiplier
	m.Multiplier, m.Shift = QuantizeMultiplier(float64(inScale*filterScales[0]) / float64(outScale))
	ms := make([]Multiplier, channels)
	for c := range ms {
		ms[c] = m
	}
	return ms, nil
}

// AveragePoolRound returns the rounded average of an int8/int16 AVERAGE_POOL
// window: acc is the sum of the raw input codes (zero point not removed) and
// n the number of in-image taps. acc > 0 ? (acc + n/2)/n : (acc − n/2)/n with
// truncating division, i.e. half away from zero (§6). The caller clamps to the
// activation range. It reproduces AveragePool in tensorflow/lite/kernels/
// internal/reference/integer_ops/pooling.h (tensorflow/tflite-micro at commit
// 90b983c2). n must be > 0 (TFLM fails the kernel for an empty window); n ≤ 0
// returns 0.
func AveragePoolRound(acc, n int32) int32 {
	if n <= 0 {
		return 0
	}
	if acc > 0 {
		return (acc + n/2) / n
	}
	return (acc - n/2) / n
}

// AveragePoolRoundHalfEven returns the average of an int8/int16 average
// pool the way ONNX Runtime's QLinearAveragePool (and its QDQ-fused average
// pool) rounds it: the mean of the centred codes, (acc − n·zp)/n, rounded to
// the nearest integer with ties to even (nearbyint in the default rounding
// mode), plus the zero point zp. acc is the sum of the n raw codes. Exact in
// integers (ONNX Runtime divides in float, which is exact for these
// magnitudes when input and output share scale and zero point). n ≤ 0
// returns 0 like AveragePoolRound.
func AveragePoolRoundHalfEven(acc, n, zp int32) int32 {
	if n <= 0 {
		return 0
	}
	c := int64(acc) - int64(n)*int64(zp)
	q, r := c/int64(n), c%int64(n) // truncating: r has c's sign
	if r < 0 {
		q, r = q-1, r+int64(n) // floor division, 0 ≤ r < n
	}
	switch d := 2*r - int64(n); {
	case d > 0:
		q++
	case d == 0 && q&1 != 0:
		q++
	}
	return int32(q + int64(zp))
}
