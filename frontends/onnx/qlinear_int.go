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
	y = c.tagQuant(y, &ir.Quant{Scale: []float32{float32(float64(sa) * float64(sb))}, ZeroPoint: []int64{0}})
	q8 := oq.Clone()
	if dt == ir.UInt8 {
		q8.ZeroPoint[0] -= 128
	}
	r := c.emit(ir.Quantize, ir.NoAttrs{}, y)
	r.DType, r.Quant = ir.Int8, q8
	if dt == ir.UInt8 {
		r = c.emit(ir.Quantize, ir.NoAttrs{}, r)
		r.DType, r.Quant = ir.UInt8, oq
	}
	return c.setOut(0, r)
}
