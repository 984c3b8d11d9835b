package quant

import (
	"fmt"
	"math"
	"math/bits"
)

// Fixed-point primitives from gemmlowp (google/gemmlowp at commit 719139ce,
// path fixedpoint/fixedpoint.h) and the TFLM helpers built on them. A "raw"
// int32 with k integer bits (gemmlowp FixedPoint<int32, k>, written Fk) holds
// the value raw·2^(k−31). Fixed-point +, − and unary − are plain wrapping
// int32 operations, as in gemmlowp (§2.8).

// SaturatingRoundingDoublingHighMul returns round(a·b / 2^31) with ties
// rounded toward +infinity, saturating only SRDHM(MinInt32, MinInt32) to
// MaxInt32 (§2.1). It reproduces gemmlowp
// SaturatingRoundingDoublingHighMul<int32> (google/gemmlowp at commit
// 719139ce, path fixedpoint/fixedpoint.h).
func SaturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	p := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if p < 0 {
		nudge = 1 - 1<<30
	}
	return int32((p + nudge) / (1 << 31)) // Go "/" truncates, like C.
}

// SaturatingRoundingDoublingHighMul16 is the int16 specialisation of
// SaturatingRoundingDoublingHighMul: round(a·b / 2^15), ties toward +infinity,
// SRDHM16(MinInt16, MinInt16) = MaxInt16 (§2.1). It reproduces gemmlowp
// SaturatingRoundingDoublingHighMul<int16> (google/gemmlowp at commit
// 719139ce, path fixedpoint/fixedpoint.h).
func SaturatingRoundingDoublingHighMul16(a, b int16) int16 {
	if a == b && a == math.MinInt16 {
		return math.MaxInt16
	}
	p := int32(a) * int32(b)
	nudge := int32(1 << 14)
	if p < 0 {
		nudge = 1 - 1<<14
	}
	return int16((p + nudge) / (1 << 15))
}

// SaturatingDoublingHighMul16 is the non-rounding variant used by
// HARD_SWISH: trunc(a·b / 2^15), with (MinInt16, MinInt16) saturating to
// MaxInt16 (§13). It reproduces SaturatingDoublingHighMul in
// tensorflow/lite/kernels/internal/reference/hard_swish.h (tensorflow/
// tflite-micro at commit 90b983c2).
func SaturatingDoublingHighMul16(a, b int16) int16 {
	if a == b && a == math.MinInt16 {
		return math.MaxInt16
	}
	return int16(int32(a) * int32(b) / (1 << 15))
}

// RoundingDivideByPOT returns round(x / 2^exponent) with ties rounded away
// from zero (§2.2). It reproduces gemmlowp RoundingDivideByPOT (google/gemmlowp
// at commit 719139ce, path fixedpoint/fixedpoint.h), which requires
// 0 ≤ exponent ≤ 31. Outside that range this function does not panic: an
// exponent ≤ 0 returns x unchanged, and an exponent > 31 gives the same
// mathematically rounded quotient (in practice 0, or −1 for MinInt32 and 32).
func RoundingDivideByPOT(x int32, exponent int) int32 {
	if exponent <= 0 {
		return x
	}
	exponent = min(exponent, 63)
	// Computed in int64; for exponent ≤ 31 this equals the int32 formula
	// mask = 2^e−1; remainder = x&mask; threshold = mask>>1 + (x<0).
	mask := int64(1)<<exponent - 1
	remainder := int64(x) & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := int64(x) >> exponent
	if remainder > threshold {
		r++
	}
	return int32(r)
}

// RoundingDivideByPOT16 is RoundingDivideByPOT on an int16 value (gemmlowp's
// int16 instantiation, used by HARD_SWISH); the result always fits in int16.
func RoundingDivideByPOT16(x int16, exponent int) int16 {
	return int16(RoundingDivideByPOT(int32(x), exponent))
}

// SaturatingRoundingMultiplyByPOT multiplies x by 2^exponent. For
// exponent > 0 it saturates: x > 2^(31−e)−1 gives MaxInt32 and
// x < −(2^(31−e)−1) gives MinInt32, otherwise x·2^e. For exponent < 0 it is
// RoundingDivideByPOT(x, −exponent); for 0 it returns x (§2.8). It reproduces
// gemmlowp SaturatingRoundingMultiplyByPOT<exponent> (google/gemmlowp at
// commit 719139ce, path fixedpoint/fixedpoint.h), which is what
// Rescale<dst>(F_src) applies with exponent = src − dst integer bits.
// Exponents ≥ 31 saturate every non-zero x.
func SaturatingRoundingMultiplyByPOT(x int32, exponent int) int32 {
	switch {
	case exponent < 0:
		return RoundingDivideByPOT(x, -exponent)
	case exponent == 0:
		return x
	case exponent >= 31:
		if x > 0 {
			return math.MaxInt32
		} else if x < 0 {
			return math.MinInt32
		}
		return 0
	}
	threshold := int32(1)<<(31-exponent) - 1
	if x > threshold {
		return math.MaxInt32
	}
	if x < -threshold {
		return math.MinInt32
	}
	return x << exponent
}

// Rescale converts the raw value of a gemmlowp FixedPoint with srcIntegerBits
// integer bits to one with dstIntegerBits, saturating when gaining precision
// and rounding (ties away from zero) when losing it. It reproduces gemmlowp
// Rescale<dstIntegerBits> (google/gemmlowp at commit 719139ce, path
// fixedpoint/fixedpoint.h).
func Rescale(raw int32, srcIntegerBits, dstIntegerBits int) int32 {
	return SaturatingRoundingMultiplyByPOT(raw, srcIntegerBits-dstIntegerBits)
}

// RoundingHalfSum returns (a+b)/2 rounded half away from zero, computed
// without overflow (§2.8). It reproduces gemmlowp RoundingHalfSum<int32>
// (google/gemmlowp at commit 719139ce, path fixedpoint/fixedpoint.h).
func RoundingHalfSum(a, b int32) int32 {
	s := int64(a) + int64(b)
	if s >= 0 {
		return int32((s + 1) / 2)
	}
	return int32((s - 1) / 2)
}

// expBarrel holds the multipliers exp(−2^E) in Q0.31 for E = −2 … 4, as in
// gemmlowp's GEMMLOWP_EXP_BARREL_SHIFTER list.
var expBarrel = [...]int32{1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242}

// expOnInterval is gemmlowp
// exp_on_interval_between_negative_one_quarter_and_0_excl: a Taylor
// expansion around −1/8 of exp(a) for a Q0.31 a in [−1/4, 0) (§9.4).
func expOnInterval(a int32) int32 {
	const (
		expMinusOneEighth = 1895147668 // exp(−1/8) in Q0.31
		oneThird          = 715827883
	)
	x := a + 1<<28 // a + 1/8
	x2 := SaturatingRoundingDoublingHighMul(x, x)
	x3 := SaturatingRoundingDoublingHighMul(x2, x)
	x4 := SaturatingRoundingDoublingHighMul(x2, x2)
	x4over4 := SaturatingRoundingMultiplyByPOT(x4, -2)
	t := SaturatingRoundingMultiplyByPOT(SaturatingRoundingDoublingHighMul(x4over4+x3, oneThird)+x2, -1)
	c := int32(expMinusOneEighth)
	return c + SaturatingRoundingDoublingHighMul(c, x+t)
}

// ExpOnNegativeValues returns exp(a) as a raw Q0.31 (F0) for a raw input a ≤ 0
// with integerBits integer bits (Fk, k = integerBits), exactly as gemmlowp
// exp_on_negative_values<int32, k> (google/gemmlowp at commit 719139ce, path
// fixedpoint/fixedpoint.h; §9.4). a = 0 gives MaxInt32 (F0 One()); inputs
// below −32 give 0 when k > 5. Softmax uses k = 5, int8 logistic k = 4, int8
// tanh k = 5. integerBits must be in [0, 29] (a compile-time template
// argument in C++); other values panic.
func ExpOnNegativeValues(a int32, integerBits int) int32 {
	if integerBits < 0 || integerBits > 29 {
		panic(fmt.Sprintf("quant: ExpOnNegativeValues: integerBits %d outside [0, 29]", integerBits))
	}
	fracBits := 31 - integerBits
	quarter := int32(1) << (fracBits - 2)
	amq := (a & (quarter - 1)) - quarter // a mod 1/4, minus 1/4: in [−1/4, 0)
	result := expOnInterval(Rescale(amq, integerBits, 0))
	remainder := amq - a
	for i, m := range expBarrel {
		e := i - 2
		if integerBits > e && remainder&(int32(1)<<(fracBits+e)) != 0 {
			result = SaturatingRoundingDoublingHighMul(result, m)
		}
	}
	if integerBits > 5 && a < -(int32(1)<<(36-integerBits)) {
		result = 0
	}
	if a == 0 {
		result = math.MaxInt32
	}
	return result
}

// newtonRaphsonOneOverOnePlusX is the shared body of gemmlowp
// one_over_one_plus_x_for_x_in_0_1 and one_minus_x_over_one_plus_x_for_x_in_0_1:
// it returns 1/(1+a) as a raw F2 for a raw F0 a in [0, 1) (§9.5).
func newtonRaphsonOneOverOnePlusX(a int32) int32 {
	const (
		c48over17    = 1515870810  // 48/17 in F2
		cNeg32over17 = -1010580540 // −32/17 in F2
		oneF2        = 1 << 29
	)
	halfDen := RoundingHalfSum(a, math.MaxInt32)
	x := c48over17 + SaturatingRoundingDoublingHighMul(halfDen, cNeg32over17)
	for range 3 {
		hx := SaturatingRoundingDoublingHighMul(halfDen, x)                // F2
		x += Rescale(SaturatingRoundingDoublingHighMul(x, oneF2-hx), 4, 2) // F2·F2 = F4 → F2
	}
	return x
}

// OneOverOnePlusX returns 1/(1+a) as a raw Q0.31 for a raw Q0.31 a in [0, 1)
// (result in (1/2, 1]). It reproduces gemmlowp
// one_over_one_plus_x_for_x_in_0_1 (google/gemmlowp at commit 719139ce, path
// fixedpoint/fixedpoint.h; §9.5).
func OneOverOnePlusX(a int32) int32 {
	return Rescale(newtonRaphsonOneOverOnePlusX(a), 1, 0) // ExactMulByPot<−1>: F2 raw read as F1
}

// OneMinusXOverOnePlusX returns (1−a)/(1+a) as a raw Q0.31 for a raw Q0.31 a
// in [0, 1). It reproduces gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1
// (google/gemmlowp at commit 719139ce, path fixedpoint/fixedpoint.h; §9.5).
func OneMinusXOverOnePlusX(a int32) int32 {
	return Rescale(newtonRaphsonOneOverOnePlusX(a)-1<<29, 2, 0)
}

// LogisticFixed returns 1/(1+exp(−a)) as a raw Q0.31 for a raw input a with
// integerBits integer bits. It reproduces gemmlowp logistic<int32, k>
// (google/gemmlowp at commit 719139ce, path fixedpoint/fixedpoint.h; §10.2):
// a = 0 gives 2^30, negative inputs give MaxInt32 − logistic(|a|).
// integerBits must be in [0, 29].
func LogisticFixed(a int32, integerBits int) int32 {
	if a == 0 {
		return 1 << 30
	}
	abs := a
	if a < 0 {
		abs = -a
	}
	p := OneOverOnePlusX(ExpOnNegativeValues(-abs, integerBits))
	if a > 0 {
		return p
	}
	return math.MaxInt32 - p
}

// TanhFixed returns tanh(a) as a raw Q0.31 for a raw input a with integerBits
// integer bits. It reproduces gemmlowp tanh<int32, k> (google/gemmlowp at
// commit 719139ce, path fixedpoint/fixedpoint.h; §10.2): the input −|a| is
// reinterpreted with k+1 integer bits (ExactMulByPot<1>) so that the
// exponential computes exp(−2|a|). integerBits must be in [0, 28].
func TanhFixed(a int32, integerBits int) int32 {
	if a == 0 {
		return 0
	}
	n := a
	if a > 0 {
		n = -a
	}
	t := OneMinusXOverOnePlusX(ExpOnNegativeValues(n, integerBits+1))
	if a < 0 {
		return -t
	}
	return t
}

// GetReciprocal computes the reciprocal of the positive value X = x·2^(k−31)
// held in a raw x with k = integerDigits integer bits (§9.5). With
// h = clz32(x), X = (1+z)·2^numBitsOverUnit for z in [0, 1) and
// numBitsOverUnit = k − h, and recip is 1/(1+z) as a raw Q0.31 in (1/2, 1], so
// 1/X ≈ recip·2^−31·2^−numBitsOverUnit. It reproduces GetReciprocal in
// tensorflow/lite/kernels/internal/common.h (tensorflow/tflite-micro at commit
// 90b983c2). x must be > 0; x = 0 is undefined behaviour in C++ (a shift by
// 32), here it yields OneOverOnePlusX(MinInt32) and numBitsOverUnit = k − 32.
func GetReciprocal(x int32, integerDigits int) (recip int32, numBitsOverUnit int) {
	h := bits.LeadingZeros32(uint32(x))
	var shifted uint32
	if h < 32 {
		shifted = uint32(x) << h
	}
	return OneOverOnePlusX(int32(shifted - 1<<31)), integerDigits - h
}
