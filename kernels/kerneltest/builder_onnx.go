// Random op generators for the operators added for ONNX: DIV, PRELU,
// BATCH_MATMUL (float32 only), DEPTH_TO_SPACE, RESIZE_NEAREST_NEIGHBOR and
// the PAD modes (any element type).

package kerneltest

import (
	"math"

	"github.com/tinygen/tinygen/ir"
)

// f32OnlyKinds have float32 kernels only: the int8 graphs do not draw them.
var f32OnlyKinds = []ir.OpKind{}

func f32Only(k ir.OpKind) bool {
	for _, o := range f32OnlyKinds {
		if o == k {
			return true
		}
	}
	return false
}

// kindsFor returns ks without the kinds the compute type has no kernel for.
func kindsFor(ks []ir.OpKind, f32 bool) []ir.OpKind {
	var out []ir.OpKind
	for _, k := range ks {
		if f32 || !f32Only(k) {
			out = append(out, k)
		}
	}
	return out
}

// buildONNX builds the candidates of the ONNX kinds (ok false for others).
func (b *randomBuilder) buildONNX(k ir.OpKind) (*ir.Op, bool, error) {
	var op *ir.Op
	var err error
	switch k {
	case ir.Add, ir.Sub, ir.Mul, ir.Maximum, ir.Minimum:
		if !b.chance(0.25) {
			return nil, false, nil
		}
		op, err = b.rawIntBinary(k)
	case ir.Div:
		if !b.f32 || b.chance(0.25) {
			op, err = b.rawIntBinary(k)
		} else {
			op, err = b.div()
		}
	case ir.Prelu:
		op, err = b.prelu()
	case ir.BatchMatMul:
		if !b.f32 || b.chance(0.3) {
			op, err = b.matMulInteger()
		} else {
			op, err = b.batchMatMul()
		}
	case ir.Quantize:
		switch {
		case b.f32 && !b.quantizedU8:
			// Every float graph quantises to uint8 per tensor once:
			// the per-axis draws below would otherwise leave
			// tg_quantize_f32_u8 to chance.
			b.quantizedU8 = true
			x := b.srcAny(ir.Float32)
			q := &ir.Quant{Scale: []float32{float32(b.logUniform(0.005, 0.1))}, ZeroPoint: []int64{b.zeroPoint(ir.UInt8)}}
			op, err = rndFinish(&ir.Op{Kind: ir.Quantize, Inputs: []*ir.Tensor{x}, Attrs: ir.QuantizeAttrs{}}, ir.UInt8, q)
		case b.f32 && b.quantizeDraws < 3:
			kind := (b.quantizeDraws + b.quantizeRot) % 3
			b.quantizeDraws++
			switch kind {
			case 0:
				return nil, false, nil // TFLite's QUANTIZE (build)
			case 1:
				op, err = b.quantizeONNX()
			default:
				op, err = b.quantizeAxis()
			}
		case b.f32 && b.chance(0.2):
			op, err = b.quantizeONNX()
		case b.f32 && b.chance(0.25):
			op, err = b.quantizeAxis()
		case !b.f32 && b.chance(0.2):
			op, err = b.requantizeS32()
		default:
			return nil, false, nil
		}
	case ir.Dequantize:
		if !b.chance(0.35) {
			return nil, false, nil
		}
		op, err = b.dequantizeAxis()
	case ir.Conv2D:
		if !b.chance(0.15) {
			return nil, false, nil
		}
		op, err = b.convInteger()
	case ir.DepthToSpace:
		op, err = b.depthToSpace()
	case ir.ResizeNearestNeighbor:
		op, err = b.resize()
	default:
		return nil, false, nil
	}
	return op, true, err
}

// f32Const stages a float32 constant with values drawn by v.
func (b *randomBuilder) f32Const(name string, shape ir.Shape, v func() float64) *ir.Tensor {
	d := make([]float32, shape.Elements())
	for i := range d {
		d[i] = float32(v())
	}
	return b.constant(name, ir.Float32, shape, nil, ir.Float32Data(d))
}

// div divides by a constant or an input whose values stay away from 0
// (±0.5..4), broadcast either way.
func (b *randomBuilder) div() (*ir.Op, error) {
	x := b.srcAny(ir.Float32)
	shape := b.broadcastPartner(x.Shape)
	away := func() float64 {
		v := 0.5 + b.r.Float64()*3.5
		if b.chance(0.5) {
			v = -v
		}
		return v
	}
	var y *ir.Tensor
	if b.chance(0.5) {
		y = b.f32Const("divisor", shape, away)
	} else {
		y = b.input(ir.Float32, shape)
		vals := make([]float32, shape.Elements())
		for i := range vals {
			vals[i] = float32(away())
		}
		b.vals[y] = ir.Float32Data(vals)
	}
	ins := []*ir.Tensor{x, y}
	if b.chance(0.3) {
		// x itself as the divisor is not away from 0: divide a
		// constant by it only when its values are.
		ins = []*ir.Tensor{y, x}
		if y.IsConst() || !b.awayFromZero(x) {
			ins = []*ir.Tensor{x, y}
		}
	}
	return rndFinish(&ir.Op{Kind: ir.Div, Inputs: ins, Attrs: ir.BinaryAttrs{Activation: b.act()}}, ir.Float32, nil)
}

// awayFromZero reports whether every sample value of a float tensor has
// magnitude ≥ 0.25.
func (b *randomBuilder) awayFromZero(t *ir.Tensor) bool {
	v := b.vals[t]
	for i := 0; i+4 <= len(v); i += 4 {
		f := math.Float32frombits(uint32(v[i]) | uint32(v[i+1])<<8 | uint32(v[i+2])<<16 | uint32(v[i+3])<<24)
		if !(math.Abs(float64(f)) >= 0.25) {
			return false
		}
	}
	return len(v) > 0
}

// prelu draws alpha as a constant (ONNX slope, TFLite alpha) broadcasting
// into x: its trailing dimensions x's or 1.
func (b *randomBuilder) prelu() (*ir.Op, error) {
	x := b.srcAny(b.dt)
	r := b.intn(1, len(x.Shape))
	shape := make(ir.Shape, r)
	for i := range shape {
		shape[i] = x.Shape[len(x.Shape)-r+i]
		if b.chance(0.4) {
			shape[i] = 1
		}
	}
	if !b.f32 {
		// int8 as TFLM: alpha quantised per tensor, output near the
		// input's scale.
		q := &ir.Quant{Scale: []float32{float32(b.logUniform(0.002, 0.02))}, ZeroPoint: []int64{int64(b.intn(-20, 20))}}
		v := make([]int8, shape.Elements())
		for i := range v {
			v[i] = int8(b.intn(-100, 127))
		}
		alpha := b.constant("alpha", ir.Int8, shape, q, rndInt8Bytes(v))
		return rndFinish(&ir.Op{Kind: ir.Prelu, Inputs: []*ir.Tensor{x, alpha}, Attrs: ir.NoAttrs{}}, ir.Int8, b.quant(float64(x.Scale())))
	}
	alpha := b.f32Const("alpha", shape, func() float64 { return b.r.Float64()*1.2 - 0.2 })
	return rndFinish(&ir.Op{Kind: ir.Prelu, Inputs: []*ir.Tensor{x, alpha}, Attrs: ir.NoAttrs{}}, ir.Float32, nil)
}

// batchMatMul draws x [batch..., rows, depth] and y [batch'..., depth,
// cols] (either possibly transposed, y sometimes a constant), with batch
// dimensions that broadcast.
func (b *randomBuilder) batchMatMul() (*ir.Op, error) {
	a := ir.BatchMatMulAttrs{AdjX: b.chance(0.3), AdjY: b.chance(0.3)}
	rows, depth, cols := b.intn(1, 6), b.intn(1, 12), b.intn(1, 6)
	batch := b.shapeN(0, 3)
	if batch.Elements() > 6 {
		batch = ir.Shape{2}
	}
	xb, yb := batch.Clone(), batch.Clone()
	if len(batch) > 0 && b.chance(0.5) {
		// Broadcast: drop leading batch dimensions or set some to 1.
		if b.chance(0.5) {
			yb = yb[b.intn(0, len(yb)):]
		} else {
			for i := range xb {
				if b.chance(0.5) {
					xb[i] = 1
				}
			}
		}
	}
	mat := func(bs ir.Shape, r, c int, adj bool) ir.Shape {
		if adj {
			r, c = c, r
		}
		return append(bs.Clone(), r, c)
	}
	xs, ys := mat(xb, rows, depth, a.AdjX), mat(yb, depth, cols, a.AdjY)
	x := b.src(ir.Float32, func(s ir.Shape) bool { return s.Equal(xs) }, func() ir.Shape { return xs })
	var y *ir.Tensor
	if b.chance(0.4) {
		lim := 1 / math.Sqrt(float64(depth))
		y = b.f32Const("matrix", ys, func() float64 { return (b.r.Float64()*2 - 1) * lim })
	} else {
		y = b.src(ir.Float32, func(s ir.Shape) bool { return s.Equal(ys) }, func() ir.Shape { return ys })
		if y == x {
			return nil, errRndSkip
		}
	}
	return rndFinish(&ir.Op{Kind: ir.BatchMatMul, Inputs: []*ir.Tensor{x, y}, Attrs: a}, ir.Float32, nil)
}

// depthToSpace draws a new NHWC input whose depth is a multiple of the
// squared block size.
func (b *randomBuilder) depthToSpace() (*ir.Op, error) {
	bs := b.intn(2, 3)
	c := b.intn(1, 3)
	dt := b.dt
	if b.chance(0.2) {
		dt = ir.Int8
		if b.f32 {
			dt = ir.Float32
		}
	}
	s := ir.Shape{b.intn(1, 2), b.intn(1, 4), b.intn(1, 4), bs * bs * c}
	x := b.src(dt, func(t ir.Shape) bool { return len(t) == 4 && t[3]%(bs*bs) == 0 && t.Elements() <= 600 }, func() ir.Shape { return s })
	a := ir.DepthToSpaceAttrs{BlockSize: bs}
	if b.chance(0.5) {
		a.Mode = ir.CRD
	}
	return rndFinish(&ir.Op{Kind: ir.DepthToSpace, Inputs: []*ir.Tensor{x}, Attrs: a}, x.DType, x.Quant.Clone())
}

// resize draws output sizes, both rounding and coordinate modes, ONNX
// scales or TFLite's arithmetic.
func (b *randomBuilder) resize() (*ir.Op, error) {
	x := b.src(b.moveSrc().DType, rndRank4, b.shape4)
	a := ir.ResizeAttrs{CoordMode: ir.CoordMode(b.intn(0, int(ir.PytorchHalfPixel))),
		NearestMode: ir.NearestMode(b.intn(0, int(ir.Ceil)))}
	scales := []float32{0.5, 0.75, 1.5, 2, 3}
	size := func(in int, scale *float32) int {
		if b.chance(0.4) {
			s := scales[b.r.IntN(len(scales))]
			if n := int(float32(in) * s); n >= 1 {
				*scale = s
				return n
			}
		}
		return b.intn(1, 10)
	}
	a.NewHeight = size(x.Shape[1], &a.ScaleH)
	a.NewWidth = size(x.Shape[2], &a.ScaleW)
	if b.chance(0.25) {
		// TFLite: align_corners (rounded) or half_pixel_centers or
		// neither (floored).
		a.TFLite, a.ScaleH, a.ScaleW = true, 0, 0
		switch b.intn(0, 2) {
		case 0:
			a.CoordMode, a.NearestMode = ir.AlignCorners, ir.RoundPreferCeil
		case 1:
			a.CoordMode, a.NearestMode = ir.TFHalfPixelForNearest, ir.Floor
		default:
			a.CoordMode, a.NearestMode = ir.Asymmetric, ir.Floor
		}
	}
	return rndFinish(&ir.Op{Kind: ir.ResizeNearestNeighbor, Inputs: []*ir.Tensor{x}, Attrs: a}, x.DType, x.Quant.Clone())
}

// padMode draws a PAD mode other than CONSTANT and pads within its limits
// for a of the input shape s (in place).
func (b *randomBuilder) padMode(a *ir.PadAttrs, s ir.Shape) {
	a.Mode = ir.PadMode(b.intn(int(ir.PadReflect), int(ir.PadWrap)))
	for i, n := range s {
		lim := 3
		switch a.Mode {
		case ir.PadReflect:
			lim = min(lim, n-1)
		case ir.PadSymmetric:
			lim = min(lim, n)
		}
		a.Before[i], a.After[i] = 0, 0
		if lim > 0 && b.chance(0.7) {
			a.Before[i], a.After[i] = b.intn(0, lim), b.intn(0, lim)
		}
	}
}

// rawIntBinary draws unquantised integer arithmetic: uint8, int8, int16
// or int32 operands without quantisation parameters, broadcast either way
// (ONNX integer Add/Sub/Mul/Div/Max/Min).
func (b *randomBuilder) rawIntBinary(k ir.OpKind) (*ir.Op, error) {
	dts := []ir.DType{ir.UInt8, ir.Int8, ir.Int16, ir.Int32}
	dt := dts[b.r.IntN(len(dts))]
	x := b.src(dt, func(s ir.Shape) bool { return rndAnyRank(s) }, func() ir.Shape { return b.shapeN(1, 4) })
	if x.Quant != nil {
		x = b.inputQ(dt, b.shapeN(1, 4), nil)
	}
	y := b.inputQ(dt, b.broadcastPartner(x.Shape), nil)
	if b.chance(0.5) {
		x, y = y, x
	}
	var a ir.Attrs = ir.NoAttrs{}
	if k == ir.Add || k == ir.Sub || k == ir.Mul || k == ir.Div {
		a = ir.BinaryAttrs{}
	}
	return rndFinish(&ir.Op{Kind: k, Inputs: []*ir.Tensor{x, y}, Attrs: a}, dt, nil)
}

// int8Operand stages a uint8 or int8 tensor (a graph input, or a constant
// if konst) with zero points: one, or (axis ≥ 0) one per index of axis.
func (b *randomBuilder) int8Operand(name string, shape ir.Shape, axis int, konst bool) *ir.Tensor {
	dt := b.int8or(0.5)
	n := 1
	if axis >= 0 {
		n = shape[axis]
	}
	q := &ir.Quant{Axis: max(axis, 0)}
	for i := 0; i < n; i++ {
		q.Scale = append(q.Scale, 1)
		q.ZeroPoint = append(q.ZeroPoint, b.zeroPoint(dt))
	}
	if b.chance(0.15) {
		q = nil // no zero point: 0
	}
	if !konst {
		return b.inputQ(dt, shape, q)
	}
	d := make([]byte, shape.Elements())
	for i := range d {
		d[i] = byte(b.r.UintN(256))
	}
	return b.constant(name, dt, shape, q, d)
}

// matMulInteger draws ONNX MatMulInteger: 8-bit x and y (y often a
// constant with per-column zero points), int32 output.
func (b *randomBuilder) matMulInteger() (*ir.Op, error) {
	rows, depth, cols := b.intn(1, 6), b.intn(1, 16), b.intn(1, 6)
	batch := b.shapeN(0, 2)
	if batch.Elements() > 4 {
		batch = ir.Shape{2}
	}
	yb := batch.Clone()
	if len(yb) > 0 && b.chance(0.5) {
		yb = yb[1:]
	}
	ys := append(yb, depth, cols)
	axis := -1
	if b.chance(0.5) {
		axis = len(ys) - 1
	}
	x := b.int8Operand("x", append(batch.Clone(), rows, depth), -1, false)
	y := b.int8Operand("y", ys, axis, b.chance(0.6))
	return rndFinish(&ir.Op{Kind: ir.BatchMatMul, Inputs: []*ir.Tensor{x, y}, Attrs: ir.BatchMatMulAttrs{}}, ir.Int32, nil)
}

// requantizeS32 draws QUANTIZE int32 → int8 (input zero point 0), the
// requantisation after an integer product; the scale ratio (1e-8 to 1e-4)
// keeps most full-range int32 inputs inside int8 after scaling.
func (b *randomBuilder) requantizeS32() (*ir.Op, error) {
	x := b.inputQ(ir.Int32, b.shapeN(1, 3), &ir.Quant{Scale: []float32{float32(b.logUniform(1e-8, 1e-6))}, ZeroPoint: []int64{0}})
	q := &ir.Quant{Scale: []float32{float32(b.logUniform(0.01, 1))}, ZeroPoint: []int64{b.zeroPoint(ir.Int8)}}
	return rndFinish(&ir.Op{Kind: ir.Quantize, Inputs: []*ir.Tensor{x}, Attrs: ir.QuantizeAttrs{}}, ir.Int8, q)
}

// convInteger draws ONNX ConvInteger: 8-bit input and constant filter
// (zero points per tensor or per output channel), groups, dilation and
// explicit pads, int32 output.
func (b *randomBuilder) convInteger() (*ir.Op, error) {
	s := b.shape4()
	a := ir.Conv2DAttrs{StrideH: b.intn(1, 2), StrideW: b.intn(1, 2), DilationH: b.intn(1, 2), DilationW: 1}
	kh, kw := b.intn(1, 3), b.intn(1, 3)
	a.Padding = b.padding(s[1], s[2], (kh-1)*a.DilationH+1, kw)
	a.Padding, a.ExplicitPads = b.explicitPadding(a.Padding, (kh-1)*a.DilationH+1, kw)
	groups := 1
	if d := rndDivisors(s[3]); len(d) > 1 && b.chance(0.3) {
		groups = d[1+b.r.IntN(len(d)-1)]
	}
	outC := groups * b.intn(1, max(1, 6/groups))
	axis := -1
	if b.chance(0.5) {
		axis = 0
	}
	x := b.int8Operand("x", s, -1, false)
	w := b.int8Operand("w", ir.Shape{outC, kh, kw, s[3] / groups}, axis, true)
	return rndFinish(&ir.Op{Kind: ir.Conv2D, Inputs: []*ir.Tensor{x, w}, Attrs: a}, ir.Int32, nil)
}

// axisQuant returns parameters for dt along a random dimension of shape
// (per-axis), or per-tensor ones.
func (b *randomBuilder) axisQuant(dt ir.DType, shape ir.Shape, scale float64) *ir.Quant {
	q := &ir.Quant{}
	n := 1
	if b.chance(0.7) && len(shape) > 0 {
		q.Axis = b.r.IntN(len(shape))
		n = shape[q.Axis]
		if n == 1 {
			q.Axis = 0
		}
	}
	zp := func() int64 {
		if dt == ir.Int16 {
			return int64(b.intn(-1000, 1000))
		}
		return b.zeroPoint(dt)
	}
	for i := 0; i < n; i++ {
		q.Scale = append(q.Scale, float32(scale*b.logUniform(0.5, 2)))
		q.ZeroPoint = append(q.ZeroPoint, zp())
	}
	return q
}

// quantizeAxis draws QUANTIZE float32 → uint8/int8/int16 with per-axis
// parameters, or int16 per tensor (ONNX QuantizeLinear).
func (b *randomBuilder) quantizeAxis() (*ir.Op, error) {
	dts := []ir.DType{ir.UInt8, ir.Int8, ir.Int16}
	dt := dts[b.r.IntN(len(dts))]
	x := b.srcAny(ir.Float32)
	scale := b.logUniform(0.005, 0.1)
	if dt == ir.Int16 {
		scale /= 200
	}
	return rndFinish(&ir.Op{Kind: ir.Quantize, Inputs: []*ir.Tensor{x}, Attrs: ir.QuantizeAttrs{}}, dt, b.axisQuant(dt, x.Shape, scale))
}

// dequantizeAxis draws DEQUANTIZE uint8/int8/int16 → float32 of a new input
// with per-axis parameters, or int16 per tensor (ONNX DequantizeLinear).
func (b *randomBuilder) dequantizeAxis() (*ir.Op, error) {
	dts := []ir.DType{ir.UInt8, ir.Int8, ir.Int16}
	dt := dts[b.r.IntN(len(dts))]
	s := b.shapeN(1, 4)
	x := b.inputQ(dt, s, b.axisQuant(dt, s, b.logUniform(0.005, 0.5)))
	return rndFinish(&ir.Op{Kind: ir.Dequantize, Inputs: []*ir.Tensor{x}, Attrs: ir.NoAttrs{}}, ir.Float32, nil)
}

// quantizeONNX draws QUANTIZE float32 → uint8/int8/int16 as ONNX
// QuantizeLinear defines it (tg_quantize_f32_blocked): ties to even, per
// tensor or per axis, or blocked (constant scales and zero points shaped
// like the input with ceil(d / block) on a random axis; the last block may
// be short).
func (b *randomBuilder) quantizeONNX() (*ir.Op, error) {
	dts := []ir.DType{ir.UInt8, ir.Int8, ir.Int16}
	dt := dts[b.r.IntN(len(dts))]
	x := b.srcAny(ir.Float32)
	scale := b.logUniform(0.005, 0.1)
	if dt == ir.Int16 {
		scale /= 200
	}
	even := ir.QuantizeAttrs{Rounding: ir.QuantizeRoundHalfEven}
	if b.chance(0.4) {
		q := b.axisQuant(dt, x.Shape, scale)
		if b.chance(0.5) {
			q = &ir.Quant{Scale: q.Scale[:1], ZeroPoint: q.ZeroPoint[:1]}
		}
		return rndFinish(&ir.Op{Kind: ir.Quantize, Inputs: []*ir.Tensor{x}, Attrs: even}, dt, q)
	}
	axis := b.r.IntN(len(x.Shape))
	even.Axis, even.BlockSize = axis, b.intn(1, max(1, x.Shape[axis]))
	ss := x.Shape.Clone()
	ss[axis] = (ss[axis] + even.BlockSize - 1) / even.BlockSize
	s := b.f32Const("scales", ss, func() float64 { return scale * b.logUniform(0.5, 2) })
	zps := make([]byte, 0, ss.Elements()*dt.Size())
	for i := 0; i < ss.Elements(); i++ {
		z := uint64(b.intn(-1000, 1000))
		if dt != ir.Int16 {
			z = uint64(b.zeroPoint(dt))
		}
		for k := 0; k < dt.Size(); k++ {
			zps = append(zps, byte(z>>(8*k)))
		}
	}
	z := b.constant("zero_points", dt, ss, nil, zps)
	return rndFinish(&ir.Op{Kind: ir.Quantize, Inputs: []*ir.Tensor{x, s, z}, Attrs: even}, dt, nil)
}
