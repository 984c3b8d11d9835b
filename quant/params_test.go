package quant

import (
	"math"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// §3
func TestActivationRange(t *testing.T) {
	for _, c := range []struct {
		act    ir.Activation
		dt     ir.DType
		scale  float32
		zp     int32
		lo, hi int32
	}{
		{ir.ActNone, ir.Int8, 0.1, -10, -128, 127},
		{ir.ActTanh, ir.Int8, 0.1, -10, -128, 127},
		{ir.ActSignBit, ir.Int16, 0.1, 0, -32768, 32767},
		{ir.ActRelu, ir.Int8, 0.1, -10, -10, 127},
		{ir.ActRelu6, ir.Int8, 0.1, -10, -10, 50},
		{ir.ActReluN1To1, ir.Int8, 0.1, -10, -20, 0},
		{ir.ActRelu6, ir.Int8, 0.01, 0, 0, 127},     // Q(6) = 600 clamps
		{ir.ActRelu, ir.Int8, 0.1, -200, -128, 127}, // zp below qmin
		{ir.ActRelu, ir.Int8, 0.1, 200, 200, 127},   // lo > hi, as TFLM
		{ir.ActRelu6, ir.Int16, 6.0 / 32767, 0, 0, 32767},
		{ir.ActReluN1To1, ir.UInt8, 1.0 / 128, 128, 0, 255},
		{ir.ActRelu6, ir.Int8, 0.025, 0, 0, 127},
		{ir.ActRelu6, ir.Int8, 0.0625, -128, -128, -32},
		{ir.ActRelu6, ir.Int8, 1e-30, 0, 0, 127}, // 6/scale beyond int32
	} {
		lo, hi, err := ActivationRange(c.act, c.dt, c.scale, c.zp)
		if err != nil || lo != c.lo || hi != c.hi {
			t.Errorf("ActivationRange(%v, %v, %v, %d) = (%d, %d, %v), want (%d, %d)", c.act, c.dt, c.scale, c.zp, lo, hi, err, c.lo, c.hi)
		}
	}
	for _, c := range []struct {
		dt    ir.DType
		scale float32
	}{{ir.Float32, 0.1}, {ir.Int64, 0.1}, {ir.Int8, 0}, {ir.Int8, -1}, {ir.Int8, float32(math.NaN())}, {ir.Int8, float32(math.Inf(1))}} {
		if _, _, err := ActivationRange(ir.ActRelu, c.dt, c.scale, 0); err == nil {
			t.Errorf("ActivationRange(%v, %v): want error", c.dt, c.scale)
		}
	}
}

// §1.3: conv is per-channel in double; FC per-tensor rounds the product to float32.
func TestConvAndFullyConnectedMultipliers(t *testing.T) {
	ms, err := ConvMultipliers(0.5, []float32{0.25}, 0.125, 3)
	if err != nil || len(ms) != 3 {
		t.Fatalf("ConvMultipliers: %v, %v", ms, err)
	}
	for _, m := range ms {
		if m != (Multiplier{1 << 30, 1}) {
			t.Errorf("broadcast multiplier = %+v, want {2^30 1}", m)
		}
	}
	ms, err = ConvMultipliers(0.5, []float32{0.25, 0, 0.0123 * 4}, 2, 3)
	want := []Multiplier{{1 << 30, -3}, {0, 0}, {1690499128, -6}}
	if err != nil || len(ms) != 3 {
		t.Fatalf("ConvMultipliers: %v, %v", ms, err)
	}
	for i := range want {
		m := want[i]
		if i == 2 {
			m.Multiplier, m.Shift = QuantizeMultiplier(0.5 * float64(float32(0.0123*4)) / 2)
		}
		if ms[i] != m {
			t.Errorf("channel %d: %+v, want %+v", i, ms[i], m)
		}
	}
	// Values derived from the §1.3 formulas: the float32 product changes q.
	fc, err := FullyConnectedMultipliers(0.0037, []float32{0.0021}, 0.07, 2)
	if err != nil || len(fc) != 2 || fc[0] != (Multiplier{1952732563, -13}) || fc[1] != fc[0] {
		t.Errorf("FC per-tensor = %v, %v; want 2 × {1952732563 -13}", fc, err)
	}
	pc, err := FullyConnectedMultipliers(0.0037, []float32{0.0021, 0.0021}, 0.07, 2)
	if err != nil || pc[0] != (Multiplier{1952732574, -13}) {
		t.Errorf("FC per-channel = %v, %v; want {1952732574 -13}", pc, err)
	}
	for _, c := range []struct {
		in, out float32
		fs      []float32
		n       int
	}{
		{0, 1, []float32{1}, 1}, {1, 0, []float32{1}, 1}, {1, 1, []float32{1, 1}, 3},
		{1, 1, nil, 1}, {1, 1, []float32{-1}, 1}, {1, 1, []float32{float32(math.NaN())}, 1}, {1, 1, []float32{1}, 0},
	} {
		if _, err := ConvMultipliers(c.in, c.fs, c.out, c.n); err == nil {
			t.Errorf("ConvMultipliers(%v, %v, %v, %d): want error", c.in, c.fs, c.out, c.n)
		}
		if _, err := FullyConnectedMultipliers(c.in, c.fs, c.out, c.n); err == nil {
			t.Errorf("FullyConnectedMultipliers(%v, %v, %v, %d): want error", c.in, c.fs, c.out, c.n)
		}
	}
}

// §6
func TestAveragePoolRound(t *testing.T) {
	for _, c := range []struct{ acc, n, want int32 }{
		{-5, 2, -3}, {-10, 4, -3}, {-9, 4, -2}, {5, 2, 3}, {0, 3, 0},
		{-255, 2, -128}, // codes −128 and −127 with zp −128: TFLM gives −128
		{7, 0, 0},
	} {
		if got := AveragePoolRound(c.acc, c.n); got != c.want {
			t.Errorf("AveragePoolRound(%d, %d) = %d, want %d", c.acc, c.n, got, c.want)
		}
	}
}

func TestAveragePoolRoundHalfEven(t *testing.T) {
	for _, c := range []struct{ acc, n, want int32 }{
		{2, 4, 0}, {6, 4, 2}, {10, 4, 2}, {-2, 4, 0}, {-6, 4, -2}, {-10, 4, -2},
		{3, 4, 1}, {-3, 4, -1}, {5, 4, 1}, {-5, 4, -1}, {7, 4, 2}, {-7, 4, -2},
		{1, 2, 0}, {3, 2, 2}, {-1, 2, 0}, {-3, 2, -2}, {4, 3, 1}, {-4, 3, -1},
		{0, 4, 0}, {5, 0, 0}, {-512, 4, -128}, {508, 4, 127}, {-510, 4, -128}, {-506, 4, -126},
	} {
		if got := AveragePoolRoundHalfEven(c.acc, c.n, 0); got != c.want {
			t.Errorf("AveragePoolRoundHalfEven(%d, %d) = %d, want %d", c.acc, c.n, got, c.want)
		}
	}
	// The tie is decided on the centred mean: zero point 1, codes summing
	// to 6 over 4 taps: (6−4)/4 = 0.5 → 0, plus 1 → 1 (not round(1.5) = 2).
	for _, c := range []struct{ acc, n, zp, want int32 }{
		{6, 4, 1, 1}, {10, 4, 1, 3}, {-6, 4, -1, -1}, {-2, 4, -1, -1}, {-510, 4, -128, -128}, {-506, 4, -128, -126}, {-508, 4, -128, -127},
	} {
		if got := AveragePoolRoundHalfEven(c.acc, c.n, c.zp); got != c.want {
			t.Errorf("AveragePoolRoundHalfEven(%d, %d, zp %d) = %d, want %d", c.acc, c.n, c.zp, got, c.want)
		}
	}
	// Away from ties it agrees with AveragePoolRound.
	for acc := int32(-600); acc <= 600; acc++ {
		for n := int32(1); n <= 9; n++ {
			if 2*(acc%n) == n || 2*(acc%n) == -n {
				continue
			}
			if a, b := AveragePoolRoundHalfEven(acc, n, 0), AveragePoolRound(acc, n); a != b {
				t.Fatalf("acc %d n %d: half even %d, half away %d", acc, n, a, b)
			}
		}
	}
}
