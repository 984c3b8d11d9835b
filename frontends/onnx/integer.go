// MatMulInteger and ConvInteger: 8-bit operands, int32 sums, no
// requantisation (integer BATCH_MATMUL and CONV_2D).

package onnx

import (
	"fmt"
	"slices"

	"github.com/tinygen/tinygen/ir"
)

// intZeroPoints reads the optional constant zero point input k of an 8-bit
// operand t: one value, or n values (one per column or output channel)
// when perAxis. nil means all zero.
func (c *converter) intZeroPoints(k int, t *ir.Tensor, n int, perAxis bool) ([]int64, error) {
	zt := c.in(k)
	if zt == nil {
		return nil, nil
	}
	if zt.DType != t.DType {
		return nil, fmt.Errorf("input %d (zero point) is %v, its operand %v", k, zt.DType.LongName(), t.DType.LongName())
	}
	v, err := c.constInts(k)
	if err != nil {
		return nil, err
	}
	switch {
	case len(v) == 1:
	case perAxis && len(v) == n:
	default:
		want := "1"
		if perAxis {
			want = fmt.Sprintf("1 or %d", n)
		}
		return nil, unsupported("input %d (zero point) has %d values, tinygen takes %s", k, len(v), want)
	}
	out := make([]int64, len(v))
	allZero := true
	for i, x := range v {
		out[i] = int64(x)
		allZero = allZero && x == 0
	}
	if allZero {
		return nil, nil
	}
	return out, nil
}

// withZeroPoints returns t carrying zero points zp along axis (scale 1,
// which the integer kernels ignore): a constant is re-tagged, a computed
// tensor goes through an identity RESHAPE whose output is tagged (the
// input may have other readers).
func (c *converter) withZeroPoints(t *ir.Tensor, zp []int64, axis int) *ir.Tensor {
	if zp == nil {
		return t
	}
	q := &ir.Quant{Scale: make([]float32, len(zp)), ZeroPoint: slices.Clone(zp), Axis: axis}
	for i := range q.Scale {
		q.Scale[i] = 1
	}
	if len(zp) == 1 {
		q.Axis = 0
	}
	var r *ir.Tensor
	if t.IsConst() {
		r = c.constant(t.DType, t.Shape.Clone(), t.Data)
	} else {
		r = c.emit(ir.Reshape, ir.ReshapeAttrs{NewShape: slices.Clone(t.Shape)}, t)
	}
	r.Quant = q
	return r
}

// is8bit reports whether t is an unquantised uint8 or int8 tensor.
func is8bit(t *ir.Tensor) bool {
	return (t.DType == ir.UInt8 || t.DType == ir.Int8) && t.Quant == nil
}

// convMatMulInteger: MatMulInteger as integer BATCH_MATMUL (A's zero point
// per tensor, B's per tensor or per column).
func convMatMulInteger(c *converter) error {
	a, err := c.mustIn(0)
	if err != nil {
		return err
	}
	b, err := c.mustIn(1)
	if err != nil {
		return err
	}
	if !is8bit(a) || !is8bit(b) {
		return fmt.Errorf("MatMulInteger takes uint8 or int8 operands, not %v and %v", a.DType.LongName(), b.DType.LongName())
	}
	if len(a.Shape) == 0 || len(b.Shape) == 0 {
		return fmt.Errorf("MatMulInteger of scalars")
	}
	az, err := c.intZeroPoints(2, a, 1, false)
	if err != nil {
		return err
	}
	n := b.Shape[len(b.Shape)-1]
	if len(b.Shape) == 1 {
		n = 1
	}
	bz, err := c.intZeroPoints(3, b, n, len(b.Shape) >= 2)
	if err != nil {
		return err
	}
	a = c.withZeroPoints(a, az, 0)
	b = c.withZeroPoints(b, bz, len(b.Shape)-1)
	i32 := ir.Int32
	y, err := c.batchMatMul(a, b, ir.BatchMatMulAttrs{}, &i32)
	if err != nil {
		return err
	}
	return c.setOut(0, y)
}

// convConvInteger: ConvInteger as integer CONV_2D (x's zero point per
// tensor, w's per tensor or per output channel). Padding is explicit: the
// kernel skips padded taps, which is padding with x's zero point.
func convConvInteger(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	w, err := c.mustIn(1)
	if err != nil {
		return err
	}
	if !is8bit(x) || !is8bit(w) {
		return fmt.Errorf("ConvInteger takes uint8 or int8 operands, not %v and %v", x.DType.LongName(), w.DType.LongName())
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
	xz, err := c.intZeroPoints(2, x, 1, false)
	if err != nil {
		return err
	}
	wz, err := c.intZeroPoints(3, w, w.Shape[0], true)
	if err != nil {
		return err
	}
	_, win, err := c.convWindow(x4, w, oneD, "ConvInteger")
	if err != nil {
		return err
	}
	xh := c.withZeroPoints(c.permute(x4, toNHWC), xz, 0)
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
	return c.finishSpatial(y, oneD)
}
