package onnx_test

import (
	"math"
	"testing"

	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/frontends/onnx"
	b "github.com/tinygen/tinygen/frontends/onnx/onnxbuild"
	"github.com/tinygen/tinygen/ir"
)

// qdqConv is x → QuantizeLinear → DequantizeLinear → Conv (weights and
// bias from DequantizeLinear of int8 and int32 constants) →
// QuantizeLinear → DequantizeLinear → y. With qoperator it is the same
// network written with QLinearConv.
func qdqConv(qoperator bool) b.Model {
	const xs, ws, ys = 0.05, 0.01, 0.1
	w := make([]int32, 3*2*3*3)
	for i := range w {
		w[i] = int32(i*37%255) - 127
	}
	scalar := func(name string, dt int32, v float32, i int32) b.Tensor {
		if dt == b.Float {
			return b.Tensor{Name: name, DType: dt, Floats: []float32{v}}
		}
		return b.Tensor{Name: name, DType: dt, I32: []int32{i}}
	}
	inits := []b.Tensor{
		scalar("xs", b.Float, xs, 0), scalar("xz", b.Int8, 0, -3), scalar("ys", b.Float, ys, 0), scalar("yz", b.Int8, 0, 5),
		{Name: "wq", DType: b.Int8, Dims: []int64{3, 2, 3, 3}, I32: w},
		{Name: "ws", DType: b.Float, Dims: []int64{3}, Floats: []float32{ws, 2 * ws, 0.5 * ws}},
		{Name: "wz", DType: b.Int8, Dims: []int64{3}, I32: []int32{0, 0, 0}},
		{Name: "bq", DType: b.Int32, Dims: []int64{3}, I32: []int32{100, -200, 300}},
	}
	m := b.Model{Opsets: map[string]int64{"": 13},
		Inputs:  []b.Value{{Name: "x", DType: b.Float, Dims: []int64{1, 2, 5, 5}}},
		Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: []int64{1, 3, 5, 5}}},
	}
	conv := []b.Attr{b.AttrInts("pads", 1, 1, 1, 1)}
	if qoperator {
		inits = append(inits, b.Tensor{Name: "b32", DType: b.Int32, Dims: []int64{3}, I32: []int32{100, -400, 150}})
		m.Nodes = []b.Node{
			{Op: "QuantizeLinear", In: []string{"x", "xs", "xz"}, Out: []string{"xq"}},
			{Op: "QLinearConv", In: []string{"xq", "xs", "xz", "wq", "ws", "wz", "ys", "yz", "b32"}, Out: []string{"yq"}, Attrs: conv},
			{Op: "DequantizeLinear", In: []string{"yq", "ys", "yz"}, Out: []string{"y"}},
		}
	} else {
		inits = append(inits, b.Tensor{Name: "bs", DType: b.Float, Dims: []int64{3}, Floats: []float32{xs * ws, xs * 2 * ws, xs * 0.5 * ws}},
			b.Tensor{Name: "bz", DType: b.Int32, Dims: []int64{3}, I32: []int32{0, 0, 0}})
		m.Nodes = []b.Node{
			{Op: "QuantizeLinear", In: []string{"x", "xs", "xz"}, Out: []string{"xq"}},
			{Op: "DequantizeLinear", In: []string{"xq", "xs", "xz"}, Out: []string{"xf"}},
			{Op: "DequantizeLinear", In: []string{"wq", "ws", "wz"}, Out: []string{"wf"}, Attrs: []b.Attr{b.AttrI("axis", 0)}},
			{Op: "DequantizeLinear", In: []string{"bq", "bs", "bz"}, Out: []string{"bf"}, Attrs: []b.Attr{b.AttrI("axis", 0)}},
			{Op: "Conv", In: []string{"xf", "wf", "bf"}, Out: []string{"c"}, Attrs: conv},
			{Op: "QuantizeLinear", In: []string{"c", "ys", "yz"}, Out: []string{"cq"}},
			{Op: "DequantizeLinear", In: []string{"cq", "ys", "yz"}, Out: []string{"y"}},
		}
	}
	m.Inits = inits
	return m
}

// TestQDQLowering checks that a QDQ group and a QLinearConv become an int8
// CONV_2D, and that its result is within one output step of the float
// reading of the QDQ graph (the same Conv on dequantised values).
func TestQDQLowering(t *testing.T) {
	x := ir.Float32Data(floats(5, 50))
	var outs [2][]float32
	for k, qop := range []bool{false, true} {
		g, err := onnx.Parse(qdqConv(qop).Encode())
		if err != nil {
			t.Fatal(err)
		}
		var conv *ir.Op
		for _, o := range g.Ops {
			if o.Kind == ir.Conv2D {
				conv = o
			}
		}
		if conv == nil || conv.Inputs[0].DType != ir.Int8 || conv.Inputs[1].DType != ir.Int8 || conv.Output().DType != ir.Int8 ||
			conv.Inputs[2].DType != ir.Int32 || !conv.Inputs[1].Quant.PerChannel() {
			t.Fatalf("qoperator=%v: no int8 CONV_2D with per-channel weights and int32 bias:\n%s", qop, g.String())
		}
		if conv.Output().Scale() != 0.1 || conv.Output().ZeroPoint() != 5 {
			t.Errorf("output quantisation %g/%d", conv.Output().Scale(), conv.Output().ZeroPoint())
		}
		e, err := eval.New(g)
		if err != nil {
			t.Fatal(err)
		}
		o, err := e.Run([][]byte{x})
		if err != nil {
			t.Fatal(err)
		}
		outs[k] = (&ir.Tensor{Data: o[0]}).Float32s()
	}
	// The float reading: dequantise, convolve in float, quantise.
	ref := floatQDQConv(t, x)
	for i := range ref {
		if d := math.Abs(float64(outs[0][i] - ref[i])); d > 0.1*1.001 {
			t.Fatalf("QDQ element %d: %g, float reading %g (more than one step)", i, outs[0][i], ref[i])
		}
	}
	if len(outs[1]) != len(ref) {
		t.Fatalf("QLinearConv gave %d values", len(outs[1]))
	}
}

// floatQDQConv evaluates the QDQ model as written: the convolution in
// float between DEQUANTIZE and QUANTIZE.
func floatQDQConv(t *testing.T, x []byte) []float32 {
	m := qdqConv(false)
	// An Identity between Conv (node 4) and QuantizeLinear keeps them
	// apart, so the group is not lowered.
	m.Nodes[4].Out = []string{"c0"}
	m.Nodes = append(m.Nodes[:5], append([]b.Node{{Op: "Identity", In: []string{"c0"}, Out: []string{"c"}}}, m.Nodes[5:]...)...)
	g, err := onnx.Parse(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range g.Ops {
		if o.Kind == ir.Conv2D && o.Output().DType != ir.Float32 {
			t.Fatalf("the float reading was lowered")
		}
	}
	e, err := eval.New(g)
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.Run([][]byte{x})
	if err != nil {
		t.Fatal(err)
	}
	return (&ir.Tensor{Data: o[0]}).Float32s()
}
