// QuantizeLinear, DequantizeLinear and the QOperator ops (QLinearConv,
// QLinearMatMul and ONNX Runtime's com.microsoft QLinear ops).
package onnx

import (
	"fmt"

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

func (c *converter) blocked() error {
	if bs, err := c.attrInt("block_size", 0); err != nil || bs != 0 {
		return unsupported("blocked quantisation (block_size) is not supported")
	}
	return nil
}

func convQuantizeLinear(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if err := requireFloat(x, "QuantizeLinear"); err != nil {
		return err
	}
	if err := c.blocked(); err != nil {
		return err
	}
	dt, q, err := c.quantParams(1, 2)
	if err != nil {
		return err
	}
	y := c.emit(ir.Quantize, ir.NoAttrs{}, x)
	y.DType, y.Quant = dt, q
	return c.setOut(0, y)
}

func convDequantizeLinear(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	if err := c.blocked(); err != nil {
		return err
	}
	if x.IsConst() {
		return c.dequantizeConst(x)
	}
	dt, q, err := c.quantParams(1, 2)
	if err != nil {
		return err
	}
	if x.DType != dt {
		return fmt.Errorf("input is %v, zero point %v", x.DType.LongName(), dt.LongName())
	}
	switch {
	case x.Quant == nil:
		x.Quant = q // a graph input: it carries the parameters now
	case x.Scale() != q.Scale[0] || x.ZeroPoint() != int32(q.ZeroPoint[0]):
		return unsupported("DequantizeLinear with other parameters than the QuantizeLinear before it (requantisation outside a QDQ group)")
	}
	return c.setOut(0, c.emit(ir.Dequantize, ir.NoAttrs{}, x))
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

func convQLinearConv(c *converter) error {
	return unsupported("QLinearConv is not supported yet")
}

func convQLinearMatMul(c *converter) error {
	return unsupported("QLinearMatMul is not supported yet")
}

func convQLinearAdd(c *converter) error {
	return unsupported("QLinearAdd is not supported yet")
}

func convQLinearAvgPool(c *converter) error {
	return unsupported("QLinearAveragePool is not supported yet")
}

func convQLinearSoftmax(c *converter) error {
	return unsupported("QLinearSoftmax is not supported yet")
}
