// Package testmodels builds small synthetic models in Go, as ir.Graphs
// and encoded as .tflite bytes, for tests, fuzz seeds and demos.
//
// Weights come from a tiny xorshift generator seeded from the model's
// name, so every build of a model gives the same graph and the same
// bytes. Together the models use every ir.OpKind, in int8 with realistic
// quantisation (per-channel convolution and depthwise weights, per-tensor
// fully connected weights, int32 biases scaled by input × weight scale,
// softmax and logistic outputs at 1/256 zero point -128, tanh at 1/128
// zero point 0) and in float32, with SAME and VALID padding, stride 2,
// dilation 2, depth multiplier 2, fused activations, optional inputs
// (absent bias) and broadcasting ADD, MUL and MINIMUM.
package testmodels

import (
	"fmt"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/ir"
)

// Model is one synthetic model.
type Model struct {
	// Name identifies the model ("kws_tiny"); it is also the graph's Name
	// and the seed of its weights.
	Name string
	// Doc says in one line what the model exercises.
	Doc string
	// Graph builds a fresh copy of the model's graph on every call.
	Graph func() *ir.Graph
}

// All returns every synthetic model, in a fixed order.
func All() []Model {
	var ms []Model
	add := func(name, doc string, build func(name string, f32 bool) *ir.Graph, f32 bool) {
		ms = append(ms, Model{Name: name, Doc: doc, Graph: func() *ir.Graph { return build(name, f32) }})
	}
	for _, v := range []struct {
		suffix string
		f32    bool
	}{{"", false}, {"_f32", true}} {
		kind := "int8"
		if v.f32 {
			kind = "float32"
		}
		add("kws_tiny"+v.suffix, "keyword-spotting-like "+kind+" model: conv, depthwise, average pool, reshape, fully connected, softmax", kwsTiny, v.f32)
		add("conv_variants"+v.suffix, kind+" convolutions: VALID stride 2, SAME dilation 2, absent and omitted bias, depth multiplier 2, fused activations", convVariants, v.f32)
		add("pools"+v.suffix, kind+" max and average pools: SAME and VALID, stride 2, fused activations", pools, v.f32)
		add("elementwise"+v.suffix, kind+" broadcasting ADD/MUL/SUB/MAXIMUM/MINIMUM and every unary activation op", elementwise, v.f32)
		add("shape_ops"+v.suffix, kind+" PAD, TRANSPOSE, STRIDED_SLICE, MEAN, RESHAPE, SQUEEZE, CONCATENATION", shapeOps, v.f32)
	}
	add("quant_dequant", "float32 in and out: QUANTIZE, int8 fully connected with keep_num_dims, requantize, DEQUANTIZE", quantDequant, false)
	return ms
}

// Get returns the model with the given name.
func Get(name string) (Model, bool) {
	for _, m := range All() {
		if m.Name == name {
			return m, true
		}
	}
	return Model{}, false
}

// Names returns the names of all models, in the order of All.
func Names() []string {
	var out []string
	for _, m := range All() {
		out = append(out, m.Name)
	}
	return out
}

// TFLite returns the named model encoded as .tflite bytes
// (frontends/tflite.Encode). The bytes are deterministic.
func TFLite(name string) ([]byte, error) {
	m, ok := Get(name)
	if !ok {
		return nil, fmt.Errorf("testmodels: no model named %q", name)
	}
	b, err := tflite.Encode(m.Graph())
	if err != nil {
		return nil, fmt.Errorf("testmodels: encoding %s: %w", name, err)
	}
	return b, nil
}

// kwsTiny is a miniature DS-CNN keyword spotter: 49×10 features ->
// conv 10×4 stride 2 -> depthwise 3×3 -> average pool -> reshape -> FC ->
// softmax over 4 classes. It is the README demo (testdata/kws_tiny.tflite).
func kwsTiny(name string, f32 bool) *ir.Graph {
	b := newBuilder(name, "tinygen synthetic keyword spotter (4 classes)", f32)
	x := b.input("input", ir.Shape{1, 49, 10, 1}, q(0.5847029, 83))
	x = b.conv("conv1", x, 8, 10, 4, ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, Activation: ir.ActRelu}, true, q(0.023528, -128))
	x = b.dwconv("dw1", x, 3, 3, ir.DepthwiseConv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: 1, Activation: ir.ActRelu}, q(0.017753, -128))
	x = b.op(ir.AveragePool2D, ir.Pool2DAttrs{Padding: ir.PadValid, StrideH: 25, StrideW: 5, FilterH: 25, FilterW: 5}, "pool", x.Quant.Clone(), x)
	x = b.op(ir.Reshape, ir.ReshapeAttrs{NewShape: []int{1, 8}}, "flatten", x.Quant.Clone(), x)
	x = b.fc("fc", x, 4, ir.FullyConnectedAttrs{}, q(0.1101, 12))
	x = b.op(ir.Softmax, ir.SoftmaxAttrs{Beta: 1}, "probs", q(1.0/256, -128), x)
	return b.output(x)
}

// convVariants chains convolution and depthwise variants.
func convVariants(name string, f32 bool) *ir.Graph {
	b := newBuilder(name, "", f32)
	x := b.input("image", ir.Shape{1, 12, 12, 3}, q(0.007843138, -1))
	x = b.conv("conv_valid_s2", x, 8, 3, 3, ir.Conv2DAttrs{Padding: ir.PadValid, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, Activation: ir.ActRelu6}, true, q(0.0235, -128))
	// Absent bias written as an explicit -1 input.
	w := b.weights("conv_dilated/weights", ir.Shape{8, 3, 3, 8}, 0, 72)
	x = b.op(ir.Conv2D, ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: 2, DilationW: 2}, "conv_dilated", q(0.047, 3), x, w, nil)
	x = b.dwconv("dw_mult2", x, 3, 3, ir.DepthwiseConv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: 2, Activation: ir.ActRelu}, q(0.031, -128))
	x = b.dwconv("dw_valid_s2", x, 3, 3, ir.DepthwiseConv2DAttrs{Padding: ir.PadValid, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, DepthMultiplier: 1, Activation: ir.ActRelu6}, q(0.0235, -128))
	x = b.dwconv("dw_dilated", x, 2, 2, ir.DepthwiseConv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: 2, DilationW: 2, DepthMultiplier: 1, Activation: ir.ActReluN1To1}, q(0.0078125, 0))
	// Bias omitted entirely: a two-input CONV_2D.
	x = b.conv("conv_1x1", x, 4, 1, 1, ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}, false, q(0.06, -7))
	return b.output(x)
}

// pools chains max and average pools.
func pools(name string, f32 bool) *ir.Graph {
	b := newBuilder(name, "", f32)
	x := b.input("input", ir.Shape{1, 9, 9, 4}, q(0.05, -20))
	x = b.op(ir.MaxPool2D, ir.Pool2DAttrs{Padding: ir.PadSame, StrideH: 2, StrideW: 2, FilterH: 2, FilterW: 2}, "maxpool_same_s2", x.Quant.Clone(), x)
	x = b.op(ir.AveragePool2D, ir.Pool2DAttrs{Padding: ir.PadValid, StrideH: 1, StrideW: 1, FilterH: 3, FilterW: 3, Activation: ir.ActRelu}, "avgpool_valid_relu", x.Quant.Clone(), x)
	x = b.op(ir.MaxPool2D, ir.Pool2DAttrs{Padding: ir.PadValid, StrideH: 2, StrideW: 2, FilterH: 3, FilterW: 3, Activation: ir.ActRelu6}, "maxpool_valid_relu6", x.Quant.Clone(), x)
	return b.output(x)
}

// elementwise exercises broadcasting binary ops and the unary activations.
func elementwise(name string, f32 bool) *ir.Graph {
	b := newBuilder(name, "", f32)
	qa := q(0.05, -3)
	a := b.input("a", ir.Shape{1, 4, 4, 8}, qa)
	c := b.input("b", ir.Shape{1, 1, 1, 8}, q(0.04, 5))
	s := b.op(ir.Add, ir.BinaryAttrs{Activation: ir.ActRelu}, "add_bcast_relu", q(0.06, -128), a, c)
	s = b.op(ir.Mul, ir.BinaryAttrs{}, "mul_bcast", q(0.03, 2), s, b.constAct("mul/scale", ir.Shape{8}, q(0.01, 0)))
	s = b.op(ir.Sub, ir.BinaryAttrs{Activation: ir.ActRelu6}, "sub_relu6", qa.Clone(), s, a)
	s = b.op(ir.Maximum, ir.NoAttrs{}, "maximum", qa.Clone(), s, a)
	s = b.op(ir.Minimum, ir.NoAttrs{}, "minimum_bcast", qa.Clone(), s, b.constAct("min/limit", ir.Shape{1, 4, 1, 1}, qa.Clone()))
	s = b.op(ir.Relu, ir.NoAttrs{}, "relu", q(0.025, -128), s)
	s = b.op(ir.Relu6, ir.NoAttrs{}, "relu6", q(0.0235, -128), s)
	s = b.op(ir.LeakyRelu, ir.LeakyReluAttrs{Alpha: 0.2}, "leaky_relu", q(0.0235, -128), s)
	s = b.op(ir.HardSwish, ir.NoAttrs{}, "hard_swish", q(0.027, -110), s)
	sig := b.op(ir.Logistic, ir.NoAttrs{}, "logistic", q(1.0/256, -128), s)
	th := b.op(ir.Tanh, ir.NoAttrs{}, "tanh", q(1.0/128, 0), s)
	return b.output(sig, th)
}

// shapeOps exercises the data-movement ops whose operands become
// attributes.
func shapeOps(name string, f32 bool) *ir.Graph {
	b := newBuilder(name, "", f32)
	qx := q(0.1, 4)
	x := b.input("input", ir.Shape{1, 6, 5, 4}, qx)
	x = b.op(ir.Pad, ir.PadAttrs{Before: []int{0, 1, 2, 0}, After: []int{0, 1, 0, 0}}, "pad", qx.Clone(), x)
	x = b.op(ir.Transpose, ir.TransposeAttrs{Perm: []int{0, 2, 1, 3}}, "transpose", qx.Clone(), x)
	ss := ir.StridedSliceAttrs{Begin: []int{0, 1, 5, 0}, End: []int{1, 7, 8, 3}, Strides: []int{1, 2, 3, 1}, BeginMask: 1 << 2, EndMask: 1 << 3}
	x = b.opShaped(&ir.Op{Kind: ir.StridedSlice, Attrs: ss, Inputs: []*ir.Tensor{x}}, "strided_slice", stridedSliceShape(x.Shape, ss), qx.Clone())
	qm := q(0.05, -2)
	m := b.op(ir.Mean, ir.MeanAttrs{Axes: []int{1, 2}, KeepDims: true}, "mean_keep", qm, x)
	m2 := b.op(ir.Mean, ir.MeanAttrs{Axes: []int{3}}, "mean_drop", q(0.08, 1), x)
	r := b.op(ir.Reshape, ir.ReshapeAttrs{NewShape: []int{1, 4}}, "reshape", qm.Clone(), m)
	sq := b.op(ir.Squeeze, ir.SqueezeAttrs{Axes: []int{1, 2}}, "squeeze", qm.Clone(), m)
	cat := b.op(ir.Concatenation, ir.ConcatenationAttrs{Axis: 1}, "concat", qm.Clone(), r, sq)
	return b.output(cat, m2)
}

// quantDequant converts float input to int8 and back around an int8
// fully connected layer.
func quantDequant(name string, _ bool) *ir.Graph {
	b := newBuilder(name, "", false)
	in := b.g.AddTensor(&ir.Tensor{Name: "input", DType: ir.Float32, Shape: ir.Shape{1, 2, 16}})
	b.g.Inputs = append(b.g.Inputs, in)
	x := b.op(ir.Quantize, ir.QuantizeAttrs{}, "quantize", q(0.02, 0), in)
	x = b.fc("fc_keep_dims", x, 8, ir.FullyConnectedAttrs{KeepNumDims: true, Activation: ir.ActRelu}, q(0.04, -128))
	x = b.op(ir.Quantize, ir.QuantizeAttrs{}, "requantize", q(0.05, -100), x)
	x = b.op(ir.Dequantize, ir.NoAttrs{}, "dequantize", nil, x)
	x.DType = ir.Float32
	return b.output(x)
}
