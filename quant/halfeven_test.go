// halfeven_test.go: ties to even, saturation and NaN of
// QuantizeFloatHalfEven beside QuantizeFloat.

package quant

import (
	"math"
	"testing"
)

func TestQuantizeFloatHalfEven(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		x, scale       float32
		zp, lo, hi     int32
		even, halfAway int32
	}{
		{0.5, 1, 0, -128, 127, 0, 1},
		{1.5, 1, 0, -128, 127, 2, 2},
		{2.5, 1, 0, -128, 127, 2, 3},
		{-0.5, 1, 0, -128, 127, 0, -1},
		{-2.5, 1, 0, -128, 127, -2, -3},
		{-3.5, 1, 0, -128, 127, -4, -4},
		{2.4999998, 1, 0, -128, 127, 2, 2},
		{3, 2, 10, -128, 127, 12, 12}, // 1.5 → 2
		{5, 2, 10, -128, 127, 12, 13}, // 2.5 → 2 / 3
		{1000, 1, 0, -128, 127, 127, 127},
		{-1000, 1, 0, 0, 255, 0, 0},
		{inf, 1, 0, -128, 127, 127, 127},
		{-inf, 1, 5, -32768, 32767, -32768, -32768},
		{nan, 1, 7, -128, 127, 7, 7},
		{3e9, 1, 100, math.MinInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32},
	} {
		if got := QuantizeFloatHalfEven(c.x, c.scale, c.zp, c.lo, c.hi); got != c.even {
			t.Errorf("QuantizeFloatHalfEven(%g, %g, %d) = %d, want %d", c.x, c.scale, c.zp, got, c.even)
		}
		if got := QuantizeFloat(c.x, c.scale, c.zp, c.lo, c.hi); got != c.halfAway {
			t.Errorf("QuantizeFloat(%g, %g, %d) = %d, want %d", c.x, c.scale, c.zp, got, c.halfAway)
		}
	}
}
