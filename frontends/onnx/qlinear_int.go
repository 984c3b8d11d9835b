// QLinearMatMul that the int8 kernels cannot take directly (uint8
// operands, weights with non-zero zero points, an N-D B): the integer
// matrix product (MatMulInteger's BATCH_MATMUL) and a requantising
// QUANTIZE of its int32 sums.

package onnx

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
)

// tagQuant returns t carrying quantisation q: a constant is re-tagged, a
// computed tensor goes through an identity RESHAPE whose output is tagged.
func (c *converter) tagQuant(t *ir.Tensor, q *ir.Quant) *ir.Tensor {
	var r *ir.Tensor
	if t.IsConst() {
		r = c.constant(t.DType, t.Shape.Clone(), t.Data)
	} else {
		r = c.emit(ir.Reshape, ir.ReshapeAttrs{NewShape: append([]int(nil), t.Shape...)}, t)
	}
	r.Quant = q
	return r
}

// intOperand returns 8-bit operand k with the zero point of input zi (scale
// of input si, per tensor) for the integer kernels, and that scale. A
// tensor that already carries quantisation must carry the same.
func (c *converter) intOperand(k, si, zi int, perColumn bool) (*ir.Tensor, float32, error) {
	x, err := c.mustIn(k)
	if err != nil {
		return nil, 0, err
	}
	st := c.in(si)
	if st == nil || !st.IsConst() || st.DType != ir.Float32 || st.Shape.Elements() != 1 {
		return nil, 0, unsupported("input %d (scale) must be a float32 constant scalar here (per-axis scales need per-channel requantisation of the integer product)", si)
	}
	s := st.Float32s()[0]
	if !(s > 0) {
		return nil, 0, fmt.Errorf("input %d (scale) %g is not positive", si, s)
	}
	if x.DType != ir.UInt8 && x.DType != ir.Int8 {
		return nil, 0, fmt.Errorf("input %d is %v, want uint8 or int8", k, x.DType.LongName())
	}
	if x.Quant != nil {
		_, q, err := c.quantParams(si, zi)
		if err != nil {
			return nil, 0, err
		}
		if x.Quant.PerChannel() || x.Scale() != q.Scale[0] || int64(x.ZeroPoint()) != q.ZeroPoint[0] {
			return nil, 0, unsupported("input %d is quantised with scale %g zero point %d, the node reads it with %g and %d", k, x.Scale(), x.ZeroPoint(), q.Scale[0], q.ZeroPoint[0])
		}
		return x, s, nil
	}
	n := 1
	if perColumn && len(x.Shape) >= 2 {
		n = x.Shape[len(x.Shape)-1]
	}
	zp, err := c.intZeroPoints(zi, x, n, perColumn && len(x.Shape) >= 2)
	if err != nil {
		return nil, 0, err
	}
	return c.withZeroPoints(x, zp, len(x.Shape)-1), s, nil
}

// qlinearMatMulInt lowers QLinearMatMul as BATCH_MATMUL to int32 (scale
// sa·sb, zero point 0) and QUANTIZE to the output's parameters with
// TFLite's requantisation (one more QUANTIZE, exact, for a uint8 output:
// uint8 with zero point z is int8 with z−128).
func (c *converter) qlinearMatMulInt() error {
	a, sa, err := c.intOperand(0, 1, 2, false)
	if err != nil {
		return err
	}
	b, sb, err := c.intOperand(3, 4, 5, true)
	if err != nil {
		return err
	}
	dt, oq, err := c.quantParams(6, 7)
	if err != nil {
		return err
	}
	if dt != ir.Int8 && dt != ir.UInt8 {
		return unsupported("QLinearMatMul with a %v output", dt.LongName())
	}
	i32 := ir.Int32
	y, err := c.batchMatMul(a, b, ir.BatchMatMulAttrs{}, &i32)
	if err != nil {
		return err
	}
	return c.setOut(0, c.requantizeInt32(y, sa, sb, dt, oq))
}

// requantizeInt32 tags the int32 sums y with scale sx·sw and requantises
// them to output parameters (dt, oq) of inputs: QUANTIZE to int8 and, for
// uint8, one exact QUANTIZE more.
func (c *converter) requantizeInt32(y *ir.Tensor, sx, sw float32, dt ir.DType, oq *ir.Quant) *ir.Tensor {
	y = c.tagQuant(y, &ir.Quant{Scale: []float32{float32(float64(sx) * float64(sw))}, ZeroPoint: []int64{0}})
	q8 := oq.Clone()
	if dt == ir.UInt8 {
		q8.ZeroPoint[0] -= 128
	}
	r := c.emit(ir.Quantize, ir.QuantizeAttrs{}, y)
	r.DType, r.Quant = ir.Int8, q8
	if dt == ir.UInt8 {
		r = c.emit(ir.Quantize, ir.QuantizeAttrs{}, r)
		r.DType, r.Quant = ir.UInt8, oq
	}
	return r
}

// qlinearConvInt lowers QLinearConv with uint8 tensors or a weight zero
// point as ConvInteger's CONV_2D to int32, an int32 ADD of the bias and
// requantizeInt32 (per-tensor weight scale only).
func (c *converter) qlinearConvInt() error {
	x, sx, err := c.intOperand(0, 1, 2, false)
	if err != nil {
		return err
	}
	w, err := c.mustIn(3)
	if err != nil {
		return err
	}
	st := c.in(4)
	if st == nil || !st.IsConst() || st.DType != ir.Float32 || st.Shape.Elements() != 1 {
		return unsupported("QLinearConv with uint8 tensors or a weight zero point and per-channel weight scales is not supported")
	}
	sw := st.Float32s()[0]
	if !(sw > 0) {
		return fmt.Errorf("input 4 (weight scale) %g is not positive", sw)
	}
	if w.DType != ir.UInt8 && w.DType != ir.Int8 {
		return fmt.Errorf("weights are %v, want uint8 or int8", w.DType.LongName())
	}
	if len(w.Shape) != len(x.Shape) || len(x.Shape) != 4 {
		return unsupported("QLinearConv with uint8 tensors: 2-D convolutions only (weights %v, input %v)", w.Shape, x.Shape)
	}
	wz, err := c.intZeroPoints(5, w, w.Shape[0], true)
	if err != nil {
		return err
	}
	dt, oq, err := c.quantParams(6, 7)
	if err != nil {
		return err
	}
	if dt != ir.Int8 && dt != ir.UInt8 {
		return unsupported("QLinearConv with a %v output", dt.LongName())
	}
	var bias *ir.Tensor
	if b := c.in(8); b != nil {
		if !b.IsConst() || b.DType != ir.Int32 || b.Shape.Elements() != w.Shape[0] {
			return unsupported("the bias must be an int32 constant with one value per output channel")
		}
		bias = b
	}
	group, err := c.attrInt("group", 1)
	if err != nil {
		return err
	}
	C, O, I := x.Shape[1], w.Shape[0], w.Shape[1]
	if group < 1 || int64(C) != int64(I)*group || int64(O)%group != 0 {
		return fmt.Errorf("weights %v do not fit input %v with %d groups", w.Shape, x.Shape, group)
	}
	win, err := c.readWindow([2]int{x.Shape[2], x.Shape[3]}, [2]int{w.Shape[2], w.Shape[3]}, false)
	if err != nil {
		return err
	}
	if win.ceilMode {
		return fmt.Errorf("QLinearConv has no ceil_mode")
	}
	xh := c.permute(x, toNHWC)
	if xh.Quant == nil && x.Quant != nil {
		xh = c.tagQuant(xh, x.Quant.Clone())
	}
	f := c.withZeroPoints(c.permute(w, []int{0, 2, 3, 1}), wz, 0) // OIHW → OHWI
	attrs := ir.Conv2DAttrs{Padding: ir.PadValid, StrideH: win.s[0], StrideW: win.s[1], DilationH: win.d[0], DilationW: win.d[1]}
	if !win.zeroPads() {
		attrs.Padding = ir.PadExplicit
		attrs.PadTop, attrs.PadLeft, attrs.PadBottom, attrs.PadRight = win.pb[0], win.pb[1], win.pe[0], win.pe[1]
	}
	y, err := c.emitChecked(ir.Conv2D, attrs, xh, f)
	if err != nil {
		return err
	}
	y.DType, y.Quant = ir.Int32, nil
	if bias != nil {
		bt := c.constant(ir.Int32, ir.Shape{O}, bias.Data)
		if y, err = c.emitChecked(ir.Add, ir.BinaryAttrs{}, y, bt); err != nil {
			return err
		}
	}
	return c.finishSpatial(c.requantizeInt32(y, sx, sw, dt, oq), false)
}
