package quant

import (
	"math"
	"testing"
)

// §10.1 and §10.2
func TestLogisticTanhInt8(t *testing.T) {
	xs := []int8{-128, -40, -1, 0, 1, 40, 127}
	for _, c := range []struct {
		scale     float32
		p         LogisticParams
		log, tanh []int8
	}{
		{0.1, LogisticParams{0, 120, 1717986944, 24},
			[]int8{-128, -123, -6, 0, 6, 123, 127}, []int8{-128, -128, -13, 0, 13, 127, 127}},
		{0.0235294122, LogisticParams{0, 480, 1616928896, 22},
			[]int8{-116, -56, -2, 0, 2, 56, 116}, []int8{-127, -94, -3, 0, 3, 94, 127}},
	} {
		lp, err := PrepareLogisticInt8(c.scale, 0, -128)
		if err != nil || lp != c.p {
			t.Errorf("PrepareLogisticInt8(%v) = %+v, %v; want %+v", c.scale, lp, err, c.p)
		}
		tp, err := PrepareTanhInt8(c.scale, 0)
		if err != nil || tp != c.p {
			t.Errorf("PrepareTanhInt8(%v) = %+v, %v; want %+v", c.scale, tp, err, c.p)
		}
		for i, x := range xs {
			if got := LogisticInt8(lp, x); got != c.log[i] {
				t.Errorf("scale %v: LogisticInt8(%d) = %d, want %d", c.scale, x, got, c.log[i])
			}
			if got := TanhInt8(tp, x); got != c.tanh[i] {
				t.Errorf("scale %v: TanhInt8(%d) = %d, want %d", c.scale, x, got, c.tanh[i])
			}
		}
	}
}

func TestLogisticTanhInt8ZeroPointAndAccuracy(t *testing.T) {
	const s, zp = 0.05, 10
	lp, err := PrepareLogisticInt8(s, zp, -128)
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := PrepareTanhInt8(s, zp)
	for x := -128; x <= 127; x++ {
		v := float64(x-zp) * s
		if got, want := float64(LogisticInt8(lp, int8(x))), math.Min(256/(1+math.Exp(-v))-128, 127); math.Abs(got-want) > 1 {
			t.Errorf("LogisticInt8(%d) = %v, float %v", x, got, want)
		}
		if got, want := float64(TanhInt8(tp, int8(x))), math.Min(128*math.Tanh(v), 127); math.Abs(got-want) > 1 {
			t.Errorf("TanhInt8(%d) = %v, float %v", x, got, want)
		}
	}
	if _, err := PrepareLogisticInt8(0.1, 0, 0); err == nil {
		t.Error("LOGISTIC output zero point 0: want error")
	}
	for _, s := range []float32{0, -0.1, float32(math.NaN()), 1e-12, 1e6} {
		if _, err := PrepareTanhInt8(s, 0); err == nil {
			t.Errorf("PrepareTanhInt8(%v): want error", s)
		}
	}
}
