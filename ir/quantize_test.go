// Tests of QUANTIZE's attributes: text round trip (defaults omitted, so
// TFLite graphs print unchanged), verification of blocked QUANTIZE and
// BlockIndex.
package ir

import (
	"strings"
	"testing"
)

const blockedGraph = `tinygen-ir 1
graph "q" source "onnx opset 21" description ""
tensor %0 "x" f32[2,5,3]
tensor %1 "s" f32[2,3,3] data=hex"` + "0000003f000000400000803f0000003f000000400000803f0000003f000000400000803f0000003f000000400000803f0000003f000000400000803f0000003f000000400000803f" + `"
tensor %2 "z" i8[2,3,3] data=hex"000102030405060708090a0b0c0d0e0f1011"
tensor %3 "y" i8[2,5,3]
tensor %4 "p" f32[2]
tensor %5 "pq" u8[2] quant(scale=[0.5] zp=[3])
input %0
input %4
op 0 QUANTIZE (%0, %1, %2) -> (%3) {Rounding=HALF_EVEN Axis=1 BlockSize=2}
op 1 QUANTIZE (%4) -> (%5) {Rounding=HALF_EVEN}
output %3
output %5
`

func TestQuantizeAttrsRoundTrip(t *testing.T) {
	g, err := ParseString(blockedGraph)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if a := g.Ops[0].Attrs.(QuantizeAttrs); a != (QuantizeAttrs{Rounding: QuantizeRoundHalfEven, Axis: 1, BlockSize: 2}) || !g.Ops[0].Blocked() {
		t.Fatalf("attributes %+v", a)
	}
	if g.Ops[1].Blocked() {
		t.Fatal("a one-input QUANTIZE is blocked")
	}
	if s := g.String(); s != blockedGraph {
		t.Fatalf("printed:\n%s\nwant:\n%s", s, blockedGraph)
	}
	g.Ops[1].Attrs = QuantizeAttrs{}
	if s := g.String(); !strings.Contains(s, "op 1 QUANTIZE (%4) -> (%5)\n") {
		t.Fatalf("default attributes printed:\n%s", s)
	}
	if _, err := ParseString(strings.Replace(blockedGraph, "HALF_EVEN", "HALF_ODD", 1)); err == nil || !strings.Contains(err.Error(), "quantize rounding") {
		t.Fatalf("unknown rounding: err = %v", err)
	}
}

func TestQuantizeVerify(t *testing.T) {
	for _, c := range []struct{ name, from, to, want string }{
		{"block size mismatch", "BlockSize=2}", "BlockSize=3}", "must have shape 2x2x3"},
		{"axis out of range", "Axis=1 BlockSize=2", "Axis=3 BlockSize=2", "do not fit"},
		{"quantised output", `"y" i8[2,5,3]`, `"y" i8[2,5,3] quant(scale=[1] zp=[0])`, "no quantisation parameters"},
		{"zero point type", `"z" i8[2,3,3]`, `"z" u8[2,3,3]`, "output's type"},
		{"computed scales", "input %4\n", "input %4\ninput %1\n", "graph input %1"},
		{"attributes without inputs", "op 1 QUANTIZE (%4) -> (%5) {Rounding=HALF_EVEN}", "op 1 QUANTIZE (%4) -> (%5) {Axis=1}", "need the scale"},
		{"half even from int", `"p" f32[2]`, `"p" i8[2] quant(scale=[1] zp=[0])`, "needs a float32 input"},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := strings.Replace(blockedGraph, c.from, c.to, 1)
			if text == blockedGraph {
				t.Fatalf("%q not in the graph", c.from)
			}
			g, err := ParseString(text)
			if err == nil {
				err = g.Verify()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestBlockIndex(t *testing.T) {
	// [2,5,3] blocked by 2 on axis 1: scales [2,3,3].
	for _, c := range []struct{ i, want int }{
		{0, 0}, {2, 2}, {3, 3 * 0}, {6, 3}, {9, 3}, {12, 6}, {14, 8}, {15, 9}, {29, 17},
	} {
		if got := BlockIndex(c.i, 3, 5, 2, 3); got != c.want {
			t.Errorf("BlockIndex(%d) = %d, want %d", c.i, got, c.want)
		}
	}
}
