package quant

import (
	"math"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

func TestQuantizeDequantize(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct {
		x, s   float32
		zp     int32
		lo, hi int32
		want   int32
	}{
		{0.25, 0.1, 0, -128, 127, 3},   // 0.25f/0.1f = 2.5f → 3 (half away from zero)
		{-0.25, 0.1, 0, -128, 127, -3}, // −2.5 → −3
		{0.24, 0.1, -10, -128, 127, -8},
		{1000, 0.1, 0, -128, 127, 127},
		{-1000, 0.1, 0, -32768, 32767, -10000},
		{float32(math.Inf(1)), 0.1, 100, -128, 127, 127},
		{float32(math.Inf(-1)), 0.1, -100, -128, 127, -128},
		{nan, 0.1, 5, -128, 127, 5}, // tinygen's definition: NaN → 0
		{3e9, 1, 100, math.MinInt32, math.MaxInt32, math.MaxInt32},
	} {
		if got := QuantizeFloat(c.x, c.s, c.zp, c.lo, c.hi); got != c.want {
			t.Errorf("QuantizeFloat(%v, %v, %d) = %d, want %d", c.x, c.s, c.zp, got, c.want)
		}
	}
	if RoundToInt32(2.5) != 3 || RoundToInt32(-2.5) != -3 || RoundToInt32(0.49999997) != 0 || RoundToInt32(nan) != 0 {
		t.Error("RoundToInt32 is not round-half-away-from-zero")
	}
	if got := Dequantize(-3, 0.1, 5); got != float32(0.1)*-8 {
		t.Errorf("Dequantize = %v", got)
	}
}

func TestClampFloat(t *testing.T) {
	neg0 := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	if got := ClampFloat(neg0, 0, 6); !math.Signbit(float64(got)) {
		t.Errorf("ClampFloat(-0) = %v, want -0", got)
	}
	if got := ClampFloat(float32(math.NaN()), 0, 6); got == got {
		t.Errorf("ClampFloat(NaN) = %v, want NaN", got)
	}
	lo, hi := FloatActivationRange(ir.ActNone)
	if ClampFloat(inf, lo, hi) != math.MaxFloat32 || ClampFloat(-inf, lo, hi) != -math.MaxFloat32 {
		t.Error("activation NONE must map ±Inf to ±FLT_MAX")
	}
	for _, c := range []struct {
		act    ir.Activation
		lo, hi float32
	}{{ir.ActRelu, 0, math.MaxFloat32}, {ir.ActRelu6, 0, 6}, {ir.ActReluN1To1, -1, 1}, {ir.ActTanh, -math.MaxFloat32, math.MaxFloat32}} {
		if lo, hi := FloatActivationRange(c.act); lo != c.lo || hi != c.hi {
			t.Errorf("FloatActivationRange(%v) = (%v, %v)", c.act, lo, hi)
		}
	}
	if ClampFloat(7, 0, 6) != 6 || ClampFloat(-1, 0, 6) != 0 || ClampFloat(3, 0, 6) != 3 {
		t.Error("ClampFloat bounds")
	}
}

func TestFloatActivations(t *testing.T) {
	neg0 := float32(math.Copysign(0, -1))
	if LogisticFloat(17) != 1 || LogisticFloat(-10) != Expf(-10) || LogisticFloat(0) != 0.5 {
		t.Error("LogisticFloat branches")
	}
	if got := LogisticFloat(float32(math.NaN())); got == got {
		t.Error("LogisticFloat(NaN) must be NaN")
	}
	if got := ReluFloat(neg0); !math.Signbit(float64(got)) || ReluFloat(-1) != 0 || Relu6Float(7) != 6 || Relu6Float(-2) != 0 {
		t.Error("ReluFloat/Relu6Float")
	}
	if LeakyReluFloat(-2, 0.1) != float32(-2)*0.1 || LeakyReluFloat(2, 0.1) != 2 {
		t.Error("LeakyReluFloat")
	}
	if HardSwishFloat(1) != float32(1*4)/6 || HardSwishFloat(-4) != 0 || HardSwishFloat(5) != 5 {
		t.Error("HardSwishFloat")
	}
	if got := HardSwishFloat(-3.5); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("HardSwishFloat(-3.5) = %v, want -0 (x·0)", got)
	}
	if TanhFloat(0.5) != float32(math.Tanh(0.5)) {
		t.Error("TanhFloat")
	}
}
