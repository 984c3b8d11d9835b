package tflite

import (
	"encoding/binary"
	"fmt"
	"math"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
	"github.com/tinygen/tinygen/ir"
)

// maxEncodeBytes bounds the constant data Encode writes: a flatbuffer
// cannot exceed 2 GiB.
const maxEncodeBytes = 1 << 30

// Encode writes g as a .tflite flatbuffer (schema version 3, file
// identifier "TFL3") with one subgraph. Tensor i of the file is
// g.Tensors[i]; every constant gets its own buffer, its data aligned to 16
// bytes in the file (buffer 0 is the empty one non-constant tensors use);
// ops are written in g.Ops order with their
// builtin options. Attributes that TFLite keeps as constant operands
// (RESHAPE's shape, PAD's paddings, MEAN's axes, TRANSPOSE's permutation,
// STRIDED_SLICE's begin/end/strides) become new constant tensors (int32,
// or int64 where a value needs it)
// appended after g.Tensors, so Parse(Encode(g)) gives g plus those unused
// tensors at the end. Op SourceIndex and Graph.Name are not stored.
//
// Encode does not run g.Verify (tests use it to write deliberately broken
// models); it fails only on what it cannot represent. The output is
// deterministic: the same graph always gives the same bytes.
func Encode(g *ir.Graph) (out []byte, err error) {
	e := &encoder{g: g, index: make(map[*ir.Tensor]int32, len(g.Tensors)), codeIndex: map[schema.BuiltinOperator]uint32{}}
	m, err := e.model()
	if err != nil {
		return nil, err
	}
	defer func() {
		// The flatbuffers builder panics when it cannot grow; the size
		// check in e.model makes that unreachable, but keep it an error.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("encoding the flatbuffer failed: %v", r)
		}
	}()
	b := flatbuffers.NewBuilder(int(e.dataBytes) + 1024*len(g.Tensors) + 4096)
	b.FinishWithFileIdentifier(packFullModel(b, m), []byte(fileIdentifier))
	return b.FinishedBytes(), nil
}

// dataAlign is the alignment of constant data in the file, as schema.fbs
// asks (Buffer.data has force_align: 16) and TFLite's converter writes it,
// so runtimes that use weights in place can load them with wide accesses.
const dataAlign = 16

// offsetVector writes a vector of table offsets.
func offsetVector(b *flatbuffers.Builder, offs []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(offs), 4)
	for i := len(offs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(offs[i])
	}
	return b.EndVector(len(offs))
}

// encoder holds the state of one Encode call.
type encoder struct {
	g         *ir.Graph
	index     map[*ir.Tensor]int32
	tensors   []*schema.TensorT
	buffers   []*schema.BufferT
	codes     []*schema.OperatorCodeT
	codeIndex map[schema.BuiltinOperator]uint32
	dataBytes int64
}

func (e *encoder) model() (*schema.ModelT, error) {
	g := e.g
	e.buffers = []*schema.BufferT{{}}
	for i, t := range g.Tensors {
		if t == nil {
			return nil, fmt.Errorf("tensor slot %d is nil", i)
		}
		if _, dup := e.index[t]; dup {
			return nil, fmt.Errorf("tensor %v appears twice in the tensor list", t)
		}
		tt, err := e.tensor(t)
		if err != nil {
			return nil, fmt.Errorf("tensor %d %q: %w", i, t.Name, err)
		}
		e.index[t] = int32(i)
		e.tensors = append(e.tensors, tt)
	}
	sg := &schema.SubGraphT{Name: "main", Inputs: []int32{}, Outputs: []int32{}}
	for _, t := range g.Inputs {
		i, err := e.ref(t)
		if err != nil {
			return nil, fmt.Errorf("graph input: %w", err)
		}
		sg.Inputs = append(sg.Inputs, i)
	}
	for _, t := range g.Outputs {
		i, err := e.ref(t)
		if err != nil {
			return nil, fmt.Errorf("graph output: %w", err)
		}
		sg.Outputs = append(sg.Outputs, i)
	}
	for i, o := range g.Ops {
		op, err := e.operator(i, o)
		if err != nil {
			return nil, fmt.Errorf("op %d (%v): %w", i, o.Kind, err)
		}
		sg.Operators = append(sg.Operators, op)
	}
	sg.Tensors = e.tensors
	return &schema.ModelT{
		Version:       SchemaVersion,
		OperatorCodes: e.codes,
		Subgraphs:     []*schema.SubGraphT{sg},
		Description:   g.Description,
		Buffers:       e.buffers,
	}, nil
}

// ref returns the file index of a tensor of the graph.
func (e *encoder) ref(t *ir.Tensor) (int32, error) {
	if t == nil {
		return -1, fmt.Errorf("missing tensor")
	}
	i, ok := e.index[t]
	if !ok {
		return 0, fmt.Errorf("tensor %v is not in the graph's tensor list", t)
	}
	return i, nil
}

func (e *encoder) tensor(t *ir.Tensor) (*schema.TensorT, error) {
	typ, ok := tensorTypeOf(t.DType)
	if !ok {
		return nil, fmt.Errorf("dtype %v cannot be written", t.DType)
	}
	shape := make([]int32, len(t.Shape))
	for j, d := range t.Shape {
		if d < 0 || d > math.MaxInt32 {
			return nil, fmt.Errorf("dimension %d (%d) does not fit int32", j, d)
		}
		shape[j] = int32(d)
	}
	tt := &schema.TensorT{Shape: shape, Type: typ, Name: t.Name}
	if q := t.Quant; q != nil {
		if q.Axis < math.MinInt32 || q.Axis > math.MaxInt32 {
			return nil, fmt.Errorf("quantised dimension %d does not fit int32", q.Axis)
		}
		tt.Quantization = &schema.QuantizationParametersT{
			Scale:              append([]float32{}, q.Scale...),
			ZeroPoint:          append([]int64{}, q.ZeroPoint...),
			QuantizedDimension: int32(q.Axis),
		}
	}
	if t.Data != nil {
		idx, err := e.addBuffer(t.Data)
		if err != nil {
			return nil, err
		}
		tt.Buffer = idx
	}
	return tt, nil
}

func (e *encoder) addBuffer(data []byte) (uint32, error) {
	e.dataBytes += int64(len(data))
	if e.dataBytes > maxEncodeBytes {
		return 0, fmt.Errorf("constant data exceeds %d bytes", maxEncodeBytes)
	}
	e.buffers = append(e.buffers, &schema.BufferT{Data: append([]byte{}, data...)})
	return uint32(len(e.buffers) - 1), nil
}

// constTensor appends a constant tensor for an attribute and returns its
// index. It is int32 unless a value needs int64.
func (e *encoder) constTensor(name string, shape []int32, values []int) (int32, error) {
	typ, size := schema.TensorTypeINT32, 4
	for _, v := range values {
		if v < math.MinInt32 || v > math.MaxInt32 {
			typ, size = schema.TensorTypeINT64, 8
		}
	}
	data := make([]byte, size*len(values))
	for j, v := range values {
		if size == 4 {
			binary.LittleEndian.PutUint32(data[4*j:], uint32(int32(v)))
		} else {
			binary.LittleEndian.PutUint64(data[8*j:], uint64(int64(v)))
		}
	}
	tt := &schema.TensorT{Shape: shape, Type: typ, Name: name}
	if len(data) > 0 {
		idx, err := e.addBuffer(data)
		if err != nil {
			return 0, err
		}
		tt.Buffer = idx
	}
	e.tensors = append(e.tensors, tt)
	return int32(len(e.tensors) - 1), nil
}

func (e *encoder) opcode(code schema.BuiltinOperator) uint32 {
	if i, ok := e.codeIndex[code]; ok {
		return i
	}
	i := uint32(len(e.codes))
	e.codes = append(e.codes, &schema.OperatorCodeT{
		DeprecatedBuiltinCode: int8(min(code, schema.BuiltinOperatorPLACEHOLDER_FOR_GREATER_OP_CODES)),
		BuiltinCode:           code,
		Version:               1,
	})
	e.codeIndex[code] = i
	return i
}

func actOf(a ir.Activation) (schema.ActivationFunctionType, error) {
	switch a {
	case ir.ActNone:
		return schema.ActivationFunctionTypeNONE, nil
	case ir.ActRelu:
		return schema.ActivationFunctionTypeRELU, nil
	case ir.ActReluN1To1:
		return schema.ActivationFunctionTypeRELU_N1_TO_1, nil
	case ir.ActRelu6:
		return schema.ActivationFunctionTypeRELU6, nil
	case ir.ActTanh:
		return schema.ActivationFunctionTypeTANH, nil
	case ir.ActSignBit:
		return schema.ActivationFunctionTypeSIGN_BIT, nil
	}
	return 0, fmt.Errorf("unknown activation %v", a)
}

func padOf(p ir.Padding) (schema.Padding, error) {
	switch p {
	case ir.PadSame:
		return schema.PaddingSAME, nil
	case ir.PadValid:
		return schema.PaddingVALID, nil
	}
	return 0, fmt.Errorf("unknown padding %v", p)
}

// i32 converts an attribute value to int32.
func i32(what string, v int) (int32, error) {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, fmt.Errorf("%s %d does not fit int32", what, v)
	}
	return int32(v), nil
}

// i32s converts several attribute values; it stops at the first error.
func i32s(what string, vs ...int) ([]int32, error) {
	out := make([]int32, len(vs))
	for j, v := range vs {
		x, err := i32(what, v)
		if err != nil {
			return nil, err
		}
		out[j] = x
	}
	return out, nil
}

func (e *encoder) operator(i int, o *ir.Op) (*schema.OperatorT, error) {
	code, ok := builtinForEncode(o)
	if !ok {
		return nil, fmt.Errorf("operator kind %v cannot be written", o.Kind)
	}
	if err := checkEncodable(o); err != nil {
		return nil, err
	}
	op := &schema.OperatorT{OpcodeIndex: e.opcode(code), Inputs: []int32{}, Outputs: []int32{}}
	for _, t := range o.Inputs {
		if t == nil {
			op.Inputs = append(op.Inputs, -1)
			continue
		}
		idx, err := e.ref(t)
		if err != nil {
			return nil, err
		}
		op.Inputs = append(op.Inputs, idx)
	}
	for _, t := range o.Outputs {
		idx, err := e.ref(t)
		if err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
		op.Outputs = append(op.Outputs, idx)
	}
	// Attribute operands are named after the op's output.
	base := fmt.Sprintf("op%d", i)
	if out := o.Output(); out != nil && out.Name != "" {
		base = out.Name
	}
	addConst := func(suffix string, shape []int32, values []int) error {
		idx, err := e.constTensor(base+"/"+suffix, shape, values)
		if err != nil {
			return err
		}
		op.Inputs = append(op.Inputs, idx)
		return nil
	}
	opts, err := e.options(o, addConst)
	if err != nil {
		return nil, err
	}
	op.BuiltinOptions = opts
	return op, nil
}

// options builds the builtin options of o, calling addConst for each
// attribute that TFLite stores as a constant operand.
func (e *encoder) options(o *ir.Op, addConst func(string, []int32, []int) error) (*schema.BuiltinOptionsT, error) {
	wrongAttrs := fmt.Errorf("attributes are %T, which does not match %v", o.Attrs, o.Kind)
	opt := func(t schema.BuiltinOptions, v any) (*schema.BuiltinOptionsT, error) {
		return &schema.BuiltinOptionsT{Type: t, Value: v}, nil
	}
	if opts, ok, err := optionsExt(o, addConst); ok {
		return opts, err
	}
	switch o.Kind {
	case ir.Conv2D:
		a, ok := o.Attrs.(ir.Conv2DAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		v, err := i32s("stride or dilation", a.StrideW, a.StrideH, a.DilationW, a.DilationH)
		if err != nil {
			return nil, err
		}
		pad, err := padOf(a.Padding)
		if err != nil {
			return nil, err
		}
		act, err := actOf(a.Activation)
		if err != nil {
			return nil, err
		}
		return opt(schema.BuiltinOptionsConv2DOptions, &schema.Conv2DOptionsT{
			Padding: pad, StrideW: v[0], StrideH: v[1], DilationWFactor: v[2], DilationHFactor: v[3], FusedActivationFunction: act})
	case ir.DepthwiseConv2D:
		a, ok := o.Attrs.(ir.DepthwiseConv2DAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		v, err := i32s("stride, dilation or depth multiplier", a.StrideW, a.StrideH, a.DilationW, a.DilationH, a.DepthMultiplier)
		if err != nil {
			return nil, err
		}
		pad, err := padOf(a.Padding)
		if err != nil {
			return nil, err
		}
		act, err := actOf(a.Activation)
		if err != nil {
			return nil, err
		}
		return opt(schema.BuiltinOptionsDepthwiseConv2DOptions, &schema.DepthwiseConv2DOptionsT{
			Padding: pad, StrideW: v[0], StrideH: v[1], DilationWFactor: v[2], DilationHFactor: v[3], DepthMultiplier: v[4],
			FusedActivationFunction: act})
	case ir.FullyConnected:
		a, ok := o.Attrs.(ir.FullyConnectedAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		act, err := actOf(a.Activation)
		if err != nil {
			return nil, err
		}
		return opt(schema.BuiltinOptionsFullyConnectedOptions, &schema.FullyConnectedOptionsT{
			FusedActivationFunction: act, WeightsFormat: schema.FullyConnectedOptionsWeightsFormatDEFAULT, KeepNumDims: a.KeepNumDims})
	case ir.AveragePool2D, ir.MaxPool2D:
		a, ok := o.Attrs.(ir.Pool2DAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		v, err := i32s("stride or filter size", a.StrideW, a.StrideH, a.FilterW, a.FilterH)
		if err != nil {
			return nil, err
		}
		pad, err := padOf(a.Padding)
		if err != nil {
			return nil, err
		}
		act, err := actOf(a.Activation)
		if err != nil {
			return nil, err
		}
		return opt(schema.BuiltinOptionsPool2DOptions, &schema.Pool2DOptionsT{
			Padding: pad, StrideW: v[0], StrideH: v[1], FilterWidth: v[2], FilterHeight: v[3], FusedActivationFunction: act})
	case ir.Add, ir.Sub, ir.Mul:
		a, ok := o.Attrs.(ir.BinaryAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		act, err := actOf(a.Activation)
		if err != nil {
			return nil, err
		}
		switch o.Kind {
		case ir.Add:
			return opt(schema.BuiltinOptionsAddOptions, &schema.AddOptionsT{FusedActivationFunction: act, PotScaleInt16: true})
		case ir.Sub:
			return opt(schema.BuiltinOptionsSubOptions, &schema.SubOptionsT{FusedActivationFunction: act, PotScaleInt16: true})
		}
		return opt(schema.BuiltinOptionsMulOptions, &schema.MulOptionsT{FusedActivationFunction: act})
	case ir.Maximum, ir.Minimum:
		return opt(schema.BuiltinOptionsMaximumMinimumOptions, &schema.MaximumMinimumOptionsT{})
	case ir.Reshape:
		a, ok := o.Attrs.(ir.ReshapeAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		shape, err := i32s("new shape dimension", a.NewShape...)
		if err != nil {
			return nil, err
		}
		if len(shape) > 0 { // a scalar result is written with new_shape only
			if err := addConst("shape", []int32{int32(len(shape))}, a.NewShape); err != nil {
				return nil, err
			}
		}
		return opt(schema.BuiltinOptionsReshapeOptions, &schema.ReshapeOptionsT{NewShape: shape})
	case ir.Squeeze:
		a, ok := o.Attrs.(ir.SqueezeAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		dims, err := i32s("squeeze axis", a.Axes...)
		if err != nil {
			return nil, err
		}
		return opt(schema.BuiltinOptionsSqueezeOptions, &schema.SqueezeOptionsT{SqueezeDims: dims})
	case ir.Softmax:
		a, ok := o.Attrs.(ir.SoftmaxAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		return opt(schema.BuiltinOptionsSoftmaxOptions, &schema.SoftmaxOptionsT{Beta: a.Beta})
	case ir.LeakyRelu:
		a, ok := o.Attrs.(ir.LeakyReluAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		return opt(schema.BuiltinOptionsLeakyReluOptions, &schema.LeakyReluOptionsT{Alpha: a.Alpha})
	case ir.HardSwish:
		return opt(schema.BuiltinOptionsHardSwishOptions, &schema.HardSwishOptionsT{})
	case ir.Quantize:
		if a, ok := o.Attrs.(ir.QuantizeAttrs); !ok || a != (ir.QuantizeAttrs{}) {
			return nil, fmt.Errorf("QUANTIZE with %s has no TFLite form", ir.FormatAttrs(o.Attrs))
		}
		return opt(schema.BuiltinOptionsQuantizeOptions, &schema.QuantizeOptionsT{})
	case ir.Dequantize:
		return opt(schema.BuiltinOptionsDequantizeOptions, &schema.DequantizeOptionsT{})
	case ir.Logistic, ir.Tanh, ir.Relu, ir.Relu6:
		return nil, nil
	case ir.Concatenation:
		a, ok := o.Attrs.(ir.ConcatenationAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		axis, err := i32("axis", a.Axis)
		if err != nil {
			return nil, err
		}
		act, err := actOf(a.Activation)
		if err != nil {
			return nil, err
		}
		return opt(schema.BuiltinOptionsConcatenationOptions, &schema.ConcatenationOptionsT{Axis: axis, FusedActivationFunction: act})
	case ir.Pad:
		a, ok := o.Attrs.(ir.PadAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		if len(a.Before) != len(a.After) {
			return nil, fmt.Errorf("padding has %d before and %d after values", len(a.Before), len(a.After))
		}
		pads := make([]int, 0, 2*len(a.Before))
		for j := range a.Before {
			pads = append(pads, a.Before[j], a.After[j])
		}
		if err := addConst("paddings", []int32{int32(len(a.Before)), 2}, pads); err != nil {
			return nil, err
		}
		return opt(schema.BuiltinOptionsPadOptions, &schema.PadOptionsT{})
	case ir.Mean:
		a, ok := o.Attrs.(ir.MeanAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		if err := addConst("axes", []int32{int32(len(a.Axes))}, a.Axes); err != nil {
			return nil, err
		}
		return opt(schema.BuiltinOptionsReducerOptions, &schema.ReducerOptionsT{KeepDims: a.KeepDims})
	case ir.Transpose:
		a, ok := o.Attrs.(ir.TransposeAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		if err := addConst("perm", []int32{int32(len(a.Perm))}, a.Perm); err != nil {
			return nil, err
		}
		return opt(schema.BuiltinOptionsTransposeOptions, &schema.TransposeOptionsT{})
	case ir.StridedSlice:
		a, ok := o.Attrs.(ir.StridedSliceAttrs)
		if !ok {
			return nil, wrongAttrs
		}
		m, err := i32s("mask", a.BeginMask, a.EndMask, a.EllipsisMask, a.NewAxisMask, a.ShrinkAxisMask)
		if err != nil {
			return nil, err
		}
		for _, c := range []struct {
			name string
			v    []int
		}{{"begin", a.Begin}, {"end", a.End}, {"strides", a.Strides}} {
			if err := addConst(c.name, []int32{int32(len(c.v))}, c.v); err != nil {
				return nil, err
			}
		}
		return opt(schema.BuiltinOptionsStridedSliceOptions, &schema.StridedSliceOptionsT{
			BeginMask: m[0], EndMask: m[1], EllipsisMask: m[2], NewAxisMask: m[3], ShrinkAxisMask: m[4], Offset: a.Offset})
	}
	return nil, fmt.Errorf("operator kind %v cannot be written", o.Kind)
}
