// Tests of the rv32 kernel set on chosen geometries: every loop variant
// and tail (pixel counts not a multiple of 4, channel counts not a
// multiple of 4 or 8, padding on every side, depth multipliers, one input
// channel), built on the host under the sanitizers and compared with the
// evaluator.

package kerneltest_test

import (
	"fmt"
	"path/filepath"
	"testing"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/kernels/kerneltest"
)

// addRV32Op adds x [in] → op with a constant filter and bias → y [out] to
// g, x a graph input and y a graph output.
func addRV32Op(g *ir.Graph, kind ir.OpKind, in, fshape, out ir.Shape, attrs ir.Attrs, seed int, ties bool) {
	q := func(s float32, zp int64) *ir.Quant { return &ir.Quant{Scale: []float32{s}, ZeroPoint: []int64{zp}} }
	name := func(s string) string { return fmt.Sprintf("%s%d", s, seed) }
	// ties: scales that are powers of two, so that the effective scale is
	// exactly 1/4 and the final rounding meets many ties (both signs).
	inS, outS := float32(0.05), float32(0.08)
	if ties {
		inS, outS = 1.0/16, 1.0/16
	}
	x := g.AddTensor(&ir.Tensor{Name: name("x"), DType: ir.Int8, Shape: in, Quant: q(inS, int64(seed%5-3))})
	data := make([]byte, fshape.Elements())
	for i := range data {
		data[i] = byte(int8((i*37+seed*11)%255 - 127))
	}
	ch := out[len(out)-1]
	scales := make([]float32, ch)
	zps := make([]int64, ch)
	for i := range scales {
		scales[i] = 0.004 + 0.0005*float32((i+seed)%7)
		if ties {
			scales[i] = 0.25
		}
	}
	axis := 0
	if kind == ir.DepthwiseConv2D {
		axis = 3
	}
	f := g.AddTensor(&ir.Tensor{Name: name("f"), DType: ir.Int8, Shape: fshape, Data: data,
		Quant: &ir.Quant{Scale: scales, ZeroPoint: zps, Axis: axis}})
	bias := make([]int32, ch)
	for i := range bias {
		bias[i] = int32((i*7919+seed)%20001 - 10000)
	}
	bscales := make([]float32, ch)
	for i := range bscales {
		bscales[i] = inS * scales[i]
	}
	b := g.AddTensor(&ir.Tensor{Name: name("b"), DType: ir.Int32, Shape: ir.Shape{ch}, Data: ir.Int32Data(bias),
		Quant: &ir.Quant{Scale: bscales, ZeroPoint: zps}})
	y := g.AddTensor(&ir.Tensor{Name: name("y"), DType: ir.Int8, Shape: out, Quant: q(outS, 5)})
	g.AddOp(&ir.Op{Kind: kind, Inputs: []*ir.Tensor{x, f, b}, Outputs: []*ir.Tensor{y}, Attrs: attrs, SourceIndex: seed})
	g.Inputs, g.Outputs = append(g.Inputs, x), append(g.Outputs, y)
}

// TestRV32Geometries runs the rv32 kernels on every loop variant and tail
// and checks each op selected the rv32 kernel.
func TestRV32Geometries(t *testing.T) {
	conv := func(p ir.Padding, sh, sw, dh, dw int) ir.Conv2DAttrs {
		return ir.Conv2DAttrs{Padding: p, StrideH: sh, StrideW: sw, DilationH: dh, DilationW: dw}
	}
	dwa := func(p ir.Padding, s, d, m int) ir.DepthwiseConv2DAttrs {
		return ir.DepthwiseConv2DAttrs{Padding: p, StrideH: s, StrideW: s, DilationH: d, DilationW: d, DepthMultiplier: m}
	}
	cases := []struct {
		name          string
		kind          ir.OpKind
		in, filt, out ir.Shape
		attrs         ir.Attrs
		ties          bool
	}{
		{"pointwise 7 pixels 6 channels", ir.Conv2D, ir.Shape{1, 1, 7, 5}, ir.Shape{6, 1, 1, 5}, ir.Shape{1, 1, 7, 6}, conv(ir.PadValid, 1, 1, 1, 1), false},
		{"pointwise 2 images", ir.Conv2D, ir.Shape{2, 3, 3, 16}, ir.Shape{8, 1, 1, 16}, ir.Shape{2, 3, 3, 8}, conv(ir.PadValid, 1, 1, 1, 1), false},
		{"conv 3x3 same stride 2", ir.Conv2D, ir.Shape{1, 9, 7, 3}, ir.Shape{5, 3, 3, 3}, ir.Shape{1, 5, 4, 5}, conv(ir.PadSame, 2, 2, 1, 1), false},
		{"conv 10x4 one channel", ir.Conv2D, ir.Shape{1, 13, 9, 1}, ir.Shape{4, 10, 4, 1}, ir.Shape{1, 7, 5, 4}, conv(ir.PadSame, 2, 2, 1, 1), false},
		{"conv dilated", ir.Conv2D, ir.Shape{1, 8, 8, 2}, ir.Shape{3, 3, 3, 2}, ir.Shape{1, 8, 8, 3}, conv(ir.PadSame, 1, 1, 2, 2), false},
		{"depthwise 3x3 s1 same", ir.DepthwiseConv2D, ir.Shape{1, 6, 5, 6}, ir.Shape{1, 3, 3, 6}, ir.Shape{1, 6, 5, 6}, dwa(ir.PadSame, 1, 1, 1), false},
		{"depthwise 3x3 s1 valid even width", ir.DepthwiseConv2D, ir.Shape{1, 5, 6, 4}, ir.Shape{1, 3, 3, 4}, ir.Shape{1, 3, 4, 4}, dwa(ir.PadValid, 1, 1, 1), false},
		{"depthwise 3x3 s2 same", ir.DepthwiseConv2D, ir.Shape{1, 7, 8, 5}, ir.Shape{1, 3, 3, 5}, ir.Shape{1, 4, 4, 5}, dwa(ir.PadSame, 2, 1, 1), false},
		{"depthwise 3x3 s2 valid", ir.DepthwiseConv2D, ir.Shape{1, 9, 9, 8}, ir.Shape{1, 3, 3, 8}, ir.Shape{1, 4, 4, 8}, dwa(ir.PadValid, 2, 1, 1), false},
		{"depthwise 5x5 multiplier 2", ir.DepthwiseConv2D, ir.Shape{1, 6, 6, 3}, ir.Shape{1, 5, 5, 6}, ir.Shape{1, 6, 6, 6}, dwa(ir.PadSame, 1, 1, 2), false},
		{"depthwise dilated", ir.DepthwiseConv2D, ir.Shape{1, 7, 7, 4}, ir.Shape{1, 3, 3, 4}, ir.Shape{1, 7, 7, 4}, dwa(ir.PadSame, 1, 2, 1), false},
		{"depthwise one channel", ir.DepthwiseConv2D, ir.Shape{1, 11, 9, 1}, ir.Shape{1, 5, 4, 6}, ir.Shape{1, 6, 5, 6}, dwa(ir.PadSame, 2, 1, 6), false},
		{"depthwise one channel stride 2 direct", ir.DepthwiseConv2D, ir.Shape{1, 11, 16, 1}, ir.Shape{1, 3, 3, 6}, ir.Shape{1, 6, 8, 6}, dwa(ir.PadSame, 2, 1, 6), false},
		{"depthwise one channel direct 2 images valid", ir.DepthwiseConv2D, ir.Shape{2, 9, 19, 1}, ir.Shape{1, 3, 5, 8}, ir.Shape{2, 4, 8, 8}, dwa(ir.PadValid, 2, 1, 8), false},
		{"fully connected 11 units odd depth", ir.FullyConnected, ir.Shape{1, 21}, ir.Shape{11, 21}, ir.Shape{1, 11}, ir.FullyConnectedAttrs{Activation: ir.ActRelu6}, false},
		{"fully connected 2 batches", ir.FullyConnected, ir.Shape{2, 16}, ir.Shape{8, 16}, ir.Shape{2, 8}, ir.FullyConnectedAttrs{}, false},
		{"fully connected rounding ties", ir.FullyConnected, ir.Shape{3, 4}, ir.Shape{16, 4}, ir.Shape{3, 16}, ir.FullyConnectedAttrs{}, true},
		{"pointwise rounding ties", ir.Conv2D, ir.Shape{1, 4, 4, 3}, ir.Shape{8, 1, 1, 3}, ir.Shape{1, 4, 4, 8}, conv(ir.PadValid, 1, 1, 1, 1), true},
		{"depthwise rounding ties", ir.DepthwiseConv2D, ir.Shape{1, 6, 6, 4}, ir.Shape{1, 3, 3, 4}, ir.Shape{1, 6, 6, 4}, dwa(ir.PadSame, 1, 1, 1), true},
	}
	g := &ir.Graph{Name: "rv32"}
	for i, c := range cases {
		addRV32Op(g, c.kind, c.in, c.filt, c.out, c.attrs, i, c.ties)
	}
	s, err := kerneltest.Compile(g, kernels.Builtin(), kernels.RV32)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range s.Program.Steps {
		if st.KernelSet != kernels.RV32 {
			t.Errorf("%s: step %d runs %s (%s), want the rv32 set", cases[st.Op.SourceIndex].name, i, st.Kernel, st.KernelSet)
		}
	}
	vectors := kerneltest.RandomInputs(g, 4, 1)
	expect := kerneltest.Expected(t, g, vectors)
	for k, cc := range kerneltest.Compilers(t) {
		arena := []cgen.ArenaMode{cgen.StaticArena, cgen.CallerArena}[k%2]
		got, err := kerneltest.BuildAndRun(t, cc, s.Program, arena, vectors)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(cc), err)
		}
		for v := range vectors {
			for o, msg := range kerneltest.Compare(g, got[v], expect[v]) {
				t.Errorf("%s: vector %d, %s: %s", filepath.Base(cc), v, cases[o].name, msg)
			}
		}
	}
}
