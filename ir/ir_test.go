package ir

import (
	"fmt"
	"strings"
	"testing"
)

// smallGraph builds conv -> relu-fused add -> reshape -> softmax, with a
// per-channel filter, an absent bias on one op and every attribute kind
// the printer has to handle.
func smallGraph() *Graph {
	g := &Graph{Name: "small", Source: "test", Description: "a \"quoted\"\nname"}
	q := func(s float32, z int64) *Quant { return &Quant{Scale: []float32{s}, ZeroPoint: []int64{z}} }
	in := g.AddTensor(&Tensor{Name: "in", DType: Int8, Shape: Shape{1, 5, 4, 2}, Quant: q(0.5, -3)})
	w := g.AddTensor(&Tensor{Name: "*/ w", DType: Int8, Shape: Shape{3, 3, 3, 2},
		Quant: &Quant{Scale: []float32{0.1, 1e-05, 3.4028235e38}, ZeroPoint: []int64{0, 0, 0}, Axis: 0},
		Data:  make([]byte, 54)})
	c := g.AddTensor(&Tensor{Name: "conv", DType: Int8, Shape: Shape{1, 2, 2, 3}, Quant: q(0.25, 1)})
	c2 := g.AddTensor(&Tensor{Name: "sum", DType: Int8, Shape: Shape{1, 2, 2, 3}, Quant: q(0.3, 0)})
	r := g.AddTensor(&Tensor{Name: "flat", DType: Int8, Shape: Shape{1, 12}, Quant: q(0.3, 0)})
	sm := g.AddTensor(&Tensor{Name: "prob", DType: Int8, Shape: Shape{1, 12}, Quant: q(1.0/256, -128)})
	g.Inputs = []*Tensor{in}
	g.AddOp(&Op{Kind: Conv2D, Inputs: []*Tensor{in, w, nil}, Outputs: []*Tensor{c}, SourceIndex: -1,
		Attrs: Conv2DAttrs{Padding: PadValid, StrideH: 2, StrideW: 1, DilationH: 1, DilationW: 1, Activation: ActRelu6}})
	g.AddOp(&Op{Kind: Add, Inputs: []*Tensor{c, c}, Outputs: []*Tensor{c2}, SourceIndex: -1, Attrs: BinaryAttrs{Activation: ActRelu}})
	g.AddOp(&Op{Kind: Reshape, Inputs: []*Tensor{c2}, Outputs: []*Tensor{r}, SourceIndex: -1, Attrs: ReshapeAttrs{NewShape: []int{1, 12}}})
	g.AddOp(&Op{Kind: Softmax, Inputs: []*Tensor{r}, Outputs: []*Tensor{sm}, SourceIndex: -1, Attrs: SoftmaxAttrs{Beta: 1}})
	g.Outputs = []*Tensor{sm}
	return g
}

func TestPrintParseRoundTrip(t *testing.T) {
	g := smallGraph()
	if err := g.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	text := g.String()
	g2, err := ParseString(text)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, text)
	}
	if err := g2.Verify(); err != nil {
		t.Fatalf("Verify after parse: %v", err)
	}
	if got := g2.String(); got != text {
		t.Fatalf("round trip changed the text:\n--- printed\n%s\n--- reprinted\n%s", text, got)
	}
	if g2.Tensors[1].Quant.Scale[2] != 3.4028235e38 || g2.Ops[0].Input(2) != nil {
		t.Fatalf("values lost in round trip")
	}
	if !strings.Contains(text, `op 0 CONV_2D (%0, %1, _) -> (%2) {Padding=VALID StrideH=2`) {
		t.Errorf("unexpected op line in\n%s", text)
	}
}

func TestParseErrors(t *testing.T) {
	good := smallGraph().String()
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "empty input"},
		{"header", "tinygen-ir 9\n", "want header"},
		{"unknown line", TextHeader + "\nfoo\n", `unknown line kind "foo"`},
		{"bad dtype", TextHeader + "\ntensor %0 \"x\" q7[1]\n", `unknown dtype "q7"`},
		{"huge dim", TextHeader + "\ntensor %0 \"x\" i8[1099511627776]\n", "out of range"},
		{"huge shape", TextHeader + "\ntensor %0 \"x\" i8[1048576,1048576]\n", "more than"},
		{"undeclared", TextHeader + "\ninput %4\n", "not declared"},
		{"out of order", TextHeader + "\ntensor %1 \"x\" i8[1]\n", "out of order"},
		{"unknown op", TextHeader + "\ntensor %0 \"x\" i8[1]\nop 0 FROB (%0) -> (%0)\n", `unknown operator "FROB"`},
		{"bad attr", strings.Replace(good, "StrideH=2", "Stride=2", 1), `no attribute "Stride"`},
		{"bad activation", strings.Replace(good, "Activation=RELU6", "Activation=GELU", 1), `unknown activation "GELU"`},
		{"bad hex", TextHeader + "\ntensor %0 \"x\" i8[1] data=hex\"zz\"\n", "bad hex"},
		{"trailing", TextHeader + "\ninput %0 %1\n", "not declared"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseString(tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestVerifyCatches(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(g *Graph)
		want   string
	}{
		{"ok", func(g *Graph) {}, ""},
		{"wrong out shape", func(g *Graph) { g.Tensors[2].Shape = Shape{1, 3, 2, 3} }, "has shape 1x3x2x3, inputs give 1x2x2x3"},
		{"use before def", func(g *Graph) { g.Ops[0], g.Ops[1] = g.Ops[1], g.Ops[0] }, "used before it is defined"},
		{"produced twice", func(g *Graph) { g.Ops[1].Outputs[0] = g.Tensors[2] }, "already defined"},
		{"per-channel count", func(g *Graph) { g.Tensors[1].Quant.Scale = g.Tensors[1].Quant.Scale[:2] }, "2 scales and 3 zero points"},
		{"zero point range", func(g *Graph) { g.Tensors[0].Quant.ZeroPoint[0] = 300 }, "outside i8 range"},
		{"const size", func(g *Graph) { g.Tensors[1].Data = make([]byte, 5) }, "constant has 5 bytes"},
		{"attrs type", func(g *Graph) { g.Ops[0].Attrs = SoftmaxAttrs{} }, "attributes are ir.SoftmaxAttrs"},
		{"reshape count", func(g *Graph) { g.Ops[2].Attrs = ReshapeAttrs{NewShape: []int{1, 13}} }, "cannot reshape"},
		{"dangling output", func(g *Graph) { g.Outputs = append(g.Outputs, g.AddTensor(&Tensor{DType: Int8})) }, "never defined"},
		{"dtype mismatch", func(g *Graph) { g.Tensors[3].DType = Int16; g.Tensors[3].Quant.ZeroPoint[0] = 0 }, "is i8 but output"},
		{"missing input", func(g *Graph) { g.Ops[1].Inputs[1] = nil }, "required input 1 is missing"},
		{"huge", func(g *Graph) { g.Tensors[0].Shape = Shape{1 << 20, 1 << 20, 4, 2} }, "more than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := smallGraph()
			tc.mutate(g)
			err := g.Verify()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestConvOutSize(t *testing.T) {
	tests := []struct {
		p                          Padding
		in, f, s, d, out, padFirst int
	}{
		{PadSame, 49, 10, 2, 1, 25, 4},
		{PadSame, 96, 3, 2, 1, 48, 0},
		{PadValid, 32, 3, 1, 1, 30, 0},
		{PadValid, 10, 3, 1, 2, 6, 0},
		{PadSame, 5, 3, 1, 2, 5, 2},
	}
	for _, tc := range tests {
		out, pad, err := ConvOutSize(tc.p, tc.in, tc.f, tc.s, tc.d)
		if err != nil || out != tc.out || pad != tc.padFirst {
			t.Errorf("ConvOutSize(%v,%d,%d,%d,%d) = %d,%d,%v want %d,%d", tc.p, tc.in, tc.f, tc.s, tc.d, out, pad, err, tc.out, tc.padFirst)
		}
	}
	if _, _, err := ConvOutSize(PadValid, 2, 3, 1, 1); err == nil {
		t.Error("VALID with filter larger than input must fail")
	}
}

func TestBroadcastShapeAndMACs(t *testing.T) {
	s, err := BroadcastShape(Shape{1, 4, 1, 3}, Shape{4, 2, 1})
	if err != nil || !s.Equal(Shape{1, 4, 2, 3}) {
		t.Fatalf("broadcast = %v, %v", s, err)
	}
	if _, err := BroadcastShape(Shape{2, 3}, Shape{4, 3}); err == nil {
		t.Fatal("want broadcast error")
	}
	g := smallGraph()
	if m := g.Ops[0].MACs(); m != 12*18 {
		t.Fatalf("conv MACs = %d, want %d", m, 12*18)
	}
}

func TestSortTopologically(t *testing.T) {
	g := smallGraph()
	want := g.String()
	g.Ops[0], g.Ops[3] = g.Ops[3], g.Ops[0]
	g.Ops[1], g.Ops[2] = g.Ops[2], g.Ops[1]
	if err := g.SortTopologically(); err != nil {
		t.Fatal(err)
	}
	if got := g.String(); got != want {
		t.Fatalf("sorted graph differs:\n%s", got)
	}
	g.Ops[0].Inputs[0] = g.Ops[3].Outputs[0]
	if err := g.SortTopologically(); err == nil {
		t.Fatal("want cycle error")
	}
}

// TestShapeBounds checks that shapes bound their non-zero dimensions, so
// that Strides and Elements cannot overflow, and that window sizes are
// bounded to TFLite's int32.
func TestShapeBounds(t *testing.T) {
	shapes := []struct {
		s  Shape
		n  int
		ok bool
	}{
		{Shape{2, 3}, 6, true},
		{Shape{0, 5}, 0, true},
		{Shape{}, 1, true},
		{Shape{MaxElements}, MaxElements, true},
		{Shape{MaxElements, 2}, 0, false},
		{Shape{0, MaxElements, 2}, 0, false},
		{Shape{0, 1 << 31, 1 << 31}, 0, false},
		{Shape{1 << 40, 0}, 0, false},
		{Shape{2, -1}, 0, false},
	}
	for _, c := range shapes {
		n, err := c.s.NumElements()
		if (err == nil) != c.ok || n != c.n {
			t.Errorf("%v.NumElements() = %d, %v; want %d, ok=%v", c.s, n, err, c.n, c.ok)
		}
	}
	windows := []struct {
		in, filter, stride, dilation int
		ok                           bool
	}{
		{5, 3, 1, 1 << 30, true},
		{5, 3, 1<<31 - 1, 1<<31 - 1, true},
		{5, 3, 1 << 31, 1, false},
		{5, 3, 1, 1 << 62, false},
		{5, 1 << 40, 1, 1, false},
	}
	for _, c := range windows {
		_, _, err := ConvOutSize(PadSame, c.in, c.filter, c.stride, c.dilation)
		if (err == nil) != c.ok {
			t.Errorf("ConvOutSize(SAME, %d, %d, %d, %d): %v, want ok=%v", c.in, c.filter, c.stride, c.dilation, err, c.ok)
		}
	}
}

// TestVerifyRepeatedInput refuses a graph input listed twice and accepts
// an output listed twice or one that is also an input.
func TestVerifyRepeatedInput(t *testing.T) {
	mk := func() (*Graph, *Tensor) {
		g := &Graph{}
		x := g.AddTensor(&Tensor{Name: "x", DType: Float32, Shape: Shape{3}})
		g.Inputs = []*Tensor{x}
		g.Outputs = []*Tensor{x}
		return g, x
	}
	g, x := mk()
	g.Inputs = append(g.Inputs, x)
	if err := g.Verify(); err == nil || !strings.Contains(err.Error(), `graph input %0 "x" is listed twice`) {
		t.Fatalf("repeated input: %v", err)
	}
	g, x = mk()
	g.Outputs = append(g.Outputs, x)
	if err := g.Verify(); err != nil {
		t.Fatalf("repeated output that is an input: %v", err)
	}
}

// TestParseCountLimits checks that the textual IR parser stops at
// MaxTensors tensors and MaxOps operators instead of building them all.
func TestParseCountLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString(TextHeader + "\ngraph \"g\" source \"test\" description \"\"\n")
	for i := 0; i <= MaxTensors; i++ {
		fmt.Fprintf(&b, "tensor %%%d \"t\" i8[1]\n", i)
	}
	_, err := ParseString(b.String())
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d tensors is more than the %d", MaxTensors+1, MaxTensors)) {
		t.Fatalf("error %v", err)
	}
}
