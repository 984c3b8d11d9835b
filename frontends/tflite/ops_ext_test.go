// Round trips and refusals of the TFLite builtins mapped onto the
// operators added for ONNX.

package tflite_test

import (
	"strings"
	"testing"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/ir"
)

// extModel is a float graph with DIV, BATCH_MATMUL, PRELU, DEPTH_TO_SPACE,
// RESIZE_NEAREST_NEIGHBOR and MIRROR_PAD.
func extModel() *ir.Graph {
	g := &ir.Graph{Name: "ext"}
	f := func(name string, shape ...int) *ir.Tensor {
		return g.AddTensor(&ir.Tensor{Name: name, DType: ir.Float32, Shape: shape})
	}
	x := f("x", 1, 2, 2, 4)
	d := g.AddTensor(&ir.Tensor{Name: "d", DType: ir.Float32, Shape: ir.Shape{4}, Data: ir.Float32Data([]float32{1, 2, 4, 8})})
	al := g.AddTensor(&ir.Tensor{Name: "alpha", DType: ir.Float32, Shape: ir.Shape{4}, Data: ir.Float32Data([]float32{0.1, 0.2, 0.3, 0.4})})
	div, pr, s2d, rs, mp, mm := f("div", 1, 2, 2, 4), f("prelu", 1, 2, 2, 4), f("d2s", 1, 4, 4, 1), f("resize", 1, 6, 3, 1), f("mirror", 1, 8, 5, 1), f("mm", 1, 2, 2, 2)
	g.Inputs = []*ir.Tensor{x}
	add := func(k ir.OpKind, a ir.Attrs, out *ir.Tensor, ins ...*ir.Tensor) {
		g.AddOp(&ir.Op{Kind: k, Attrs: a, Inputs: ins, Outputs: []*ir.Tensor{out}, SourceIndex: len(g.Ops)})
	}
	add(ir.Div, ir.BinaryAttrs{Activation: ir.ActRelu}, div, x, d)
	add(ir.Prelu, ir.NoAttrs{}, pr, div, al)
	add(ir.DepthToSpace, ir.DepthToSpaceAttrs{BlockSize: 2}, s2d, pr)
	add(ir.ResizeNearestNeighbor, ir.ResizeAttrs{NewHeight: 6, NewWidth: 3, CoordMode: ir.AlignCorners, NearestMode: ir.RoundPreferCeil, TFLite: true}, rs, s2d)
	add(ir.Pad, ir.PadAttrs{Before: []int{0, 1, 2, 0}, After: []int{0, 1, 0, 0}, Mode: ir.PadSymmetric}, mp, rs)
	add(ir.BatchMatMul, ir.BatchMatMulAttrs{AdjY: true}, mm, x, x)
	g.Outputs = []*ir.Tensor{mp, mm}
	return g
}

func TestExtendedBuiltinsRoundTrip(t *testing.T) {
	g := extModel()
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	b, err := tflite.Encode(g)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := tflite.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	checkSameGraph(t, g, g2)
	if g2.Ops[4].Attrs.(ir.PadAttrs).Mode != ir.PadSymmetric {
		t.Errorf("MIRROR_PAD mode lost: %v", ir.FormatAttrs(g2.Ops[4].Attrs))
	}
}

func TestEncodeRefusesONNXOnlyAttributes(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(g *ir.Graph)
		want string
	}{
		{"crd", func(g *ir.Graph) { g.Ops[2].Attrs = ir.DepthToSpaceAttrs{BlockSize: 2, Mode: ir.CRD} }, "DCR only"},
		{"onnx resize", func(g *ir.Graph) {
			g.Ops[3].Attrs = ir.ResizeAttrs{NewHeight: 6, NewWidth: 3, CoordMode: ir.HalfPixel, NearestMode: ir.RoundPreferFloor}
		}, "ONNX resize"},
		{"edge pad", func(g *ir.Graph) {
			g.Ops[4].Attrs = ir.PadAttrs{Before: []int{0, 1, 2, 0}, After: []int{0, 1, 0, 0}, Mode: ir.PadEdge}
		}, "PAD mode EDGE"},
	} {
		g := extModel()
		c.edit(g)
		_, err := tflite.Encode(g)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
