package quant

import (
	"math"
	"testing"
)

// §2.1
func TestSaturatingRoundingDoublingHighMul(t *testing.T) {
	for _, c := range []struct{ a, b, want int32 }{
		{1, 1 << 30, 1},   // 0.5 → 1
		{-1, 1 << 30, 0},  // −0.5 → 0
		{3, 1 << 30, 2},   // 1.5 → 2
		{-3, 1 << 30, -1}, // −1.5 → −1
		{math.MinInt32, math.MinInt32, math.MaxInt32},
		{math.MinInt32, math.MaxInt32, -math.MaxInt32},
		{math.MaxInt32, math.MaxInt32, math.MaxInt32 - 1},
		{-14, 1610612736, -10}, // §2.7: −10.5 → −10
		{-2, 1 << 30, -1},      // §2.7: exact
		{-6, 1 << 30, -3},
		{-1234, 1690499128, -971},
		{-1280, 1395864371, -832},
		{-100000, 1077952640, -50196},
	} {
		if got := SaturatingRoundingDoublingHighMul(c.a, c.b); got != c.want {
			t.Errorf("SRDHM(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	for _, c := range []struct{ a, b, want int16 }{
		{1, 1 << 14, 1}, {-1, 1 << 14, 0}, {3, 1 << 14, 2}, {-3, 1 << 14, -1},
		{math.MinInt16, math.MinInt16, math.MaxInt16},
		{math.MaxInt16, math.MaxInt16, math.MaxInt16 - 1},
	} {
		if got := SaturatingRoundingDoublingHighMul16(c.a, c.b); got != c.want {
			t.Errorf("SRDHM16(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	for _, c := range []struct{ a, b, want int16 }{
		{3, 1 << 14, 1}, {-3, 1 << 14, -1}, {math.MinInt16, math.MinInt16, math.MaxInt16},
	} {
		if got := SaturatingDoublingHighMul16(c.a, c.b); got != c.want {
			t.Errorf("SDHM16(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// §2.2
func TestRoundingDivideByPOT(t *testing.T) {
	for _, c := range []struct {
		x    int32
		e    int
		want int32
	}{
		{-5, 1, -3}, {5, 1, 3}, {-1, 1, -1}, {-2, 2, -1}, {-6, 2, -2}, {-7, 2, -2},
		{-12, 3, -2}, {-11, 3, -1}, {-13, 3, -2}, {-9, 3, -1}, {11, 3, 1}, {12, 3, 2},
		{-1, 1, -1}, {7, 0, 7}, {7, -3, 7},
		{math.MaxInt32, 31, 1}, {math.MinInt32, 31, -1}, {1 << 30, 31, 1}, {-1 << 30, 31, -1},
		{math.MinInt32, 32, -1}, {math.MaxInt32, 32, 0}, {math.MinInt32, 100, 0},
	} {
		if got := RoundingDivideByPOT(c.x, c.e); got != c.want {
			t.Errorf("RDBPOT(%d, %d) = %d, want %d", c.x, c.e, got, c.want)
		}
		if c.x >= math.MinInt16 && c.x <= math.MaxInt16 {
			if got := RoundingDivideByPOT16(int16(c.x), c.e); int32(got) != c.want {
				t.Errorf("RDBPOT16(%d, %d) = %d, want %d", c.x, c.e, got, c.want)
			}
		}
	}
}

func TestSaturatingRoundingMultiplyByPOT(t *testing.T) {
	for _, c := range []struct {
		x    int32
		e    int
		want int32
	}{
		{3, 2, 12}, {1<<29 - 1, 2, 1<<31 - 4}, {1 << 29, 2, math.MaxInt32},
		{-(1<<29 - 1), 2, -(1<<31 - 4)}, {-1 << 29, 2, math.MinInt32},
		{-6, -2, -2}, {5, 0, 5}, {1, 31, math.MaxInt32}, {-1, 40, math.MinInt32}, {0, 40, 0},
	} {
		if got := SaturatingRoundingMultiplyByPOT(c.x, c.e); got != c.want {
			t.Errorf("SRMBPOT(%d, %d) = %d, want %d", c.x, c.e, got, c.want)
		}
	}
	if got := Rescale(-6, 0, 2); got != -2 {
		t.Errorf("Rescale(-6, 0, 2) = %d, want -2", got)
	}
}

func TestRoundingHalfSum(t *testing.T) {
	for _, c := range []struct{ a, b, want int32 }{
		{1, 2, 2}, {-1, -2, -2}, {1, -2, -1}, {0, 0, 0},
		{math.MaxInt32, math.MaxInt32, math.MaxInt32}, {math.MinInt32, math.MinInt32, math.MinInt32},
	} {
		if got := RoundingHalfSum(c.a, c.b); got != c.want {
			t.Errorf("RoundingHalfSum(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// §9.3 exp column (K = 5) and special values.
func TestExpOnNegativeValues(t *testing.T) {
	for _, c := range []struct {
		a    int32
		k    int
		want int32
	}{
		{0, 5, math.MaxInt32}, {0, 4, math.MaxInt32},
		{-46976205, 5, 1066408839},
		{-181193935, 5, 144322738},
		{-852282585, 5, 6552},
		{-6710886, 5, 1943123572},
		{-33 << 24, 7, 0}, // below −32 with K > 5
	} {
		if got := ExpOnNegativeValues(c.a, c.k); got != c.want {
			t.Errorf("ExpOnNegativeValues(%d, %d) = %d, want %d", c.a, c.k, got, c.want)
		}
	}
	// Accuracy sweep against math.Exp for several integer-bit counts.
	for _, k := range []int{0, 1, 4, 5, 6, 12} {
		for i := 0; i <= 1000; i++ {
			v := -float64(i) / 1000 * math.Min(float64(int(1)<<k), 20)
			a := int32(math.Max(v*math.Exp2(float64(31-k)), math.MinInt32))
			got := float64(ExpOnNegativeValues(a, k)) / (1 << 31)
			if want := math.Exp(float64(a) / math.Exp2(float64(31-k))); math.Abs(got-want) > 1e-6 {
				t.Fatalf("ExpOnNegativeValues(%d, %d) = %v, want ≈ %v", a, k, got, want)
			}
		}
	}
}

// §9.3 reciprocal of the worked example, and accuracy sweeps of the
// Newton–Raphson helpers, logistic and tanh.
func TestReciprocalAndSigmoids(t *testing.T) {
	recip, nbou := GetReciprocal(1294274, 12)
	if recip != 1739816932 || nbou != 1 {
		t.Errorf("GetReciprocal(1294274, 12) = (%d, %d), want (1739816932, 1)", recip, nbou)
	}
	if got := OneOverOnePlusX(503189504); got != 1739816932 {
		t.Errorf("OneOverOnePlusX(503189504) = %d, want 1739816932", got)
	}
	const q31 = 1 << 31
	for i := 0; i < 1000; i++ {
		a := int32(int64(i) * q31 / 1000)
		x := float64(a) / q31
		if got := float64(OneOverOnePlusX(a)) / q31; math.Abs(got-1/(1+x)) > 1e-8 {
			t.Fatalf("OneOverOnePlusX(%v) = %v", x, got)
		}
		if got := float64(OneMinusXOverOnePlusX(a)) / q31; math.Abs(got-(1-x)/(1+x)) > 1e-8 {
			t.Fatalf("OneMinusXOverOnePlusX(%v) = %v", x, got)
		}
	}
	for i := -1000; i <= 1000; i++ {
		a := int32(int64(i) * (15 << 27) / 1000) // Q4.27 in (−15, 15)
		x := float64(a) / (1 << 27)
		if got := float64(LogisticFixed(a, 4)) / q31; math.Abs(got-1/(1+math.Exp(-x))) > 1e-6 {
			t.Fatalf("LogisticFixed(%v) = %v", x, got)
		}
		if got := float64(TanhFixed(a, 4)) / q31; math.Abs(got-math.Tanh(x)) > 1e-6 {
			t.Fatalf("TanhFixed(%v) = %v", x, got)
		}
	}
	if LogisticFixed(0, 4) != 1<<30 || TanhFixed(0, 4) != 0 {
		t.Error("LogisticFixed(0) must be 2^30 and TanhFixed(0) must be 0")
	}
}
