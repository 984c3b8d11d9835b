package eval

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (numerics.md §4, §5, §14.2).
//
// Integer paths: the input is decoded once per evaluation into int32 with the
// input offset (−zero point) already added, the filter once at Prepare time;
// the window loops accumulate in int32 (int8, and int16 with an int32 bias)
// or int64 (int16 with an int64 or absent bias), then the bias, the per-
// channel quant.Multiplier, the output offset and the activation clamp are
// applied per output element. Float paths accumulate in float32 in TFLM's
// order with the bias added last.

// accum is an integer accumulator type.
type accum interface{ int32 | int64 }

// element is the type the window loops read: int32 (integer inputs with
// their offsets already added) or float32.
type element interface{ int32 | float32 }

// sum is the accumulator of a window loop: an accum, or float32. Loops
// accumulate A(A(w)·A(x)): for floats the outer conversion rounds the
// product to float32 before the addition, which keeps the Go compiler from
// fusing them into an FMA (§14.6); for integers it is a no-op.
type sum interface{ int32 | int64 | float32 }

// convGeom is the geometry of a 2-D window walk over an NHWC input.
type convGeom struct {
	batches, inH, inW, inC int
	outH, outW, outC       int
	fH, fW                 int
	strideH, strideW       int
	dilH, dilW             int
	padH, padW             int
	// CONV_2D only: filter input depth and groups.
	fC, groups int
	// DEPTHWISE_CONV_2D only.
	depthMul int
}

// newGeom computes the geometry of a convolution or pool: the padding comes
// from ir.ConvOutSize (TFLite's ComputePaddingHeightWidth, §4) or the
// explicit pads (ir.WindowOut); the loops
// run over the output tensor's stored dimensions.
func newGeom(in, out *ir.Tensor, p ir.Window, fH, fW, sH, sW, dH, dW int) (convGeom, error) {
	g := convGeom{
		batches: in.Shape[0], inH: in.Shape[1], inW: in.Shape[2], inC: in.Shape[3],
		outH: out.Shape[1], outW: out.Shape[2], outC: out.Shape[3],
		fH: fH, fW: fW, strideH: sH, strideW: sW, dilH: dH, dilW: dW,
	}
	var err error
	if _, g.padH, err = p.Height(g.inH, fH, sH, dH); err != nil {
		return g, fmt.Errorf("height: %w", err)
	}
	if _, g.padW, err = p.Width(g.inW, fW, sW, dW); err != nil {
		return g, fmt.Errorf("width: %w", err)
	}
	return g, nil
}

// intConvParams are the Prepare-time values shared by the integer
// convolution and fully-connected kernels.
type intConvParams struct {
	inOffset  int32 // −input zero point
	outOffset int32 // output zero point (0 for int16 outputs)
	mult      []quant.Multiplier
	lo, hi    int32
}

// prepareIntConv validates the quantisation of an integer convolution-like
// op and computes its parameters. channelAxis is the filter dimension the
// per-channel scales must run along (0 for CONV_2D and FULLY_CONNECTED, 3 for
// DEPTHWISE_CONV_2D), channels its size.
func prepareIntConv(op *ir.Op, channelAxis, channels int, fullyConnected bool) (intConvParams, error) {
	var p intConvParams
	in, f, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	inS, inZ, err := tensorQuant(op, in, "input")
	if err != nil {
		return p, err
	}
	outS, outZ, err := tensorQuant(op, out, "output")
	if err != nil {
		return p, err
	}
	if f.Quant == nil || len(f.Quant.Scale) == 0 {
		return p, fmt.Errorf("%v: filter %v has no quantisation parameters", op, f)
	}
	ns := len(f.Quant.Scale)
	if ns != 1 && ns != channels {
		return p, fmt.Errorf("%v: filter %v has %d scales, want 1 or %d (one per output channel)", op, f, ns, channels)
	}
	if ns > 1 && f.Quant.Axis != channelAxis {
		return p, fmt.Errorf("%v: filter %v is quantised along dimension %d, want %d", op, f, f.Quant.Axis, channelAxis)
	}
	if in.DType == ir.Int16 && (inZ != 0 || outZ != 0) {
		return p, fmt.Errorf("%v: int16 input and output zero points must be 0, got %d and %d", op, inZ, outZ)
	}
	if fullyConnected {
		p.mult, err = quant.FullyConnectedMultipliers(inS, f.Quant.Scale, outS, channels)
	} else {
		p.mult, err = quant.ConvMultipliers(inS, f.Quant.Scale, outS, channels)
	}
	if err != nil {
		return p, err
	}
	p.lo, p.hi, err = quant.ActivationRange(activationOf(op), out.DType, outS, outZ)
	if err != nil {
		return p, err
	}
	p.inOffset, p.outOffset = -inZ, outZ
	return p, nil
}

// activationOf returns the fused activation of an op (NONE if it has none).
func activationOf(op *ir.Op) ir.Activation {
	switch a := op.Attrs.(type) {
	case ir.Conv2DAttrs:
		return a.Activation
	case ir.DepthwiseConv2DAttrs:
		return a.Activation
	case ir.FullyConnectedAttrs:
		return a.Activation
	case ir.Pool2DAttrs:
		return a.Activation
	case ir.BinaryAttrs:
		return a.Activation
	case ir.ConcatenationAttrs:
		return a.Activation
	}
	return ir.ActNone
}

// convKind classifies the operand types of a convolution-like op.
type convKind int

const (
	convFloat       convKind = iota
	convInt8                 // int8 × int8, int32 bias, int32 accumulator
	convInt16x8              // int16 × int8, int32 bias, int32 accumulator
	convInt16x8Wide          // int16 × int8, int64 or absent bias, int64 accumulator
)

// classifyConv returns the kernel variant for the operand types, or an
// error naming them (TFLM rejects hybrid float/int8 models too).
func classifyConv(op *ir.Op, depthwise bool) (convKind, error) {
	in, f, bias, out := op.Inputs[0], op.Inputs[1], op.Input(2), op.Outputs[0]
	bt := ir.InvalidDType
	if bias != nil {
		bt = bias.DType
	}
	switch {
	case in.DType == ir.Float32 && f.DType == ir.Float32 && out.DType == ir.Float32 && (bias == nil || bt == ir.Float32):
		return convFloat, nil
	case in.DType == ir.Int8 && f.DType == ir.Int8 && out.DType == ir.Int8 && (bias == nil || bt == ir.Int32):
		return convInt8, nil
	case in.DType == ir.Int16 && f.DType == ir.Int8 && out.DType == ir.Int16:
		switch {
		case bt == ir.Int32 && !depthwise:
			return convInt16x8, nil
		case bt == ir.Int64 || (bias == nil && !depthwise):
			// CONV_2D and FULLY_CONNECTED without bias follow
			// quantized_bias_type, whose default is not int32.
			return convInt16x8Wide, nil
		}
	}
	return 0, unsupportedTypes(op)
}

// intBias decodes an integer bias into the accumulator type (nil if absent).
func intBias[A accum](t *ir.Tensor) func(b []byte) []A {
	if t == nil {
		return func([]byte) []A { return nil }
	}
	conv := func(b []byte) []A {
		var out []A
		if t.DType == ir.Int64 {
			v := decodeInt64s(b)
			out = make([]A, len(v))
			for i, x := range v {
				out[i] = A(x)
			}
		} else {
			v := decodeInts(b, t.DType, 0)
			out = make([]A, len(v))
			for i, x := range v {
				out[i] = A(x)
			}
		}
		return out
	}
	if t.IsConst() {
		v := conv(t.Data)
		return func([]byte) []A { return v }
	}
	return conv
}

// intKernel builds the kernel of an integer convolution-like op: core fills
// the accumulators (one per output element, channel fastest) from the offset
// input and the filter; the epilogue adds the bias, rescales, offsets and
// clamps. channels is the output depth.
func intKernel[A accum](op *ir.Op, p intConvParams, channels int, filterOffset int32,
	core func(in, filter []int32, acc []A)) kernel {
	in, f, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	filter := cachedInts(f, filterOffset)
	bias := intBias[A](op.Input(2))
	inDT, outDT := in.DType, out.DType
	wide := isWide[A]()
	return func(ins [][]byte, o []byte) error {
		acc := make([]A, len(o)/outDT.Size())
		core(decodeInts(ins[0], inDT, p.inOffset), filter(ins[1]), acc)
		var bb []byte
		if len(ins) > 2 {
			bb = ins[2]
		}
		b := bias(bb)
		for i, a := range acc {
			oc := i % channels
			if b != nil {
				a += b[oc]
			}
			m := p.mult[oc]
			var v int32
			if wide {
				v = quant.MultiplyByQuantizedMultiplierInt64(int64(a), m.Multiplier, m.Shift)
			} else {
				v = m.Apply(int32(a))
			}
			v += p.outOffset
			setIntAt(o, outDT, i, min(max(v, p.lo), p.hi))
		}
		return nil
	}
}

// isWide reports whether A is the int64 accumulator.
func isWide[A accum]() bool {
	var a A
	_, ok := any(a).(int64)
	return ok
}

// floatKernel builds the kernel of a float convolution-like op: core fills
// the float32 sums (one per output element, channel fastest); the epilogue
// adds the bias (0 if absent) and clamps with the fused activation.
func floatKernel(op *ir.Op, channels int, core func(in, filter, total []float32)) kernel {
	filter := cachedF32(op.Inputs[1])
	var bias func([]byte) []float32
	if b := op.Input(2); b != nil {
		bias = cachedF32(b)
	}
	lo, hi := quant.FloatActivationRange(activationOf(op))
	return func(ins [][]byte, o []byte) error {
		total := make([]float32, len(o)/4)
		core(decodeF32(ins[0]), filter(ins[1]), total)
		var b []float32
		if bias != nil {
			b = bias(ins[2])
		}
		for i, t := range total {
			bv := float32(0)
			if b != nil {
				bv = b[i%channels]
			}
			setF32At(o, i, quant.ClampFloat(t+bv, lo, hi))
		}
		return nil
	}
}

// prepareConv prepares CONV_2D. It reproduces ConvPrepare/ConvEval in
// tensorflow/lite/micro/kernels/conv_common.cc and conv.cc, with the
// arithmetic of reference_integer_ops::ConvPerChannel (int8 and 16x8,
// tensorflow/lite/kernels/internal/reference/integer_ops/conv.h) and
// reference_ops::Conv (float, tensorflow/lite/kernels/internal/reference/
// conv.h), grouped convolutions included (§5.2, §5.5, §14.2).
func prepareConv(op *ir.Op) (kernel, error) {
	if isConvInteger(op) {
		return prepareConvInteger(op)
	}
	a := op.Attrs.(ir.Conv2DAttrs)
	in, f, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	kind, err := classifyConv(op, false)
	if err != nil {
		return nil, err
	}
	g, err := newGeom(in, out, ir.Window{Padding: a.Padding, ExplicitPads: a.ExplicitPads}, f.Shape[1], f.Shape[2], a.StrideH, a.StrideW, a.DilationH, a.DilationW)
	if err != nil {
		return nil, err
	}
	g.fC = f.Shape[3]
	g.groups = g.inC / g.fC
	if g.groups == 0 {
		return nil, fmt.Errorf("input depth %d is smaller than the filter depth %d", g.inC, g.fC)
	}
	channels := f.Shape[0]
	if kind == convFloat {
		return floatKernel(op, channels, func(in, filter, total []float32) { convCore(&g, in, filter, total) }), nil
	}
	p, err := prepareIntConv(op, 0, channels, false)
	if err != nil {
		return nil, err
	}
	if in.DType == ir.Int16 {
		p.inOffset, p.outOffset = 0, 0
	}
	if kind == convInt16x8Wide {
		return intKernel(op, p, channels, 0, func(in, filter []int32, acc []int64) { convCore(&g, in, filter, acc) }), nil
	}
	return intKernel(op, p, channels, 0, func(in, filter []int32, acc []int32) { convCore(&g, in, filter, acc) }), nil
}

// convCore accumulates filter·(input+offset) over the in-image taps of
// every output element (§5.2, and §14.2 for float32, where the offset is 0):
// for b, oy, ox, oc; for fy, fx; for ic.
func convCore[E element, A sum](g *convGeom, in, filter []E, acc []A) {
	fC, ocPerGroup := g.fC, g.outC/g.groups
	o := 0
	for b := 0; b < g.batches; b++ {
		for oy := 0; oy < g.outH; oy++ {
			y0 := oy*g.strideH - g.padH
			for ox := 0; ox < g.outW; ox++ {
				x0 := ox*g.strideW - g.padW
				for oc := 0; oc < g.outC; oc++ {
					inBase := (oc / ocPerGroup) * fC
					var sum A
					for fy := 0; fy < g.fH; fy++ {
						iy := y0 + g.dilH*fy
						if iy < 0 || iy >= g.inH {
							continue
						}
						for fx := 0; fx < g.fW; fx++ {
							ix := x0 + g.dilW*fx
							if ix < 0 || ix >= g.inW {
								continue
							}
							ib := ((b*g.inH+iy)*g.inW+ix)*g.inC + inBase
							fb := ((oc*g.fH+fy)*g.fW + fx) * fC
							frow := filter[fb : fb+fC]
							irow := in[ib : ib+len(frow)]
							for i, w := range frow {
								sum += A(A(w) * A(irow[i]))
							}
						}
					}
					acc[o] = sum
					o++
				}
			}
		}
	}
}

// prepareDepthwise prepares DEPTHWISE_CONV_2D. It reproduces
// DepthwiseConvPrepare/Eval in tensorflow/lite/micro/kernels/
// depthwise_conv_common.cc and depthwise_conv.cc, with the arithmetic of
// reference_integer_ops::DepthwiseConvPerChannel (int8; 16x8 with an int64
// bias, tensorflow/lite/kernels/internal/reference/integer_ops/
// depthwise_conv.h) and reference_ops::DepthwiseConv (float,
// tensorflow/lite/kernels/internal/reference/depthwiseconv_float.h), with
// depth multiplier and dilation (§5.3, §14.2).
func prepareDepthwise(op *ir.Op) (kernel, error) {
	a := op.Attrs.(ir.DepthwiseConv2DAttrs)
	in, f, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	kind, err := classifyConv(op, true)
	if err != nil {
		return nil, err
	}
	g, err := newGeom(in, out, ir.Window{Padding: a.Padding, ExplicitPads: a.ExplicitPads}, f.Shape[1], f.Shape[2], a.StrideH, a.StrideW, a.DilationH, a.DilationW)
	if err != nil {
		return nil, err
	}
	g.depthMul = a.DepthMultiplier
	channels := f.Shape[3]
	if kind == convFloat {
		return floatKernel(op, channels, func(in, filter, total []float32) { depthwiseCore(&g, in, filter, total) }), nil
	}
	p, err := prepareIntConv(op, 3, channels, false)
	if err != nil {
		return nil, err
	}
	if in.DType == ir.Int16 {
		p.inOffset, p.outOffset = 0, 0
		return intKernel(op, p, channels, 0, func(in, filter []int32, acc []int64) { depthwiseCore(&g, in, filter, acc) }), nil
	}
	return intKernel(op, p, channels, 0, func(in, filter []int32, acc []int32) { depthwiseCore(&g, in, filter, acc) }), nil
}

// depthwiseCore accumulates (integer or float32), for output channel oc = ic·M + m, filter[0,
// fy, fx, oc]·(input[b, iy, ix, ic]+offset) over the in-image taps (§5.3).
func depthwiseCore[E element, A sum](g *convGeom, in, filter []E, acc []A) {
	o := 0
	for b := 0; b < g.batches; b++ {
		for oy := 0; oy < g.outH; oy++ {
			y0 := oy*g.strideH - g.padH
			for ox := 0; ox < g.outW; ox++ {
				x0 := ox*g.strideW - g.padW
				for ic := 0; ic < g.inC; ic++ {
					for m := 0; m < g.depthMul; m++ {
						oc := ic*g.depthMul + m
						var sum A
						for fy := 0; fy < g.fH; fy++ {
							iy := y0 + g.dilH*fy
							if iy < 0 || iy >= g.inH {
								continue
							}
							rowIn := (b*g.inH + iy) * g.inW
							rowF := fy * g.fW
							for fx := 0; fx < g.fW; fx++ {
								ix := x0 + g.dilW*fx
								if ix < 0 || ix >= g.inW {
									continue
								}
								sum += A(A(filter[(rowF+fx)*g.outC+oc]) * A(in[(rowIn+ix)*g.inC+ic]))
							}
						}
						acc[o] = sum
						o++
					}
				}
			}
		}
	}
}

// prepareFullyConnected prepares FULLY_CONNECTED. It reproduces
// CalculateOpDataFullyConnected in tensorflow/lite/micro/kernels/
// fully_connected_common.cc and the kernels reference_integer_ops::
// FullyConnected / FullyConnectedPerChannel (int8 and 16x8,
// tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h)
// and reference_ops::FullyConnected (float, tensorflow/lite/kernels/internal/
// reference/fully_connected.h) (§5.4, §14.2). The input is read as
// [batches, depth] with batches = output elements / units; per-tensor filters
// add the weights offset −filter_zero_point, per-channel ones do not.
func prepareFullyConnected(op *ir.Op) (kernel, error) {
	f := op.Inputs[1]
	kind, err := classifyConv(op, false)
	if err != nil {
		return nil, err
	}
	units, depth := f.Shape[0], f.Shape[1]
	if kind == convFloat {
		return floatKernel(op, units, func(in, w, total []float32) { fcCore(units, depth, in, w, total) }), nil
	}
	p, err := prepareIntConv(op, 0, units, true)
	if err != nil {
		return nil, err
	}
	var wOff int32
	if len(f.Quant.Scale) == 1 {
		wOff = -int32(f.Quant.ZeroPoint[0])
	}
	if kind == convInt16x8Wide {
		return intKernel(op, p, units, wOff, func(in, w []int32, acc []int64) { fcCore(units, depth, in, w, acc) }), nil
	}
	return intKernel(op, p, units, wOff, func(in, w []int32, acc []int32) { fcCore(units, depth, in, w, acc) }), nil
}

// fcCore accumulates Σ_d (w[oc,d]+w_off)·(in[b,d]+in_off) in order of d
// (§5.4, §14.2); the offsets are already in w and in (0 for float32).
func fcCore[E element, A sum](units, depth int, in, w []E, acc []A) {
	for o := range acc {
		b, oc := o/units, o%units
		row := in[b*depth : b*depth+depth]
		wrow := w[oc*depth : oc*depth+len(row)]
		var sum A
		for d, x := range row {
			sum += A(A(wrow[d]) * A(x))
		}
		acc[o] = sum
	}
}
