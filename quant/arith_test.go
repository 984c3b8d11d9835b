package quant

import (
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// §1.3 and §7
func TestAddSub(t *testing.T) {
	p, err := PrepareAdd(0.05, 0.1, 0.15, -3, 5, -10, ir.ActNone, ir.Int8)
	if err != nil {
		t.Fatal(err)
	}
	want := AddParams{
		LeftShift: 20, Input1Offset: 3, Input2Offset: -5, OutputOffset: -10,
		Input1: Multiplier{1 << 30, -1}, Input2: Multiplier{1 << 30, 0}, Output: Multiplier{1431655730, -19},
		Min: -128, Max: 127,
	}
	if p != want {
		t.Errorf("PrepareAdd = %+v, want %+v", p, want)
	}
	// Worked example intermediates.
	a, b := shl32(50+p.Input1Offset, 20), shl32(-20+p.Input2Offset, 20)
	sa := MultiplyByQuantizedMultiplierSmallerThanOneExp(a, p.Input1.Multiplier, p.Input1.Shift)
	sb := MultiplyByQuantizedMultiplierSmallerThanOneExp(b, p.Input2.Multiplier, p.Input2.Shift)
	if a != 55574528 || b != -26214400 || sa != 13893632 || sb != -13107200 || sa+sb != 786432 {
		t.Errorf("ADD intermediates a=%d b=%d sa=%d sb=%d r=%d", a, b, sa, sb, sa+sb)
	}
	if got := AddElement(p, 50, -20); got != -9 {
		t.Errorf("AddElement(50, -20) = %d, want -9", got)
	}

	s, err := PrepareSub(0.05, 0.1, 0.15, -3, 5, -10, ir.ActNone, ir.Int8)
	if err != nil {
		t.Fatal(err)
	}
	want.Output = Multiplier{1431655680, -19}
	if s != want {
		t.Errorf("PrepareSub = %+v, want %+v", s, want)
	}
	// 0.05·53 − 0.1·(−25) = 5.15 → 5.15/0.15 − 10 = 24.33
	if got := SubElement(s, 50, -20); got != 24 {
		t.Errorf("SubElement(50, -20) = %d, want 24", got)
	}
	// Clamping by the fused activation.
	r, _ := PrepareAdd(0.05, 0.1, 0.15, -3, 5, -10, ir.ActRelu, ir.Int8)
	if got := AddElement(r, -100, -100); got != -10 {
		t.Errorf("ADD+RELU = %d, want -10", got)
	}
	hi, _ := PrepareAdd(0.05, 0.1, 0.05, -3, 5, -10, ir.ActNone, ir.Int8)
	if got := AddElement(hi, 127, 127); got != 127 {
		t.Errorf("saturating ADD = %d, want 127", got)
	}
	// int16: left shift 15.
	p16, err := PrepareAdd(1.0/32768, 1.0/32768, 2.0/32768, 0, 0, 0, ir.ActNone, ir.Int16)
	if err != nil || p16.LeftShift != 15 || p16.Min != -32768 {
		t.Fatalf("PrepareAdd int16 = %+v, %v", p16, err)
	}
	if got := AddElement(p16, 1000, 3001); got != 2001 {
		t.Errorf("int16 AddElement = %d, want 2001", got)
	}
	// Errors: bad scales, bad type, and an output multiplier ≥ 1.
	for _, c := range []struct {
		s1, s2, so float32
		dt         ir.DType
	}{{0, 1, 1, ir.Int8}, {1, -1, 1, ir.Int8}, {1, 1, 0, ir.Int8}, {1, 1, 1, ir.Float32}, {1, 1, 1e-7, ir.Int8}} {
		if _, err := PrepareAdd(c.s1, c.s2, c.so, 0, 0, 0, ir.ActNone, c.dt); err == nil {
			t.Errorf("PrepareAdd(%v, %v, %v, %v): want error", c.s1, c.s2, c.so, c.dt)
		}
		if _, err := PrepareSub(c.s1, c.s2, c.so, 0, 0, 0, ir.ActNone, c.dt); err == nil {
			t.Errorf("PrepareSub(%v, %v, %v, %v): want error", c.s1, c.s2, c.so, c.dt)
		}
	}
}

// §8
func TestMul(t *testing.T) {
	p, err := PrepareMul(0.05, 0.1, 0.15, -3, 5, -10, ir.ActNone, ir.Int8)
	if err != nil {
		t.Fatal(err)
	}
	if p.Output != (Multiplier{1145324601, -4}) {
		t.Errorf("MUL multiplier = %+v, want {1145324601 -4}", p.Output)
	}
	if got := p.Output.Apply(-1325); got != -44 {
		t.Errorf("MBQM(-1325) = %d, want -44", got)
	}
	if got := MulElement(p, 50, -20); got != -54 {
		t.Errorf("MulElement(50, -20) = %d, want -54", got)
	}
	if _, err := PrepareMul(0.05, 0.1, 0.15, 1, 0, 0, ir.ActNone, ir.Int16); err == nil {
		t.Error("PrepareMul int16 with non-zero zero point: want error")
	}
	if _, err := PrepareMul(0.05, 0, 0.15, 0, 0, 0, ir.ActNone, ir.Int8); err == nil {
		t.Error("PrepareMul with zero scale: want error")
	}
	// Positive shift: product scale larger than the output scale.
	q, _ := PrepareMul(1, 1, 0.25, 0, 0, 0, ir.ActRelu6, ir.Int8)
	if q.Output != (Multiplier{1 << 30, 3}) || MulElement(q, 2, 3) != 24 || MulElement(q, 5, 3) != 24 || MulElement(q, -2, 3) != 0 {
		t.Errorf("MUL with left shift: %+v → %d %d %d", q, MulElement(q, 2, 3), MulElement(q, 5, 3), MulElement(q, -2, 3))
	}
}
