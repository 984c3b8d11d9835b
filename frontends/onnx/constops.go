// Shape computations on constants: Gather, Cast and all-constant Concat,
// which exporters (PyTorch's Shape → Gather → Unsqueeze → Concat →
// Reshape) use to compute static shapes; the frontend evaluates them so
// that Reshape sees a constant.
package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/tinygen/tinygen/ir"
)

// convGather: Gather on a constant with constant indices is evaluated;
// on a computed tensor, a constant scalar or 1-D index list becomes
// STRIDED_SLICEs (and a CONCATENATION), exact for any element type.
func convGather(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	it, err := c.mustIn(1)
	if err != nil {
		return err
	}
	if !it.IsConst() {
		return unsupported("Gather with computed indices is not supported (no GATHER in the IR)")
	}
	idx, err := it.Ints()
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
	d := x.Shape[ax]
	for i, v := range idx {
		if v < -d || v >= d {
			return fmt.Errorf("index %d out of range for axis %d of size %d", v, ax, d)
		}
		if v < 0 {
			idx[i] = v + d
		}
	}
	// Output shape: x.shape[:ax] + indices.shape + x.shape[ax+1:].
	out := append(append(slices.Clone(x.Shape[:ax]), it.Shape...), x.Shape[ax+1:]...)
	if _, err := ir.Shape(out).NumElements(); err != nil {
		return err
	}
	if x.IsConst() {
		esz := x.DType.Size()
		outer, inner := x.Shape[:ax].Elements(), x.Shape[ax+1:].Elements()*esz
		data := make([]byte, 0, outer*len(idx)*inner)
		for o := 0; o < outer; o++ {
			for _, v := range idx {
				off := (o*d + v) * inner
				data = append(data, x.Data[off:off+inner]...)
			}
		}
		t := c.constant(x.DType, out, data)
		t.Quant = x.Quant.Clone()
		return c.setOut(0, t)
	}
	if len(idx) == 0 || len(idx) > 64 {
		return unsupported("Gather of %d indices from a computed tensor is not supported", len(idx))
	}
	var parts []*ir.Tensor
	for _, v := range idx {
		a := ir.StridedSliceAttrs{Begin: make([]int, r), End: slices.Clone([]int(x.Shape)), Strides: make([]int, r)}
		for j := range a.Strides {
			a.Strides[j] = 1
		}
		a.Begin[ax], a.End[ax] = v, v+1
		parts = append(parts, c.emit(ir.StridedSlice, a, x))
	}
	y := parts[0]
	if len(parts) > 1 {
		y = c.emit(ir.Concatenation, ir.ConcatenationAttrs{Axis: ax}, parts...)
	}
	return c.setOut(0, c.reshape(y, out))
}

// convCast: a constant is converted; a computed tensor only when the type
// does not change.
func convCast(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	to, err := c.attrInt("to", 0)
	if err != nil {
		return err
	}
	if c.opset < 6 {
		if s, err := c.attrString("to", ""); err == nil && s != "" {
			return unsupported("Cast with a string type (opset < 6) is not supported")
		}
	}
	dt, err := dtypeOf(int32(to))
	if err != nil {
		return err
	}
	if dt == x.DType {
		return c.setOut(0, x)
	}
	if !x.IsConst() {
		return unsupported("Cast of a computed tensor from %v to %v is not supported (no CAST in the IR)", x.DType.LongName(), dt.LongName())
	}
	n := x.Shape.Elements()
	data := make([]byte, n*dt.Size())
	for i := 0; i < n; i++ {
		v := constValue(x, i)
		if dt != ir.Float32 {
			lo, hi := dt.Range()
			v = math.Trunc(v)
			if math.IsNaN(v) || v < float64(lo) || v > float64(hi) {
				return unsupported("Cast of the constant value %g to %v is out of range", v, dt.LongName())
			}
		}
		putValue(data, dt, i, v)
	}
	return c.setOut(0, c.constant(dt, x.Shape.Clone(), data))
}

// constValue reads element i of a constant as a float64.
func constValue(t *ir.Tensor, i int) float64 {
	switch t.DType {
	case ir.Float32:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:])))
	case ir.Int8:
		return float64(int8(t.Data[i]))
	case ir.UInt8, ir.Bool:
		return float64(t.Data[i])
	case ir.Int16:
		return float64(int16(binary.LittleEndian.Uint16(t.Data[2*i:])))
	case ir.Int32:
		return float64(int32(binary.LittleEndian.Uint32(t.Data[4*i:])))
	case ir.Int64:
		return float64(int64(binary.LittleEndian.Uint64(t.Data[8*i:])))
	}
	return 0
}

// putValue writes v as element i of data of type dt.
func putValue(data []byte, dt ir.DType, i int, v float64) {
	switch dt {
	case ir.Float32:
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(float32(v)))
	case ir.Int8, ir.UInt8:
		data[i] = byte(int64(v))
	case ir.Bool:
		if v != 0 {
			data[i] = 1
		}
	case ir.Int16:
		binary.LittleEndian.PutUint16(data[2*i:], uint16(int64(v)))
	case ir.Int32:
		binary.LittleEndian.PutUint32(data[4*i:], uint32(int64(v)))
	case ir.Int64:
		binary.LittleEndian.PutUint64(data[8*i:], uint64(int64(v)))
	}
}

// concatConst concatenates constants along axis (nil if any input is not
// a constant).
func (c *converter) concatConst(ins []*ir.Tensor, axis int) *ir.Tensor {
	for _, t := range ins {
		if !t.IsConst() || len(t.Shape) != len(ins[0].Shape) {
			return nil
		}
	}
	out := ins[0].Shape.Clone()
	out[axis] = 0
	for _, t := range ins {
		for d := range out {
			if d != axis && t.Shape[d] != out[d] {
				return nil
			}
		}
		out[axis] += t.Shape[axis]
	}
	esz := ins[0].DType.Size()
	outer := out[:axis].Elements()
	var data []byte
	for o := 0; o < outer; o++ {
		for _, t := range ins {
			chunk := t.Shape[axis:].Elements() * esz
			data = append(data, t.Data[o*chunk:(o+1)*chunk]...)
		}
	}
	if data == nil {
		data = []byte{}
	}
	return c.constant(ins[0].DType, out, data)
}
