// The operator table: ONNX op_type → converter. Each converter reads the
// node's semantics for the imported opset version (c.opset) and emits IR
// ops; operators the IR cannot express exactly yet return an
// UnsupportedError naming the missing feature.
package onnx

import (
	"fmt"
	"math"
	"slices"

	"github.com/tinygen/tinygen/frontends/onnx/internal/onnxpb"
	"github.com/tinygen/tinygen/ir"
)

type convertFunc func(c *converter) error

// opTable lists the ai.onnx operators the frontend knows. It is built by
// a function so that no caller can change it.
func opTable() map[string]convertFunc {
	return map[string]convertFunc{
		"Conv":               convConv,
		"MaxPool":            func(c *converter) error { return convPool(c, ir.MaxPool2D) },
		"AveragePool":        func(c *converter) error { return convPool(c, ir.AveragePool2D) },
		"GlobalAveragePool":  convGlobalAvgPool,
		"GlobalMaxPool":      convGlobalMaxPool,
		"Gemm":               convGemm,
		"MatMul":             convMatMul,
		"Add":                func(c *converter) error { return convBinary(c, ir.Add) },
		"Sub":                func(c *converter) error { return convBinary(c, ir.Sub) },
		"Mul":                func(c *converter) error { return convBinary(c, ir.Mul) },
		"Div":                convDiv,
		"Max":                func(c *converter) error { return convVariadic(c, ir.Maximum) },
		"Min":                func(c *converter) error { return convVariadic(c, ir.Minimum) },
		"Relu":               func(c *converter) error { return convUnary(c, ir.Relu, ir.NoAttrs{}) },
		"Sigmoid":            func(c *converter) error { return convUnary(c, ir.Logistic, ir.NoAttrs{}) },
		"Tanh":               func(c *converter) error { return convUnary(c, ir.Tanh, ir.NoAttrs{}) },
		"HardSwish":          func(c *converter) error { return convUnary(c, ir.HardSwish, ir.NoAttrs{}) },
		"LeakyRelu":          convLeakyRelu,
		"HardSigmoid":        convHardSigmoid,
		"Clip":               convClip,
		"PRelu":              convPRelu,
		"Softmax":            convSoftmax,
		"Flatten":            convFlatten,
		"Reshape":            convReshape,
		"Squeeze":            convSqueeze,
		"Unsqueeze":          convUnsqueeze,
		"Transpose":          convTranspose,
		"Concat":             convConcat,
		"Pad":                convPad,
		"BatchNormalization": convBatchNorm,
		"ReduceMean":         convReduceMean,
		"Slice":              convSlice,
		"Split":              convSplit,
		"Identity":           convIdentity,
		"Dropout":            convIdentity,
		"Upsample":           convResize,
		"Constant":           convConstant,
		"Shape":              convShape,
		"Gather":             convGather,
		"Cast":               convCast,
		"Sum":                func(c *converter) error { return convVariadic(c, ir.Add) },
		"DepthToSpace":       convDepthToSpace,
		"QuantizeLinear":     convQuantizeLinear,
		"DequantizeLinear":   convDequantizeLinear,
		"QLinearConv":        convQLinearConv,
		"QLinearMatMul":      convQLinearMatMul,
		"Resize":             convResize,
		"ConvInteger":        convConvInteger,
		"MatMulInteger":      convMatMulInteger,
	}
}

// contribTable lists the com.microsoft operators ONNX Runtime's quantiser
// writes.
func contribTable() map[string]convertFunc {
	return map[string]convertFunc{
		"QLinearAdd":         convQLinearAdd,
		"QLinearAveragePool": convQLinearAvgPool,
		"QLinearSoftmax":     convQLinearSoftmax,
	}
}

// unknownOp returns why a node's operator is not converted at all, or "".
func unknownOp(n *onnxpb.NodeProto) string {
	switch d := n.GetDomain(); d {
	case "", "ai.onnx":
		if _, ok := opTable()[n.GetOpType()]; !ok {
			return "operator " + clip(n.GetOpType()) + " is not supported"
		}
	case "com.microsoft":
		if _, ok := contribTable()[n.GetOpType()]; !ok {
			return "operator " + clip(n.GetOpType()) + " of domain com.microsoft is not supported"
		}
	default:
		return fmt.Sprintf("domain %q is not supported (tinygen reads ai.onnx operators and ONNX Runtime's quantised com.microsoft ones)", clip(d))
	}
	return ""
}

// lookupOp returns the converter of a node that passed unknownOp, wrapped
// by guard.
func lookupOp(n *onnxpb.NodeProto) convertFunc {
	f := opTable()[n.GetOpType()]
	if n.GetDomain() == "com.microsoft" {
		f = contribTable()[n.GetOpType()]
	}
	return func(c *converter) error { return guard(func() error { return f(c) }) }
}

// guard runs f and turns a shape error raised inside emit (an emitPanic)
// back into an error, so that converters can chain emits.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			p, ok := r.(emitPanic)
			if !ok {
				panic(r)
			}
			err = p.err
		}
	}()
	return f()
}

// requireFloat refuses a non-float32 tensor for a float-only conversion.
func requireFloat(t *ir.Tensor, what string) error {
	if t.DType != ir.Float32 {
		return unsupported("%s on %v tensors without quantisation parameters is not supported (float32 only; quantised models use QuantizeLinear/DequantizeLinear or QLinear operators)", what, t.DType.LongName())
	}
	return nil
}

// window is a 2-D convolution or pooling window with explicit padding.
type window struct {
	k, s, d  [2]int
	pb, pe   [2]int
	in, out  [2]int
	ceilMode bool
}

// readWindow reads kernel, strides, dilations, pads and auto_pad for a
// spatial input of size in (1-D windows arrive as height 1).
func (c *converter) readWindow(in, kernel [2]int, oneD bool) (window, error) {
	w := window{k: kernel, s: [2]int{1, 1}, d: [2]int{1, 1}, in: in}
	dims := 2
	off := 0
	if oneD {
		dims, off = 1, 1
	}
	for _, a := range []struct {
		name string
		dst  *[2]int
	}{{"strides", &w.s}, {"dilations", &w.d}} {
		v, err := c.attrInts(a.name)
		if err != nil {
			return w, err
		}
		if v == nil {
			continue
		}
		if len(v) != dims {
			return w, fmt.Errorf("%s has %d values for %d spatial dimensions", a.name, len(v), dims)
		}
		for i, x := range v {
			if x < 1 || x > 1<<16 {
				return w, fmt.Errorf("%s[%d] is %d", a.name, i, x)
			}
			a.dst[i+off] = x
		}
	}
	autoPad, err := c.attrString("auto_pad", "NOTSET")
	if err != nil {
		return w, err
	}
	pads, err := c.attrInts("pads")
	if err != nil {
		return w, err
	}
	ceil, err := c.attrInt("ceil_mode", 0)
	if err != nil {
		return w, err
	}
	w.ceilMode = ceil != 0
	switch autoPad {
	case "NOTSET", "":
		if pads != nil {
			if len(pads) != 2*dims {
				return w, fmt.Errorf("pads has %d values for %d spatial dimensions", len(pads), dims)
			}
			for i := 0; i < dims; i++ {
				b, e := pads[i], pads[i+dims]
				if b < 0 || e < 0 || b > 1<<16 || e > 1<<16 {
					return w, unsupported("pads %v: negative or huge padding is not supported", pads)
				}
				w.pb[i+off], w.pe[i+off] = b, e
			}
		}
	case "VALID":
	case "SAME_UPPER", "SAME_LOWER":
		for i := 0; i < 2; i++ {
			out := (in[i] + w.s[i] - 1) / w.s[i]
			total := max((out-1)*w.s[i]+(w.k[i]-1)*w.d[i]+1-in[i], 0)
			if autoPad == "SAME_UPPER" {
				w.pb[i], w.pe[i] = total/2, total-total/2
			} else {
				w.pe[i], w.pb[i] = total/2, total-total/2
			}
		}
	default:
		return w, fmt.Errorf("auto_pad %q is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", clip(autoPad))
	}
	for i := 0; i < 2; i++ {
		eff := (w.k[i]-1)*w.d[i] + 1
		span := in[i] + w.pb[i] + w.pe[i] - eff
		if span < 0 {
			return w, fmt.Errorf("the window (%d with dilation %d) is larger than the padded input (%d)", w.k[i], w.d[i], in[i]+w.pb[i]+w.pe[i])
		}
		w.out[i] = span/w.s[i] + 1
		if w.ceilMode && span%w.s[i] != 0 {
			w.out[i]++
		}
	}
	return w, nil
}

// zeroPads reports whether the window has no padding.
func (w window) zeroPads() bool { return w.pb == [2]int{} && w.pe == [2]int{} }

// tflitePadding returns the IR padding that gives exactly this window's
// padding and output size, if there is one: VALID for no padding, SAME
// when the pads are TFLite's (half the total before, rounded down).
func (w window) tflitePadding() (ir.Padding, bool) {
	if w.zeroPads() {
		for i := 0; i < 2; i++ {
			if o, _, err := ir.ConvOutSize(ir.PadValid, w.in[i], w.k[i], w.s[i], w.d[i]); err != nil || o != w.out[i] {
				return 0, false
			}
		}
		return ir.PadValid, true
	}
	for i := 0; i < 2; i++ {
		o, before, err := ir.ConvOutSize(ir.PadSame, w.in[i], w.k[i], w.s[i], w.d[i])
		if err != nil || o != w.out[i] {
			return 0, false
		}
		total := max((o-1)*w.s[i]+(w.k[i]-1)*w.d[i]+1-w.in[i], 0)
		if w.pb[i] != before || w.pe[i] != total-before {
			return 0, false
		}
	}
	return ir.PadSame, true
}

// padNHWC pads an NHWC tensor with zeros by the window's explicit pads.
func (c *converter) padNHWC(x *ir.Tensor, w window) *ir.Tensor {
	return c.emit(ir.Pad, ir.PadAttrs{Before: []int{0, w.pb[0], w.pb[1], 0}, After: []int{0, w.pe[0], w.pe[1], 0}}, x)
}

// spatialInput returns x as a rank-4 NCHW tensor (a 1-D input [N,C,L]
// becomes [N,C,1,L]) and whether it was 1-D.
func (c *converter) spatialInput(x *ir.Tensor, what string) (*ir.Tensor, bool, error) {
	switch len(x.Shape) {
	case 4:
		return x, false, nil
	case 3:
		s := x.Shape
		return c.reshape(x, ir.Shape{s[0], s[1], 1, s[2]}), true, nil
	}
	return nil, false, unsupported("%s on a rank-%d input: tinygen has 1-D and 2-D %s", what, len(x.Shape), what)
}

// finishSpatial turns an NHWC result back into NCHW (and 1-D if the input
// was) and binds it as output 0.
func (c *converter) finishSpatial(y *ir.Tensor, oneD bool) error {
	y = c.permute(y, toNCHW)
	if oneD {
		s := y.Shape
		y = c.reshape(y, ir.Shape{s[0], s[1], s[3]})
	}
	return c.setOut(0, y)
}

func convConv(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	w, err := c.mustIn(1)
	if err != nil {
		return err
	}
	if err := requireFloat(x, "Conv"); err != nil {
		return err
	}
	if len(w.Shape) != len(x.Shape) {
		return fmt.Errorf("weights %v and input %v have different ranks", w.Shape, x.Shape)
	}
	x4, oneD, err := c.spatialInput(x, "convolution")
	if err != nil {
		return err
	}
	if oneD {
		w = c.reshape(w, ir.Shape{w.Shape[0], w.Shape[1], 1, w.Shape[2]})
	}
	b := c.in(2)
	return c.conv(x4, w, b, oneD, nil)
}

// convOutQuant, when not nil, makes conv produce a quantised result.
type convOutQuant struct {
	dtype ir.DType
	quant *ir.Quant
}

// convWindow reads the attributes Conv and ConvInteger share for NCHW x4
// and OIHW weights w: group (checked against the channels), kernel_shape
// (checked against the weights) and the window; op names the operator in
// errors.
func (c *converter) convWindow(x4, w *ir.Tensor, oneD bool, op string) (int64, window, error) {
	group, err := c.attrInt("group", 1)
	if err != nil {
		return 0, window{}, err
	}
	C, O, I := x4.Shape[1], w.Shape[0], w.Shape[1]
	if group < 1 || int64(C) != int64(I)*group || int64(O)%group != 0 {
		return 0, window{}, fmt.Errorf("weights %v do not fit input %v with %d groups", w.Shape, x4.Shape, group)
	}
	if ks, err := c.attrInts("kernel_shape"); err != nil {
		return 0, window{}, err
	} else if ks != nil {
		want := []int{w.Shape[2], w.Shape[3]}
		if oneD {
			want = want[1:]
		}
		if !slices.Equal(ks, want) {
			return 0, window{}, fmt.Errorf("kernel_shape %v does not match the weights %v", ks, w.Shape)
		}
	}
	win, err := c.readWindow([2]int{x4.Shape[2], x4.Shape[3]}, [2]int{w.Shape[2], w.Shape[3]}, oneD)
	if err != nil {
		return 0, window{}, err
	}
	if win.ceilMode {
		return 0, window{}, fmt.Errorf("%s has no ceil_mode", op)
	}
	return group, win, nil
}

// conv emits a 2-D convolution of NCHW x4 with OIHW weights w and bias b.
func (c *converter) conv(x4, w, b *ir.Tensor, oneD bool, oq *convOutQuant) error {
	group, win, err := c.convWindow(x4, w, oneD, "Conv")
	if err != nil {
		return err
	}
	C, O, I := x4.Shape[1], w.Shape[0], w.Shape[1]
	xh := c.permute(x4, toNHWC)
	pad, ok := win.tflitePadding()
	if !ok {
		xh = c.padNHWC(xh, win)
		pad = ir.PadValid
	}
	ins := func(f *ir.Tensor) []*ir.Tensor {
		if b == nil {
			return []*ir.Tensor{xh, f}
		}
		return []*ir.Tensor{xh, f, b}
	}
	if b != nil && (b.Shape.Elements() != O || len(b.Shape) != 1) {
		return fmt.Errorf("bias %v does not have %d elements", b.Shape, O)
	}
	var y *ir.Tensor
	switch {
	case group == 1 || I != 1:
		f := c.permute(w, []int{0, 2, 3, 1}) // OIHW → OHWI
		y, err = c.emitQ(ir.Conv2D, ir.Conv2DAttrs{Padding: pad, StrideH: win.s[0], StrideW: win.s[1],
			DilationH: win.d[0], DilationW: win.d[1]}, oq, ins(f)...)
	default: // one input channel per group: depthwise
		f := c.permute(w, []int{1, 2, 3, 0}) // [C*M,1,kh,kw] → [1,kh,kw,C*M]
		y, err = c.emitQ(ir.DepthwiseConv2D, ir.DepthwiseConv2DAttrs{Padding: pad, StrideH: win.s[0], StrideW: win.s[1],
			DilationH: win.d[0], DilationW: win.d[1], DepthMultiplier: O / C}, oq, ins(f)...)
	}
	if err != nil {
		return err
	}
	return c.finishSpatial(y, oneD)
}

// emitQ is emitChecked that then gives the output a quantised type.
func (c *converter) emitQ(kind ir.OpKind, attrs ir.Attrs, oq *convOutQuant, ins ...*ir.Tensor) (*ir.Tensor, error) {
	y, err := c.emitChecked(kind, attrs, ins...)
	if err != nil || oq == nil {
		return y, err
	}
	y.DType, y.Quant = oq.dtype, oq.quant
	return y, nil
}

func convPool(c *converter, kind ir.OpKind) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	return c.pool(x, kind, nil)
}

// pool emits MaxPool or AveragePool on x (NCHW); oq gives a quantised
// output type (QLinearAveragePool).
func (c *converter) pool(x *ir.Tensor, kind ir.OpKind, oq *convOutQuant) error {
	name := "MaxPool"
	if kind == ir.AveragePool2D {
		name = "AveragePool"
	}
	if x.Quant == nil {
		if err := requireFloat(x, name); err != nil {
			return err
		}
	}
	if len(c.node.Output) > 1 && c.node.Output[1] != "" {
		return unsupported("MaxPool's Indices output is not supported")
	}
	x4, oneD, err := c.spatialInput(x, "pooling")
	if err != nil {
		return err
	}
	ks, err := c.attrInts("kernel_shape")
	if err != nil {
		return err
	}
	want := 2
	if oneD {
		want = 1
	}
	if len(ks) != want {
		return fmt.Errorf("kernel_shape %v: want %d values", ks, want)
	}
	k := [2]int{1, ks[0]}
	if !oneD {
		k = [2]int{ks[0], ks[1]}
	}
	for _, v := range ks {
		if v < 1 || v > 1<<16 {
			return fmt.Errorf("kernel_shape %v out of range", ks)
		}
	}
	win, err := c.readWindow([2]int{x4.Shape[2], x4.Shape[3]}, k, oneD)
	if err != nil {
		return err
	}
	includePad, err := c.attrInt("count_include_pad", 0)
	if err != nil {
		return err
	}
	attrs, err := poolAttrs(win, kind == ir.AveragePool2D && includePad != 0)
	if err != nil {
		return err
	}
	attrs.Rounding = quantPoolRounding(kind, x, oq)
	xh := c.permute(x4, toNHWC)
	y, err := c.emitQ(kind, attrs, oq, xh)
	if err != nil {
		return err
	}
	return c.finishSpatial(y, oneD)
}

// poolAttrs returns the pooling attributes for an ONNX window: TFLite's
// SAME or VALID when they give exactly the same windows (so TFLite's
// kernels run), EXPLICIT pads otherwise. ceil_mode follows ONNX Runtime:
// the output grows by one where the last window would start inside the
// image or its leading pad, and the extra end padding it needs is recorded
// in CeilPadBottom/Right so that count_include_pad does not count it.
func poolAttrs(win window, includePad bool) (ir.Pool2DAttrs, error) {
	a := ir.Pool2DAttrs{StrideH: win.s[0], StrideW: win.s[1], FilterH: win.k[0], FilterW: win.k[1]}
	var ceilPad [2]int
	for i := 0; i < 2; i++ {
		eff := (win.k[i]-1)*win.d[i] + 1
		total := win.in[i] + win.pb[i] + win.pe[i]
		out := (total-eff)/win.s[i] + 1
		if win.ceilMode && (total-eff)%win.s[i] != 0 && out*win.s[i] < win.in[i]+win.pb[i] {
			out++
		}
		win.out[i] = out
		ceilPad[i] = max((out-1)*win.s[i]+eff-total, 0)
	}
	dilated := win.d != [2]int{1, 1}
	if ceilPad == [2]int{} && !dilated && !(includePad && !win.zeroPads()) {
		if pad, ok := win.tflitePadding(); ok {
			a.Padding = pad
			return a, nil
		}
	}
	a.Padding = ir.PadExplicit
	a.PadTop, a.PadLeft = win.pb[0], win.pb[1]
	a.PadBottom, a.PadRight = win.pe[0]+ceilPad[0], win.pe[1]+ceilPad[1]
	a.CeilPadBottom, a.CeilPadRight = ceilPad[0], ceilPad[1]
	if dilated {
		a.DilationH, a.DilationW = win.d[0], win.d[1]
	}
	a.CountIncludePad = includePad
	return a, nil
}

func convGlobalAvgPool(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if err := requireFloat(x, "GlobalAveragePool"); err != nil {
		return err
	}
	x4, oneD, err := c.spatialInput(x, "pooling")
	if err != nil {
		return err
	}
	y := c.emit(ir.Mean, ir.MeanAttrs{Axes: []int{1, 2}, KeepDims: true}, c.permute(x4, toNHWC))
	return c.finishSpatial(y, oneD)
}

func convGlobalMaxPool(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if err := requireFloat(x, "GlobalMaxPool"); err != nil {
		return err
	}
	x4, oneD, err := c.spatialInput(x, "pooling")
	if err != nil {
		return err
	}
	y := c.emit(ir.MaxPool2D, ir.Pool2DAttrs{Padding: ir.PadValid, StrideH: 1, StrideW: 1, FilterH: x4.Shape[2], FilterW: x4.Shape[3]}, c.permute(x4, toNHWC))
	return c.finishSpatial(y, oneD)
}

func convGemm(c *converter) error {
	a, err := c.mustIn(0)
	if err != nil {
		return err
	}
	b, err := c.mustIn(1)
	if err != nil {
		return err
	}
	if a.DType == ir.Int8 || a.DType == ir.UInt8 {
		bias := ""
		if cc := c.in(2); cc != nil {
			bias = fmt.Sprintf(" with a %v C", cc.DType.LongName())
		}
		return unsupported("Gemm of %v A and %v B%s and no quantisation parameters: ONNX's Gemm does not accept 8-bit tensors, and without "+
			"QuantizeLinear/DequantizeLinear nodes (or QLinearMatMul) nothing gives their scales and zero points, so the model has no "+
			"defined real-valued meaning (a TFLite int8 model converted without its quantisation?); export it as float, or quantise it "+
			"with QDQ nodes (onnxruntime.quantization.quantize_static)", a.DType.LongName(), b.DType.LongName(), bias)
	}
	if err := requireFloat(a, "Gemm"); err != nil {
		return err
	}
	alpha, err := c.attrFloat("alpha", 1)
	if err != nil {
		return err
	}
	beta, err := c.attrFloat("beta", 1)
	if err != nil {
		return err
	}
	transA, err := c.attrInt("transA", 0)
	if err != nil {
		return err
	}
	transB, err := c.attrInt("transB", 0)
	if err != nil {
		return err
	}
	if len(a.Shape) != 2 || len(b.Shape) != 2 {
		return fmt.Errorf("A %v and B %v must be matrices", a.Shape, b.Shape)
	}
	if !b.IsConst() {
		return c.gemmComputed(a, b, transA != 0, transB != 0, alpha, beta)
	}
	if transA != 0 {
		a = c.permute(a, []int{1, 0})
	}
	w := b // [N,K] when transB
	if transB == 0 {
		w = c.permute(b, []int{1, 0})
	}
	if w.DType != ir.Float32 {
		return unsupported("Gemm with %v weights and float input: weights without quantisation parameters (use QDQ or QLinear operators for integer weights)", w.DType.LongName())
	}
	N, K := w.Shape[0], w.Shape[1]
	if a.Shape[1] != K {
		return fmt.Errorf("A %v and B %v do not multiply", a.Shape, b.Shape)
	}
	if alpha != 1 {
		w = c.constant(ir.Float32, w.Shape.Clone(), ir.Float32Data(scaleAll(w.Float32s(), alpha)))
	}
	ins := []*ir.Tensor{a, w}
	var addAfter *ir.Tensor
	if cc := c.in(2); cc != nil {
		if cc.DType != ir.Float32 {
			return unsupported("Gemm with a %v C", cc.DType.LongName())
		}
		if !cc.IsConst() {
			addAfter = cc
			if beta != 1 {
				addAfter = c.emit(ir.Mul, ir.BinaryAttrs{}, cc, c.scalarF(beta))
			}
		} else {
			vals := scaleAll(cc.Float32s(), beta)
			switch {
			case len(vals) == N && (len(cc.Shape) == 1 || len(cc.Shape) == 2 && cc.Shape[0] == 1):
				ins = append(ins, c.constant(ir.Float32, ir.Shape{N}, ir.Float32Data(vals)))
			case len(vals) == 1:
				ins = append(ins, c.constant(ir.Float32, ir.Shape{N}, ir.Float32Data(fill(vals[0], N))))
			default:
				addAfter = c.constant(ir.Float32, cc.Shape.Clone(), ir.Float32Data(vals))
			}
		}
	}
	y := c.emit(ir.FullyConnected, ir.FullyConnectedAttrs{}, ins...)
	if addAfter != nil {
		y = c.emit(ir.Add, ir.BinaryAttrs{}, y, addAfter)
	}
	return c.setOut(0, y)
}

// gemmComputed is Gemm with a computed B: alpha·(A'·B') as BATCH_MATMUL
// (the transposes as AdjX/AdjY) and MUL, plus beta·C as ADD.
func (c *converter) gemmComputed(a, b *ir.Tensor, transA, transB bool, alpha, beta float32) error {
	if b.DType != ir.Float32 {
		return unsupported("Gemm with a computed %v B", b.DType.LongName())
	}
	y, err := c.batchMatMul(a, b, ir.BatchMatMulAttrs{AdjX: transA, AdjY: transB}, nil)
	if err != nil {
		return err
	}
	if alpha != 1 {
		y = c.emit(ir.Mul, ir.BinaryAttrs{}, y, c.scalarF(alpha))
	}
	if cc := c.in(2); cc != nil && beta != 0 {
		if cc.DType != ir.Float32 {
			return unsupported("Gemm with a %v C", cc.DType.LongName())
		}
		switch {
		case cc.IsConst():
			cc = c.constant(ir.Float32, cc.Shape.Clone(), ir.Float32Data(scaleAll(cc.Float32s(), beta)))
		case beta != 1:
			cc = c.emit(ir.Mul, ir.BinaryAttrs{}, cc, c.scalarF(beta))
		}
		if y, err = c.emitChecked(ir.Add, ir.BinaryAttrs{}, y, cc); err != nil {
			return err
		}
	}
	return c.setOut(0, y)
}

func scaleAll(v []float32, s float32) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x * s
	}
	return out
}

func fill(v float32, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func convMatMul(c *converter) error {
	a, err := c.mustIn(0)
	if err != nil {
		return err
	}
	b, err := c.mustIn(1)
	if err != nil {
		return err
	}
	if err := requireFloat(a, "MatMul"); err != nil {
		return err
	}
	if b.DType != ir.Float32 {
		return unsupported("MatMul with %v weights without quantisation parameters", b.DType.LongName())
	}
	if !b.IsConst() || len(b.Shape) > 2 {
		y, err := c.batchMatMul(a, b, ir.BatchMatMulAttrs{}, nil)
		if err != nil {
			return err
		}
		return c.setOut(0, y)
	}
	return c.matmul(a, b, nil, nil)
}

// batchMatMul emits NumPy's matmul of a and b as BATCH_MATMUL (a rank-1
// operand is a matrix with one row or one column, dropped from the
// result). out, when not nil, is the output type (int32 for
// MatMulInteger); otherwise the output has a's type.
func (c *converter) batchMatMul(a, b *ir.Tensor, attrs ir.BatchMatMulAttrs, out *ir.DType) (*ir.Tensor, error) {
	x, y := a, b
	if len(a.Shape) == 1 {
		x = c.reshape(a, ir.Shape{1, a.Shape[0]})
	}
	if len(b.Shape) == 1 {
		y = c.reshape(b, ir.Shape{b.Shape[0], 1})
	}
	if len(x.Shape) < 2 || len(y.Shape) < 2 {
		return nil, fmt.Errorf("A %v and B %v do not multiply", a.Shape, b.Shape)
	}
	if len(x.Shape) > 6 || len(y.Shape) > 6 {
		return nil, unsupported("MatMul of A %v and B %v: tinygen's BATCH_MATMUL takes ranks 2 to 6", a.Shape, b.Shape)
	}
	r, err := c.emitChecked(ir.BatchMatMul, attrs, x, y)
	if err != nil {
		return nil, err
	}
	if out != nil {
		r.DType, r.Quant = *out, nil
	}
	n := len(r.Shape)
	var s ir.Shape
	for i, d := range r.Shape {
		if (i == n-2 && len(a.Shape) == 1) || (i == n-1 && len(b.Shape) == 1) {
			continue
		}
		s = append(s, d)
	}
	if s == nil {
		s = ir.Shape{}
	}
	return c.reshape(r, s), nil
}

// matmul emits A × B for a constant B of rank 1 or 2 as FULLY_CONNECTED
// with the transposed B as weights, and optional bias and output type.
func (c *converter) matmul(a, b, bias *ir.Tensor, oq *convOutQuant) error {
	var w *ir.Tensor
	dropLast := false
	switch len(b.Shape) {
	case 1:
		w = c.reshape(b, ir.Shape{1, b.Shape[0]})
		dropLast = true
	case 2:
		w = c.permute(b, []int{1, 0})
		if b.Quant != nil {
			w.Quant = b.Quant.Clone()
			if w.Quant.PerChannel() {
				w.Quant.Axis = 0
			}
		}
	default:
		return unsupported("MatMul with a rank-%d B needs BATCH_MATMUL, which the IR does not have", len(b.Shape))
	}
	x := a
	dropFirst := false
	if len(a.Shape) == 1 {
		x = c.reshape(a, ir.Shape{1, a.Shape[0]})
		dropFirst = true
	}
	if len(x.Shape) == 0 || x.Shape[len(x.Shape)-1] != w.Shape[1] {
		return fmt.Errorf("A %v and B %v do not multiply", a.Shape, b.Shape)
	}
	ins := []*ir.Tensor{x, w}
	if bias != nil {
		ins = append(ins, bias)
	}
	y, err := c.emitQ(ir.FullyConnected, ir.FullyConnectedAttrs{KeepNumDims: len(x.Shape) > 2}, oq, ins...)
	if err != nil {
		return err
	}
	s := y.Shape.Clone()
	if dropLast {
		s = s[:len(s)-1]
	}
	if dropFirst {
		s = s[len(s)-1:]
		if dropLast {
			s = ir.Shape{}
		}
	}
	return c.setOut(0, c.reshape(y, s))
}

// legacyBroadcast applies opset < 7 broadcasting (attribute broadcast=1
// with an axis): B's dimensions align with A's starting at axis.
func (c *converter) legacyBroadcast(a, b *ir.Tensor) (*ir.Tensor, error) {
	if c.opset >= 7 {
		return b, nil
	}
	bc, err := c.attrInt("broadcast", 0)
	if err != nil || bc == 0 {
		return b, err
	}
	axis, err := c.attrInt("axis", -1)
	if err != nil {
		return nil, err
	}
	if _, ok := c.attrs["axis"]; !ok {
		return b, nil // suffix alignment: NumPy's rule
	}
	ax, err := normAxis(int(axis), len(a.Shape))
	if err != nil {
		return nil, err
	}
	trail := len(a.Shape) - ax - len(b.Shape)
	if trail < 0 {
		return nil, fmt.Errorf("B %v does not fit A %v at axis %d", b.Shape, a.Shape, ax)
	}
	s := b.Shape.Clone()
	for i := 0; i < trail; i++ {
		s = append(s, 1)
	}
	return c.reshape(b, s), nil
}

func (c *converter) binaryInputs(what string) (*ir.Tensor, *ir.Tensor, error) {
	a, err := c.mustIn(0)
	if err != nil {
		return nil, nil, err
	}
	b, err := c.mustIn(1)
	if err != nil {
		return nil, nil, err
	}
	if a.DType != b.DType {
		return nil, nil, fmt.Errorf("inputs have types %v and %v", a.DType.LongName(), b.DType.LongName())
	}
	if !rawInt(a) || !rawInt(b) {
		if err := requireFloat(a, what); err != nil {
			return nil, nil, unsupported("%v (integer elementwise arithmetic takes unquantised uint8, int8, int16 and int32)", err)
		}
	}
	b, err = c.legacyBroadcast(a, b)
	return a, b, err
}

// rawInt reports whether t is an unquantised integer tensor of a type the
// IR's integer ADD/SUB/MUL/DIV take (NumPy semantics, wrapping).
func rawInt(t *ir.Tensor) bool {
	switch t.DType {
	case ir.UInt8, ir.Int8, ir.Int16, ir.Int32:
		return t.Quant == nil
	}
	return false
}

func convBinary(c *converter, kind ir.OpKind) error {
	a, b, err := c.binaryInputs(c.node.GetOpType())
	if err != nil {
		return err
	}
	return c.setOut(0, c.emit(kind, ir.BinaryAttrs{}, a, b))
}

// convDiv divides floats by a constant as a multiplication by its
// reciprocal (within one rounding of the quotient, cheaper on a
// microcontroller); a computed divisor and integers (truncating) get DIV.
func convDiv(c *converter) error {
	a, b, err := c.binaryInputs("Div")
	if err != nil {
		return err
	}
	if !b.IsConst() || a.DType != ir.Float32 {
		return c.setOut(0, c.emit(ir.Div, ir.BinaryAttrs{}, a, b))
	}
	v := b.Float32s()
	for i := range v {
		v[i] = 1 / v[i]
	}
	return c.setOut(0, c.emit(ir.Mul, ir.BinaryAttrs{}, a, c.constant(ir.Float32, b.Shape.Clone(), ir.Float32Data(v))))
}

func convVariadic(c *converter, kind ir.OpKind) error {
	var y *ir.Tensor
	for k := range c.node.Input {
		t := c.in(k)
		if t == nil {
			continue
		}
		if y == nil {
			y = t
			continue
		}
		if t.DType != y.DType {
			return fmt.Errorf("inputs have types %v and %v", y.DType.LongName(), t.DType.LongName())
		}
		var attrs ir.Attrs = ir.NoAttrs{}
		if kind == ir.Add {
			if err := requireFloat(t, "Sum"); err != nil {
				return err
			}
			attrs = ir.BinaryAttrs{}
		}
		y = c.emit(kind, attrs, y, t)
	}
	if y == nil {
		return fmt.Errorf("no inputs")
	}
	return c.setOut(0, y)
}

func convUnary(c *converter, kind ir.OpKind, attrs ir.Attrs) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if err := requireFloat(x, c.node.GetOpType()); err != nil {
		return err
	}
	return c.setOut(0, c.emit(kind, attrs, x))
}

func convLeakyRelu(c *converter) error {
	alpha, err := c.attrFloat("alpha", 0.01)
	if err != nil {
		return err
	}
	return convUnary(c, ir.LeakyRelu, ir.LeakyReluAttrs{Alpha: alpha})
}

// convHardSigmoid: max(0, min(1, alpha*x + beta)) as MUL, ADD, MAXIMUM,
// MINIMUM (the same float operations in the same order).
func convHardSigmoid(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if err := requireFloat(x, "HardSigmoid"); err != nil {
		return err
	}
	alpha, err := c.attrFloat("alpha", 0.2)
	if err != nil {
		return err
	}
	beta, err := c.attrFloat("beta", 0.5)
	if err != nil {
		return err
	}
	y := c.emit(ir.Mul, ir.BinaryAttrs{}, x, c.scalarF(alpha))
	y = c.emit(ir.Add, ir.BinaryAttrs{}, y, c.scalarF(beta))
	y = c.emit(ir.Minimum, ir.NoAttrs{}, y, c.scalarF(1))
	y = c.emit(ir.Maximum, ir.NoAttrs{}, y, c.scalarF(0))
	return c.setOut(0, y)
}

// convClip: RELU or RELU6 when the bounds are theirs, else MAXIMUM then
// MINIMUM with scalar constants (any element type: raw values).
func convClip(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	var lo, hi *float64
	if c.opset < 11 {
		if _, ok := c.attrs["min"]; ok {
			v, err := c.attrFloat("min", 0)
			if err != nil {
				return err
			}
			f := float64(v)
			lo = &f
		}
		if _, ok := c.attrs["max"]; ok {
			v, err := c.attrFloat("max", 0)
			if err != nil {
				return err
			}
			f := float64(v)
			hi = &f
		}
	} else {
		for k, dst := range []**float64{&lo, &hi} {
			t := c.in(k + 1)
			if t == nil {
				continue
			}
			if !t.IsConst() || t.Shape.Elements() != 1 || t.DType != x.DType {
				return unsupported("Clip bound %d must be a constant scalar of the input's type", k+1)
			}
			var f float64
			if t.DType == ir.Float32 {
				f = float64(t.Float32s()[0])
			} else {
				v, err := t.Ints()
				if err != nil {
					return err
				}
				f = float64(v[0])
			}
			*dst = &f
		}
	}
	if x.Quant != nil {
		return unsupported("Clip of a quantised tensor outside a QDQ group")
	}
	switch {
	case x.DType == ir.Float32 && lo != nil && *lo == 0 && hi == nil:
		return c.setOut(0, c.emit(ir.Relu, ir.NoAttrs{}, x))
	case x.DType == ir.Float32 && lo != nil && *lo == 0 && hi != nil && *hi == 6:
		return c.setOut(0, c.emit(ir.Relu6, ir.NoAttrs{}, x))
	}
	y := x
	if lo != nil {
		y = c.emit(ir.Maximum, ir.NoAttrs{}, y, c.scalarLike(x, *lo))
	}
	if hi != nil {
		y = c.emit(ir.Minimum, ir.NoAttrs{}, y, c.scalarLike(x, *hi))
	}
	if y == x {
		y = c.reshape(x, x.Shape) // no bounds: a copy
		if y == x {
			y = c.emit(ir.Reshape, ir.ReshapeAttrs{NewShape: slices.Clone(x.Shape)}, x)
		}
	}
	return c.setOut(0, y)
}

// convPRelu: max(x, 0) + slope * min(x, 0), exact in float (one of the
// two terms is zero).
func convPRelu(c *converter) error {
	x, slope, err := c.binaryInputs("PRelu")
	if err != nil {
		return err
	}
	if c.opset < 7 && len(x.Shape) >= 2 && len(slope.Shape) == 1 && slope.Shape[0] == x.Shape[1] && slope.Shape[0] != 1 {
		s := ir.Shape{slope.Shape[0]}
		for i := 2; i < len(x.Shape); i++ {
			s = append(s, 1)
		}
		slope = c.reshape(slope, s)
	}
	pos := c.emit(ir.Maximum, ir.NoAttrs{}, x, c.scalarF(0))
	neg := c.emit(ir.Minimum, ir.NoAttrs{}, x, c.scalarF(0))
	neg = c.emit(ir.Mul, ir.BinaryAttrs{}, neg, slope)
	y := c.emit(ir.Add, ir.BinaryAttrs{}, pos, neg)
	if !y.Shape.Equal(x.Shape) {
		return unsupported("PRelu whose slope %v broadcasts the input %v", slope.Shape, x.Shape)
	}
	return c.setOut(0, y)
}

// convSoftmax: before opset 13 the input is coerced to 2-D at axis
// (default 1); from 13 softmax runs along axis (default -1), moved last by
// a transpose when it is not.
func convSoftmax(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	return c.softmax(x, nil)
}

func (c *converter) softmax(x *ir.Tensor, oq *convOutQuant) error {
	if x.Quant == nil {
		if err := requireFloat(x, "Softmax"); err != nil {
			return err
		}
	}
	r := len(x.Shape)
	def := int64(-1)
	if c.opset < 13 {
		def = 1
	}
	axis, err := c.attrInt("axis", def)
	if err != nil {
		return err
	}
	if r == 0 {
		return fmt.Errorf("softmax of a scalar")
	}
	ax, err := normAxis(int(axis), r)
	if err != nil {
		return err
	}
	sm := func(t *ir.Tensor) (*ir.Tensor, error) {
		return c.emitQ(ir.Softmax, ir.SoftmaxAttrs{Beta: 1}, oq, t)
	}
	var y *ir.Tensor
	switch {
	case ax == r-1:
		y, err = sm(x)
	case c.opset < 13:
		n1 := x.Shape[:ax].Elements()
		y, err = sm(c.reshape(x, ir.Shape{n1, x.Shape.Elements() / max(n1, 1)}))
		if err == nil {
			y = c.reshape(y, x.Shape)
		}
	default:
		perm := []int{}
		for i := 0; i < r; i++ {
			if i != ax {
				perm = append(perm, i)
			}
		}
		perm = append(perm, ax)
		y, err = sm(c.permute(x, perm))
		if err == nil {
			y = c.permute(y, inversePerm(perm))
		}
	}
	if err != nil {
		return err
	}
	return c.setOut(0, y)
}

func inversePerm(p []int) []int {
	inv := make([]int, len(p))
	for i, v := range p {
		inv[v] = i
	}
	return inv
}

func convFlatten(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	axis, err := c.attrInt("axis", 1)
	if err != nil {
		return err
	}
	r := len(x.Shape)
	if axis < int64(-r) || axis > int64(r) {
		return fmt.Errorf("axis %d out of range for rank %d", axis, r)
	}
	ax := int(axis)
	if ax < 0 {
		ax += r
	}
	return c.setOut(0, c.reshapeOut(x, ir.Shape{x.Shape[:ax].Elements(), x.Shape[ax:].Elements()}))
}

// reshapeOut reshapes x, giving a copy when the shape does not change.
func (c *converter) reshapeOut(x *ir.Tensor, s ir.Shape) *ir.Tensor {
	if x.Shape.Equal(s) && !x.IsConst() {
		return x
	}
	return c.reshape(x, s)
}

func convReshape(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	var shape []int
	if c.opset < 5 {
		shape, err = c.attrInts("shape")
	} else {
		if c.in(1) == nil {
			return fmt.Errorf("input 1 (shape) is missing")
		}
		shape, err = c.constInts(1)
	}
	if err != nil {
		return err
	}
	allowZero, err := c.attrInt("allowzero", 0)
	if err != nil {
		return err
	}
	if len(shape) > maxRank {
		return fmt.Errorf("shape %v has more than %d dimensions", shape, maxRank)
	}
	out := make(ir.Shape, len(shape))
	infer := -1
	known := 1
	for i, d := range shape {
		switch {
		case d == 0 && allowZero == 0:
			if i >= len(x.Shape) {
				return fmt.Errorf("shape %v copies dimension %d, the input %v has rank %d", shape, i, x.Shape, len(x.Shape))
			}
			out[i] = x.Shape[i]
		case d == -1:
			if infer >= 0 {
				return fmt.Errorf("shape %v has two -1", shape)
			}
			infer = i
			continue
		case d < 0 || d > ir.MaxElements:
			return fmt.Errorf("shape %v has dimension %d", shape, d)
		default:
			out[i] = d
		}
		if out[i] != 0 {
			if known > ir.MaxElements/out[i] {
				return fmt.Errorf("shape %v is too large", shape)
			}
			known *= out[i]
		} else {
			known = 0
		}
	}
	n := x.Shape.Elements()
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			return fmt.Errorf("cannot reshape %v to %v", x.Shape, shape)
		}
		out[infer] = n / known
	}
	if out.Elements() != n {
		return fmt.Errorf("cannot reshape %v (%d elements) to %v", x.Shape, n, out)
	}
	return c.setOut(0, c.reshapeOut(x, out))
}

// axesArg reads axes from the attribute (before opset `from`) or input 1.
func (c *converter) axesArg(from int64, input int) ([]int, bool, error) {
	if c.opset < from {
		v, err := c.attrInts("axes")
		return v, v != nil, err
	}
	if c.in(input) == nil {
		return nil, false, nil
	}
	v, err := c.constInts(input)
	return v, true, err
}

func convSqueeze(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	axes, _, err := c.axesArg(13, 1)
	if err != nil {
		return err
	}
	ax, err := normAxes(axes, len(x.Shape))
	if err != nil {
		return err
	}
	out := ir.Shape{}
	for i, d := range x.Shape {
		drop := slices.Contains(ax, i) || len(ax) == 0 && d == 1
		if drop && d != 1 {
			return fmt.Errorf("cannot squeeze axis %d of size %d", i, d)
		}
		if !drop {
			out = append(out, d)
		}
	}
	return c.setOut(0, c.reshapeOut(x, out))
}

func convUnsqueeze(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	axes, ok, err := c.axesArg(13, 1)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("axes are missing")
	}
	r := len(x.Shape) + len(axes)
	if r > maxRank {
		return fmt.Errorf("result rank %d is more than %d", r, maxRank)
	}
	ax, err := normAxes(axes, r)
	if err != nil {
		return err
	}
	out := make(ir.Shape, 0, r)
	j := 0
	for i := 0; i < r; i++ {
		if slices.Contains(ax, i) {
			out = append(out, 1)
		} else {
			out = append(out, x.Shape[j])
			j++
		}
	}
	return c.setOut(0, c.reshapeOut(x, out))
}

func convTranspose(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	perm, err := c.attrInts("perm")
	if err != nil {
		return err
	}
	r := len(x.Shape)
	if perm == nil {
		for i := r - 1; i >= 0; i-- {
			perm = append(perm, i)
		}
	}
	if len(perm) != r {
		return fmt.Errorf("perm %v for rank %d", perm, r)
	}
	seen := make([]bool, r)
	for _, p := range perm {
		if p < 0 || p >= r || seen[p] {
			return fmt.Errorf("perm %v is not a permutation", perm)
		}
		seen[p] = true
	}
	y := c.permute(x, perm)
	if y == x {
		y = c.emit(ir.Reshape, ir.ReshapeAttrs{NewShape: slices.Clone(x.Shape)}, x)
	}
	return c.setOut(0, y)
}

func convConcat(c *converter) error {
	def := int64(1) // opset < 4
	axis, err := c.attrInt("axis", def)
	if err != nil {
		return err
	}
	if _, ok := c.attrs["axis"]; !ok && c.opset >= 4 {
		return fmt.Errorf("attribute axis is missing")
	}
	var ins []*ir.Tensor
	for k := range c.node.Input {
		if t := c.in(k); t != nil {
			ins = append(ins, t)
		}
	}
	if len(ins) == 0 {
		return fmt.Errorf("no inputs")
	}
	ax, err := normAxis(int(axis), len(ins[0].Shape))
	if err != nil {
		return err
	}
	for _, t := range ins[1:] {
		if t.DType != ins[0].DType {
			return fmt.Errorf("inputs have types %v and %v", ins[0].DType.LongName(), t.DType.LongName())
		}
	}
	if len(ins) == 1 {
		return c.setOut(0, ins[0])
	}
	if k := c.concatConst(ins, ax); k != nil {
		return c.setOut(0, k) // a shape computed from constants
	}
	return c.setOut(0, c.emit(ir.Concatenation, ir.ConcatenationAttrs{Axis: ax}, ins...))
}

func convPad(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	mode, err := c.attrString("mode", "constant")
	if err != nil {
		return err
	}
	modes := map[string]ir.PadMode{"constant": ir.PadConstant, "reflect": ir.PadReflect, "edge": ir.PadEdge, "wrap": ir.PadWrap}
	pm, ok := modes[mode]
	if !ok {
		return fmt.Errorf("Pad mode %q is not one of constant, reflect, edge, wrap", clip(mode))
	}
	r := len(x.Shape)
	var pads []int
	var value float64
	var axes []int
	switch {
	case c.opset < 2:
		pads, err = c.attrInts("paddings")
	case c.opset < 11:
		pads, err = c.attrInts("pads")
		if err == nil {
			var v float32
			v, err = c.attrFloat("value", 0)
			value = float64(v)
		}
	default:
		pads, err = c.constInts(1)
		if err == nil && c.in(2) != nil {
			t := c.in(2)
			if !t.IsConst() || t.Shape.Elements() != 1 {
				return unsupported("Pad's constant_value must be a constant scalar")
			}
			if t.DType == ir.Float32 {
				value = float64(t.Float32s()[0])
			} else {
				v, err := t.Ints()
				if err != nil {
					return err
				}
				value = float64(v[0])
			}
		}
		if err == nil && c.in(3) != nil {
			axes, err = c.constInts(3)
		}
	}
	if err != nil {
		return err
	}
	if axes == nil {
		for i := 0; i < r; i++ {
			axes = append(axes, i)
		}
	}
	if len(pads) != 2*len(axes) {
		return fmt.Errorf("pads %v: want %d values", pads, 2*len(axes))
	}
	before, after := make([]int, r), make([]int, r)
	for i, a := range axes {
		ax, err := normAxis(a, r)
		if err != nil {
			return err
		}
		b, e := pads[i], pads[i+len(axes)]
		if b < 0 || e < 0 {
			return unsupported("Pad with negative pads %v (cropping) is not supported", pads)
		}
		before[ax], after[ax] = b, e
	}
	if pm != ir.PadConstant {
		y, err := c.emitChecked(ir.Pad, ir.PadAttrs{Before: before, After: after, Mode: pm}, x)
		if err != nil {
			return unsupported("Pad mode %q with pads %v on %v: %v", mode, pads, x.Shape, err)
		}
		return c.setOut(0, y)
	}
	if x.Quant != nil && (x.ZeroPoint() != 0 || value != 0) {
		return unsupported("Pad of a quantised tensor outside a QDQ group")
	}
	if value != 0 {
		return c.padValue(x, before, after, value)
	}
	return c.setOut(0, c.emit(ir.Pad, ir.PadAttrs{Before: before, After: after}, x))
}

// padValue pads x with the non-zero constant value (the IR's PAD fills
// with zeros): one CONCATENATION per padded axis with constant blocks of
// the value, which is exact for every type (an integer value is clamped to
// the type's range as ONNX Runtime's cast does not; ONNX requires the
// value to have x's type).
func (c *converter) padValue(x *ir.Tensor, before, after []int, value float64) error {
	elem := scalarBytes(x.DType, value)
	out := x.Shape.Clone()
	for ax := range out {
		if before[ax] > ir.MaxElements || after[ax] > ir.MaxElements {
			return fmt.Errorf("pads %v/%v out of range", before, after)
		}
		out[ax] += before[ax] + after[ax]
	}
	if _, err := out.NumElements(); err != nil {
		return fmt.Errorf("padded shape: %w", err) // before allocating any block
	}
	block := func(shape ir.Shape) *ir.Tensor {
		n := shape.Elements()
		data := make([]byte, 0, n*len(elem))
		for i := 0; i < n; i++ {
			data = append(data, elem...)
		}
		return c.constant(x.DType, shape, data)
	}
	y := x
	for ax := range before {
		if before[ax] == 0 && after[ax] == 0 {
			continue
		}
		ins := []*ir.Tensor{}
		for _, p := range []int{before[ax], -1, after[ax]} {
			switch {
			case p < 0:
				ins = append(ins, y)
			case p > 0:
				s := y.Shape.Clone()
				s[ax] = p
				ins = append(ins, block(s))
			}
		}
		var err error
		if y, err = c.emitChecked(ir.Concatenation, ir.ConcatenationAttrs{Axis: ax}, ins...); err != nil {
			return err
		}
	}
	return c.setOut(0, y)
}

// convBatchNorm: inference BatchNormalization as MUL by scale/sqrt(var+ε)
// and ADD of bias − mean·scale/sqrt(var+ε), per channel (axis 1). The
// fold-batchnorm pass merges them into a preceding convolution.
func convBatchNorm(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if err := requireFloat(x, "BatchNormalization"); err != nil {
		return err
	}
	for k := 1; k < len(c.node.Output); k++ {
		if c.node.Output[k] != "" {
			return unsupported("BatchNormalization in training mode (running mean/variance outputs) is not supported")
		}
	}
	if tm, err := c.attrInt("training_mode", 0); err != nil || tm != 0 {
		return unsupported("BatchNormalization in training mode is not supported")
	}
	if sp, err := c.attrInt("spatial", 1); err != nil || sp != 1 {
		return unsupported("BatchNormalization with spatial=0 is not supported")
	}
	eps, err := c.attrFloat("epsilon", 1e-5)
	if err != nil {
		return err
	}
	if len(x.Shape) < 2 {
		return fmt.Errorf("input %v has no channel axis", x.Shape)
	}
	C := x.Shape[1]
	var p [4][]float32
	for k := 0; k < 4; k++ {
		v, err := c.constFloats(k + 1)
		if err != nil {
			return err
		}
		if len(v) != C {
			return fmt.Errorf("input %d has %d values for %d channels", k+1, len(v), C)
		}
		p[k] = v
	}
	scale, bias := make([]float32, C), make([]float32, C)
	for i := 0; i < C; i++ {
		a := float64(p[0][i]) / math.Sqrt(float64(p[3][i])+float64(eps))
		scale[i] = float32(a)
		bias[i] = float32(float64(p[1][i]) - float64(p[2][i])*a)
	}
	s := ir.Shape{C}
	for i := 2; i < len(x.Shape); i++ {
		s = append(s, 1)
	}
	y := c.emit(ir.Mul, ir.BinaryAttrs{}, x, c.constant(ir.Float32, s, ir.Float32Data(scale)))
	y = c.emit(ir.Add, ir.BinaryAttrs{}, y, c.constant(ir.Float32, s.Clone(), ir.Float32Data(bias)))
	return c.setOut(0, y)
}

func convReduceMean(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if err := requireFloat(x, "ReduceMean"); err != nil {
		return err
	}
	axes, _, err := c.axesArg(18, 1)
	if err != nil {
		return err
	}
	keep, err := c.attrInt("keepdims", 1)
	if err != nil {
		return err
	}
	noop, err := c.attrInt("noop_with_empty_axes", 0)
	if err != nil {
		return err
	}
	if len(axes) == 0 {
		if noop != 0 {
			return c.setOut(0, c.emit(ir.Reshape, ir.ReshapeAttrs{NewShape: slices.Clone(x.Shape)}, x))
		}
		for i := range x.Shape {
			axes = append(axes, i)
		}
	}
	ax, err := normAxes(axes, len(x.Shape))
	if err != nil {
		return err
	}
	return c.setOut(0, c.emit(ir.Mean, ir.MeanAttrs{Axes: ax, KeepDims: keep != 0}, x))
}

// convSlice maps ONNX's clamped starts/ends/steps onto STRIDED_SLICE with
// explicit indices (end_mask where a negative step runs past index 0).
func convSlice(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	var starts, ends, axes, steps []int
	if c.opset < 10 {
		if starts, err = c.attrInts("starts"); err == nil {
			if ends, err = c.attrInts("ends"); err == nil {
				axes, err = c.attrInts("axes")
			}
		}
	} else {
		if starts, err = c.constInts(1); err == nil {
			if ends, err = c.constInts(2); err == nil {
				if axes, err = c.constInts(3); err == nil {
					steps, err = c.constInts(4)
				}
			}
		}
	}
	if err != nil {
		return err
	}
	r := len(x.Shape)
	if len(starts) != len(ends) || axes != nil && len(axes) != len(starts) || steps != nil && len(steps) != len(starts) {
		return fmt.Errorf("starts, ends, axes and steps have %d, %d, %d and %d values", len(starts), len(ends), len(axes), len(steps))
	}
	a := ir.StridedSliceAttrs{Begin: make([]int, r), End: slices.Clone([]int(x.Shape)), Strides: make([]int, r)}
	for i := range a.Strides {
		a.Strides[i] = 1
	}
	seen := map[int]bool{}
	for i := range starts {
		ax := i
		if axes != nil {
			if ax, err = normAxis(axes[i], r); err != nil {
				return err
			}
		}
		if seen[ax] {
			return fmt.Errorf("axis %d repeated", ax)
		}
		seen[ax] = true
		step := 1
		if steps != nil {
			step = steps[i]
		}
		if step == 0 || step > math.MaxInt32 || step < -math.MaxInt32 {
			return fmt.Errorf("step %d", step)
		}
		d := x.Shape[ax]
		s, e := starts[i], ends[i]
		if s < 0 {
			s += d
		}
		if e < 0 {
			e += d
		}
		if step > 0 {
			s, e = min(max(s, 0), d), min(max(e, 0), d)
		} else {
			s, e = min(max(s, 0), d-1), min(max(e, -1), d-1)
		}
		a.Begin[ax], a.End[ax], a.Strides[ax] = s, e, step
		if step < 0 && e < 0 {
			a.EndMask |= 1 << ax
			a.End[ax] = 0
		}
		if step > 0 && s >= e || step < 0 && s <= e {
			// Empty along this axis: STRIDED_SLICE counts it as 0 too.
			a.Begin[ax], a.End[ax], a.EndMask = 0, 0, a.EndMask&^(1<<ax)
			a.Strides[ax] = 1
		}
	}
	return c.setOut(0, c.emit(ir.StridedSlice, a, x))
}

func convSplit(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	axis, err := c.attrInt("axis", 0)
	if err != nil {
		return err
	}
	r := len(x.Shape)
	ax, err := normAxis(int(axis), r)
	if err != nil {
		return err
	}
	var split []int
	if c.opset < 13 {
		split, err = c.attrInts("split")
	} else if c.in(1) != nil {
		split, err = c.constInts(1)
	}
	if err != nil {
		return err
	}
	n := len(c.node.Output)
	d := x.Shape[ax]
	if split == nil {
		if n == 0 {
			return fmt.Errorf("no outputs")
		}
		size := d / n
		if d%n != 0 {
			if c.opset < 18 {
				return fmt.Errorf("axis %d of size %d does not split into %d equal parts", ax, d, n)
			}
			size = (d + n - 1) / n
		}
		for i := 0; i < n; i++ {
			split = append(split, min(size, d-i*size))
		}
	}
	if len(split) != n {
		return fmt.Errorf("split %v for %d outputs", split, n)
	}
	off := 0
	for i, s := range split {
		if s < 0 || off+s > d {
			return fmt.Errorf("split %v does not fit axis %d of size %d", split, ax, d)
		}
		a := ir.StridedSliceAttrs{Begin: make([]int, r), End: slices.Clone([]int(x.Shape)), Strides: make([]int, r)}
		for j := range a.Strides {
			a.Strides[j] = 1
		}
		a.Begin[ax], a.End[ax] = off, off+s
		if err := c.setOut(i, c.emit(ir.StridedSlice, a, x)); err != nil {
			return err
		}
		off += s
	}
	if off != d {
		return fmt.Errorf("split %v sums to %d, axis %d has size %d", split, off, ax, d)
	}
	return nil
}

func convIdentity(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if len(c.node.Output) > 1 && c.node.Output[1] != "" {
		if err := c.dropoutMask(x); err != nil {
			return err
		}
	}
	return c.setOut(0, x)
}

// maxMaskElements bounds the constant mask of an inference Dropout (one
// byte per element).
const maxMaskElements = 1 << 22

// dropoutMask defines Dropout's optional mask output for inference: all
// true, x's shape (ONNX's reference: np.ones(x.shape, dtype=bool) when
// not training). A training_mode input that is not a false constant is
// refused: tinygen compiles inference graphs.
func (c *converter) dropoutMask(x *ir.Tensor) error {
	if tm := c.in(2); tm != nil && (!tm.IsConst() || tm.Shape.Elements() != 1 || len(tm.Data) != tm.DType.Size() || slices.ContainsFunc(tm.Data, func(b byte) bool { return b != 0 })) {
		return unsupported("Dropout with training_mode other than a false constant is not supported (inference only)")
	}
	n := x.Shape.Elements()
	if n > maxMaskElements {
		return unsupported("Dropout's mask of %d elements: more than the %d tinygen stores as a constant", n, maxMaskElements)
	}
	ones := make([]byte, n)
	for i := range ones {
		ones[i] = 1
	}
	return c.setOut(1, c.constant(ir.Bool, x.Shape.Clone(), ones))
}

func convConstant(c *converter) error {
	if len(c.node.Attribute) != 1 {
		return fmt.Errorf("has %d attributes, want exactly one value", len(c.node.Attribute))
	}
	a := c.node.Attribute[0]
	var t *ir.Tensor
	switch a.GetName() {
	case "value":
		v, err := c.attrTensor("value")
		if err != nil {
			return err
		}
		t = v
	case "value_float":
		v, err := c.attrFloat("value_float", 0)
		if err != nil {
			return err
		}
		t = &ir.Tensor{DType: ir.Float32, Shape: ir.Shape{}, Data: ir.Float32Data([]float32{v})}
	case "value_floats":
		v, err := c.attrFloats("value_floats")
		if err != nil {
			return err
		}
		t = &ir.Tensor{DType: ir.Float32, Shape: ir.Shape{len(v)}, Data: ir.Float32Data(v)}
	case "value_int", "value_ints":
		var v []int64
		if a.GetName() == "value_int" {
			i, err := c.attrInt("value_int", 0)
			if err != nil {
				return err
			}
			v = []int64{i}
		} else {
			if _, err := c.attr("value_ints", onnxpb.AttributeProto_INTS); err != nil {
				return err
			}
			v = a.Ints
		}
		t = &ir.Tensor{DType: ir.Int64, Shape: ir.Shape{len(v)}, Data: int64Data(v)}
		if a.GetName() == "value_int" {
			t.Shape = ir.Shape{}
		}
	default:
		return unsupported("Constant with attribute %q (sparse or string constants) is not supported", clip(a.GetName()))
	}
	t.Name = c.outName()
	return c.setOut(0, c.g.AddTensor(t))
}

func int64Data(v []int64) []byte {
	out := make([]byte, 8*len(v))
	for i, x := range v {
		for b := 0; b < 8; b++ {
			out[8*i+b] = byte(uint64(x) >> (8 * b))
		}
	}
	return out
}

// convShape: the static shape as an int64 constant.
func convShape(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	r := len(x.Shape)
	start, err := c.attrInt("start", 0)
	if err != nil {
		return err
	}
	end, err := c.attrInt("end", int64(r))
	if err != nil {
		return err
	}
	clampAx := func(v int64) int {
		if v < 0 {
			v += int64(r)
		}
		return int(min(max(v, 0), int64(r)))
	}
	s, e := clampAx(start), clampAx(end)
	var v []int64
	for i := s; i < e; i++ {
		v = append(v, int64(x.Shape[i]))
	}
	return c.setOut(0, c.constant(ir.Int64, ir.Shape{len(v)}, int64Data(v)))
}

// convDepthToSpace: ONNX's definition (reshape, 6-D transpose, reshape),
// exact for any element type.
func convDepthToSpace(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if len(x.Shape) != 4 {
		return fmt.Errorf("input %v is not 4-D", x.Shape)
	}
	bs, err := c.attrInt("blocksize", 0)
	if err != nil {
		return err
	}
	mode, err := c.attrString("mode", "DCR")
	if err != nil {
		return err
	}
	N, C, H, W := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	if bs < 1 || bs > 1<<10 || C%int(bs*bs) != 0 {
		return fmt.Errorf("blocksize %d does not divide %d channels", bs, C)
	}
	b := int(bs)
	var s ir.Shape
	var perm []int
	switch mode {
	case "DCR":
		s, perm = ir.Shape{N, b, b, C / (b * b), H, W}, []int{0, 3, 4, 1, 5, 2}
	case "CRD":
		s, perm = ir.Shape{N, C / (b * b), b, b, H, W}, []int{0, 1, 4, 2, 5, 3}
	default:
		return fmt.Errorf("mode %q is not DCR or CRD", clip(mode))
	}
	y := c.permute(c.reshape(x, s), perm)
	return c.setOut(0, c.reshape(y, ir.Shape{N, C / (b * b), H * b, W * b}))
}
