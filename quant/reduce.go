package quant

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/tinygen/tinygen/ir"
)

// MeanParams are the precomputed parameters of int8/int16 MEAN and SUM
// (§12.1). For MEAN the 1/N factor is folded into Output.
type MeanParams struct {
	Output          Multiplier
	N               int32 // number of input elements reduced into each output
	InputZeroPoint  int32
	OutputZeroPoint int32
	Min, Max        int32 // the output type's range
}

// PrepareMean computes MeanParams for MEAN over n elements per output:
// (M, S) = QuantizeMultiplier(double(inScale)/double(outScale)); k =
// min(floor(log2 n), 32, 31+S); Output = (int32((int64(M) << k) / n), S − k).
// It reproduces PrepareMeanOrSumHelper in tensorflow/lite/micro/kernels/
// reduce_common.cc and the multiplier folding of QuantizedMeanOrSum in
// tensorflow/lite/kernels/internal/reference/reduce.h (tensorflow/tflite-micro
// at commit 90b983c2). dt is the (common) input and output type, int8 or
// int16; n must be in [1, MaxInt32] (TFLM leaves the output untouched for
// n = 0).
func PrepareMean(inScale, outScale float32, inZeroPoint, outZeroPoint int32, n int, dt ir.DType) (MeanParams, error) {
	return prepareReduce("MEAN", inScale, outScale, inZeroPoint, outZeroPoint, n, dt, true)
}

// PrepareSum is PrepareMean for SUM: the same arithmetic without folding 1/n
// into the multiplier.
func PrepareSum(inScale, outScale float32, inZeroPoint, outZeroPoint int32, n int, dt ir.DType) (MeanParams, error) {
	return prepareReduce("SUM", inScale, outScale, inZeroPoint, outZeroPoint, n, dt, false)
}

func prepareReduce(op string, inScale, outScale float32, inZeroPoint, outZeroPoint int32, n int, dt ir.DType, mean bool) (MeanParams, error) {
	var p MeanParams
	if dt != ir.Int8 && dt != ir.Int16 {
		return p, fmt.Errorf("quant: %s: unsupported type %v", op, dt)
	}
	if n < 1 || n > math.MaxInt32 {
		return p, fmt.Errorf("quant: %s over %d elements is not supported", op, n)
	}
	if err := checkScale(op+" input", inScale); err != nil {
		return p, err
	}
	if err := checkScale(op+" output", outScale); err != nil {
		return p, err
	}
	p.Min, p.Max, _ = intRange(dt)
	p.N, p.InputZeroPoint, p.OutputZeroPoint = int32(n), inZeroPoint, outZeroPoint
	m, s := QuantizeMultiplier(float64(inScale) / float64(outScale))
	if mean {
		k := 63 - bits.LeadingZeros64(uint64(n))
		k = min(k, 32, 31+s)
		m = int32((int64(m) << k) / int64(n))
		s -= k
	}
	p.Output = Multiplier{m, s}
	return p, nil
}

// MeanElement returns one MEAN/SUM output from sum, the int32 (wrapping) sum
// of the N raw input codes: clamp(MultiplyByQuantizedMultiplier(int32(sum −
// zi·N), …) + zo, Min, Max), the subtraction done in int64 and truncated to
// int32 as in TFLM. It reproduces QuantizedMeanOrSum in tensorflow/lite/
// kernels/internal/reference/reduce.h (tensorflow/tflite-micro at commit
// 90b983c2).
func MeanElement(p MeanParams, sum int32) int32 {
	shifted := int32(int64(sum) - int64(p.InputZeroPoint)*int64(p.N))
	return clamp32(p.Output.Apply(shifted)+p.OutputZeroPoint, p.Min, p.Max)
}
