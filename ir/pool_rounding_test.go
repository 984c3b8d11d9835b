// Tests of AVERAGE_POOL_2D's Rounding attribute: text round trip and
// verification.
package ir

import (
	"strings"
	"testing"
)

const roundingGraph = `tinygen-ir 1
graph "r" source "test" description ""
tensor %0 "x" i8[1,4,4,2] quant(scale=[0.5] zp=[-3])
tensor %1 "pool" i8[1,2,2,2] quant(scale=[0.5] zp=[-3])
input %0
op 0 AVERAGE_POOL_2D (%0) -> (%1) {Padding=VALID StrideH=2 StrideW=2 FilterH=2 FilterW=2 Activation=NONE Rounding=HALF_EVEN}
output %1
`

func TestPoolRoundingRoundTrip(t *testing.T) {
	g, err := ParseString(roundingGraph)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got := g.Ops[0].Attrs.(Pool2DAttrs).Rounding; got != PoolRoundHalfEven {
		t.Fatalf("Rounding = %v, want HALF_EVEN", got)
	}
	printed := g.String()
	if !strings.Contains(printed, "Rounding=HALF_EVEN") {
		t.Fatalf("printed text lacks Rounding=HALF_EVEN:\n%s", printed)
	}
	// The default is omitted, so TFLite graphs print unchanged.
	g.Ops[0].Attrs = func() Attrs { a := g.Ops[0].Attrs.(Pool2DAttrs); a.Rounding = PoolRoundHalfAway; return a }()
	if s := g.String(); strings.Contains(s, "Rounding") {
		t.Fatalf("default rounding printed:\n%s", s)
	}
	if _, err := ParseString(strings.Replace(roundingGraph, "HALF_EVEN", "HALF_ODD", 1)); err == nil || !strings.Contains(err.Error(), "pool rounding") {
		t.Fatalf("unknown rounding: err = %v, want a pool rounding error", err)
	}
}

func TestPoolRoundingVerify(t *testing.T) {
	i8 := &Tensor{DType: Int8, Shape: Shape{1, 4, 4, 1}}
	f32 := &Tensor{DType: Float32, Shape: Shape{1, 4, 4, 1}}
	a := Pool2DAttrs{Padding: PadValid, FilterH: 2, FilterW: 2, StrideH: 2, StrideW: 2, Rounding: PoolRoundHalfEven}
	for _, c := range []struct {
		name string
		op   *Op
		want string
	}{
		{"int8 average", &Op{Kind: AveragePool2D, Inputs: []*Tensor{i8}, Attrs: a}, ""},
		{"int8 max", &Op{Kind: MaxPool2D, Inputs: []*Tensor{i8}, Attrs: a}, "int8/int16 AVERAGE_POOL_2D only"},
		{"float average", &Op{Kind: AveragePool2D, Inputs: []*Tensor{f32}, Attrs: a}, "int8/int16 AVERAGE_POOL_2D only"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := InferShape(c.op)
			if c.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
