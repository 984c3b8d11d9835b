package kernels

import (
	"fmt"
	"strings"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// Arg is one tensor argument of a kernel call, after the parameter struct.
type Arg struct {
	// Name is the parameter's name in the C prototype (input, filter,
	// bias, output, a, b, inputs).
	Name string
	// Tensor is the tensor passed; nil passes NULL (an absent optional
	// input) unless List is set.
	Tensor *ir.Tensor
	// List is set for a kernel that takes an array of input pointers
	// (CONCATENATION).
	List []*ir.Tensor
	// Elem is the C element type of the kernel's pointer: int8_t, int32_t,
	// float, or void for byte-generic kernels.
	Elem string
	// Output marks the tensor the kernel writes.
	Output bool
	// Scratch marks the kernel's scratch-memory pointer (Tensor is nil;
	// the planner places Kernel.Scratch(op) bytes in the arena).
	Scratch bool
}

// Call is one op lowered to one kernel invocation.
type Call struct {
	Kernel Kernel
	Params Struct
	Args   []Arg
}

// Lower chooses the kernel for op and computes its parameters at compile
// time. The op must belong to a graph that the evaluator accepted
// (eval.New), which performs TFLM's Prepare checks; Lower recomputes the
// parameters with the same quant functions and adds only the checks a
// static schedule needs (no empty pooling window, ranks within
// TG_MAX_DIMS) and checkLimits: every parameter fits its C field type and
// every index computation of the kernel fits int32. Errors name the op and
// say what is not supported.
func Lower(op *ir.Op) (Call, error) {
	c, err := lower(op)
	if err == nil {
		err = checkLimits(c)
	}
	if err != nil {
		return Call{}, fmt.Errorf("%v: %w", op, err)
	}
	return c, nil
}

func lower(op *ir.Op) (Call, error) {
	if len(op.Inputs) == 0 || op.Inputs[0] == nil || len(op.Outputs) != 1 {
		return Call{}, fmt.Errorf("malformed op")
	}
	switch op.Kind {
	case ir.Conv2D:
		return lowerConv(op)
	case ir.DepthwiseConv2D:
		return lowerDepthwise(op)
	case ir.FullyConnected:
		return lowerFullyConnected(op)
	case ir.AveragePool2D, ir.MaxPool2D:
		return lowerPool(op)
	case ir.Add, ir.Sub, ir.Mul:
		if rawInt(op) {
			return lowerIntBinary(op)
		}
		return lowerArith(op)
	case ir.Maximum, ir.Minimum:
		if rawInt(op) && op.Outputs[0].DType != ir.Int8 {
			return lowerIntBinary(op)
		}
		return lowerMinMax(op)
	case ir.Logistic, ir.Tanh, ir.Relu, ir.Relu6, ir.LeakyRelu, ir.HardSwish:
		return lowerActivation(op)
	case ir.Quantize:
		return lowerQuantize(op)
	case ir.Dequantize:
		return lowerDequantize(op)
	case ir.Softmax:
		return lowerSoftmax(op)
	case ir.Mean:
		return lowerMean(op)
	case ir.Reshape, ir.Squeeze:
		return lowerCopy(op)
	case ir.Transpose, ir.StridedSlice:
		return lowerGather(op)
	case ir.Pad:
		if op.Attrs.(ir.PadAttrs).Mode != ir.PadConstant {
			return lowerTableGather(op)
		}
		return lowerPad(op)
	case ir.ResizeNearestNeighbor:
		return lowerTableGather(op)
	case ir.DepthToSpace:
		return lowerDepthToSpace(op)
	case ir.Div:
		if rawInt(op) {
			return lowerIntBinary(op)
		}
		return lowerDiv(op)
	case ir.Prelu:
		return lowerPrelu(op)
	case ir.BatchMatMul:
		return lowerBatchMatMul(op)
	case ir.Concatenation:
		return lowerConcat(op)
	}
	return Call{}, fmt.Errorf("no kernel for operator %v", op.Kind)
}

// noKernel is the error for a type combination without a kernel; it lists
// every operand's type.
func noKernel(op *ir.Op) error {
	var parts []string
	for i, t := range op.Inputs {
		if t != nil {
			parts = append(parts, fmt.Sprintf("input %d %s", i, t.DType.LongName()))
		}
	}
	parts = append(parts, fmt.Sprintf("output %s", op.Outputs[0].DType.LongName()))
	return fmt.Errorf("no C kernel for %v with %s (the C kernels cover int8 and float32)", op.Kind, strings.Join(parts, ", "))
}

// newCall builds a Call for the manifest kernel symbol.
func newCall(symbol string, fields []Field, args ...Arg) (Call, error) {
	k, err := lookup(symbol)
	if err != nil {
		return Call{}, err
	}
	return Call{Kernel: k, Params: Struct{Type: k.ParamsType, Fields: fields}, Args: args}, nil
}

func in(name string, t *ir.Tensor, elem string) Arg { return Arg{Name: name, Tensor: t, Elem: elem} }
func out(t *ir.Tensor, elem string) Arg {
	return Arg{Name: "output", Tensor: t, Elem: elem, Output: true}
}

func ints[T int | int32 | int64](vs []T, elem string) Array {
	a := Array{Elem: elem, Ints: make([]int64, len(vs))}
	for i, v := range vs {
		a.Ints[i] = int64(v)
	}
	return a
}

func f(name string, v Value) Field { return Field{Name: name, Value: v} }
func fi(name string, v int) Field  { return Field{Name: name, Value: Int(v)} }

// all reports whether every present operand of op has type dt.
func all(op *ir.Op, dt ir.DType) bool {
	for _, t := range op.Inputs {
		if t != nil && t.DType != dt {
			return false
		}
	}
	return op.Outputs[0].DType == dt
}

// perTensor returns a tensor's single scale and zero point.
func perTensor(t *ir.Tensor, what string) (float32, int32, error) {
	if t.Quant == nil || len(t.Quant.Scale) != 1 {
		return 0, 0, fmt.Errorf("%s %v must be quantised per tensor", what, t)
	}
	return t.Quant.Scale[0], int32(t.Quant.ZeroPoint[0]), nil
}

// window computes the tg_window_t of a convolution or pool.
func window(x, y *ir.Tensor, p ir.Window, fh, fw, sh, sw, dh, dw int) (Struct, error) {
	if len(x.Shape) != 4 || len(y.Shape) != 4 {
		return Struct{}, fmt.Errorf("input and output must be 4-D, have %v and %v", x.Shape, y.Shape)
	}
	_, padH, err := p.Height(x.Shape[1], fh, sh, dh)
	if err != nil {
		return Struct{}, fmt.Errorf("height: %w", err)
	}
	_, padW, err := p.Width(x.Shape[2], fw, sw, dw)
	if err != nil {
		return Struct{}, fmt.Errorf("width: %w", err)
	}
	return Struct{Type: "tg_window_t", Fields: []Field{
		fi("batches", x.Shape[0]), fi("in_h", x.Shape[1]), fi("in_w", x.Shape[2]), fi("in_c", x.Shape[3]),
		fi("out_h", y.Shape[1]), fi("out_w", y.Shape[2]), fi("out_c", y.Shape[3]),
		fi("filter_h", fh), fi("filter_w", fw), fi("stride_h", sh), fi("stride_w", sw),
		fi("dilation_h", dh), fi("dilation_w", dw), fi("pad_h", padH), fi("pad_w", padW),
	}}, nil
}

// intConv holds the integer parameters shared by convolution-like ops.
type intConv struct {
	inOffset, outOffset int32
	mult, shift         []int32
	lo, hi              int32
}

// prepareIntConv computes the multipliers (one per channel; a single one
// for a per-tensor FULLY_CONNECTED), offsets and activation range of an
// int8 convolution-like op.
func prepareIntConv(op *ir.Op, act ir.Activation, channels int, fullyConnected bool) (intConv, error) {
	var p intConv
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	inS, inZ, err := perTensor(x, "input")
	if err != nil {
		return p, err
	}
	outS, outZ, err := perTensor(y, "output")
	if err != nil {
		return p, err
	}
	if w.Quant == nil || len(w.Quant.Scale) == 0 {
		return p, fmt.Errorf("filter %v has no quantisation parameters", w)
	}
	var ms []quant.Multiplier
	if fullyConnected {
		ms, err = quant.FullyConnectedMultipliers(inS, w.Quant.Scale, outS, channels)
		if err == nil && len(w.Quant.Scale) == 1 {
			ms = ms[:1]
		}
	} else {
		ms, err = quant.ConvMultipliers(inS, w.Quant.Scale, outS, channels)
	}
	if err != nil {
		return p, err
	}
	for _, m := range ms {
		p.mult = append(p.mult, m.Multiplier)
		p.shift = append(p.shift, int32(m.Shift))
	}
	p.lo, p.hi, err = quant.ActivationRange(act, y.DType, outS, outZ)
	p.inOffset, p.outOffset = -inZ, outZ
	return p, err
}

// convTypes classifies a convolution-like op: "s8" (int8 with an int32
// bias or none), "f32", or an error.
func convTypes(op *ir.Op) (string, error) {
	x, w, b, y := op.Inputs[0], op.Inputs[1], op.Input(2), op.Outputs[0]
	switch {
	case all(op, ir.Float32):
		return "f32", nil
	case x.DType == ir.Int8 && w.DType == ir.Int8 && y.DType == ir.Int8 && (b == nil || b.DType == ir.Int32):
		return "s8", nil
	}
	return "", noKernel(op)
}

func convArgs(op *ir.Op, elem, biasElem string) []Arg {
	return []Arg{in("input", op.Inputs[0], elem), in("filter", op.Inputs[1], elem),
		in("bias", op.Input(2), biasElem), out(op.Outputs[0], elem)}
}

func lowerConv(op *ir.Op) (Call, error) {
	if intSums(op) {
		return lowerConvInteger(op)
	}
	a := op.Attrs.(ir.Conv2DAttrs)
	return lowerWindowConv(op, "tg_conv2d_", ir.Window{Padding: a.Padding, ExplicitPads: a.ExplicitPads}, a.StrideH, a.StrideW, a.DilationH, a.DilationW, a.Activation,
		func(w *ir.Tensor) Field { return fi("filter_c", w.Shape[3]) }, 0)
}

func lowerDepthwise(op *ir.Op) (Call, error) {
	a := op.Attrs.(ir.DepthwiseConv2DAttrs)
	return lowerWindowConv(op, "tg_depthwise_conv2d_", ir.Window{Padding: a.Padding, ExplicitPads: a.ExplicitPads}, a.StrideH, a.StrideW, a.DilationH, a.DilationW, a.Activation,
		func(*ir.Tensor) Field { return fi("depth_multiplier", a.DepthMultiplier) }, 3)
}

// lowerWindowConv lowers CONV_2D and DEPTHWISE_CONV_2D, which differ only
// in the kernel, one geometry field (extra) and the filter dimension that
// holds the output channels (channelAxis).
func lowerWindowConv(op *ir.Op, base string, pad ir.Window, sh, sw, dh, dw int, act ir.Activation,
	extra func(w *ir.Tensor) Field, channelAxis int) (Call, error) {
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	kind, err := convTypes(op)
	if err != nil {
		return Call{}, err
	}
	if len(w.Shape) != 4 {
		return Call{}, fmt.Errorf("filter must be 4-D, has %v", w.Shape)
	}
	win, err := window(x, y, pad, w.Shape[1], w.Shape[2], sh, sw, dh, dw)
	if err != nil {
		return Call{}, err
	}
	if kind == "f32" {
		lo, hi := quant.FloatActivationRange(act)
		return newCall(base+"f32", []Field{f("win", win), extra(w), f("act_min", Float(lo)), f("act_max", Float(hi))},
			convArgs(op, "float", "float")...)
	}
	p, err := prepareIntConv(op, act, w.Shape[channelAxis], false)
	if err != nil {
		return Call{}, err
	}
	return newCall(base+"s8", []Field{f("win", win), extra(w),
		f("input_offset", Int(p.inOffset)), f("output_offset", Int(p.outOffset)),
		f("act_min", Int(p.lo)), f("act_max", Int(p.hi)),
		f("multiplier", ints(p.mult, "int32_t")), f("shift", ints(p.shift, "int8_t"))},
		convArgs(op, "int8_t", "int32_t")...)
}

func lowerFullyConnected(op *ir.Op) (Call, error) {
	a := op.Attrs.(ir.FullyConnectedAttrs)
	w, y := op.Inputs[1], op.Outputs[0]
	kind, err := convTypes(op)
	if err != nil {
		return Call{}, err
	}
	if len(w.Shape) != 2 || w.Shape[0] == 0 {
		return Call{}, fmt.Errorf("filter must be 2-D [units, depth], has %v", w.Shape)
	}
	units, depth := w.Shape[0], w.Shape[1]
	batches := y.Shape.Elements() / units
	if kind == "f32" {
		lo, hi := quant.FloatActivationRange(a.Activation)
		return newCall("tg_fully_connected_f32", []Field{fi("batches", batches), fi("units", units), fi("depth", depth),
			f("act_min", Float(lo)), f("act_max", Float(hi))}, convArgs(op, "float", "float")...)
	}
	p, err := prepareIntConv(op, a.Activation, units, true)
	if err != nil {
		return Call{}, err
	}
	perChannel, filterOffset := 1, int32(0)
	if len(w.Quant.Scale) == 1 {
		perChannel, filterOffset = 0, -int32(w.Quant.ZeroPoint[0])
	}
	return newCall("tg_fully_connected_s8", []Field{fi("batches", batches), fi("units", units), fi("depth", depth),
		f("input_offset", Int(p.inOffset)), f("filter_offset", Int(filterOffset)), f("output_offset", Int(p.outOffset)),
		f("act_min", Int(p.lo)), f("act_max", Int(p.hi)), fi("per_channel", perChannel),
		f("multiplier", ints(p.mult, "int32_t")), f("shift", ints(p.shift, "int8_t"))},
		convArgs(op, "int8_t", "int32_t")...)
}

func lowerPool(op *ir.Op) (Call, error) {
	a := op.Attrs.(ir.Pool2DAttrs)
	x, y := op.Inputs[0], op.Outputs[0]
	dh, dw := a.Dilations()
	win, err := window(x, y, ir.Window{Padding: a.Padding, ExplicitPads: a.ExplicitPads}, a.FilterH, a.FilterW, a.StrideH, a.StrideW, dh, dw)
	if err != nil {
		return Call{}, err
	}
	avg := op.Kind == ir.AveragePool2D
	// The TFLite kernels (dilation 1, padding taps not counted) unless
	// the op needs the ONNX extensions.
	ext := dh != 1 || dw != 1 || a.CountIncludePad || a.Rounding != ir.PoolRoundHalfAway
	if ext && (int64(x.Shape[1])+int64(a.PadTop)+int64(a.PadBottom) > maxC || int64(x.Shape[2])+int64(a.PadLeft)+int64(a.PadRight) > maxC) {
		return Call{}, fmt.Errorf("padded input %dx%d (pads %d, %d, %d, %d) exceeds the kernels' int32 coordinates",
			x.Shape[1], x.Shape[2], a.PadTop, a.PadLeft, a.PadBottom, a.PadRight)
	}
	endH, endW := x.Shape[1], x.Shape[2]
	if a.CountIncludePad {
		endH += a.PadBottom - a.CeilPadBottom
		endW += a.PadRight - a.CeilPadRight
	}
	if avg {
		if err := checkWindows(win, endH, endW, a.CountIncludePad); err != nil {
			return Call{}, err
		}
	}
	name := "tg_max_pool2d_"
	if avg {
		name = "tg_average_pool2d_"
	}
	extFields := func(pad Value) []Field {
		if !ext {
			return nil
		}
		cip := 0
		if a.CountIncludePad {
			cip = 1
		}
		return []Field{fi("count_include_pad", cip), fi("count_end_h", endH), fi("count_end_w", endW), f("pad_value", pad)}
	}
	if ext {
		name += "ext_"
	}
	switch {
	case all(op, ir.Float32):
		lo, hi := quant.FloatActivationRange(a.Activation)
		fields := append([]Field{f("win", win)}, extFields(Int(0))...)
		return newCall(name+"f32", append(fields, f("act_min", Float(lo)), f("act_max", Float(hi))),
			in("input", x, "float"), out(y, "float"))
	case all(op, ir.Int8):
		s, z, err := perTensor(y, "output")
		if err != nil {
			return Call{}, err
		}
		lo, hi, err := quant.ActivationRange(a.Activation, ir.Int8, s, z)
		if err != nil {
			return Call{}, err
		}
		fields := append([]Field{f("win", win)}, extFields(Int(x.ZeroPoint()))...)
		fields = append(fields, f("act_min", Int(lo)), f("act_max", Int(hi)))
		if ext {
			fields = append(fields, fi("round_half_even", halfEven(a.Rounding)))
		}
		return newCall(name+"s8", fields,
			in("input", x, "int8_t"), out(y, "int8_t"))
	}
	return Call{}, noKernel(op)
}

// maxPoolTaps bounds the window of an extended int8 pool: its int32 sum of
// taps (each |code| ≤ 128) cannot overflow.
const maxPoolTaps = 1 << 23

// checkWindows rejects an AVERAGE_POOL_2D geometry in which some output's
// window holds no input element (TFLM fails such a kernel at run time; a
// static schedule refuses it at compile time). With count_include_pad the
// window must hold a tap of the padded image [−pad, end) instead.
func checkWindows(win Struct, endH, endW int, countPad bool) error {
	v := map[string]int{}
	for _, fl := range win.Fields {
		v[fl.Name] = int(fl.Value.(Int))
	}
	if countPad && int64(v["filter_h"])*int64(v["filter_w"]) > maxPoolTaps {
		return fmt.Errorf("the pooling window of %dx%d taps is larger than the %d the kernels sum", v["filter_h"], v["filter_w"], maxPoolTaps)
	}
	empty := func(outN, inN, fN, stride, dil, pad, end int) int {
		lo, hi := 0, inN
		if countPad {
			lo, hi = -pad, end
		}
		for o := 0; o < outN; o++ {
			if a, b := ir.TapRange(o*stride-pad, dil, fN, lo, hi); b <= a {
				return o
			}
		}
		return -1
	}
	if o := empty(v["out_h"], v["in_h"], v["filter_h"], v["stride_h"], v["dilation_h"], v["pad_h"], endH); o >= 0 && v["out_w"] > 0 {
		return fmt.Errorf("the pooling window of output row %d contains no input element", o)
	}
	if o := empty(v["out_w"], v["in_w"], v["filter_w"], v["stride_w"], v["dilation_w"], v["pad_w"], endW); o >= 0 && v["out_h"] > 0 {
		return fmt.Errorf("the pooling window of output column %d contains no input element", o)
	}
	return nil
}

// maxDims is TG_MAX_DIMS of tg_kernels.h.
const maxDims = 6

// padFront returns vs padded at the front with fill to maxDims entries.
func padFront(vs []int, fill int) ([]int, error) {
	if len(vs) > maxDims {
		return nil, fmt.Errorf("rank %d exceeds the kernels' limit of %d", len(vs), maxDims)
	}
	out := make([]int, maxDims-len(vs), maxDims)
	for i := range out {
		out[i] = fill
	}
	return append(out, vs...), nil
}

func inline(vs []int, elem string) Array {
	a := ints(vs, elem)
	a.Inline = true
	return a
}

// broadcast computes the tg_broadcast_t of a binary op.
func broadcast(as, bs, os ir.Shape) (Struct, error) {
	n := os.Elements()
	stridesFor := func(s ir.Shape) []int {
		st := make([]int, len(os))
		ist := s.Strides()
		for i := range os {
			j := i - (len(os) - len(s))
			if j >= 0 && s[j] != 1 {
				st[i] = ist[j]
			}
		}
		return st
	}
	flag := 1
	if as.Equal(os) && bs.Equal(os) {
		flag = 0
	}
	dims, err := padFront(os, 1)
	if err != nil {
		return Struct{}, err
	}
	sa, _ := padFront(stridesFor(as), 0)
	sb, _ := padFront(stridesFor(bs), 0)
	return Struct{Type: "tg_broadcast_t", Fields: []Field{fi("size", n), fi("broadcast", flag),
		f("dims", inline(dims, "int32_t")), f("a_strides", inline(sa, "int32_t")), f("b_strides", inline(sb, "int32_t"))}}, nil
}

func lowerArith(op *ir.Op) (Call, error) {
	a := op.Attrs.(ir.BinaryAttrs)
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	bc, err := broadcast(x.Shape, w.Shape, y.Shape)
	if err != nil {
		return Call{}, err
	}
	name := map[ir.OpKind]string{ir.Add: "tg_add_", ir.Sub: "tg_sub_", ir.Mul: "tg_mul_"}[op.Kind]
	switch {
	case all(op, ir.Float32):
		lo, hi := quant.FloatActivationRange(a.Activation)
		return newCall(name+"f32", []Field{f("bc", bc), f("act_min", Float(lo)), f("act_max", Float(hi))},
			in("a", x, "float"), in("b", w, "float"), out(y, "float"))
	case all(op, ir.Int8):
	default:
		return Call{}, noKernel(op)
	}
	s1, z1, err := perTensor(x, "input 1")
	if err != nil {
		return Call{}, err
	}
	s2, z2, err := perTensor(w, "input 2")
	if err != nil {
		return Call{}, err
	}
	so, zo, err := perTensor(y, "output")
	if err != nil {
		return Call{}, err
	}
	args := []Arg{in("a", x, "int8_t"), in("b", w, "int8_t"), out(y, "int8_t")}
	if op.Kind == ir.Mul {
		p, err := quant.PrepareMul(s1, s2, so, z1, z2, zo, a.Activation, ir.Int8)
		if err != nil {
			return Call{}, err
		}
		return newCall(name+"s8", []Field{f("bc", bc),
			f("input1_zero_point", Int(p.Input1ZeroPoint)), f("input2_zero_point", Int(p.Input2ZeroPoint)),
			f("output_zero_point", Int(p.OutputZeroPoint)),
			f("output_multiplier", Int(p.Output.Multiplier)), fi("output_shift", p.Output.Shift),
			f("act_min", Int(p.Min)), f("act_max", Int(p.Max))}, args...)
	}
	prep := quant.PrepareAdd
	if op.Kind == ir.Sub {
		prep = quant.PrepareSub
	}
	p, err := prep(s1, s2, so, z1, z2, zo, a.Activation, ir.Int8)
	if err != nil {
		return Call{}, err
	}
	return newCall(name+"s8", []Field{f("bc", bc), fi("left_shift", p.LeftShift),
		f("input1_offset", Int(p.Input1Offset)), f("input2_offset", Int(p.Input2Offset)), f("output_offset", Int(p.OutputOffset)),
		f("input1_multiplier", Int(p.Input1.Multiplier)), fi("input1_shift", p.Input1.Shift),
		f("input2_multiplier", Int(p.Input2.Multiplier)), fi("input2_shift", p.Input2.Shift),
		f("output_multiplier", Int(p.Output.Multiplier)), fi("output_shift", p.Output.Shift),
		f("act_min", Int(p.Min)), f("act_max", Int(p.Max))}, args...)
}

func lowerMinMax(op *ir.Op) (Call, error) {
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	bc, err := broadcast(x.Shape, w.Shape, y.Shape)
	if err != nil {
		return Call{}, err
	}
	name := "tg_maximum_"
	if op.Kind == ir.Minimum {
		name = "tg_minimum_"
	}
	var suffix, elem string
	switch {
	case all(op, ir.Float32):
		suffix, elem = "f32", "float"
	case all(op, ir.Int8):
		suffix, elem = "s8", "int8_t"
	default:
		return Call{}, noKernel(op)
	}
	return newCall(name+suffix, []Field{f("bc", bc)}, in("a", x, elem), in("b", w, elem), out(y, elem))
}

// is8bit reports whether dt is int8 or uint8.
func is8bit(dt ir.DType) bool { return dt == ir.Int8 || dt == ir.UInt8 }

// codeOf returns the value of the raw byte b as an element of type dt
// (int8 or uint8).
func codeOf(b int, dt ir.DType) int32 {
	if dt == ir.Int8 {
		return int32(int8(uint8(b)))
	}
	return int32(b)
}

// lut8 builds the tg_lut_s8 call of an 8-bit to 8-bit op from its element
// function: table[b] = fn(value of byte b), stored as a byte.
func lut8(op *ir.Op, fn func(x int32) int32) (Call, error) {
	x, y := op.Inputs[0], op.Outputs[0]
	table := make([]int64, 256)
	for b := range table {
		table[b] = int64(int8(uint8(fn(codeOf(b, x.DType)))))
	}
	return newCall("tg_lut_s8", []Field{fi("size", y.Shape.Elements()),
		f("table", Array{Elem: "int8_t", Ints: table, Inline: true})},
		in("input", x, "int8_t"), out(y, "int8_t"))
}

func lowerActivation(op *ir.Op) (Call, error) {
	x, y := op.Inputs[0], op.Outputs[0]
	if all(op, ir.Float32) {
		alpha := float32(0)
		if op.Kind == ir.LeakyRelu {
			alpha = op.Attrs.(ir.LeakyReluAttrs).Alpha
		}
		name := map[ir.OpKind]string{ir.Logistic: "tg_logistic_f32", ir.Tanh: "tg_tanh_f32", ir.Relu: "tg_relu_f32",
			ir.Relu6: "tg_relu6_f32", ir.LeakyRelu: "tg_leaky_relu_f32", ir.HardSwish: "tg_hard_swish_f32"}[op.Kind]
		return newCall(name, []Field{fi("size", y.Shape.Elements()), f("alpha", Float(alpha))},
			in("input", x, "float"), out(y, "float"))
	}
	if !all(op, ir.Int8) {
		return Call{}, noKernel(op)
	}
	inS, inZ, err := perTensor(x, "input")
	if err != nil {
		return Call{}, err
	}
	outS, outZ, err := perTensor(y, "output")
	if err != nil {
		return Call{}, err
	}
	switch op.Kind {
	case ir.Logistic:
		p, err := quant.PrepareLogisticInt8(inS, inZ, outZ)
		if err != nil {
			return Call{}, err
		}
		return lut8(op, func(v int32) int32 { return int32(quant.LogisticInt8(p, int8(v))) })
	case ir.Tanh:
		p, err := quant.PrepareTanhInt8(inS, inZ)
		if err != nil {
			return Call{}, err
		}
		return lut8(op, func(v int32) int32 { return int32(quant.TanhInt8(p, int8(v))) })
	case ir.Relu:
		p, err := quant.PrepareRelu(inS, outS, inZ, outZ, ir.Int8)
		if err != nil {
			return Call{}, err
		}
		return lut8(op, func(v int32) int32 { return quant.ReluElement(p, v) })
	case ir.Relu6:
		p, err := quant.PrepareRelu6(inS, inZ, ir.Int8)
		if err != nil {
			return Call{}, err
		}
		return lut8(op, func(v int32) int32 { return quant.Relu6Element(p, v) })
	case ir.LeakyRelu:
		p, err := quant.PrepareLeakyRelu(inS, outS, op.Attrs.(ir.LeakyReluAttrs).Alpha, inZ, outZ, ir.Int8)
		if err != nil {
			return Call{}, err
		}
		return lut8(op, func(v int32) int32 { return quant.LeakyReluElement(p, v) })
	default: // HARD_SWISH
		p, err := quant.PrepareHardSwishInt8(inS, outS, inZ, outZ)
		if err != nil {
			return Call{}, err
		}
		return lut8(op, func(v int32) int32 { return int32(quant.HardSwishInt8(p, int8(v))) })
	}
}

func lowerQuantize(op *ir.Op) (Call, error) {
	x, y := op.Inputs[0], op.Outputs[0]
	if a, _ := op.Attrs.(ir.QuantizeAttrs); op.Blocked() || (x.DType == ir.Float32 && a.Rounding != ir.QuantizeRoundHalfAway) {
		return lowerQuantizeBlocked(op)
	}
	if x.DType == ir.Float32 && (y.Quant.PerChannel() || y.DType == ir.Int16) {
		return lowerQuantizeAxis(op)
	}
	outS, outZ, err := perTensor(y, "output")
	if err != nil {
		return Call{}, err
	}
	if x.DType == ir.Float32 && is8bit(y.DType) {
		lo, hi := y.DType.Range()
		name, elem := "tg_quantize_f32_s8", "int8_t"
		if y.DType == ir.UInt8 {
			name, elem = "tg_quantize_f32_u8", "uint8_t"
		}
		return newCall(name, []Field{fi("size", y.Shape.Elements()), f("scale", Float(outS)), f("zero_point", Int(outZ)),
			f("qmin", Int(lo)), f("qmax", Int(hi))}, in("input", x, "float"), out(y, elem))
	}
	if x.DType == ir.Int32 && y.DType == ir.Int8 {
		return lowerRequantizeS32(op, outS, outZ)
	}
	if !is8bit(x.DType) || !is8bit(y.DType) {
		return Call{}, noKernel(op)
	}
	inS, inZ, err := perTensor(x, "input")
	if err != nil {
		return Call{}, err
	}
	p, err := quant.PrepareRequantize(inS, outS, inZ, outZ, x.DType, y.DType)
	if err != nil {
		return Call{}, err
	}
	return lut8(op, func(v int32) int32 { return quant.RequantizeElement(p, v) })
}

func lowerDequantize(op *ir.Op) (Call, error) {
	x, y := op.Inputs[0], op.Outputs[0]
	if y.DType == ir.Float32 && (x.Quant.PerChannel() || x.DType == ir.Int16) {
		return lowerDequantizeAxis(op)
	}
	if !is8bit(x.DType) || y.DType != ir.Float32 {
		return Call{}, noKernel(op)
	}
	s, z, err := perTensor(x, "input")
	if err != nil {
		return Call{}, err
	}
	table := make([]float32, 256)
	for b := range table {
		table[b] = quant.Dequantize(codeOf(b, x.DType), s, z)
	}
	return newCall("tg_lut_s8_f32", []Field{fi("size", y.Shape.Elements()),
		f("table", Array{Elem: "float", Floats: table, Inline: true})},
		in("input", x, "int8_t"), out(y, "float"))
}

func lowerSoftmax(op *ir.Op) (Call, error) {
	x, y := op.Inputs[0], op.Outputs[0]
	beta := op.Attrs.(ir.SoftmaxAttrs).Beta
	depth := 1
	if len(x.Shape) > 0 {
		depth = x.Shape[len(x.Shape)-1]
	}
	rows := 0
	if depth > 0 {
		rows = x.Shape.Elements() / depth
	}
	switch {
	case all(op, ir.Float32):
		return newCall("tg_softmax_f32", []Field{fi("rows", rows), fi("depth", depth), f("beta", Float(beta))},
			in("input", x, "float"), out(y, "float"))
	case all(op, ir.Int8):
		inS, _, err := perTensor(x, "input")
		if err != nil {
			return Call{}, err
		}
		outS, outZ, err := perTensor(y, "output")
		if err != nil {
			return Call{}, err
		}
		p, err := quant.PrepareSoftmaxInt8(beta, inS, outS, outZ, ir.Int8)
		if err != nil {
			return Call{}, err
		}
		t := p.ExpTable()
		return newCall("tg_softmax_s8", []Field{fi("rows", rows), fi("depth", depth),
			f("exp_table", Array{Elem: "int32_t", Ints: ints(t[:], "").Ints, Inline: true})},
			in("input", x, "int8_t"), out(y, "int8_t"))
	}
	return Call{}, noKernel(op)
}

func lowerMean(op *ir.Op) (Call, error) {
	a := op.Attrs.(ir.MeanAttrs)
	x, y := op.Inputs[0], op.Outputs[0]
	red := make([]bool, len(x.Shape))
	for _, ax := range a.Axes {
		if ax < 0 || ax >= len(x.Shape) {
			return Call{}, fmt.Errorf("axis %d out of range for rank %d", ax, len(x.Shape))
		}
		red[ax] = true
	}
	st := x.Shape.Strides()
	var keptD, keptS, redD, redS []int
	n := 1
	for d, size := range x.Shape {
		if red[d] {
			redD, redS = append(redD, size), append(redS, st[d])
			n *= size
		} else {
			keptD, keptS = append(keptD, size), append(keptS, st[d])
		}
	}
	if n == 0 {
		return Call{}, fmt.Errorf("MEAN over an empty axis is not supported")
	}
	var lists [4][]int
	for i, l := range [][]int{keptD, keptS, redD, redS} {
		fill := 1
		if i%2 == 1 {
			fill = 0
		}
		var err error
		if lists[i], err = padFront(l, fill); err != nil {
			return Call{}, err
		}
	}
	r := Struct{Type: "tg_reduce_t", Fields: []Field{f("kept_dims", inline(lists[0], "int32_t")),
		f("kept_strides", inline(lists[1], "int32_t")), f("reduced_dims", inline(lists[2], "int32_t")),
		f("reduced_strides", inline(lists[3], "int32_t"))}}
	switch {
	case all(op, ir.Float32):
		return newCall("tg_mean_f32", []Field{f("r", r), f("n", Float(float32(n)))}, in("input", x, "float"), out(y, "float"))
	case all(op, ir.Int8):
		inS, inZ, err := perTensor(x, "input")
		if err != nil {
			return Call{}, err
		}
		outS, outZ, err := perTensor(y, "output")
		if err != nil {
			return Call{}, err
		}
		p, err := quant.PrepareMean(inS, outS, inZ, outZ, n, ir.Int8)
		if err != nil {
			return Call{}, err
		}
		return newCall("tg_mean_s8", []Field{f("r", r), f("n", Int(p.N)),
			f("input_zero_point", Int(p.InputZeroPoint)), f("output_zero_point", Int(p.OutputZeroPoint)),
			f("multiplier", Int(p.Output.Multiplier)), fi("shift", p.Output.Shift)},
			in("input", x, "int8_t"), out(y, "int8_t"))
	}
	return Call{}, noKernel(op)
}

// sameType checks the single input and the output of a data-movement op.
func sameType(op *ir.Op) error {
	if op.Inputs[0].DType != op.Outputs[0].DType {
		return noKernel(op)
	}
	return nil
}

func lowerCopy(op *ir.Op) (Call, error) {
	if err := sameType(op); err != nil {
		return Call{}, err
	}
	y := op.Outputs[0]
	return newCall("tg_copy", []Field{fi("bytes", y.NumBytes())}, in("input", op.Inputs[0], "void"), out(y, "void"))
}

func lowerGather(op *ir.Op) (Call, error) {
	if err := sameType(op); err != nil {
		return Call{}, err
	}
	x, y := op.Inputs[0], op.Outputs[0]
	var dims, st []int
	base := 0
	if op.Kind == ir.Transpose {
		perm := op.Attrs.(ir.TransposeAttrs).Perm
		ist := x.Shape.Strides()
		dims = y.Shape
		for _, p := range perm {
			if p < 0 || p >= len(ist) {
				return Call{}, fmt.Errorf("permutation %v does not fit rank %d", perm, len(x.Shape))
			}
			st = append(st, ist[p])
		}
	} else {
		eff, start, count, stride, shape, err := ir.StridedSliceRegion(op.Attrs.(ir.StridedSliceAttrs), x.Shape)
		if err != nil {
			return Call{}, err
		}
		if !shape.Equal(y.Shape) {
			return Call{}, fmt.Errorf("the slice selects shape %v but the output has shape %v", shape, y.Shape)
		}
		est := eff.Strides()
		dims = count
		for i := range eff {
			base += start[i] * est[i]
			st = append(st, stride[i]*est[i])
		}
	}
	pd, err := padFront(dims, 1)
	if err != nil {
		return Call{}, err
	}
	ps, _ := padFront(st, 0)
	return newCall("tg_gather", []Field{fi("elem_bytes", y.DType.Size()), fi("base", base),
		f("dims", inline(pd, "int32_t")), f("strides", inline(ps, "int32_t"))},
		in("input", x, "void"), out(y, "void"))
}

func lowerPad(op *ir.Op) (Call, error) {
	if err := sameType(op); err != nil {
		return Call{}, err
	}
	a := op.Attrs.(ir.PadAttrs)
	x, y := op.Inputs[0], op.Outputs[0]
	esz := y.DType.Size()
	if esz > 8 {
		return Call{}, noKernel(op)
	}
	fill := make([]int, 8)
	if is8bit(y.DType) && y.Quant != nil && len(y.Quant.ZeroPoint) > 0 {
		fill[0] = int(uint8(y.Quant.ZeroPoint[0]))
	}
	ost := y.Shape.Strides()
	base := 0
	for d := range x.Shape {
		if d >= len(a.Before) || d >= len(ost) {
			return Call{}, fmt.Errorf("paddings do not fit rank %d", len(x.Shape))
		}
		base += a.Before[d] * ost[d]
	}
	dims, err := padFront(x.Shape, 1)
	if err != nil {
		return Call{}, err
	}
	ps, _ := padFront(ost[:len(x.Shape)], 0)
	return newCall("tg_pad", []Field{fi("elem_bytes", esz), fi("out_size", y.Shape.Elements()),
		f("fill", inline(fill, "uint8_t")), fi("base", base),
		f("in_dims", inline(dims, "int32_t")), f("out_strides", inline(ps, "int32_t"))},
		in("input", x, "void"), out(y, "void"))
}

func lowerConcat(op *ir.Op) (Call, error) {
	a := op.Attrs.(ir.ConcatenationAttrs)
	y := op.Outputs[0]
	if a.Axis < 0 || a.Axis >= len(y.Shape) {
		return Call{}, fmt.Errorf("axis %d out of range for rank %d", a.Axis, len(y.Shape))
	}
	outer := 1
	for _, d := range y.Shape[:a.Axis] {
		outer *= d
	}
	inner := y.DType.Size()
	for _, d := range y.Shape[a.Axis+1:] {
		inner *= d
	}
	chunks := make([]int, len(op.Inputs))
	for i, t := range op.Inputs {
		if t == nil || t.DType != y.DType || len(t.Shape) != len(y.Shape) {
			return Call{}, noKernel(op)
		}
		chunks[i] = t.Shape[a.Axis] * inner
	}
	return newCall("tg_concatenation", []Field{fi("outer", outer), fi("count", len(chunks)),
		f("chunk_bytes", ints(chunks, "int32_t"))},
		Arg{Name: "inputs", List: op.Inputs, Elem: "void"}, out(y, "void"))
}
