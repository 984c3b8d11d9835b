// Tests of blocked DequantizeLinear (block_size): folded on a constant,
// DEQUANTIZE/SUB/MUL on a graph input; blocked QuantizeLinear, the IR's
// blocked QUANTIZE.
package onnx_test

import (
	"math"
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
}

// TestBlockedQuantize checks blocked QuantizeLinear (and the per-tensor
// one) against ONNX's definition computed here: saturate(rint(x / s[b]) +
// z[b]), ties to even, on a rank-3 input blocked on its middle axis (5
// indices in blocks of 2: the last block is short), with and without zero
// points; a scale of the wrong shape is refused naming the node.
func TestBlockedQuantize(t *testing.T) {
	dims := []int64{2, 5, 3}
	n := 30
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i-15) * 0.25 // many exact ties after the division
	}
	blocks := 3
	scales := make([]float32, 2*blocks*3)
	zps := make([]int32, len(scales))
	for j := range scales {
		scales[j] = []float32{0.5, 0.25, 1, 0.125, 2}[j%5]
		zps[j] = int32(j%7) - 3
	}
	onnxQuant := func(v, s float32, z int32, lo, hi float64) int32 {
		return int32(math.Min(math.Max(math.RoundToEven(float64(v/s))+float64(z), lo), hi))
	}
	for _, c := range []struct {
		name    string
		dt      int32
		withZP  bool
		lo, hi  float64
		outType ir.DType
	}{
		{"int8 with zero points", b.Int8, true, -128, 127, ir.Int8},
		{"uint8 default zero point", b.UInt8, false, 0, 255, ir.UInt8},
	} {
		t.Run(c.name, func(t *testing.T) {
			inits := []b.Tensor{{Name: "s", DType: b.Float, Dims: []int64{2, int64(blocks), 3}, Floats: scales}}
			in := []string{"x", "s"}
			if c.withZP {
				inits = append(inits, b.Tensor{Name: "z", DType: c.dt, Dims: []int64{2, int64(blocks), 3}, I32: zps})
				in = append(in, "z")
			}
			m := b.Model{Opsets: map[string]int64{"": 21}, Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: dims}},
				Outputs: []b.Value{{Name: "y", DType: c.dt, Dims: dims}}, Inits: inits,
				Nodes: []b.Node{{Op: "QuantizeLinear", In: in, Out: []string{"y"}, Attrs: []b.Attr{b.AttrI("axis", 1), b.AttrI("block_size", 2)}}}}
			g, err := onnx.Parse(m.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if out := g.Outputs[0]; out.DType != c.outType || out.Quant != nil {
				t.Fatalf("output %v %v quant %v", out, out.DType, out.Quant)
			}
			e, err := eval.New(g)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Run([][]byte{ir.Float32Data(x)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := (&ir.Tensor{DType: c.outType, Shape: ir.Shape{n}, Data: res[0]}).Ints()
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range x {
				o, a, r := i/15, (i/3)%5, i%3
				j := (o*blocks+a/2)*3 + r
				z := int32(0)
				if c.withZP {
					z = zps[j]
				}
				if want := onnxQuant(v, scales[j], z, c.lo, c.hi); int32(got[i]) != want {
					t.Fatalf("element %d (%g / %g + %d): got %d, want %d", i, v, scales[j], z, got[i], want)
				}
			}
		})
	}
	t.Run("per tensor ties to even", func(t *testing.T) {
		m := b.Model{Opsets: map[string]int64{"": 13}, Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: []int64{6}}},
			Outputs: []b.Value{{Name: "y", DType: b.Int8, Dims: []int64{6}}},
			Inits:   []b.Tensor{{Name: "s", DType: b.Float, Floats: []float32{0.5}}, {Name: "z", DType: b.Int8, I32: []int32{1}}},
			Nodes:   []b.Node{{Op: "QuantizeLinear", In: []string{"x", "s", "z"}, Out: []string{"y"}}}}
		g, err := onnx.Parse(m.Encode())
		if err != nil {
			t.Fatal(err)
		}
		e, err := eval.New(g)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Run([][]byte{ir.Float32Data([]float32{0.25, 0.75, 1.25, -0.25, -0.75, -1.25})})
		if err != nil {
			t.Fatal(err)
		}
		// 0.5, 1.5, 2.5, -0.5, -1.5, -2.5 to even, plus 1.
		want := []int8{1, 3, 3, 1, -1, -1}
		for i, w := range want {
			if int8(res[0][i]) != w {
				t.Fatalf("got %v, want %v", res[0], want)
			}
		}
	})
	t.Run("scale shape refused", func(t *testing.T) {
		m := b.Model{Opsets: map[string]int64{"": 21}, Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: dims}},
			Outputs: []b.Value{{Name: "y", DType: b.Int8, Dims: dims}},
			Inits:   []b.Tensor{{Name: "s", DType: b.Float, Dims: []int64{2, 2, 3}, Floats: scales[:12]}},
			Nodes: []b.Node{{Name: "q0", Op: "QuantizeLinear", In: []string{"x", "s"}, Out: []string{"y"},
				Attrs: []b.Attr{b.AttrI("axis", 1), b.AttrI("block_size", 2)}}}}
		_, err := onnx.Parse(m.Encode())
		if err == nil || !strings.Contains(err.Error(), "QuantizeLinear") || !strings.Contains(err.Error(), "does not fit") {
			t.Fatalf("err = %v, want a refusal naming the node and the scale shape", err)
		}
	})
}

func int8Bytes(v []int32) []byte {
	out := make([]byte, len(v))
	for i, x := range v {
		out[i] = byte(int8(x))
	}
	return out
}
