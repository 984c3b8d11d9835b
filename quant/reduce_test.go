package quant

import (
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// §12.1
func TestMean(t *testing.T) {
	p, err := PrepareMean(0.02, 0.02, -5, -5, 49, ir.Int8)
	if err != nil {
		t.Fatal(err)
	}
	if p.Output != (Multiplier{701219150, -4}) || p.N != 49 {
		t.Errorf("PrepareMean = %+v", p)
	}
	if got := p.Output.Apply(-1000 + 5*49); got != -15 {
		t.Errorf("MBQM(-755) = %d, want -15", got)
	}
	if got := MeanElement(p, -1000); got != -20 {
		t.Errorf("MeanElement(-1000) = %d, want -20", got)
	}
	// k is limited to 32 and to 31+S.
	big, _ := PrepareMean(1, 1, 0, 0, 1<<31-1, ir.Int16)
	if big.Output.Shift != 1-30 {
		t.Errorf("PrepareMean(n = 2^31−1) shift = %d, want -29", big.Output.Shift)
	}
	tiny, _ := PrepareMean(1, 1<<20, 0, 0, 1<<16, ir.Int8) // S = −19: k = 12
	if tiny.Output != (Multiplier{1 << 26, -31}) {
		t.Errorf("PrepareMean small multiplier = %+v", tiny.Output)
	}
	clamped, _ := PrepareMean(1, 1.0/(1<<29), 0, 0, 1<<20, ir.Int8) // S = 30: k = 20
	if clamped.Output != (Multiplier{1 << 30, 10}) {
		t.Errorf("PrepareMean = %+v", clamped.Output)
	}
	s, _ := PrepareSum(0.02, 0.02, -5, -5, 49, ir.Int8)
	if s.Output != (Multiplier{1 << 30, 1}) || MeanElement(s, -300) != -60 || MeanElement(s, 2000) != 127 {
		t.Errorf("PrepareSum = %+v", s)
	}
	for _, n := range []int{0, -1, 1 << 31} {
		if _, err := PrepareMean(1, 1, 0, 0, n, ir.Int8); err == nil {
			t.Errorf("n = %d: want error", n)
		}
	}
	if _, err := PrepareMean(1, 1, 0, 0, 4, ir.Float32); err == nil {
		t.Error("float32 MEAN: want error")
	}
}
