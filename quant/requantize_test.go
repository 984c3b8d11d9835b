package quant

import (
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// §11
func TestRequantize(t *testing.T) {
	p, err := PrepareRequantize(0.1, 0.1, 0, 128, ir.Int8, ir.UInt8)
	if err != nil || !p.FlipSignBit || p.Min != 0 || p.Max != 255 {
		t.Fatalf("int8→uint8 = %+v, %v", p, err)
	}
	q, err := PrepareRequantize(0.1, 0.1, 128, 0, ir.UInt8, ir.Int8)
	if err != nil || !q.FlipSignBit {
		t.Fatalf("uint8→int8 = %+v, %v", q, err)
	}
	for x := int32(-128); x <= 127; x++ {
		if got := RequantizeElement(p, x); got != x+128 {
			t.Fatalf("int8→uint8 (%d) = %d", x, got)
		}
		if got := RequantizeElement(q, x+128); got != x {
			t.Fatalf("uint8→int8 (%d) = %d", x+128, got)
		}
	}
	// Same scale but other zero points: general path.
	g, _ := PrepareRequantize(0.1, 0.1, 0, 100, ir.Int8, ir.UInt8)
	if g.FlipSignBit || RequantizeElement(g, -128) != 0 || RequantizeElement(g, 100) != 200 {
		t.Errorf("general int8→uint8 = %+v", g)
	}
	// float32(0.0123) is not 0.0123, hence 1690499072 rather than §1.1's 1690499128.
	h, _ := PrepareRequantize(0.0123, 1, 0, 0, ir.Int16, ir.Int8)
	if h.Multiplier != (Multiplier{1690499072, -6}) || RequantizeElement(h, -1234) != -15 || RequantizeElement(h, 20000) != 127 {
		t.Errorf("int16→int8 = %+v", h)
	}
	w, _ := PrepareRequantize(1, 1.0/1024, 0, 0, ir.Int8, ir.Int32)
	if RequantizeElement(w, -100) != -102400 {
		t.Errorf("int8→int32 = %d", RequantizeElement(w, -100))
	}
	for _, c := range []struct{ in, out ir.DType }{{ir.UInt8, ir.UInt8}, {ir.Int32, ir.Int32}, {ir.Float32, ir.Int8}, {ir.UInt8, ir.Int16}} {
		if _, err := PrepareRequantize(1, 1, 0, 0, c.in, c.out); err == nil {
			t.Errorf("%v→%v: want error", c.in, c.out)
		}
	}
	if _, err := PrepareRequantize(1, 0, 0, 0, ir.Int8, ir.Int8); err == nil {
		t.Error("zero output scale: want error")
	}
}
