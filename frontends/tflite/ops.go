package tflite

import (
	"fmt"
	"slices"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
	"github.com/tinygen/tinygen/ir"
)

// builtinOf maps an IR op kind to its TFLite builtin operator.
func builtinOf(k ir.OpKind) (schema.BuiltinOperator, bool) {
	switch k {
	case ir.Conv2D:
		return schema.BuiltinOperatorCONV_2D, true
	case ir.DepthwiseConv2D:
		return schema.BuiltinOperatorDEPTHWISE_CONV_2D, true
	case ir.FullyConnected:
		return schema.BuiltinOperatorFULLY_CONNECTED, true
	case ir.AveragePool2D:
		return schema.BuiltinOperatorAVERAGE_POOL_2D, true
	case ir.MaxPool2D:
		return schema.BuiltinOperatorMAX_POOL_2D, true
	case ir.Add:
		return schema.BuiltinOperatorADD, true
	case ir.Sub:
		return schema.BuiltinOperatorSUB, true
	case ir.Mul:
		return schema.BuiltinOperatorMUL, true
	case ir.Maximum:
		return schema.BuiltinOperatorMAXIMUM, true
	case ir.Minimum:
		return schema.BuiltinOperatorMINIMUM, true
	case ir.Reshape:
		return schema.BuiltinOperatorRESHAPE, true
	case ir.Squeeze:
		return schema.BuiltinOperatorSQUEEZE, true
	case ir.Softmax:
		return schema.BuiltinOperatorSOFTMAX, true
	case ir.Logistic:
		return schema.BuiltinOperatorLOGISTIC, true
	case ir.Tanh:
		return schema.BuiltinOperatorTANH, true
	case ir.Relu:
		return schema.BuiltinOperatorRELU, true
	case ir.Relu6:
		return schema.BuiltinOperatorRELU6, true
	case ir.LeakyRelu:
		return schema.BuiltinOperatorLEAKY_RELU, true
	case ir.HardSwish:
		return schema.BuiltinOperatorHARD_SWISH, true
	case ir.Quantize:
		return schema.BuiltinOperatorQUANTIZE, true
	case ir.Dequantize:
		return schema.BuiltinOperatorDEQUANTIZE, true
	case ir.Concatenation:
		return schema.BuiltinOperatorCONCATENATION, true
	case ir.Pad:
		return schema.BuiltinOperatorPAD, true
	case ir.Mean:
		return schema.BuiltinOperatorMEAN, true
	case ir.Transpose:
		return schema.BuiltinOperatorTRANSPOSE, true
	case ir.StridedSlice:
		return schema.BuiltinOperatorSTRIDED_SLICE, true
	}
	return builtinOfExt(k)
}

// kindOf maps a TFLite builtin operator to its IR kind.
func kindOf(code schema.BuiltinOperator) (ir.OpKind, bool) {
	if code == schema.BuiltinOperatorMIRROR_PAD {
		return ir.Pad, true
	}
	for _, k := range ir.OpKinds() {
		if c, ok := builtinOf(k); ok && c == code {
			return k, true
		}
	}
	return ir.InvalidOp, false
}

// arity is the number of TFLite inputs an operator takes and which of
// them may be absent (-1).
type arity struct {
	min, max int // max -1: unbounded
	optional int // inputs at index >= optional may be -1 (max: none)
}

func arityOf(k ir.OpKind) arity {
	if a, ok := arityExt(k); ok {
		return a
	}
	switch k {
	case ir.Conv2D, ir.DepthwiseConv2D, ir.FullyConnected:
		return arity{2, 3, 2}
	case ir.Add, ir.Sub, ir.Mul, ir.Maximum, ir.Minimum, ir.Pad, ir.Mean, ir.Transpose:
		return arity{2, 2, 2}
	case ir.Reshape:
		return arity{1, 2, 1} // the shape input is optional and ignored
	case ir.Concatenation:
		return arity{1, -1, -1}
	case ir.StridedSlice:
		return arity{4, 4, 4}
	}
	return arity{1, 1, 1}
}

// emptyTable is a table with an empty vtable: reading any field of it
// gives the schema default. It stands in for absent builtin options.
func emptyTable() flatbuffers.Table {
	return flatbuffers.Table{Bytes: []byte{4, 0, 4, 0, 4, 0, 0, 0}, Pos: 4}
}

// opError carries the op context into messages: "op 3 (CONV_2D): ...".
func opError(i int, name string, format string, args ...any) error {
	return fmt.Errorf("op %d (%s): %s", i, name, fmt.Sprintf(format, args...))
}

// operator converts operator i of subgraph 0 (its opcode is known to be
// in range and supported).
func (p *parser) operator(i int, op *schema.Operator) (*ir.Op, error) {
	oc := p.codes[op.OpcodeIndex()]
	fail := func(format string, args ...any) error { return opError(i, oc.name, format, args...) }
	ar := arityOf(oc.kind)
	nIn, nOut := op.InputsLength(), op.OutputsLength()
	if nIn < ar.min || (ar.max >= 0 && nIn > ar.max) {
		if ar.max == ar.min {
			return nil, fail("has %d inputs, want %d", nIn, ar.min)
		}
		if ar.max < 0 {
			return nil, fail("has %d inputs, want at least %d", nIn, ar.min)
		}
		return nil, fail("has %d inputs, want %d to %d", nIn, ar.min, ar.max)
	}
	if nOut != 1 {
		return nil, fail("has %d outputs, want 1", nOut)
	}
	ins := make([]*ir.Tensor, nIn)
	for j := range ins {
		idx := op.Inputs(j)
		switch {
		case idx == -1 && ar.optional >= 0 && j >= ar.optional:
			// absent optional input stays nil
		case idx == -1:
			return nil, fail("required input %d is absent (-1)", j)
		case idx < 0 || int(idx) >= len(p.g.Tensors):
			return nil, fail("input %d refers to tensor %d, but there are %d tensors", j, idx, len(p.g.Tensors))
		default:
			ins[j] = p.g.Tensors[idx]
		}
	}
	outIdx := op.Outputs(0)
	if outIdx < 0 || int(outIdx) >= len(p.g.Tensors) {
		return nil, fail("output 0 refers to tensor %d, but there are %d tensors", outIdx, len(p.g.Tensors))
	}
	out := p.g.Tensors[outIdx]
	o := &ir.Op{Kind: oc.kind, Inputs: ins, Outputs: []*ir.Tensor{out}, SourceIndex: i}
	attrs, err := p.attrs(op, o)
	if err != nil {
		return nil, fmt.Errorf("op %d (%s): %w", i, oc.name, err)
	}
	o.Attrs = attrs
	return o, nil
}

// options returns the builtin options table of op, which must be of type
// want or absent (then the schema defaults apply).
func options(op *schema.Operator, want schema.BuiltinOptions) (flatbuffers.Table, error) {
	typ := op.BuiltinOptionsType()
	if typ == schema.BuiltinOptionsNONE {
		return emptyTable(), nil
	}
	if typ != want {
		return flatbuffers.Table{}, fmt.Errorf("builtin options are %v, want %v", typ, want)
	}
	var t flatbuffers.Table
	if !op.BuiltinOptions(&t) {
		return emptyTable(), nil
	}
	return t, nil
}

func activation(a schema.ActivationFunctionType) (ir.Activation, error) {
	switch a {
	case schema.ActivationFunctionTypeNONE:
		return ir.ActNone, nil
	case schema.ActivationFunctionTypeRELU:
		return ir.ActRelu, nil
	case schema.ActivationFunctionTypeRELU_N1_TO_1:
		return ir.ActReluN1To1, nil
	case schema.ActivationFunctionTypeRELU6:
		return ir.ActRelu6, nil
	case schema.ActivationFunctionTypeTANH, schema.ActivationFunctionTypeSIGN_BIT:
		return ir.ActNone, fmt.Errorf("fused activation %v is not supported", a)
	}
	return ir.ActNone, fmt.Errorf("unknown fused activation %v", a)
}

func padding(p schema.Padding) (ir.Padding, error) {
	switch p {
	case schema.PaddingSAME:
		return ir.PadSame, nil
	case schema.PaddingVALID:
		return ir.PadValid, nil
	}
	return ir.PadSame, fmt.Errorf("unknown padding %v", p)
}

// constInts reads the values of a constant integer input that the IR keeps
// as an attribute. A tensor with no elements counts as an empty constant.
func constInts(t *ir.Tensor, what string) ([]int, error) {
	if t.DType != ir.Int32 && t.DType != ir.Int64 {
		return nil, fmt.Errorf("%s %v is %v, want int32 or int64", what, t, t.DType.LongName())
	}
	if !t.IsConst() {
		if n, err := t.Shape.NumElements(); err == nil && n == 0 {
			return []int{}, nil
		}
		return nil, fmt.Errorf("%s %v is not a constant; only constant %s are supported", what, t, what)
	}
	v, err := t.Ints()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// normAxes turns possibly negative axes into sorted unique axes in
// [0, rank).
func normAxes(axes []int, rank int, what string) ([]int, error) {
	out := make([]int, 0, len(axes))
	for _, a := range axes {
		if a < -rank || a >= rank {
			return nil, fmt.Errorf("%s axis %d out of range for rank %d", what, a, rank)
		}
		if a < 0 {
			a += rank
		}
		out = append(out, a)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// attrs reads the builtin options and constant operands of op into the
// typed IR attributes of o.Kind, dropping the constant operands from
// o.Inputs.
func (p *parser) attrs(op *schema.Operator, o *ir.Op) (ir.Attrs, error) {
	if a, ok, err := p.attrsExt(op, o); ok {
		return a, err
	}
	in, out := o.Inputs[0], o.Outputs[0]
	switch o.Kind {
	case ir.Conv2D:
		t, err := options(op, schema.BuiltinOptionsConv2DOptions)
		if err != nil {
			return nil, err
		}
		var opt schema.Conv2DOptions
		opt.Init(t.Bytes, t.Pos)
		a := ir.Conv2DAttrs{StrideH: int(opt.StrideH()), StrideW: int(opt.StrideW()),
			DilationH: int(opt.DilationHFactor()), DilationW: int(opt.DilationWFactor())}
		if a.Padding, err = padding(opt.Padding()); err != nil {
			return nil, err
		}
		if a.Activation, err = activation(opt.FusedActivationFunction()); err != nil {
			return nil, err
		}
		// ir.InferShape divides by the input depth (grouped convolution);
		// refuse an empty one here.
		if len(in.Shape) == 4 && in.Shape[3] == 0 {
			return nil, fmt.Errorf("input %v has no channels", in)
		}
		return a, nil
	case ir.DepthwiseConv2D:
		t, err := options(op, schema.BuiltinOptionsDepthwiseConv2DOptions)
		if err != nil {
			return nil, err
		}
		var opt schema.DepthwiseConv2DOptions
		opt.Init(t.Bytes, t.Pos)
		a := ir.DepthwiseConv2DAttrs{StrideH: int(opt.StrideH()), StrideW: int(opt.StrideW()),
			DilationH: int(opt.DilationHFactor()), DilationW: int(opt.DilationWFactor())}
		if a.Padding, err = padding(opt.Padding()); err != nil {
			return nil, err
		}
		if a.Activation, err = activation(opt.FusedActivationFunction()); err != nil {
			return nil, err
		}
		// The stored depth_multiplier is unreliable in older files;
		// TFLite derives it from the channel counts, and so do we.
		if len(in.Shape) != 4 || len(out.Shape) != 4 {
			return nil, fmt.Errorf("input %v and output %v must have rank 4", in, out)
		}
		ic, oc := in.Shape[3], out.Shape[3]
		if ic == 0 || oc%ic != 0 {
			return nil, fmt.Errorf("output channels %d are not a multiple of input channels %d", oc, ic)
		}
		a.DepthMultiplier = oc / ic
		return a, nil
	case ir.FullyConnected:
		t, err := options(op, schema.BuiltinOptionsFullyConnectedOptions)
		if err != nil {
			return nil, err
		}
		var opt schema.FullyConnectedOptions
		opt.Init(t.Bytes, t.Pos)
		if wf := opt.WeightsFormat(); wf != schema.FullyConnectedOptionsWeightsFormatDEFAULT {
			return nil, fmt.Errorf("weights format %v is not supported (want DEFAULT)", wf)
		}
		a := ir.FullyConnectedAttrs{KeepNumDims: opt.KeepNumDims()}
		if a.Activation, err = activation(opt.FusedActivationFunction()); err != nil {
			return nil, err
		}
		return a, nil
	case ir.AveragePool2D, ir.MaxPool2D:
		t, err := options(op, schema.BuiltinOptionsPool2DOptions)
		if err != nil {
			return nil, err
		}
		var opt schema.Pool2DOptions
		opt.Init(t.Bytes, t.Pos)
		a := ir.Pool2DAttrs{StrideH: int(opt.StrideH()), StrideW: int(opt.StrideW()),
			FilterH: int(opt.FilterHeight()), FilterW: int(opt.FilterWidth())}
		if a.Padding, err = padding(opt.Padding()); err != nil {
			return nil, err
		}
		if a.Activation, err = activation(opt.FusedActivationFunction()); err != nil {
			return nil, err
		}
		return a, nil
	case ir.Add, ir.Sub, ir.Mul:
		var act schema.ActivationFunctionType
		switch o.Kind {
		case ir.Add:
			t, err := options(op, schema.BuiltinOptionsAddOptions)
			if err != nil {
				return nil, err
			}
			var opt schema.AddOptions
			opt.Init(t.Bytes, t.Pos)
			act = opt.FusedActivationFunction()
		case ir.Sub:
			t, err := options(op, schema.BuiltinOptionsSubOptions)
			if err != nil {
				return nil, err
			}
			var opt schema.SubOptions
			opt.Init(t.Bytes, t.Pos)
			act = opt.FusedActivationFunction()
		default:
			t, err := options(op, schema.BuiltinOptionsMulOptions)
			if err != nil {
				return nil, err
			}
			var opt schema.MulOptions
			opt.Init(t.Bytes, t.Pos)
			act = opt.FusedActivationFunction()
		}
		a, err := activation(act)
		if err != nil {
			return nil, err
		}
		return ir.BinaryAttrs{Activation: a}, nil
	case ir.Reshape:
		// The output shape is authoritative: the shape operand and
		// new_shape option may hold -1 or be absent.
		o.Inputs = o.Inputs[:1]
		return ir.ReshapeAttrs{NewShape: append([]int{}, out.Shape...)}, nil
	case ir.Squeeze:
		t, err := options(op, schema.BuiltinOptionsSqueezeOptions)
		if err != nil {
			return nil, err
		}
		var opt schema.SqueezeOptions
		opt.Init(t.Bytes, t.Pos)
		dims := make([]int, opt.SqueezeDimsLength())
		for j := range dims {
			dims[j] = int(opt.SqueezeDims(j))
		}
		axes, err := normAxes(dims, len(in.Shape), "squeeze")
		if err != nil {
			return nil, err
		}
		return ir.SqueezeAttrs{Axes: axes}, nil
	case ir.Softmax:
		t, err := options(op, schema.BuiltinOptionsSoftmaxOptions)
		if err != nil {
			return nil, err
		}
		var opt schema.SoftmaxOptions
		opt.Init(t.Bytes, t.Pos)
		return ir.SoftmaxAttrs{Beta: opt.Beta() + 0}, nil // + 0 turns -0 into 0
	case ir.LeakyRelu:
		t, err := options(op, schema.BuiltinOptionsLeakyReluOptions)
		if err != nil {
			return nil, err
		}
		var opt schema.LeakyReluOptions
		opt.Init(t.Bytes, t.Pos)
		return ir.LeakyReluAttrs{Alpha: opt.Alpha() + 0}, nil
	case ir.Concatenation:
		t, err := options(op, schema.BuiltinOptionsConcatenationOptions)
		if err != nil {
			return nil, err
		}
		var opt schema.ConcatenationOptions
		opt.Init(t.Bytes, t.Pos)
		rank := len(out.Shape)
		axis := int(opt.Axis())
		if axis < -rank || axis >= rank {
			return nil, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
		}
		if axis < 0 {
			axis += rank
		}
		a := ir.ConcatenationAttrs{Axis: axis}
		if a.Activation, err = activation(opt.FusedActivationFunction()); err != nil {
			return nil, err
		}
		return a, nil
	case ir.Pad:
		pads, err := constInts(o.Inputs[1], "paddings")
		if err != nil {
			return nil, err
		}
		ps := o.Inputs[1].Shape
		if len(ps) != 2 || ps[1] != 2 {
			return nil, fmt.Errorf("paddings %v has shape %v, want [rank, 2]", o.Inputs[1], ps)
		}
		a := ir.PadAttrs{Before: make([]int, ps[0]), After: make([]int, ps[0])}
		for j := range a.Before {
			a.Before[j], a.After[j] = pads[2*j], pads[2*j+1]
		}
		o.Inputs = o.Inputs[:1]
		return a, nil
	case ir.Mean:
		t, err := options(op, schema.BuiltinOptionsReducerOptions)
		if err != nil {
			return nil, err
		}
		var opt schema.ReducerOptions
		opt.Init(t.Bytes, t.Pos)
		v, err := constInts(o.Inputs[1], "axes")
		if err != nil {
			return nil, err
		}
		axes, err := normAxes(v, len(in.Shape), "mean")
		if err != nil {
			return nil, err
		}
		o.Inputs = o.Inputs[:1]
		return ir.MeanAttrs{Axes: axes, KeepDims: opt.KeepDims()}, nil
	case ir.Transpose:
		perm, err := constInts(o.Inputs[1], "permutation")
		if err != nil {
			return nil, err
		}
		o.Inputs = o.Inputs[:1]
		return ir.TransposeAttrs{Perm: perm}, nil
	case ir.StridedSlice:
		t, err := options(op, schema.BuiltinOptionsStridedSliceOptions)
		if err != nil {
			return nil, err
		}
		var opt schema.StridedSliceOptions
		opt.Init(t.Bytes, t.Pos)
		a := ir.StridedSliceAttrs{
			BeginMask: int(opt.BeginMask()), EndMask: int(opt.EndMask()), EllipsisMask: int(opt.EllipsisMask()),
			NewAxisMask: int(opt.NewAxisMask()), ShrinkAxisMask: int(opt.ShrinkAxisMask()), Offset: opt.Offset(),
		}
		if a.Begin, err = constInts(o.Inputs[1], "begin"); err != nil {
			return nil, err
		}
		if a.End, err = constInts(o.Inputs[2], "end"); err != nil {
			return nil, err
		}
		if a.Strides, err = constInts(o.Inputs[3], "strides"); err != nil {
			return nil, err
		}
		o.Inputs = o.Inputs[:1]
		return a, nil
	}
	// LOGISTIC, TANH, RELU, RELU6, HARD_SWISH, DEQUANTIZE, MAXIMUM,
	// MINIMUM: no attributes; QUANTIZE: TFLite's rounding, per tensor or
	// per axis.
	if o.Kind == ir.Quantize {
		return ir.QuantizeAttrs{}, nil
	}
	return ir.NoAttrs{}, nil
}
