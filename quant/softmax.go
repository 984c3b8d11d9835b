package quant

import (
	"fmt"
	"math"

	"github.com/tinygen/tinygen/ir"
)

// softmaxScaledDiffIntegerBits is kScaledDiffIntegerBits of the int8 softmax:
// input differences are rescaled to Q5.26 before exp_on_negative_values.
const softmaxScaledDiffIntegerBits = 5

// softmaxAccumulationIntegerBits is kAccumulationIntegerBits: the sum of
// exponentials is a Q12.19.
const softmaxAccumulationIntegerBits = 12

// SoftmaxParams are the precomputed parameters of the int8-input SOFTMAX
// (§9.1), TFLM's SoftmaxParams fields input_multiplier, input_left_shift and
// diff_min.
type SoftmaxParams struct {
	InputMultiplier int32 // Q0.31 significand of beta·inScale·2^26
	InputLeftShift  int   // its left shift (≥ 0)
	DiffMin         int32 // differences x − max below this contribute 0
}

// PrepareSoftmaxInt8 computes SoftmaxParams for an int8 input with scale
// inScale and the given beta, and checks the output quantization as TFLM's
// Prepare does: int8 output needs zero point −128 and scale exactly 1/256;
// int16 output needs zero point −32768 and |scale − 1/65536| ≤ 0.001/65536
// (float32). M = min(double(beta)·double(inScale)·2^26, 2^31−1) goes through
// QuantizeMultiplierGreaterThanOne (error unless M > 1) and
// DiffMin = −CalculateInputRadius(5, shift, 31). It reproduces
// CalculateSoftmaxParams in tensorflow/lite/micro/kernels/softmax_common.cc and
// PreprocessSoftmaxScaling in tensorflow/lite/kernels/internal/
// quantization_util.cc (tensorflow/tflite-micro at commit 90b983c2).
func PrepareSoftmaxInt8(beta, inScale, outScale float32, outZeroPoint int32, outType ir.DType) (SoftmaxParams, error) {
	var p SoftmaxParams
	switch outType {
	case ir.Int8:
		if outZeroPoint != -128 || outScale != 1.0/256 {
			return p, fmt.Errorf("quant: SOFTMAX int8 output must have scale 1/256 and zero point -128, got %v and %d", outScale, outZeroPoint)
		}
	case ir.Int16:
		const want, tol float32 = 1.0 / 65536, 0.001 * 1.0 / 65536
		d := outScale - want
		if outScale < want {
			d = want - outScale
		}
		if outZeroPoint != -32768 || !(d <= tol) {
			return p, fmt.Errorf("quant: SOFTMAX int16 output must have scale 1/65536 and zero point -32768, got %v and %d", outScale, outZeroPoint)
		}
	default:
		return p, fmt.Errorf("quant: SOFTMAX: unsupported output type %v for int8 input", outType)
	}
	if err := checkScale("input", inScale); err != nil {
		return p, err
	}
	m := min(float64(beta)*float64(inScale)*(1<<(31-softmaxScaledDiffIntegerBits)), math.MaxInt32)
	q, shift, err := QuantizeMultiplierGreaterThanOne(m)
	if err != nil {
		return p, fmt.Errorf("quant: SOFTMAX beta %v with input scale %v: %w", beta, inScale, err)
	}
	p.InputMultiplier, p.InputLeftShift = q, shift
	p.DiffMin = -CalculateInputRadius(softmaxScaledDiffIntegerBits, shift, 31)
	return p, nil
}

// exp returns exp(β·s·d) as a raw Q0.31 for a difference d ≥ DiffMin.
func (p *SoftmaxParams) exp(d int32) int32 {
	r := MultiplyByQuantizedMultiplierGreaterThanOne(d, p.InputMultiplier, p.InputLeftShift)
	return ExpOnNegativeValues(r, softmaxScaledDiffIntegerBits)
}

// SoftmaxInt8 computes one row of the int8 → int8 SOFTMAX (§9.2) into out,
// which must be at least as long as in. Output scale 1/256, zero point −128.
// It reproduces Softmax<int8_t, int8_t> in tensorflow/lite/kernels/internal/
// reference/softmax.h (tensorflow/tflite-micro at commit 90b983c2): exps in
// Q0.31 via ExpOnNegativeValues, a wrapping Q12.19 sum, GetReciprocal, and
// RoundingDivideByPOT by numBitsOverUnit + 23.
func SoftmaxInt8(p SoftmaxParams, in, out []int8) { softmaxRow(&p, in, out, 8) }

// SoftmaxInt8ToInt16 is SoftmaxInt8 with int16 output (scale 1/65536, zero
// point −32768), Softmax<int8_t, int16_t> in the same file (§9.2).
func SoftmaxInt8ToInt16(p SoftmaxParams, in []int8, out []int16) { softmaxRow(&p, in, out, 16) }

func softmaxRow[T int8 | int16](p *SoftmaxParams, in []int8, out []T, outBits int) {
	maxIn := int32(math.MinInt8)
	for _, v := range in {
		maxIn = max(maxIn, int32(v))
	}
	var sum int32 // raw Q12.19; wraps like TFLM beyond 4096 maximal terms
	for _, v := range in {
		if d := int32(v) - maxIn; d >= p.DiffMin {
			sum += Rescale(p.exp(d), 0, softmaxAccumulationIntegerBits)
		}
	}
	recip, nbou := GetReciprocal(sum, softmaxAccumulationIntegerBits)
	exponent := nbou + 31 - outBits
	lo, hi := int32(-1)<<(outBits-1), int32(1)<<(outBits-1)-1
	out = out[:len(in)]
	for i, v := range in {
		d := int32(v) - maxIn
		if d < p.DiffMin {
			out[i] = T(lo)
			continue
		}
		u := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(recip, p.exp(d)), exponent)
		out[i] = T(clamp32(u+lo, lo, hi))
	}
}

// ExpTable returns the exponentials of the int8 SOFTMAX as a table indexed
// by the non-negative distance to the row maximum: entry k holds the raw
// Q0.31 exp(β·s·(−k)) that SoftmaxInt8 computes for an element k below the
// row maximum, or 0 where −k < DiffMin. Because an element with exp 0
// contributes 0 to the sum and produces the lowest output code, exactly as
// an element below DiffMin does, a kernel that reads this table reproduces
// SoftmaxInt8 and SoftmaxInt8ToInt16 bit for bit (the generated C does).
func (p SoftmaxParams) ExpTable() [256]int32 {
	var t [256]int32
	for k := range t {
		if d := -int32(k); d >= p.DiffMin {
			t[k] = p.exp(d)
		}
	}
	return t
}

// SoftmaxInt8FromTable computes one int8 → int8 SOFTMAX row from
// ExpTable's table with the arithmetic of the generated C kernel
// (tg_softmax_s8). It exists so that tests can show it equals SoftmaxInt8.
func SoftmaxInt8FromTable(table *[256]int32, in, out []int8) {
	maxIn := int32(math.MinInt8)
	for _, v := range in {
		maxIn = max(maxIn, int32(v))
	}
	var sum int32
	for _, v := range in {
		sum += Rescale(table[maxIn-int32(v)], 0, softmaxAccumulationIntegerBits)
	}
	recip, nbou := GetReciprocal(sum, softmaxAccumulationIntegerBits)
	exponent := nbou + 31 - 8
	for i, v := range in {
		u := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(recip, table[maxIn-int32(v)]), exponent)
		out[i] = int8(clamp32(u-128, -128, 127))
	}
}
