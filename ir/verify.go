package ir

import (
	"errors"
	"fmt"
	"math"
	"reflect"
)

// Verify checks that the graph is well formed: tensors have valid types,
// shapes, quantisation and constant data; every op has the attribute type
// and arity of its kind, reads only values defined before it (graph inputs,
// constants or earlier ops' outputs: Ops is a topological order) and
// produces outputs whose shapes and types agree with its inputs; each
// tensor is produced once; no graph input is listed twice; the graph's
// outputs are defined (an output may be listed twice or be a graph input:
// each listing is a copy of the same value). It returns all
// problems found, joined, each naming the op or tensor.
func (g *Graph) Verify() error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	known := make(map[*Tensor]bool, len(g.Tensors))
	for i, t := range g.Tensors {
		if t == nil {
			fail("tensor slot %d is nil", i)
			continue
		}
		if t.ID != i {
			fail("tensor %v is at index %d", t, i)
		}
		known[t] = true
		if err := verifyTensor(t); err != nil {
			errs = append(errs, fmt.Errorf("tensor %v: %w", t, err))
		}
	}
	defined := map[*Tensor]bool{}
	for _, t := range g.Tensors {
		if t != nil && t.IsConst() {
			defined[t] = true
		}
	}
	for _, t := range g.Inputs {
		switch {
		case !known[t]:
			fail("graph input %v is not in the tensor list", t)
		case t.IsConst():
			fail("graph input %v is a constant", t)
		case defined[t]:
			// Two buffers for one value: which one the graph reads
			// is up to the consumer, so no consumer can run it.
			fail("graph input %v is listed twice", t)
		}
		defined[t] = true
	}
	for _, o := range g.Ops {
		for i, t := range o.Inputs {
			if t == nil {
				continue
			}
			if !known[t] {
				fail("%v: input %d %v is not in the tensor list", o, i, t)
			} else if !defined[t] {
				fail("%v: input %d %v is used before it is defined (or never defined)", o, i, t)
			}
		}
		for i, t := range o.Outputs {
			switch {
			case t == nil:
				fail("%v: output %d is missing", o, i)
				continue
			case !known[t]:
				fail("%v: output %d %v is not in the tensor list", o, i, t)
			case defined[t]:
				fail("%v: output %d %v is already defined (a constant, graph input or another op's output)", o, i, t)
			}
			defined[t] = true
		}
		if len(errs) == 0 {
			if err := verifyOp(o); err != nil {
				errs = append(errs, fmt.Errorf("%v: %w", o, err))
			}
		}
	}
	for _, t := range g.Outputs {
		if !known[t] {
			fail("graph output %v is not in the tensor list", t)
		} else if !defined[t] {
			fail("graph output %v is never defined", t)
		}
	}
	return errors.Join(errs...)
}

func verifyTensor(t *Tensor) error {
	if t.DType.Size() == 0 {
		return fmt.Errorf("invalid dtype %v", t.DType)
	}
	n, err := t.Shape.NumElements()
	if err != nil {
		return err
	}
	if t.Data != nil && len(t.Data) != n*t.DType.Size() {
		return fmt.Errorf("constant has %d bytes, shape %v of %v needs %d", len(t.Data), t.Shape, t.DType, n*t.DType.Size())
	}
	q := t.Quant
	if q == nil {
		return nil
	}
	if !t.DType.IsQuantizable() {
		return fmt.Errorf("%v tensor has quantisation parameters", t.DType)
	}
	if len(q.Scale) == 0 || len(q.Scale) != len(q.ZeroPoint) {
		return fmt.Errorf("quantisation has %d scales and %d zero points", len(q.Scale), len(q.ZeroPoint))
	}
	if len(q.Scale) > 1 {
		if q.Axis < 0 || q.Axis >= len(t.Shape) {
			return fmt.Errorf("quantised dimension %d out of range for shape %v", q.Axis, t.Shape)
		}
		if t.Shape[q.Axis] != len(q.Scale) {
			return fmt.Errorf("%d per-channel scales for dimension %d of size %d", len(q.Scale), q.Axis, t.Shape[q.Axis])
		}
	}
	lo, hi := t.DType.Range()
	for i, s := range q.Scale {
		if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) || s < 0 {
			return fmt.Errorf("scale %d is %v", i, s)
		}
		if zp := q.ZeroPoint[i]; zp < lo || zp > hi {
			return fmt.Errorf("zero point %d is %d, outside %v range", i, zp, t.DType)
		}
	}
	return nil
}

// arity gives the minimum and maximum number of inputs of each kind
// (max -1: unbounded) and the attribute type it carries.
type opSpec struct {
	minIn, maxIn int
	attrs        reflect.Type
}

func specOf(k OpKind) opSpec {
	at := reflect.TypeOf(NewAttrs(k)).Elem()
	switch k {
	case Conv2D, DepthwiseConv2D, FullyConnected:
		return opSpec{2, 3, at}
	case Add, Sub, Mul, Div, Maximum, Minimum, BatchMatMul, Prelu:
		return opSpec{2, 2, at}
	case Concatenation:
		return opSpec{1, -1, at}
	case Quantize:
		return opSpec{1, 3, at}
	}
	return opSpec{1, 1, at}
}

func verifyOp(o *Op) error {
	if o.Kind == InvalidOp || o.Kind >= numOpKinds {
		return fmt.Errorf("invalid operator kind")
	}
	sp := specOf(o.Kind)
	if o.Attrs == nil || reflect.TypeOf(o.Attrs) != sp.attrs {
		return fmt.Errorf("attributes are %T, want %v", o.Attrs, sp.attrs)
	}
	if len(o.Inputs) < sp.minIn || (sp.maxIn >= 0 && len(o.Inputs) > sp.maxIn) {
		return fmt.Errorf("has %d inputs", len(o.Inputs))
	}
	for i := 0; i < sp.minIn; i++ {
		if o.Inputs[i] == nil {
			return fmt.Errorf("required input %d is missing", i)
		}
	}
	if len(o.Outputs) != 1 {
		return fmt.Errorf("has %d outputs, want 1", len(o.Outputs))
	}
	want, err := InferShape(o)
	if err != nil {
		return err
	}
	if out := o.Outputs[0]; !out.Shape.Equal(want) {
		return fmt.Errorf("output %v has shape %v, inputs give %v", out, out.Shape, want)
	}
	return verifyTypes(o)
}

func verifyTypes(o *Op) error {
	in, out := o.Inputs[0], o.Outputs[0]
	switch o.Kind {
	case Quantize:
		return verifyQuantize(o)
	case Dequantize:
		if out.DType != Float32 {
			return fmt.Errorf("output %v must be float32", out)
		}
		if in.Quant == nil {
			return fmt.Errorf("input %v must be quantised", in)
		}
		return nil
	}
	for i, t := range o.Inputs {
		if t == nil || t.DType == out.DType {
			continue
		}
		weight := (o.Kind == Conv2D || o.Kind == DepthwiseConv2D || o.Kind == FullyConnected) && i >= 1
		// TFLM's int8 softmax may also write int16 probabilities.
		softmax16 := o.Kind == Softmax && t.DType == Int8 && out.DType == Int16
		// ONNX MatMulInteger/ConvInteger: 8-bit operands, int32 sums.
		intAcc := (o.Kind == BatchMatMul || o.Kind == Conv2D) && out.DType == Int32 && out.Quant == nil &&
			(t.DType == Int8 || t.DType == UInt8)
		if !weight && !softmax16 && !intAcc {
			return fmt.Errorf("input %d %v is %v but output %v is %v", i, t, t.DType, out, out.DType)
		}
	}
	small := out.DType == Int8 || out.DType == UInt8 || out.DType == Int16
	if small && out.Quant == nil && o.Kind != Reshape && o.Kind != Squeeze &&
		o.Kind != Transpose && o.Kind != StridedSlice && o.Kind != Pad && o.Kind != Concatenation &&
		o.Kind != Maximum && o.Kind != Minimum && o.Kind != DepthToSpace && o.Kind != ResizeNearestNeighbor &&
		!(rawIntArith(o.Kind) && unquantised(o)) {
		return fmt.Errorf("output %v is %v without quantisation parameters", out, out.DType)
	}
	return nil
}

// rawIntArith reports whether k has unquantised integer semantics when no
// operand is quantised (docs/operators.md).
func rawIntArith(k OpKind) bool { return k == Add || k == Sub || k == Mul || k == Div }

// unquantised reports whether no operand of o has quantisation parameters.
func unquantised(o *Op) bool {
	for _, t := range append(append([]*Tensor{}, o.Inputs...), o.Outputs...) {
		if t != nil && t.Quant != nil {
			return false
		}
	}
	return true
}
