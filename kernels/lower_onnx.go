// Lowering of the operators added for ONNX: DIV, PRELU, BATCH_MATMUL,
// DEPTH_TO_SPACE, RESIZE_NEAREST_NEIGHBOR and the PAD modes.

package kernels

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

func lowerDiv(op *ir.Op) (Call, error) {
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if !all(op, ir.Float32) {
		return Call{}, noKernel(op)
	}
	bc, err := broadcast(x.Shape, w.Shape, y.Shape)
	if err != nil {
		return Call{}, err
	}
	lo, hi := quant.FloatActivationRange(op.Attrs.(ir.BinaryAttrs).Activation)
	return newCall("tg_div_f32", []Field{f("bc", bc), f("act_min", Float(lo)), f("act_max", Float(hi))},
		in("a", x, "float"), in("b", w, "float"), out(y, "float"))
}

func lowerPrelu(op *ir.Op) (Call, error) {
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if !all(op, ir.Float32) && !all(op, ir.Int8) {
		return Call{}, noKernel(op)
	}
	bc, err := broadcast(x.Shape, w.Shape, y.Shape)
	if err != nil {
		return Call{}, err
	}
	if all(op, ir.Int8) {
		inS, inZ, err := perTensor(x, "input")
		if err != nil {
			return Call{}, err
		}
		aS, aZ, err := perTensor(w, "alpha")
		if err != nil {
			return Call{}, err
		}
		oS, oZ, err := perTensor(y, "output")
		if err != nil {
			return Call{}, err
		}
		p := quant.PreparePrelu(inS, aS, oS, inZ, aZ, oZ)
		return newCall("tg_prelu_s8", []Field{f("bc", bc), f("input_offset", Int(p.InputOffset)),
			f("alpha_offset", Int(p.AlphaOffset)), f("output_offset", Int(p.OutputOffset)),
			f("multiplier_1", Int(p.Output1.Multiplier)), fi("shift_1", p.Output1.Shift),
			f("multiplier_2", Int(p.Output2.Multiplier)), fi("shift_2", p.Output2.Shift)},
			in("a", x, "int8_t"), in("b", w, "int8_t"), out(y, "int8_t"))
	}
	return newCall("tg_prelu_f32", []Field{f("bc", bc)}, in("a", x, "float"), in("b", w, "float"), out(y, "float"))
}

// maxMatMulBatchDims is the number of batch dimensions tg_batch_matmul_f32
// walks.
const maxMatMulBatchDims = 4

func lowerBatchMatMul(op *ir.Op) (Call, error) {
	a := op.Attrs.(ir.BatchMatMulAttrs)
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	integer := intSums(op)
	if !all(op, ir.Float32) && !integer {
		return Call{}, noKernel(op)
	}
	xs, ws, ys := x.Shape, w.Shape, y.Shape
	if len(xs) < 2 || len(ws) < 2 || len(ys) < 2 || len(ys)-2 > maxMatMulBatchDims {
		return Call{}, fmt.Errorf("shapes %v, %v → %v: the kernel takes rank 2 to %d", xs, ws, ys, maxMatMulBatchDims+2)
	}
	xr, xc := xs[len(xs)-2], xs[len(xs)-1]
	wr, wc := ws[len(ws)-2], ws[len(ws)-1]
	batch := ys[:len(ys)-2]
	// Batch strides in elements: a matrix per index of the input's own
	// batch dimensions, 0 where it repeats.
	stridesFor := func(s ir.Shape, matrix int) []int {
		b := s[:len(s)-2]
		st := make([]int, len(batch))
		bst := b.Strides()
		for i := range batch {
			j := i - (len(batch) - len(b))
			if j >= 0 && b[j] != 1 {
				st[i] = bst[j] * matrix
			}
		}
		return st
	}
	pad := func(vs []int, fill int) []int {
		out := make([]int, maxMatMulBatchDims-len(vs), maxMatMulBatchDims)
		for i := range out {
			out[i] = fill
		}
		return append(out, vs...)
	}
	xRow, xDepth, depth := xc, 1, xc
	if a.AdjX {
		xRow, xDepth, depth = 1, xc, xr
	}
	wDepth, wCol := wc, 1
	if a.AdjY {
		wDepth, wCol = 1, wc
	}
	fields := []Field{
		f("batch_dims", inline(pad(batch, 1), "int32_t")),
		f("x_batch_strides", inline(pad(stridesFor(xs, xr*xc), 0), "int32_t")),
		f("y_batch_strides", inline(pad(stridesFor(ws, wr*wc), 0), "int32_t")),
		fi("rows", ys[len(ys)-2]), fi("cols", ys[len(ys)-1]), fi("depth", depth),
		fi("x_row", xRow), fi("x_depth", xDepth), fi("y_depth", wDepth), fi("y_col", wCol)}
	if !integer {
		return newCall("tg_batch_matmul_f32", fields, in("x", x, "float"), in("y", w, "float"), out(y, "float"))
	}
	if a.AdjX || a.AdjY {
		return Call{}, fmt.Errorf("integer BATCH_MATMUL does not transpose its operands")
	}
	xz, err := zeroPointList(x, len(xs)-1, 1)
	if err != nil {
		return Call{}, err
	}
	wz, err := zeroPointList(w, len(ws)-1, ys[len(ys)-1])
	if err != nil {
		return Call{}, err
	}
	fields = append(fields, fi("x_elem", elem8(x.DType)), fi("w_elem", elem8(w.DType)),
		fi("x_zero_point", xz[0]), f("y_zero_points", ints(wz, "int32_t")))
	return newCall("tg_batch_matmul_int_s32", fields, in("x", x, "void"), in("y", w, "void"), out(y, "int32_t"))
}

// intSums reports whether a CONV_2D or BATCH_MATMUL sums uint8/int8
// operands into an unquantised int32 output (ONNX ConvInteger,
// MatMulInteger), as eval decides.
func intSums(op *ir.Op) bool {
	y := op.Outputs[0]
	return y.DType == ir.Int32 && y.Quant == nil && len(op.Inputs) >= 2 && op.Inputs[1] != nil &&
		is8bit(op.Inputs[0].DType) && is8bit(op.Inputs[1].DType) && op.Input(2) == nil
}

// elem8 is the element code of tg_load8: 0 uint8, 1 int8.
func elem8(dt ir.DType) int {
	if dt == ir.Int8 {
		return 1
	}
	return 0
}

// zeroPointList returns n zero points of t along axis (its one zero point
// repeated, or 0 without quantisation parameters).
func zeroPointList(t *ir.Tensor, axis, n int) ([]int, error) {
	zp := make([]int, n)
	q := t.Quant
	if q == nil {
		return zp, nil
	}
	if len(q.ZeroPoint) > 1 && (q.Axis != axis || len(q.ZeroPoint) != n) {
		return nil, fmt.Errorf("%v has %d zero points along dimension %d, want 1 or %d along %d", t, len(q.ZeroPoint), q.Axis, n, axis)
	}
	for i := range zp {
		zp[i] = int(q.ZeroPointAt(i))
	}
	return zp, nil
}

// lowerConvInteger lowers CONV_2D as ONNX ConvInteger to
// tg_conv2d_int_s32.
func lowerConvInteger(op *ir.Op) (Call, error) {
	a := op.Attrs.(ir.Conv2DAttrs)
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if a.Activation != ir.ActNone {
		return Call{}, fmt.Errorf("fused activation %v with an int32 output is not supported", a.Activation)
	}
	if len(w.Shape) != 4 {
		return Call{}, fmt.Errorf("filter must be 4-D, has %v", w.Shape)
	}
	win, err := window(x, y, ir.Window{Padding: a.Padding, ExplicitPads: a.ExplicitPads}, w.Shape[1], w.Shape[2], a.StrideH, a.StrideW, a.DilationH, a.DilationW)
	if err != nil {
		return Call{}, err
	}
	xz, err := zeroPointList(x, 3, 1)
	if err != nil {
		return Call{}, err
	}
	wz, err := zeroPointList(w, 0, w.Shape[0])
	if err != nil {
		return Call{}, err
	}
	return newCall("tg_conv2d_int_s32", []Field{f("win", win), fi("filter_c", w.Shape[3]),
		fi("x_elem", elem8(x.DType)), fi("w_elem", elem8(w.DType)),
		fi("input_zero_point", xz[0]), f("filter_zero_points", ints(wz, "int32_t"))},
		in("input", x, "void"), in("filter", w, "void"), out(y, "int32_t"))
}

func lowerDepthToSpace(op *ir.Op) (Call, error) {
	if err := sameType(op); err != nil {
		return Call{}, err
	}
	x, y := op.Inputs[0], op.Outputs[0]
	if len(x.Shape) != 4 {
		return Call{}, fmt.Errorf("input %v must be 4-D", x.Shape)
	}
	dims, st := ir.DepthToSpaceWalk(op.Attrs.(ir.DepthToSpaceAttrs), x.Shape)
	return newCall("tg_gather", []Field{fi("elem_bytes", y.DType.Size()), fi("base", 0),
		f("dims", inline(dims, "int32_t")), f("strides", inline(st, "int32_t"))},
		in("input", x, "void"), out(y, "void"))
}

// lowerTableGather lowers RESIZE_NEAREST_NEIGHBOR and the PAD modes other
// than CONSTANT to tg_table_gather with the tables of ir.GatherTables.
func lowerTableGather(op *ir.Op) (Call, error) {
	if err := sameType(op); err != nil {
		return Call{}, err
	}
	x, y := op.Inputs[0], op.Outputs[0]
	tables, err := ir.GatherTables(op)
	if err != nil {
		return Call{}, err
	}
	if len(tables) > maxDims {
		return Call{}, fmt.Errorf("rank %d exceeds the kernels' limit of %d", len(tables), maxDims)
	}
	for len(tables) < maxDims {
		tables = append([][]int{{0}}, tables...)
	}
	var offsets, starts, dims []int
	for _, t := range tables {
		starts = append(starts, len(offsets))
		dims = append(dims, len(t))
		offsets = append(offsets, t...)
	}
	return newCall("tg_table_gather", []Field{fi("elem_bytes", y.DType.Size()),
		f("out_dims", inline(dims, "int32_t")), f("starts", inline(starts, "int32_t")),
		f("offsets", ints(offsets, "int32_t"))},
		in("input", x, "void"), out(y, "void"))
}

// rawIntElems maps the element types of unquantised integer arithmetic to
// tg_int_binary's elem code and C element type.
var rawIntElems = map[ir.DType]struct {
	code int
	c    string
}{ir.UInt8: {0, "uint8_t"}, ir.Int8: {1, "int8_t"}, ir.Int16: {2, "int16_t"}, ir.Int32: {3, "int32_t"}}

// rawInt reports whether a binary op is unquantised integer arithmetic
// (every operand of one integer type, none quantised), as eval decides.
func rawInt(op *ir.Op) bool {
	y := op.Outputs[0]
	if _, ok := rawIntElems[y.DType]; !ok || y.Quant != nil || len(op.Inputs) != 2 {
		return false
	}
	for _, t := range op.Inputs {
		if t == nil || t.DType != y.DType || t.Quant != nil {
			return false
		}
	}
	return true
}

// lowerIntBinary lowers unquantised integer ADD, SUB, MUL, DIV, MAXIMUM and
// MINIMUM to tg_int_binary.
func lowerIntBinary(op *ir.Op) (Call, error) {
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if a, ok := op.Attrs.(ir.BinaryAttrs); ok && a.Activation != ir.ActNone {
		return Call{}, fmt.Errorf("fused activation %v on unquantised integers is not supported", a.Activation)
	}
	k, err := quant.RawIntOp(op.Kind.String())
	if err != nil {
		return Call{}, err
	}
	bc, err := broadcast(x.Shape, w.Shape, y.Shape)
	if err != nil {
		return Call{}, err
	}
	e := rawIntElems[y.DType]
	return newCall("tg_int_binary", []Field{f("bc", bc), fi("op", int(k)), fi("elem", e.code)},
		in("a", x, "void"), in("b", w, "void"), out(y, "void"))
}

// axisCodes are the element codes of the per-axis (de)quantize kernels.
var axisCodes = map[ir.DType]int{ir.UInt8: 0, ir.Int8: 1, ir.Int16: 2}

// axisParams returns the element code, inner size, channel count, scales
// and zero points of a (possibly per-axis) quantised 8/16-bit tensor.
func axisParams(t *ir.Tensor) (code, inner, channels int, scales []float32, zps []int, err error) {
	code, ok := axisCodes[t.DType]
	if !ok || t.Quant == nil || len(t.Quant.Scale) == 0 {
		return 0, 0, 0, nil, nil, fmt.Errorf("%v must be a quantised uint8, int8 or int16 tensor", t)
	}
	q := t.Quant
	inner, channels = 1, 1
	if q.PerChannel() {
		if q.Axis < 0 || q.Axis >= len(t.Shape) {
			return 0, 0, 0, nil, nil, fmt.Errorf("quantised dimension %d out of range for %v", q.Axis, t.Shape)
		}
		for _, d := range t.Shape[q.Axis+1:] {
			inner *= d
		}
		inner, channels = max(inner, 1), t.Shape[q.Axis]
	}
	for c := 0; c < channels; c++ {
		scales = append(scales, q.ScaleAt(c))
		zps = append(zps, int(q.ZeroPointAt(c)))
	}
	return code, inner, channels, scales, zps, nil
}

// lowerQuantizeAxis lowers QUANTIZE float32 → int16 or per-axis to
// tg_quantize_f32_axis.
func lowerQuantizeAxis(op *ir.Op) (Call, error) {
	x, y := op.Inputs[0], op.Outputs[0]
	code, inner, channels, scales, zps, err := axisParams(y)
	if err != nil {
		return Call{}, err
	}
	lo, hi := y.DType.Range()
	return newCall("tg_quantize_f32_axis", []Field{fi("size", y.Shape.Elements()), fi("elem", code),
		fi("inner", inner), fi("channels", channels), fi("qmin", int(lo)), fi("qmax", int(hi)),
		f("scales", Array{Elem: "float", Floats: scales}), f("zero_points", ints(zps, "int32_t"))},
		in("input", x, "float"), out(y, "void"))
}

// lowerDequantizeAxis lowers DEQUANTIZE int16 or per-axis → float32 to
// tg_dequantize_axis.
func lowerDequantizeAxis(op *ir.Op) (Call, error) {
	x, y := op.Inputs[0], op.Outputs[0]
	code, inner, channels, scales, zps, err := axisParams(x)
	if err != nil {
		return Call{}, err
	}
	return newCall("tg_dequantize_axis", []Field{fi("size", y.Shape.Elements()), fi("elem", code),
		fi("inner", inner), fi("channels", channels),
		f("scales", Array{Elem: "float", Floats: scales}), f("zero_points", ints(zps, "int32_t"))},
		in("input", x, "void"), out(y, "float"))
}

// lowerRequantizeS32 lowers QUANTIZE int32 → int8 (input zero point 0) to
// tg_requantize_s32_s8 with quant.PrepareRequantize's multiplier.
func lowerRequantizeS32(op *ir.Op, outS float32, outZ int32) (Call, error) {
	x, y := op.Inputs[0], op.Outputs[0]
	inS, inZ, err := perTensor(x, "input")
	if err != nil {
		return Call{}, err
	}
	if inZ != 0 {
		return Call{}, noKernel(op)
	}
	p, err := quant.PrepareRequantize(inS, outS, inZ, outZ, x.DType, y.DType)
	if err != nil {
		return Call{}, err
	}
	return newCall("tg_requantize_s32_s8", []Field{fi("size", y.Shape.Elements()),
		f("multiplier", Int(p.Multiplier.Multiplier)), f("shift", Int(p.Multiplier.Shift)),
		f("output_zero_point", Int(p.OutputZeroPoint)), f("qmin", Int(p.Min)), f("qmax", Int(p.Max))},
		in("input", x, "int32_t"), out(y, "int8_t"))
}
