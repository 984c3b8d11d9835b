// Tests of the ONNX operators that map onto the IR's ONNX additions
// (explicit pool padding, pad modes, integer arithmetic, Resize,
// BATCH_MATMUL, MatMulInteger), each against values computed by hand.

package onnx_test

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/frontends/onnx"
	b "github.com/tinygen/tinygen/frontends/onnx/onnxbuild"
	"github.com/tinygen/tinygen/ir"
)

func int32Bytes(v ...int32) []byte {
	out := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(out[4*i:], uint32(x))
	}
	return out
}

func int32s(d []byte) []int32 {
	out := make([]int32, len(d)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(d[4*i:]))
	}
	return out
}

func TestWiredOperators(t *testing.T) {
	f := func(name string, dims ...int64) b.Value { return b.Value{Name: name, DType: b.Float, Dims: dims} }
	tests := []struct {
		name  string
		m     b.Model
		ins   [][]byte
		float []float32 // want, float output
		ints  []int32   // want, int32 output
		kinds string    // substring of the op kinds
	}{
		{
			name: "AveragePool ceil_mode count_include_pad",
			// 1x1x1x4 [1 2 3 4], kernel 1x3, stride 2, pads 0/1 on width,
			// ceil: windows [1 2 3] and [3 4 pad] (+ ceil column, not
			// counted): (6)/3, (7+0)/3.
			m: b.Model{Opsets: map[string]int64{"": 19}, Inputs: []b.Value{f("x", 1, 1, 1, 4)}, Outputs: []b.Value{f("y", 1, 1, 1, 2)},
				Nodes: []b.Node{{Op: "AveragePool", In: []string{"x"}, Out: []string{"y"}, Attrs: []b.Attr{
					b.AttrInts("kernel_shape", 1, 3), b.AttrInts("strides", 1, 2), b.AttrInts("pads", 0, 0, 0, 1),
					b.AttrI("ceil_mode", 1), b.AttrI("count_include_pad", 1)}}}},
			ins:   [][]byte{ir.Float32Data([]float32{1, 2, 3, 4})},
			float: []float32{2, float32(7) / 3},
			kinds: "AVERAGE_POOL_2D",
		},
		{
			name: "MaxPool SAME_LOWER dilated",
			// width 5, kernel 2 dilation 2: SAME_LOWER pads 2 before,
			// 0 after… total (5-1)+3-5 = 2 → before 1, after 1.
			m: b.Model{Opsets: map[string]int64{"": 13}, Inputs: []b.Value{f("x", 1, 1, 1, 5)}, Outputs: []b.Value{f("y", 1, 1, 1, 5)},
				Nodes: []b.Node{{Op: "MaxPool", In: []string{"x"}, Out: []string{"y"}, Attrs: []b.Attr{
					b.AttrInts("kernel_shape", 1, 2), b.AttrInts("dilations", 1, 2), b.AttrS("auto_pad", "SAME_LOWER")}}}},
			ins: [][]byte{ir.Float32Data([]float32{5, 1, 4, 2, 3})},
			// taps (i-1, i+1): max(x1)=1, max(x0,x2)=5, max(x1,x3)=2, max(x2,x4)=4, max(x3)=2
			float: []float32{1, 5, 2, 4, 2},
			kinds: "MAX_POOL_2D",
		},
		{
			name: "Pad constant 1.5 and edge",
			m: b.Model{Opsets: map[string]int64{"": 13}, Inputs: []b.Value{f("x", 1, 3)}, Outputs: []b.Value{f("y", 1, 7)},
				Inits: []b.Tensor{{Name: "p", DType: b.Int64, Dims: []int64{4}, Ints: []int64{0, 1, 0, 1}},
					{Name: "v", DType: b.Float, Floats: []float32{1.5}}},
				Nodes: []b.Node{
					{Op: "Pad", In: []string{"x", "p", "v"}, Out: []string{"a"}},
					{Op: "Pad", In: []string{"a", "p"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrS("mode", "edge")}},
				}},
			ins:   [][]byte{ir.Float32Data([]float32{1, 2, 3})},
			float: []float32{1.5, 1.5, 1, 2, 3, 1.5, 1.5},
			kinds: "CONCATENATION",
		},
		{
			name: "integer Div truncates, Sub wraps",
			m: b.Model{Opsets: map[string]int64{"": 14},
				Inputs:  []b.Value{{Name: "x", DType: b.Int32, Dims: []int64{4}}},
				Outputs: []b.Value{{Name: "y", DType: b.Int32, Dims: []int64{4}}},
				Inits:   []b.Tensor{{Name: "d", DType: b.Int32, Dims: []int64{4}, I32: []int32{2, -2, 3, 1}}},
				Nodes: []b.Node{
					{Op: "Div", In: []string{"x", "d"}, Out: []string{"q"}},
					{Op: "Sub", In: []string{"q", "d"}, Out: []string{"y"}},
				}},
			ins:   [][]byte{int32Bytes(-7, 7, -9, math.MinInt32)},
			ints:  []int32{-3 - 2, -3 + 2, -3 - 3, math.MaxInt32},
			kinds: "DIV",
		},
		{
			name: "Resize nearest scales 2 asymmetric floor",
			m: b.Model{Opsets: map[string]int64{"": 13}, Inputs: []b.Value{f("x", 1, 1, 1, 2)}, Outputs: []b.Value{f("y", 1, 1, 2, 4)},
				Inits: []b.Tensor{{Name: "s", DType: b.Float, Dims: []int64{4}, Floats: []float32{1, 1, 2, 2}}},
				Nodes: []b.Node{{Op: "Resize", In: []string{"x", "", "s"}, Out: []string{"y"}, Attrs: []b.Attr{
					b.AttrS("mode", "nearest"), b.AttrS("coordinate_transformation_mode", "asymmetric"), b.AttrS("nearest_mode", "floor")}}}},
			ins:   [][]byte{ir.Float32Data([]float32{1, 2})},
			float: []float32{1, 1, 2, 2, 1, 1, 2, 2},
			kinds: "RESIZE_NEAREST_NEIGHBOR",
		},
		{
			name: "Gemm with a computed B, alpha, beta, transA",
			m: b.Model{Opsets: map[string]int64{"": 13}, Inputs: []b.Value{f("a", 2, 1), f("b", 2, 2)}, Outputs: []b.Value{f("y", 1, 2)},
				Inits: []b.Tensor{{Name: "c", DType: b.Float, Dims: []int64{2}, Floats: []float32{1, 2}}},
				Nodes: []b.Node{{Op: "Gemm", In: []string{"a", "b", "c"}, Out: []string{"y"}, Attrs: []b.Attr{
					b.AttrI("transA", 1), b.AttrF("alpha", 2), b.AttrF("beta", 0.5)}}}},
			// A' = [1 2], B = [[3 4] [5 6]]: [13 16]·2 + [0.5 1]
			ins:   [][]byte{ir.Float32Data([]float32{1, 2}), ir.Float32Data([]float32{3, 4, 5, 6})},
			float: []float32{26.5, 33},
			kinds: "BATCH_MATMUL",
		},
		{
			name: "MatMul of a vector and a batch of matrices",
			m: b.Model{Opsets: map[string]int64{"": 13}, Inputs: []b.Value{f("a", 2), f("b", 2, 2, 1)}, Outputs: []b.Value{f("y", 2, 1)},
				Nodes: []b.Node{{Op: "MatMul", In: []string{"a", "b"}, Out: []string{"y"}}}},
			ins:   [][]byte{ir.Float32Data([]float32{1, 2}), ir.Float32Data([]float32{3, 4, 5, 6})},
			float: []float32{11, 17},
			kinds: "BATCH_MATMUL",
		},
		{
			name: "MatMulInteger with zero points",
			m: b.Model{Opsets: map[string]int64{"": 13},
				Inputs:  []b.Value{{Name: "a", DType: b.UInt8, Dims: []int64{1, 2}}},
				Outputs: []b.Value{{Name: "y", DType: b.Int32, Dims: []int64{1, 2}}},
				Inits: []b.Tensor{{Name: "b", DType: b.Int8, Dims: []int64{2, 2}, I32: []int32{1, -2, 3, 4}},
					{Name: "az", DType: b.UInt8, I32: []int32{10}},
					{Name: "bz", DType: b.Int8, Dims: []int64{2}, I32: []int32{1, -1}}},
				Nodes: []b.Node{{Op: "MatMulInteger", In: []string{"a", "b", "az", "bz"}, Out: []string{"y"}}}},
			// a−10 = [2 −5]; B−bz = [[0 −1] [2 5]]: [−10 −27]
			ins:   [][]byte{{12, 5}},
			ints:  []int32{-10, -27},
			kinds: "BATCH_MATMUL",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := onnx.Parse(tc.m.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if got := opKinds(g); !strings.Contains(got, tc.kinds) {
				t.Errorf("ops %q, want %s among them", got, tc.kinds)
			}
			e, err := eval.New(g)
			if err != nil {
				t.Fatal(err)
			}
			out, err := e.Run(tc.ins)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ints != nil {
				if got := int32s(out[0]); !slices.Equal(got, tc.ints) {
					t.Errorf("got %v, want %v", got, tc.ints)
				}
				return
			}
			if got := (&ir.Tensor{Data: out[0]}).Float32s(); !slices.Equal(got, tc.float) {
				t.Errorf("got %v, want %v", got, tc.float)
			}
		})
	}
}

// TestOpNames checks that every op a node becomes carries the node's name.
func TestOpNames(t *testing.T) {
	m := b.Model{Opsets: map[string]int64{"": 13},
		Inputs:  []b.Value{{Name: "x", DType: b.Float, Dims: []int64{1, 1, 1, 4}}},
		Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: []int64{1, 1, 1, 2}}},
		Nodes: []b.Node{{Op: "MaxPool", Name: "pool/1", In: []string{"x"}, Out: []string{"y"}, Attrs: []b.Attr{
			b.AttrInts("kernel_shape", 1, 2), b.AttrInts("strides", 1, 2)}}}}
	g, err := onnx.Parse(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range g.Ops {
		if o.Name != "pool/1" {
			t.Errorf("%v: name %q, want %q", o, o.Name, "pool/1")
		}
	}
	if len(g.Ops) == 0 {
		t.Fatal("no ops")
	}
}

// TestQLinearMatMulUint8 checks the integer-product route of QLinearMatMul
// (uint8 operands, a weight zero point): BATCH_MATMUL to int32, then
// QUANTIZE to int8 and to uint8, against values computed by hand.
func TestQLinearMatMulUint8(t *testing.T) {
	u8 := func(name string, v int32) b.Tensor { return b.Tensor{Name: name, DType: b.UInt8, I32: []int32{v}} }
	fl := func(name string, v float32) b.Tensor {
		return b.Tensor{Name: name, DType: b.Float, Floats: []float32{v}}
	}
	m := b.Model{Opsets: map[string]int64{"": 13},
		Inputs:  []b.Value{{Name: "a", DType: b.UInt8, Dims: []int64{1, 2}}},
		Outputs: []b.Value{{Name: "y", DType: b.UInt8, Dims: []int64{1, 2}}},
		Inits: []b.Tensor{fl("as", 0.5), u8("az", 10), {Name: "b", DType: b.UInt8, Dims: []int64{2, 2}, I32: []int32{130, 120, 128, 140}},
			fl("bs", 0.25), u8("bz", 128), fl("ys", 1), u8("yz", 100)},
		Nodes: []b.Node{{Op: "QLinearMatMul", In: []string{"a", "as", "az", "b", "bs", "bz", "ys", "yz"}, Out: []string{"y"}}}}
	g, err := onnx.Parse(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if got := opKinds(g); !strings.Contains(got, "BATCH_MATMUL") || !strings.Contains(got, "QUANTIZE QUANTIZE") {
		t.Errorf("ops %q, want BATCH_MATMUL and two QUANTIZEs", got)
	}
	e, err := eval.New(g)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Run([][]byte{{22, 4}})
	if err != nil {
		t.Fatal(err)
	}
	// a−10 = [12 −6], B−128 = [[2 −8] [0 12]]: [24 −168]·0.125 = [3 −21],
	// + 100.
	if want := []byte{103, 79}; !slices.Equal(out[0], want) {
		t.Errorf("got %v, want %v", out[0], want)
	}
}

// TestQLinearConvUint8 checks the integer route of QLinearConv (uint8
// tensors, a weight zero point, an int32 bias) against values computed by
// hand.
func TestQLinearConvUint8(t *testing.T) {
	u8 := func(name string, v int32) b.Tensor { return b.Tensor{Name: name, DType: b.UInt8, I32: []int32{v}} }
	fl := func(name string, v float32) b.Tensor {
		return b.Tensor{Name: name, DType: b.Float, Floats: []float32{v}}
	}
	m := b.Model{Opsets: map[string]int64{"": 13},
		Inputs:  []b.Value{{Name: "x", DType: b.UInt8, Dims: []int64{1, 1, 1, 2}}},
		Outputs: []b.Value{{Name: "y", DType: b.UInt8, Dims: []int64{1, 1, 1, 2}}},
		Inits: []b.Tensor{fl("xs", 0.5), u8("xz", 10), {Name: "w", DType: b.UInt8, Dims: []int64{1, 1, 1, 1}, I32: []int32{130}},
			fl("ws", 0.25), u8("wz", 128), fl("ys", 1), u8("yz", 100), {Name: "bias", DType: b.Int32, Dims: []int64{1}, I32: []int32{4}}},
		Nodes: []b.Node{{Op: "QLinearConv", In: []string{"x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "bias"}, Out: []string{"y"}}}}
	g, err := onnx.Parse(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	e, err := eval.New(g)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Run([][]byte{{12, 4}})
	if err != nil {
		t.Fatal(err)
	}
	// (x−10)·(130−128) + 4 = [8 −8], ·0.125 = [1 −1], + 100.
	if want := []byte{101, 99}; !slices.Equal(out[0], want) {
		t.Errorf("got %v, want %v", out[0], want)
	}
}
