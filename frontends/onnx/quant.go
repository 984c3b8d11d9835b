// QuantizeLinear, DequantizeLinear and the QOperator ops (QLinearConv,
// QLinearMatMul and ONNX Runtime's com.microsoft QLinear ops).
package onnx

import (
	"fmt"
	"math"
	"slices"

	"github.com/tinygen/tinygen/ir"
)

// quantParams reads a (scale, zero point) pair from inputs si and zi:
// constant, per-tensor, scale float32; the zero point's type is the
// quantised type (uint8 when absent, or output_dtype).
func (c *converter) quantParams(si, zi int) (ir.DType, *ir.Quant, error) {
	st := c.in(si)
	if st == nil {
		return 0, nil, fmt.Errorf("input %d (scale) is missing", si)
	}
	if !st.IsConst() || st.DType != ir.Float32 {
		return 0, nil, unsupported("input %d (scale) must be a float32 constant", si)
	}
	if st.Shape.Elements() != 1 {
		return 0, nil, unsupported("per-axis or blocked quantisation (scale %v) of an activation is not supported (the IR's QUANTIZE and DEQUANTIZE are per-tensor)", st.Shape)
	}
	dt := ir.UInt8
	var zp int64
	if zt := c.in(zi); zt != nil {
		if !zt.IsConst() || zt.Shape.Elements() != 1 {
			return 0, nil, unsupported("input %d (zero point) must be a constant scalar", zi)
		}
		v, err := zt.Ints()
		if err != nil {
			return 0, nil, err
		}
		dt, zp = zt.DType, int64(v[0])
	} else if od, err := c.attrInt("output_dtype", 0); err != nil {
		return 0, nil, err
	} else if od != 0 {
		d, err := dtypeOf(int32(od))
		if err != nil {
			return 0, nil, err
		}
		dt = d
	}
	switch dt {
	case ir.Int8, ir.UInt8, ir.Int16:
	default:
		return 0, nil, unsupported("quantisation to %v is not supported (int8, uint8, int16)", dt.LongName())
	}
	s := st.Float32s()[0]
	if !(s > 0) {
		return 0, nil, fmt.Errorf("scale %g is not positive", s)
	}
	return dt, &ir.Quant{Scale: []float32{s}, ZeroPoint: []int64{zp}}, nil
}

// quantParamsAxis is quantParams for QuantizeLinear and DequantizeLinear of
// a computed tensor x: per tensor, or per axis (attribute axis, default 1)
// with one scale and zero point per index (the IR's per-axis QUANTIZE and
// DEQUANTIZE).
func (c *converter) quantParamsAxis(x *ir.Tensor, si, zi int) (ir.DType, *ir.Quant, error) {
	st := c.in(si)
	if st == nil || st.Shape.Elements() == 1 || len(st.Shape) != 1 || !st.IsConst() || st.DType != ir.Float32 {
		return c.quantParams(si, zi)
	}
	a, err := c.attrInt("axis", 1)
	if err != nil {
		return 0, nil, err
	}
	axis, err := normAxis(int(a), len(x.Shape))
	if err != nil {
		return 0, nil, err
	}
	n := x.Shape[axis]
	scales := st.Float32s()
	if len(scales) != n {
		return 0, nil, fmt.Errorf("input %d (scale) has %d values for axis %d of size %d", si, len(scales), axis, n)
	}
	q := &ir.Quant{Scale: slices.Clone(scales), ZeroPoint: make([]int64, n), Axis: axis}
	for _, s := range scales {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return 0, nil, fmt.Errorf("scale %g is not positive and finite", s)
		}
	}
	dt := ir.UInt8
	if zt := c.in(zi); zt != nil {
		if !zt.IsConst() || zt.Shape.Elements() != n {
			return 0, nil, unsupported("input %d (zero point) must be a constant of the scale's shape", zi)
		}
		v, err := zt.Ints()
		if err != nil {
			return 0, nil, err
		}
		for i, z := range v {
			q.ZeroPoint[i] = int64(z)
		}
		dt = zt.DType
	} else if od, err := c.attrInt("output_dtype", 0); err != nil {
		return 0, nil, err
	} else if od != 0 {
		if dt, err = dtypeOf(int32(od)); err != nil {
			return 0, nil, err
		}
	}
	switch dt {
	case ir.Int8, ir.UInt8, ir.Int16:
	default:
		return 0, nil, unsupported("quantisation to %v is not supported (int8, uint8, int16)", dt.LongName())
	}
	return dt, q, nil
}

// sameQuant reports whether two quantisations are equal.
func sameQuant(a, b *ir.Quant) bool {
	if a == nil || b == nil {
		return a == b
	}
	return (a.Axis == b.Axis || len(a.Scale) == 1) && slices.Equal(a.Scale, b.Scale) && slices.Equal(a.ZeroPoint, b.ZeroPoint)
}

func convQuantizeLinear(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if err := requireFloat(x, "QuantizeLinear"); err != nil {
		return err
	}
	if bs, err := c.attrInt("block_size", 0); err != nil {
		return err
	} else if bs < 0 || bs > 1<<30 {
		return fmt.Errorf("block_size %d out of range", bs)
	} else if bs > 0 {
		return c.blockedQuantize(x, int(bs))
	}
	dt, q, err := c.quantParamsAxis(x, 1, 2)
	if err != nil {
		return err
	}
	// ONNX rounds x / scale half to even (QuantizeRoundHalfEven).
	y := c.emit(ir.Quantize, ir.QuantizeAttrs{Rounding: ir.QuantizeRoundHalfEven}, x)
	y.DType, y.Quant = dt, q
	return c.setOut(0, y)
}

func convDequantizeLinear(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if bs, err := c.attrInt("block_size", 0); err != nil {
		return err
	} else if bs < 0 || bs > 1<<30 {
		return fmt.Errorf("block_size %d out of range", bs)
	} else if bs > 0 {
		return c.blockedDequantize(x, int(bs))
	}
	if x.IsConst() {
		if q := c.quantConst(x); q != nil && len(c.node.Output) > 0 {
			c.qdq.qconst[c.node.Output[0]] = q
		}
		return c.dequantizeConst(x)
	}
	dt, q, err := c.quantParamsAxis(x, 1, 2)
	if err != nil {
		return err
	}
	if x.DType != dt {
		return fmt.Errorf("input is %v, zero point %v", x.DType.LongName(), dt.LongName())
	}
	switch {
	case x.Quant == nil:
		x.Quant = q // a graph input: it carries the parameters now
	case !sameQuant(x.Quant, q):
		return unsupported("DequantizeLinear with other parameters than the QuantizeLinear before it (requantisation outside a QDQ group)")
	}
	if len(c.node.Output) > 0 {
		c.qdq.dqSrc[c.node.Output[0]] = x
	}
	y := c.emit(ir.Dequantize, ir.NoAttrs{}, x)
	y.DType, y.Quant = ir.Float32, nil
	return c.setOut(0, y)
}

// dequantizeConst folds DequantizeLinear of a constant (per-tensor or
// per-axis) into a float32 constant: (q - zp) * scale, as ONNX defines it.
func (c *converter) dequantizeConst(x *ir.Tensor) error {
	st, zt := c.in(1), c.in(2)
	if st == nil || !st.IsConst() || st.DType != ir.Float32 {
		return unsupported("DequantizeLinear's scale must be a float32 constant")
	}
	vals, err := x.Ints()
	if err != nil {
		return err
	}
	scales := st.Float32s()
	zps := make([]int, len(scales))
	if zt != nil {
		if !zt.IsConst() || zt.Shape.Elements() != len(scales) {
			return unsupported("DequantizeLinear's zero point must be a constant of the scale's shape")
		}
		if zps, err = zt.Ints(); err != nil {
			return err
		}
	}
	axis, err := c.attrInt("axis", 1)
	if err != nil {
		return err
	}
	inner, per := 1, 1
	if len(scales) > 1 {
		ax, err := normAxis(int(axis), len(x.Shape))
		if err != nil {
			return err
		}
		if x.Shape[ax] != len(scales) {
			return fmt.Errorf("%d scales for axis %d of %v", len(scales), ax, x.Shape)
		}
		inner = x.Shape[ax+1:].Elements()
		per = len(scales)
	}
	out := make([]float32, len(vals))
	for i, v := range vals {
		ch := (i / inner) % per
		out[i] = float32(v-zps[ch]) * scales[ch]
	}
	return c.setOut(0, c.constant(ir.Float32, x.Shape.Clone(), ir.Float32Data(out)))
}

// qact returns activation input k quantised with the (scale, zero point)
// of inputs si and zi: an int8 tensor already carrying them, or a graph
// input that takes them now.
func (c *converter) qact(k, si, zi int) (*ir.Tensor, error) {
	x, err := c.mustIn(k)
	if err != nil {
		return nil, err
	}
	dt, q, err := c.quantParams(si, zi)
	if err != nil {
		return nil, err
	}
	if x.DType != dt {
		return nil, fmt.Errorf("input %d is %v, its zero point %v", k, x.DType.LongName(), dt.LongName())
	}
	if dt != ir.Int8 {
		return nil, unsupported("%s on %v tensors: the int8 kernels need int8 (a uint8 tensor with zero point z is the int8 tensor with z−128; that conversion is not implemented yet)", c.node.GetOpType(), dt.LongName())
	}
	switch {
	case x.IsConst():
		t := *x
		t.Quant = q
		return c.g.AddTensor(&t), nil
	case x.Quant == nil:
		x.Quant = q // a graph input
	case x.Scale() != q.Scale[0] || int64(x.ZeroPoint()) != q.ZeroPoint[0]:
		return nil, unsupported("input %d is quantised with scale %g zero point %d, the node reads it with %g and %d", k, x.Scale(), x.ZeroPoint(), q.Scale[0], q.ZeroPoint[0])
	}
	return x, nil
}

// qweight returns constant int8 input k with the per-tensor or per-axis
// (axis) scales of input si and zero points of zi, which must be 0.
func (c *converter) qweight(k, si, zi, axis int) (*ir.Tensor, error) {
	w, err := c.mustIn(k)
	if err != nil {
		return nil, err
	}
	if !w.IsConst() {
		return nil, unsupported("input %d (weights) must be a constant", k)
	}
	if w.DType != ir.Int8 {
		return nil, unsupported("%v weights: the int8 kernels need int8 weights", w.DType.LongName())
	}
	st, zt := c.in(si), c.in(zi)
	if st == nil || !st.IsConst() || st.DType != ir.Float32 {
		return nil, unsupported("input %d (weight scale) must be a float32 constant", si)
	}
	scales := st.Float32s()
	q := &ir.Quant{Scale: scales, ZeroPoint: make([]int64, len(scales))}
	if zt != nil {
		z, err := zt.Ints()
		if err != nil {
			return nil, err
		}
		for _, v := range z {
			if v != 0 {
				return nil, unsupported("weights with a non-zero zero point (%d): the int8 kernels need symmetric weights", v)
			}
		}
	}
	if len(scales) > 1 {
		if axis >= len(w.Shape) || w.Shape[axis] != len(scales) {
			return nil, fmt.Errorf("%d weight scales for weights %v", len(scales), w.Shape)
		}
		q.Axis = axis
	}
	t := *w
	t.Quant = q
	return c.g.AddTensor(&t), nil
}

// qbias returns int32 bias input k with scale sx·sw[c].
func (c *converter) qbias(k int, x, w *ir.Tensor) (*ir.Tensor, error) {
	b := c.in(k)
	if b == nil {
		return nil, nil
	}
	if !b.IsConst() || b.DType != ir.Int32 {
		return nil, unsupported("the bias must be an int32 constant")
	}
	n := b.Shape.Elements()
	q := &ir.Quant{Scale: make([]float32, n), ZeroPoint: make([]int64, n)}
	for i := range q.Scale {
		q.Scale[i] = float32(float64(x.Scale()) * float64(w.Quant.ScaleAt(min(i, len(w.Quant.Scale)-1))))
	}
	t := *b
	t.Quant = q
	return c.g.AddTensor(&t), nil
}

// outQuant reads the output (scale, zero point) of inputs si and zi.
func (c *converter) outQuant(si, zi int) (*convOutQuant, error) {
	dt, q, err := c.quantParams(si, zi)
	if err != nil {
		return nil, err
	}
	if dt != ir.Int8 {
		return nil, unsupported("%v output: the int8 kernels need int8 (uint8 → int8 conversion is not implemented yet)", dt.LongName())
	}
	return &convOutQuant{dtype: dt, quant: q}, nil
}

func convQLinearConv(c *converter) error {
	if x, w := c.in(0), c.in(3); x != nil && w != nil && (x.DType == ir.UInt8 || w.DType == ir.UInt8 || c.weightZeroPoint(5)) {
		return c.qlinearConvInt()
	}
	x, err := c.qact(0, 1, 2)
	if err != nil {
		return err
	}
	w, err := c.qweight(3, 4, 5, 0)
	if err != nil {
		return err
	}
	oq, err := c.outQuant(6, 7)
	if err != nil {
		return err
	}
	b, err := c.qbias(8, x, w)
	if err != nil {
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
	return c.conv(x4, w, b, oneD, oq)
}

func convQLinearMatMul(c *converter) error {
	if c.qlinearNeedsInt() {
		return c.qlinearMatMulInt()
	}
	a, err := c.qact(0, 1, 2)
	if err != nil {
		return err
	}
	b, err := c.qweight(3, 4, 5, 1)
	if err != nil {
		return err
	}
	oq, err := c.outQuant(6, 7)
	if err != nil {
		return err
	}
	if len(b.Shape) != 2 {
		return unsupported("QLinearMatMul with a rank-%d B needs BATCH_MATMUL, which the IR does not have", len(b.Shape))
	}
	return c.matmul(a, b, nil, oq)
}

// qlinearNeedsInt reports whether QLinearMatMul needs the integer
// product route (qlinearMatMulInt): a uint8 operand or output, weights
// with a non-zero zero point or not constant, or a B of rank other than 2.
func (c *converter) qlinearNeedsInt() bool {
	a, b := c.in(0), c.in(3)
	if a == nil || b == nil {
		return false
	}
	if a.DType == ir.UInt8 || b.DType == ir.UInt8 || !b.IsConst() || len(b.Shape) != 2 {
		return true
	}
	if zt := c.in(7); zt != nil && zt.DType == ir.UInt8 {
		return true
	}
	return c.weightZeroPoint(5)
}

// weightZeroPoint reports whether constant zero-point input k has a
// non-zero value.
func (c *converter) weightZeroPoint(k int) bool {
	if zt := c.in(k); zt != nil && zt.IsConst() {
		if v, err := zt.Ints(); err == nil {
			for _, z := range v {
				if z != 0 {
					return true
				}
			}
		}
	}
	return false
}

func convQLinearAdd(c *converter) error {
	a, err := c.qact(0, 1, 2)
	if err != nil {
		return err
	}
	b, err := c.qact(3, 4, 5)
	if err != nil {
		return err
	}
	oq, err := c.outQuant(6, 7)
	if err != nil {
		return err
	}
	y, err := c.emitQ(ir.Add, ir.BinaryAttrs{}, oq, a, b)
	if err != nil {
		return err
	}
	return c.setOut(0, y)
}

// requantOut makes output 0 carry oq's parameters, with a requantising
// QUANTIZE when the op produced others.
func (c *converter) requantOut(oq *convOutQuant) {
	name := c.node.Output[0]
	y := c.vals[name]
	if y.Scale() == oq.quant.Scale[0] && int64(y.ZeroPoint()) == oq.quant.ZeroPoint[0] {
		return
	}
	r := c.emit(ir.Quantize, ir.QuantizeAttrs{}, y)
	r.Quant = oq.quant.Clone()
	c.vals[name] = r
}

func convQLinearAvgPool(c *converter) error {
	x, err := c.qact(0, 1, 2)
	if err != nil {
		return err
	}
	oq, err := c.outQuant(3, 4)
	if err != nil {
		return err
	}
	if cl, err := c.attrInt("channels_last", 0); err != nil || cl != 0 {
		return unsupported("QLinearAveragePool with channels_last is not supported")
	}
	if err := c.pool(x, ir.AveragePool2D, &convOutQuant{dtype: x.DType, quant: x.Quant.Clone()}); err != nil {
		return err
	}
	c.requantOut(oq)
	return nil
}

// convQLinearSoftmax: the int8 SOFTMAX when the output is TFLite's (scale
// 1/256, zero point −128), else float softmax between DEQUANTIZE and
// QUANTIZE.
func convQLinearSoftmax(c *converter) error {
	x, err := c.qact(0, 1, 2)
	if err != nil {
		return err
	}
	oq, err := c.outQuant(3, 4)
	if err != nil {
		return err
	}
	if v, err := c.attrInt("opset", 13); err == nil && v < 13 {
		c.opset = v // the attribute says which Softmax semantics apply
	}
	if oq.quant.Scale[0] == 1.0/256 && oq.quant.ZeroPoint[0] == -128 {
		return c.softmax(x, oq)
	}
	f := c.emit(ir.Dequantize, ir.NoAttrs{}, x)
	f.DType, f.Quant = ir.Float32, nil
	if err := c.softmax(f, nil); err != nil {
		return err
	}
	y := c.emit(ir.Quantize, ir.QuantizeAttrs{}, c.vals[c.node.Output[0]])
	y.DType, y.Quant = oq.dtype, oq.quant
	c.vals[c.node.Output[0]] = y
	return nil
}
