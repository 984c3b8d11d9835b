// Tests of blocked DequantizeLinear (block_size): folded on a constant,
// DEQUANTIZE/SUB/MUL on a graph input, refused QuantizeLinear.
package onnx_test

import (
	"strings"
	"testing"

	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/frontends/onnx"
	b "github.com/tinygen/tinygen/frontends/onnx/onnxbuild"
	"github.com/tinygen/tinygen/ir"
)

func TestBlockedDequantize(t *testing.T) {
	// x [2,4] int8, axis 1, block_size 2: scales/zero points [2,2].
	codes := []int32{-128, 5, 7, 127, 0, -3, 100, -100}
	scales := []float32{0.5, 0.25, 2, 0.125}
	zps := []int32{1, -2, 0, 3}
	want := make([]float32, 8)
	for i, q := range codes {
		j := (i/4)*2 + (i%4)/2
		want[i] = float32(q-zps[j]) * scales[j]
	}
	params := []b.Tensor{
		{Name: "s", DType: b.Float, Dims: []int64{2, 2}, Floats: scales},
		{Name: "z", DType: b.Int8, Dims: []int64{2, 2}, I32: zps},
	}
	node := b.Node{Op: "DequantizeLinear", In: []string{"x", "s", "z"}, Out: []string{"y"},
		Attrs: []b.Attr{b.AttrI("axis", 1), b.AttrI("block_size", 2)}}
	out := []b.Value{{Name: "y", DType: b.Float, Dims: []int64{2, 4}}}
	for _, c := range []struct {
		name  string
		m     b.Model
		input [][]byte
	}{
		{"graph input", b.Model{Opsets: map[string]int64{"": 21}, Inputs: []b.Value{{Name: "x", DType: b.Int8, Dims: []int64{2, 4}}},
			Outputs: out, Inits: params, Nodes: []b.Node{node}}, [][]byte{int8Bytes(codes)}},
		{"constant folded", b.Model{Opsets: map[string]int64{"": 21}, Inputs: []b.Value{{Name: "u", DType: b.Float, Dims: []int64{2, 4}}},
			Outputs: []b.Value{{Name: "w", DType: b.Float, Dims: []int64{2, 4}}},
			Inits:   append([]b.Tensor{{Name: "x", DType: b.Int8, Dims: []int64{2, 4}, I32: codes}}, params...),
			Nodes:   []b.Node{node, {Op: "Add", In: []string{"y", "u"}, Out: []string{"w"}}}}, [][]byte{ir.Float32Data(make([]float32, 8))}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := onnx.Parse(c.m.Encode())
			if err != nil {
				t.Fatal(err)
			}
			e, err := eval.New(g)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Run(c.input)
			if err != nil {
				t.Fatal(err)
			}
			got := (&ir.Tensor{Data: res[0]}).Float32s()
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("got %v, want %v", got, want)
				}
			}
		})
	}
	// QuantizeLinear with block_size stays refused with its reason.
	q := b.Model{Opsets: map[string]int64{"": 21}, Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: []int64{2, 4}}},
		Outputs: []b.Value{{Name: "y", DType: b.Int8, Dims: []int64{2, 4}}}, Inits: params,
		Nodes: []b.Node{{Op: "QuantizeLinear", In: []string{"x", "s", "z"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrI("axis", 1), b.AttrI("block_size", 2)}}}}
	if _, err := onnx.Parse(q.Encode()); err == nil || !strings.Contains(err.Error(), "ties-to-even") {
		t.Fatalf("blocked QuantizeLinear: err = %v, want a refusal naming ties-to-even", err)
	}
}

func int8Bytes(v []int32) []byte {
	out := make([]byte, len(v))
	for i, x := range v {
		out[i] = byte(int8(x))
	}
	return out
}
