package quant

import (
	"math"
	"testing"
)

// §1.1
func TestQuantizeMultiplier(t *testing.T) {
	for _, c := range []struct {
		m     float64
		q     int32
		shift int
	}{
		{0, 0, 0},
		{1e-10, 0, 0},
		{math.Exp2(-33), 0, 0},
		{math.Exp2(-32), 1 << 30, -31},
		{1.0, 1 << 30, 1},
		{0.5, 1 << 30, 0},
		{1.5, 1610612736, 1},
		{0.99999999999, 1 << 30, 1},
		{0.0123, 1690499128, -6},
		{0.00390625, 1073741824, -7},
		{0.003921568859368563, 1077952640, -7},
		{float64(float32(1.0 / 255)), 1077952640, -7},
		{3.0517578125e-05, 1073741824, -14},
		{0.005078125, 1395864371, -7},
		{-0.5, -1 << 30, 0},
		{-0.99999999999, math.MinInt32, 0}, // no fix-up for negative values
		{math.Exp2(40), 1 << 30, 41},       // no upper clamp
		{math.NaN(), 0, 0},
		{math.Inf(1), 0, 0},
	} {
		q, s := QuantizeMultiplier(c.m)
		if q != c.q || s != c.shift {
			t.Errorf("QuantizeMultiplier(%v) = (%d, %d), want (%d, %d)", c.m, q, s, c.q, c.shift)
		}
	}
}

// §1.2
func TestQuantizeMultiplierVariants(t *testing.T) {
	if q, s, err := QuantizeMultiplierSmallerThanOneExp(0.0123); err != nil || q != 1690499128 || s != -6 {
		t.Errorf("SmallerThanOneExp(0.0123) = (%d, %d, %v)", q, s, err)
	}
	if q, s, err := QuantizeMultiplierSmallerThanOneExp(1e-12); err != nil || q != 0 || s != 0 {
		t.Errorf("SmallerThanOneExp(1e-12) = (%d, %d, %v), want flushed (0, 0)", q, s, err)
	}
	for _, m := range []float64{0, -0.5, 1, 2, 0.99999999999, math.NaN()} {
		if _, _, err := QuantizeMultiplierSmallerThanOneExp(m); err == nil {
			t.Errorf("SmallerThanOneExp(%v): want error", m)
		}
	}
	if q, s, err := QuantizeMultiplierGreaterThanOne(6710886.5); err != nil || q != 1717986944 || s != 23 {
		t.Errorf("GreaterThanOne(6710886.5) = (%d, %d, %v), want (1717986944, 23)", q, s, err)
	}
	for _, m := range []float64{1, 0.5, -2, math.NaN(), math.Inf(1)} {
		if _, _, err := QuantizeMultiplierGreaterThanOne(m); err == nil {
			t.Errorf("GreaterThanOne(%v): want error", m)
		}
	}
}

// §2.7 and §2.5
func TestMultiplyByQuantizedMultiplier(t *testing.T) {
	const noInt64 = math.MinInt32
	for _, c := range []struct {
		x, q        int32
		shift       int
		want, int64 int32
	}{
		{-1234, 1690499128, -6, -15, -15},
		{-7, 1610612736, 1, -10, -10},
		{-3, 1 << 30, 0, -1, -1},
		{3, 1 << 30, 0, 2, 2},
		{-2, 1 << 30, -1, -1, 0},
		{-6, 1 << 30, -1, -2, -1},
		{-1280, 1395864371, -7, -7, noInt64},
		{-100000, 1077952640, -7, -392, -392},
		{-123456789, 1690499128, -10, -94907, -94908},
	} {
		if got := MultiplyByQuantizedMultiplier(c.x, c.q, c.shift); got != c.want {
			t.Errorf("MBQM(%d, %d, %d) = %d, want %d", c.x, c.q, c.shift, got, c.want)
		}
		if got := (Multiplier{c.q, c.shift}).Apply(c.x); got != c.want {
			t.Errorf("Multiplier.Apply(%d) = %d, want %d", c.x, got, c.want)
		}
		if c.int64 == noInt64 {
			continue
		}
		if got := MultiplyByQuantizedMultiplierInt64(int64(c.x), c.q, c.shift); got != c.int64 {
			t.Errorf("MBQM64(%d, %d, %d) = %d, want %d", c.x, c.q, c.shift, got, c.int64)
		}
	}
	if got := MultiplyByQuantizedMultiplierInt64(1<<40, 0x7FFFFFFF, -31); got != 512 {
		t.Errorf("MBQM64 with saturated reduced multiplier = %d, want 512", got)
	}
	// SmallerThanOneExp equals the general form for shift ≤ 0; GreaterThanOne
	// has no final rounding shift.
	if a, b := MultiplyByQuantizedMultiplierSmallerThanOneExp(-6, 1<<30, -1), MultiplyByQuantizedMultiplier(-6, 1<<30, -1); a != b {
		t.Errorf("SmallerThanOneExp = %d, general = %d", a, b)
	}
	if got := MultiplyByQuantizedMultiplierGreaterThanOne(-7, 1717986944, 23); got != -46976205 {
		t.Errorf("GreaterThanOne(-7) = %d, want -46976205", got)
	}
}

func TestDownScaleAndRadius(t *testing.T) {
	for _, c := range []struct {
		m    int32
		want int16
	}{{1 << 30, 1 << 14}, {math.MaxInt32, math.MaxInt16}, {math.MaxInt32 - 1<<15, math.MaxInt16}, {1<<30 + 1<<15, 1<<14 + 1}, {1<<30 + 1<<15 - 1, 1 << 14}} {
		if got := DownScaleInt32ToInt16Multiplier(c.m); got != c.want {
			t.Errorf("DownScale(%d) = %d, want %d", c.m, got, c.want)
		}
	}
	for _, c := range []struct {
		bits, shift int
		want        int32
	}{{5, 23, 248}, {4, 24, 120}, {4, 22, 480}, {4, 31, 0}} {
		if got := CalculateInputRadius(c.bits, c.shift, 31); got != c.want {
			t.Errorf("CalculateInputRadius(%d, %d, 31) = %d, want %d", c.bits, c.shift, got, c.want)
		}
	}
}
