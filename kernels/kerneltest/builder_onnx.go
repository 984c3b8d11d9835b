// Random op generators for the operators added for ONNX: DIV, PRELU,
// BATCH_MATMUL (float32 only), DEPTH_TO_SPACE, RESIZE_NEAREST_NEIGHBOR and
// the PAD modes (any element type).

package kerneltest

import (
	"math"

	"github.com/tinygen/tinygen/ir"
)

// f32OnlyKinds have float32 kernels only: the int8 graphs do not draw them.
var f32OnlyKinds = []ir.OpKind{ir.Div, ir.Prelu, ir.BatchMatMul}

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
	case ir.Div:
		op, err = b.div()
	case ir.Prelu:
		op, err = b.prelu()
	case ir.BatchMatMul:
		op, err = b.batchMatMul()
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
	x := b.srcAny(ir.Float32)
	r := b.intn(1, len(x.Shape))
	shape := make(ir.Shape, r)
	for i := range shape {
		shape[i] = x.Shape[len(x.Shape)-r+i]
		if b.chance(0.4) {
			shape[i] = 1
		}
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
