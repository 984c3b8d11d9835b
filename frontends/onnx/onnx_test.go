package onnx_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/frontends/onnx"
	b "github.com/tinygen/tinygen/frontends/onnx/onnxbuild"
	"github.com/tinygen/tinygen/ir"
)

// floats returns n deterministic values in [-1, 1).
func floats(seed uint64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.Float64()*2 - 1)
	}
	return out
}

// convNet is Conv (3x3, SAME pads) → Relu → MaxPool 2x2 → Flatten → Gemm
// (transB) → Softmax on a 1x2x6x6 input, opset 13.
func convNet() b.Model {
	return b.Model{
		Opsets:  map[string]int64{"": 13, "ai.onnx.ml": 2},
		Inputs:  []b.Value{{Name: "x", DType: b.Float, Dims: []int64{1, 2, 6, 6}, Params: map[int]string{0: "batch"}}},
		Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: []int64{1, 5}}},
		Inits: []b.Tensor{
			{Name: "w", DType: b.Float, Dims: []int64{4, 2, 3, 3}, Floats: floats(1, 72)},
			{Name: "bias", DType: b.Float, Dims: []int64{4}, Floats: floats(2, 4)},
			{Name: "fw", DType: b.Float, Dims: []int64{5, 36}, Floats: floats(3, 180)},
			{Name: "fb", DType: b.Float, Dims: []int64{5}, Floats: floats(4, 5)},
		},
		Nodes: []b.Node{
			{Op: "Conv", Name: "conv", In: []string{"x", "w", "bias"}, Out: []string{"c"}, Attrs: []b.Attr{b.AttrInts("pads", 1, 1, 1, 1), b.AttrInts("kernel_shape", 3, 3)}},
			{Op: "Relu", In: []string{"c"}, Out: []string{"r"}},
			{Op: "MaxPool", In: []string{"r"}, Out: []string{"p"}, Attrs: []b.Attr{b.AttrInts("kernel_shape", 2, 2), b.AttrInts("strides", 2, 2)}},
			{Op: "Flatten", In: []string{"p"}, Out: []string{"f"}},
			{Op: "Gemm", In: []string{"f", "fw", "fb"}, Out: []string{"g"}, Attrs: []b.Attr{b.AttrI("transB", 1)}},
			{Op: "Softmax", In: []string{"g"}, Out: []string{"y"}},
		},
	}
}

func opKinds(g *ir.Graph) string {
	var ks []string
	for _, o := range g.Ops {
		ks = append(ks, o.Kind.String())
	}
	return strings.Join(ks, " ")
}

// TestConvNet checks the layout wrapping and that the graph evaluates.
func TestConvNet(t *testing.T) {
	g, err := onnx.Parse(convNet().Encode())
	if err != nil {
		t.Fatal(err)
	}
	want := "TRANSPOSE CONV_2D TRANSPOSE RELU TRANSPOSE MAX_POOL_2D TRANSPOSE RESHAPE FULLY_CONNECTED SOFTMAX"
	if got := opKinds(g); got != want {
		t.Errorf("ops:\n got %s\nwant %s", got, want)
	}
	if !strings.HasPrefix(g.Source, onnx.SourcePrefix) || g.Source != "onnx opset 13" {
		t.Errorf("source %q", g.Source)
	}
	if s := g.Inputs[0].Shape; !s.Equal(ir.Shape{1, 2, 6, 6}) {
		t.Errorf("input shape %v: the symbolic batch must be 1", s)
	}
	if a := g.Ops[1].Attrs.(ir.Conv2DAttrs); a.Padding != ir.PadSame {
		t.Errorf("pads 1,1,1,1 on a 3x3 stride-1 conv are TFLite's SAME, got %v", a.Padding)
	}
	e, err := eval.New(g)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Run([][]byte{ir.Float32Data(floats(9, 72))})
	if err != nil {
		t.Fatal(err)
	}
	sum := float32(0)
	for _, v := range (&ir.Tensor{Data: out[0]}).Float32s() {
		sum += v
	}
	if sum < 0.999 || sum > 1.001 {
		t.Errorf("softmax output sums to %g", sum)
	}
}

// TestErrors checks that broken and unsupported models get one clear
// error naming the node or value, never a panic.
func TestErrors(t *testing.T) {
	relu := func(m b.Model) b.Model {
		m.Inputs = []b.Value{{Name: "x", DType: b.Float, Dims: []int64{1, 4}}}
		m.Outputs = []b.Value{{Name: "y", DType: b.Float, Dims: []int64{1, 4}}}
		if m.Nodes == nil {
			m.Nodes = []b.Node{{Op: "Relu", Name: "act", In: []string{"x"}, Out: []string{"y"}}}
		}
		return m
	}
	tests := []struct {
		name string
		m    b.Model
		data []byte
		want string
	}{
		{name: "not protobuf", data: []byte("\x08\x07garbage\xff\xff"), want: "not a valid ONNX model"},
		{name: "no graph", data: []byte{0x08, 0x07}, want: "it has no graph"},
		{name: "no ai.onnx opset", m: relu(b.Model{Opsets: map[string]int64{"ai.onnx.ml": 2}}), want: "imports no ai.onnx opset"},
		{name: "unknown op listed with index", m: relu(b.Model{Nodes: []b.Node{{Op: "Relu", In: []string{"x"}, Out: []string{"a"}}, {Op: "Frobnicate", Name: "fx", In: []string{"a"}, Out: []string{"y"}}}}),
			want: `node 1 "fx" (Frobnicate): operator Frobnicate is not supported`},
		{name: "unknown domain", m: relu(b.Model{Nodes: []b.Node{{Op: "Relu", Domain: "org.example", In: []string{"x"}, Out: []string{"y"}}}}),
			want: `node 0 (org.example.Relu): domain "org.example" is not supported`},
		{name: "symbolic non-batch dim", m: b.Model{Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: []int64{1, 4}, Params: map[int]string{1: "width"}}},
			Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: []int64{1, 4}}}, Nodes: []b.Node{{Op: "Relu", In: []string{"x"}, Out: []string{"y"}}}},
			want: `value "x": dimension 1 has the symbolic size "width"`},
		{name: "external data", m: relu(b.Model{Nodes: []b.Node{{Op: "Add", In: []string{"x", "c"}, Out: []string{"y"}}},
			Inits: []b.Tensor{{Name: "c", DType: b.Float, Dims: []int64{4}, External: true}}}), want: `tensor "c" keeps its data in an external file`},
		{name: "raw data size", m: relu(b.Model{Nodes: []b.Node{{Op: "Add", In: []string{"x", "c"}, Out: []string{"y"}}},
			Inits: []b.Tensor{{Name: "c", DType: b.Float, Dims: []int64{4}, Raw: make([]byte, 15)}}}), want: `tensor "c" has 15 bytes of raw data, its shape 4 of float32 needs 16`},
		{name: "huge dims before allocating", m: relu(b.Model{Nodes: []b.Node{{Op: "Add", In: []string{"x", "c"}, Out: []string{"y"}}},
			Inits: []b.Tensor{{Name: "c", DType: b.Float, Dims: []int64{1 << 20, 1 << 20}, Floats: []float32{1}}}}), want: "more than 268435456 elements"},
		{name: "double", m: relu(b.Model{Nodes: []b.Node{{Op: "Add", In: []string{"x", "c"}, Out: []string{"y"}}},
			Inits: []b.Tensor{{Name: "c", DType: b.F64, Dims: []int64{4}}}}), want: "element type DOUBLE is not supported"},
		{name: "undefined input", m: relu(b.Model{Nodes: []b.Node{{Op: "Relu", Name: "r", In: []string{"nope"}, Out: []string{"y"}}}}),
			want: `node 0 "r" (Relu): input 0 "nope" is not defined`},
		{name: "output not computed", m: relu(b.Model{Nodes: []b.Node{{Op: "Relu", In: []string{"x"}, Out: []string{"z"}}}}),
			want: `graph output 0 "y" is not computed by any node`},
		{name: "attribute type", m: relu(b.Model{Nodes: []b.Node{{Op: "LeakyRelu", Name: "lr", In: []string{"x"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrI("alpha", 1)}}}}),
			want: `node 0 "lr" (LeakyRelu): attribute "alpha" has type INT, want FLOAT`},
		{name: "unsupported variant names the limit", m: relu(b.Model{Nodes: []b.Node{{Op: "Resize", In: []string{"x"}, Out: []string{"y"}}}}),
			want: "Resize of a rank-2 tensor: tinygen resizes the height and width of 4-D NCHW tensors"},
		{name: "resize linear", m: relu(b.Model{Nodes: []b.Node{{Op: "Resize", In: []string{"x"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrS("mode", "linear")}}}}),
			want: `Resize mode "linear": tinygen has mode nearest only`},
		{name: "pad mode", m: relu(b.Model{Nodes: []b.Node{{Op: "Pad", In: []string{"x", "p"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrS("mode", "mirror")}}},
			Inits: []b.Tensor{{Name: "p", DType: b.Int64, Dims: []int64{4}, Ints: []int64{0, 1, 0, 1}}}}),
			want: `Pad mode "mirror" is not one of constant, reflect, edge, wrap`},
		{name: "reflect pad too large", m: relu(b.Model{Nodes: []b.Node{{Op: "Pad", In: []string{"x", "p"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrS("mode", "reflect")}}},
			Inits: []b.Tensor{{Name: "p", DType: b.Int64, Dims: []int64{4}, Ints: []int64{0, 9, 0, 1}}}}),
			want: `Pad mode "reflect" with pads [0 9 0 1]`},
		{name: "huge constant pad", m: relu(b.Model{Nodes: []b.Node{{Op: "Pad", In: []string{"x", "p", "v"}, Out: []string{"y"}}},
			Inits: []b.Tensor{{Name: "p", DType: b.Int64, Dims: []int64{4}, Ints: []int64{0, 1 << 40, 0, 1}}, {Name: "v", DType: b.Float, Floats: []float32{2}}}}),
			want: "out of range"},
		{name: "matmulinteger float", m: relu(b.Model{Nodes: []b.Node{{Op: "MatMulInteger", In: []string{"x", "x"}, Out: []string{"y"}}}}),
			want: "MatMulInteger takes uint8 or int8 operands, not float32 and float32"},
		{name: "reshape shape not constant", m: relu(b.Model{Nodes: []b.Node{{Op: "Reshape", In: []string{"x", "x"}, Out: []string{"y"}}}}),
			want: "input 1 must be a constant"},
		{name: "declared output shape", m: b.Model{Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: []int64{1, 4}}},
			Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: []int64{1, 5}}}, Nodes: []b.Node{{Op: "Relu", In: []string{"x"}, Out: []string{"y"}}}},
			want: `graph output 0 "y" is declared float32 1x5, but the graph computes float32 1x4`},
		{name: "training batchnorm", m: relu(b.Model{Nodes: []b.Node{{Op: "BatchNormalization", In: []string{"x", "s", "s", "s", "s"}, Out: []string{"y", "m"}}},
			Inits: []b.Tensor{{Name: "s", DType: b.Float, Dims: []int64{4}, Floats: []float32{1, 1, 1, 1}}}}), want: "training mode"},
		{name: "gemm float bias without quantisation (toycar)", m: relu(b.Model{Nodes: []b.Node{{Op: "Gemm", Name: "fc", In: []string{"x", "w"}, Out: []string{"y"}}},
			Inits: []b.Tensor{{Name: "w", DType: b.Int8, Dims: []int64{4, 4}, I32: make([]int32, 16)}}}),
			want: `node 0 "fc" (Gemm): Gemm with int8 weights and float input`},
		{name: "int8 gemm without quantisation (toycar)", m: b.Model{Opsets: map[string]int64{"": 11}, Inputs: []b.Value{{Name: "x", DType: b.Int8, Dims: []int64{1, 4}}},
			Outputs: []b.Value{{Name: "y", DType: b.Int8, Dims: []int64{1, 4}}}, Nodes: []b.Node{{Op: "Gemm", Name: "fc", In: []string{"x", "w", "c"}, Out: []string{"y"}}},
			Inits: []b.Tensor{{Name: "w", DType: b.Int8, Dims: []int64{4, 4}, I32: make([]int32, 16)}, {Name: "c", DType: b.Float, Dims: []int64{4}, Floats: make([]float32, 4)}}},
			want: `node 0 "fc" (Gemm): Gemm of int8 A and int8 B with a float32 C and no quantisation parameters`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data
			if data == nil {
				data = tc.m.Encode()
			}
			_, err := onnx.Parse(data)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// TestOpsetSemantics checks operators whose meaning changed between
// opsets: Softmax's axis (coerced to 2-D before 13) and Squeeze's axes
// (attribute before 13, input from 13).
func TestOpsetSemantics(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opset int64
		node  b.Node
		inits []b.Tensor
		out   []int64
		want  string
	}{
		{"softmax opset 11 axis 1 flattens", 11, b.Node{Op: "Softmax", In: []string{"x"}, Out: []string{"y"}}, nil, []int64{2, 3, 4}, "RESHAPE SOFTMAX RESHAPE"},
		{"softmax opset 13 axis -1", 13, b.Node{Op: "Softmax", In: []string{"x"}, Out: []string{"y"}}, nil, []int64{2, 3, 4}, "SOFTMAX"},
		{"softmax opset 13 axis 1 transposes", 13, b.Node{Op: "Softmax", In: []string{"x"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrI("axis", 1)}}, nil, []int64{2, 3, 4}, "TRANSPOSE SOFTMAX TRANSPOSE"},
		{"squeeze opset 11 attribute", 11, b.Node{Op: "Squeeze", In: []string{"x"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrInts("axes", 0)}}, nil, []int64{3, 4}, "RESHAPE"},
		{"unsqueeze opset 13 input", 13, b.Node{Op: "Unsqueeze", In: []string{"x", "ax"}, Out: []string{"y"}},
			[]b.Tensor{{Name: "ax", DType: b.Int64, Dims: []int64{1}, Ints: []int64{-1}}}, []int64{2, 3, 4, 1}, "RESHAPE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := []int64{2, 3, 4}
			if strings.HasPrefix(tc.name, "squeeze") {
				in = []int64{1, 3, 4}
			}
			m := b.Model{Opsets: map[string]int64{"": tc.opset}, Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: in}},
				Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: tc.out}}, Nodes: []b.Node{tc.node}, Inits: tc.inits}
			g, err := onnx.Parse(m.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if got := opKinds(g); got != tc.want {
				t.Errorf("ops %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDecodeTensor reads a test_data_set tensor file.
func TestDecodeTensor(t *testing.T) {
	data := b.EncodeTensor(b.Tensor{Name: "t", DType: b.Int64, Dims: []int64{2}, Ints: []int64{-1, 5}})
	tt, err := onnx.DecodeTensor(data)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tt.Ints()
	if err != nil || len(v) != 2 || v[0] != -1 || v[1] != 5 || tt.DType != ir.Int64 {
		t.Errorf("got %v %v %v", tt.DType, v, err)
	}
	if _, err := onnx.DecodeTensor([]byte{0xff}); err == nil {
		t.Error("no error for a broken tensor file")
	}
}

// TestParseWith binds a graph input to a constant.
func TestParseWith(t *testing.T) {
	m := b.Model{Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: []int64{2, 3}}, {Name: "s", DType: b.Int64, Dims: []int64{2}}},
		Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: []int64{3, 2}}}, Nodes: []b.Node{{Op: "Reshape", In: []string{"x", "s"}, Out: []string{"y"}}}}
	if _, err := onnx.Parse(m.Encode()); err == nil || !onnx.IsUnsupported(err) {
		t.Fatalf("a computed shape must be unsupported, got %v", err)
	}
	s := &ir.Tensor{DType: ir.Int64, Shape: ir.Shape{2}, Data: []byte{3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}}
	g, err := onnx.ParseWith(m.Encode(), map[string]*ir.Tensor{"s": s})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Inputs) != 1 || !g.Outputs[0].Shape.Equal(ir.Shape{3, 2}) {
		t.Errorf("inputs %v, output %v", g.Inputs, g.Outputs[0].Shape)
	}
	names, err := onnx.InputNames(m.Encode())
	if err != nil || strings.Join(names, ",") != "x,s" {
		t.Errorf("InputNames %v %v", names, err)
	}
}

// TestShapeComputation checks PyTorch's flatten pattern (Shape → Gather
// → Unsqueeze → Concat → Reshape): the frontend evaluates the shape
// arithmetic on constants, and one RESHAPE remains.
func TestShapeComputation(t *testing.T) {
	m := b.Model{Opsets: map[string]int64{"": 13},
		Inputs:  []b.Value{{Name: "x", DType: b.Float, Dims: []int64{1, 3, 2, 2}}},
		Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: []int64{1, 12}}},
		Inits: []b.Tensor{{Name: "zero", DType: b.Int64, Ints: []int64{0}}, {Name: "ax", DType: b.Int64, Dims: []int64{1}, Ints: []int64{0}},
			{Name: "minus1", DType: b.Int64, Dims: []int64{1}, Ints: []int64{-1}}},
		Nodes: []b.Node{
			{Op: "Shape", In: []string{"x"}, Out: []string{"s"}},
			{Op: "Gather", In: []string{"s", "zero"}, Out: []string{"n"}},
			{Op: "Unsqueeze", In: []string{"n", "ax"}, Out: []string{"n1"}},
			{Op: "Concat", In: []string{"n1", "minus1"}, Out: []string{"shape"}, Attrs: []b.Attr{b.AttrI("axis", 0)}},
			{Op: "Cast", In: []string{"shape"}, Out: []string{"shape64"}, Attrs: []b.Attr{b.AttrI("to", int64(b.Int64))}},
			{Op: "Reshape", In: []string{"x", "shape64"}, Out: []string{"y"}},
		}}
	g, err := onnx.Parse(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if got := opKinds(g); got != "RESHAPE" {
		t.Errorf("ops %q, want one RESHAPE", got)
	}
}

// TestSumAndGather checks Sum (a chain of ADDs) and Gather of a computed
// tensor (STRIDED_SLICEs) against values computed by hand.
func TestSumAndGather(t *testing.T) {
	m := b.Model{Opsets: map[string]int64{"": 13},
		Inputs:  []b.Value{{Name: "x", DType: b.Float, Dims: []int64{2, 3}}},
		Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: []int64{2, 2}}},
		Inits:   []b.Tensor{{Name: "idx", DType: b.Int64, Dims: []int64{2}, Ints: []int64{2, -3}}},
		Nodes: []b.Node{
			{Op: "Sum", In: []string{"x", "x", "x"}, Out: []string{"s"}},
			{Op: "Gather", In: []string{"s", "idx"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrI("axis", 1)}},
		}}
	g, err := onnx.Parse(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	e, err := eval.New(g)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Run([][]byte{ir.Float32Data([]float32{1, 2, 3, 4, 5, 6})})
	if err != nil {
		t.Fatal(err)
	}
	got := (&ir.Tensor{Data: out[0]}).Float32s()
	want := []float32{9, 3, 18, 12}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
