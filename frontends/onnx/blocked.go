// Package onnx: blocked DequantizeLinear (block_size), expressed exactly
// with DEQUANTIZE, SUB and MUL, and blocked QuantizeLinear, the IR's
// blocked QUANTIZE.
package onnx

import (
	"fmt"
	"math"

	"github.com/tinygen/tinygen/ir"
)

// maxBlockedElements bounds the input of a blocked DequantizeLinear: its
// scales and zero points are expanded to one float32 per element (two
// arrays of at most 16 MiB each), so a hostile shape cannot make the
// converter allocate without bound.
const maxBlockedElements = 1 << 22

// blockedDequantize converts DequantizeLinear with block_size bs > 0:
// y = (x − zp[b]) · scale[b], where b is x's index with the axis coordinate
// divided by bs. A constant x folds; a graph input x (no quantisation yet)
// becomes DEQUANTIZE with scale 1 and zero point 0 (the codes as float,
// exact), SUB of the zero points expanded to x's shape (exact: small
// integers) and MUL by the expanded scales (the one rounding, as ONNX's
// float32 product). Anything else is refused.
func (c *converter) blockedDequantize(x *ir.Tensor, bs int) error {
	st, zt := c.in(1), c.in(2)
	if st == nil || !st.IsConst() || st.DType != ir.Float32 {
		return unsupported("blocked DequantizeLinear's scale must be a float32 constant")
	}
	if x.DType != ir.Int8 && x.DType != ir.UInt8 && x.DType != ir.Int16 {
		return unsupported("blocked DequantizeLinear of %v is not supported (int8, uint8, int16)", x.DType.LongName())
	}
	if len(st.Shape) != len(x.Shape) {
		return fmt.Errorf("blocked DequantizeLinear: scale shape %v and input shape %v differ in rank", st.Shape, x.Shape)
	}
	axis, err := c.attrInt("axis", 1)
	if err != nil {
		return err
	}
	ax, err := normAxis(int(axis), len(x.Shape))
	if err != nil {
		return err
	}
	for d := range x.Shape {
		want := x.Shape[d]
		if d == ax {
			want = (x.Shape[d] + bs - 1) / bs
		}
		if st.Shape[d] != want {
			return fmt.Errorf("blocked DequantizeLinear: scale shape %v does not fit input %v with block_size %d on axis %d", st.Shape, x.Shape, bs, ax)
		}
	}
	scales := st.Float32s()
	zps := make([]int, len(scales))
	if zt != nil {
		if !zt.IsConst() || !zt.Shape.Equal(st.Shape) {
			return unsupported("blocked DequantizeLinear's zero point must be a constant of the scale's shape")
		}
		if zt.DType != x.DType {
			return fmt.Errorf("input is %v, zero point %v", x.DType.LongName(), zt.DType.LongName())
		}
		if zps, err = zt.Ints(); err != nil {
			return err
		}
	}
	n := x.Shape.Elements()
	if n > maxBlockedElements {
		return unsupported("blocked DequantizeLinear of %d elements: more than the %d whose scales and zero points are expanded", n, maxBlockedElements)
	}
	xs, ss := x.Shape.Strides(), st.Shape.Strides()
	fs, fz := make([]float32, n), make([]float32, n)
	for i := 0; i < n; i++ {
		j, r := 0, i
		for d := range x.Shape {
			k := r / xs[d]
			r %= xs[d]
			if d == ax {
				k /= bs
			}
			j += k * ss[d]
		}
		fs[i], fz[i] = scales[j], float32(zps[j])
	}
	if x.IsConst() {
		vals, err := x.Ints()
		if err != nil {
			return err
		}
		out := make([]float32, n)
		for i, v := range vals {
			out[i] = (float32(v) - fz[i]) * fs[i]
		}
		return c.setOut(0, c.constant(ir.Float32, x.Shape.Clone(), ir.Float32Data(out)))
	}
	if x.Quant != nil {
		return unsupported("blocked DequantizeLinear of a quantised computed tensor is not supported")
	}
	x.Quant = &ir.Quant{Scale: []float32{1}, ZeroPoint: []int64{0}}
	f := c.emit(ir.Dequantize, ir.NoAttrs{}, x)
	f.DType, f.Quant = ir.Float32, nil
	d := c.emit(ir.Sub, ir.BinaryAttrs{}, f, c.constant(ir.Float32, x.Shape.Clone(), ir.Float32Data(fz)))
	d.DType, d.Quant = ir.Float32, nil
	y := c.emit(ir.Mul, ir.BinaryAttrs{}, d, c.constant(ir.Float32, x.Shape.Clone(), ir.Float32Data(fs)))
	y.DType, y.Quant = ir.Float32, nil
	return c.setOut(0, y)
}

// blockScales checks the scale (input 1) of a blocked QuantizeLinear or
// DequantizeLinear against x: a float32 constant of x's rank whose
// dimension axis has ceil(d / bs) entries and the others x's sizes, with
// positive finite values. It returns the scales and the normalised axis.
func (c *converter) blockScales(x *ir.Tensor, bs int, what string) (*ir.Tensor, int, error) {
	st := c.in(1)
	if st == nil || !st.IsConst() || st.DType != ir.Float32 {
		return nil, 0, unsupported("blocked %s's scale must be a float32 constant", what)
	}
	if len(st.Shape) != len(x.Shape) {
		return nil, 0, fmt.Errorf("blocked %s: scale shape %v and input shape %v differ in rank", what, st.Shape, x.Shape)
	}
	axis, err := c.attrInt("axis", 1)
	if err != nil {
		return nil, 0, err
	}
	ax, err := normAxis(int(axis), len(x.Shape))
	if err != nil {
		return nil, 0, err
	}
	for d := range x.Shape {
		want := x.Shape[d]
		if d == ax {
			want = (x.Shape[d] + bs - 1) / bs
		}
		if st.Shape[d] != want {
			return nil, 0, fmt.Errorf("blocked %s: scale shape %v does not fit input %v with block_size %d on axis %d", what, st.Shape, x.Shape, bs, ax)
		}
	}
	for _, s := range st.Float32s() {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return nil, 0, fmt.Errorf("blocked %s: scale %g is not positive and finite", what, s)
		}
	}
	return st, ax, nil
}

// blockedQuantize converts QuantizeLinear with block_size bs > 0 to the
// IR's blocked QUANTIZE: y = saturate(rint(x / scale[b]) + zp[b]) with b
// x's index with the axis coordinate divided by bs, ties to even as ONNX
// defines it. The scales and zero points (zeros of output_dtype, default
// uint8, when absent) stay constants of their blocked shape; the output
// is the raw codes (no quantisation parameters).
func (c *converter) blockedQuantize(x *ir.Tensor, bs int) error {
	st, ax, err := c.blockScales(x, bs, "QuantizeLinear")
	if err != nil {
		return err
	}
	dt := ir.UInt8
	zt := c.in(2)
	if zt != nil {
		if !zt.IsConst() || !zt.Shape.Equal(st.Shape) {
			return unsupported("blocked QuantizeLinear's zero point must be a constant of the scale's shape")
		}
		dt = zt.DType
	} else if od, err := c.attrInt("output_dtype", 0); err != nil {
		return err
	} else if od != 0 {
		if dt, err = dtypeOf(int32(od)); err != nil {
			return err
		}
	}
	switch dt {
	case ir.Int8, ir.UInt8, ir.Int16:
	default:
		return unsupported("blocked QuantizeLinear to %v is not supported (int8, uint8, int16)", dt.LongName())
	}
	if zt == nil {
		zt = c.constant(dt, st.Shape.Clone(), make([]byte, st.Shape.Elements()*dt.Size()))
	} else if zt.Quant != nil || st.Quant != nil {
		return unsupported("blocked QuantizeLinear's scale and zero point must not be quantised tensors")
	}
	y, err := c.emitChecked(ir.Quantize, ir.QuantizeAttrs{Rounding: ir.QuantizeRoundHalfEven, Axis: ax, BlockSize: bs}, x, st, zt)
	if err != nil {
		return err
	}
	y.DType, y.Quant = dt, nil
	return c.setOut(0, y)
}
