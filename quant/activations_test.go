package quant

import (
	"math"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

func TestRelu(t *testing.T) {
	p, err := PrepareRelu(0.1, 0.05, -10, 5, ir.Int8)
	if err != nil {
		t.Fatal(err)
	}
	if p.Output != (Multiplier{1 << 30, 2}) || p.Min != 5 || p.Max != 127 {
		t.Errorf("PrepareRelu = %+v", p)
	}
	for _, c := range []struct{ x, want int32 }{{-128, 5}, {-10, 5}, {-9, 7}, {20, 65}, {60, 127}} {
		if got := ReluElement(p, c.x); got != c.want {
			t.Errorf("ReluElement(%d) = %d, want %d", c.x, got, c.want)
		}
	}
	// The ratio is formed in float32: 0.3f/0.1f rounds to exactly 3.0f.
	q, _ := PrepareRelu(0.3, 0.1, 0, 0, ir.Int16)
	if want := (Multiplier{1610612736, 2}); q.Output != want || q.Min != 0 || q.Max != 32767 {
		t.Errorf("PrepareRelu(0.3, 0.1) = %+v, want multiplier %+v", q, want)
	}
	if _, err := PrepareRelu(0.1, 0, 0, 0, ir.Int8); err == nil {
		t.Error("PrepareRelu with zero output scale: want error")
	}
	if _, err := PrepareRelu(0.1, 0.1, 0, 0, ir.UInt8); err == nil {
		t.Error("PrepareRelu uint8: want error")
	}
}

func TestRelu6(t *testing.T) {
	p, err := PrepareRelu6(0.05, -20, ir.Int8)
	if err != nil || p != (Relu6Params{Lo: -20, Hi: 100}) {
		t.Fatalf("PrepareRelu6 = %+v, %v", p, err)
	}
	for _, c := range []struct{ x, want int32 }{{-128, -20}, {-20, -20}, {0, 0}, {100, 100}, {127, 100}} {
		if got := Relu6Element(p, c.x); got != c.want {
			t.Errorf("Relu6Element(%d) = %d, want %d", c.x, got, c.want)
		}
	}
	if p, _ := PrepareRelu6(0.01, 0, ir.Int8); p.Hi != 127 {
		t.Errorf("RELU6 upper bound = %d, want 127 (clamped)", p.Hi)
	}
	if p, _ := PrepareRelu6(6.0/32767, 0, ir.Int16); p.Hi != 32767 {
		t.Errorf("RELU6 int16 upper bound = %d, want 32767", p.Hi)
	}
}

func TestLeakyRelu(t *testing.T) {
	p, err := PrepareLeakyRelu(0.1, 0.1, 0.25, 0, 0, ir.Int8)
	if err != nil {
		t.Fatal(err)
	}
	if p.Identity != (Multiplier{1 << 30, 1}) || p.Alpha != (Multiplier{1 << 30, -1}) {
		t.Errorf("PrepareLeakyRelu = %+v", p)
	}
	for _, c := range []struct{ x, want int32 }{{-128, -32}, {-6, -2}, {-2, -1}, {0, 0}, {100, 100}} {
		if got := LeakyReluElement(p, c.x); got != c.want {
			t.Errorf("LeakyReluElement(%d) = %d, want %d", c.x, got, c.want)
		}
	}
	// Negative alpha: the negative multiplier goes through SRDHM as is, so an
	// exact tie (−3 · −0.5 = 1.5) rounds toward +infinity, to 2.
	n, err := PrepareLeakyRelu(0.1, 0.1, -0.5, 0, 0, ir.Int8)
	if err != nil || n.Alpha != (Multiplier{-1 << 30, 0}) {
		t.Fatalf("PrepareLeakyRelu(alpha −0.5) = %+v, %v", n, err)
	}
	for _, c := range []struct{ x, want int32 }{{-3, 2}, {-4, 2}, {-128, 64}, {5, 5}} {
		if got := LeakyReluElement(n, c.x); got != c.want {
			t.Errorf("LeakyReluElement(alpha −0.5, %d) = %d, want %d", c.x, got, c.want)
		}
	}
	// Output range clamp.
	big, _ := PrepareLeakyRelu(0.1, 0.01, 0.5, 0, 0, ir.Int8)
	if LeakyReluElement(big, 100) != 127 || LeakyReluElement(big, -100) != -128 {
		t.Error("LEAKY_RELU does not clamp to the type range")
	}
	if _, err := PrepareLeakyRelu(0.1, 0.1, float32(math.Inf(1)), 0, 0, ir.Int8); err == nil {
		t.Error("infinite alpha: want error")
	}
}

func TestHardSwishInt8(t *testing.T) {
	for _, c := range []struct {
		in, out float32
		zi, zo  int32
	}{
		{0.05, 0.03, 0, -80},
		{6.0 / 128, 6.0 / 128, -30, -120},
		{0.1, 0.2, 5, -100}, // reluish shift > 0
		{0.01, 0.005, 0, -128},
		{0.002, 0.001, 3, -128}, // reluish shift < 0
	} {
		p, err := PrepareHardSwishInt8(c.in, c.out, c.zi, c.zo)
		if err != nil {
			t.Fatal(err)
		}
		if p.OutputShift > 0 {
			t.Errorf("output shift %d > 0", p.OutputShift)
		}
		for x := -128; x <= 127; x++ {
			v := float64(x-int(c.zi)) * float64(c.in)
			f := v * math.Min(6, math.Max(0, v+3)) / 6
			want := math.Min(math.Max(math.Round(f/float64(c.out))+float64(c.zo), -128), 127)
			if got := float64(HardSwishInt8(p, int8(x))); math.Abs(got-want) > 1 {
				t.Errorf("%+v: HardSwishInt8(%d) = %v, float reference %v", c, x, got, want)
			}
		}
	}
	if _, err := PrepareHardSwishInt8(1, 1.0/256, 0, 0); err == nil {
		t.Error("HARD_SWISH with positive output shift: want error")
	}
	// Derived by hand: hires/out = 2^−8 → (2^30, −7) → 16384; hires/(3/32768)
	// ≈ 8.533 → (1145324612, 4) → 17476.
	p, _ := PrepareHardSwishInt8(0.1, 0.2, 5, -100)
	if want := (HardSwishParams{5, -100, 16384, -7, 17476, 4}); p != want {
		t.Errorf("PrepareHardSwishInt8 = %+v, want %+v", p, want)
	}
}
