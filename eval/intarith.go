// Unquantised integer elementwise arithmetic (ONNX Add, Sub, Mul, Div on
// integer tensors): raw values, wrapping two's complement.

package eval

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// rawIntTypes are the element types of unquantised integer arithmetic.
func rawIntType(dt ir.DType) bool {
	return dt == ir.UInt8 || dt == ir.Int8 || dt == ir.Int16 || dt == ir.Int32
}

// isRawInt reports whether a binary op is unquantised integer arithmetic:
// every operand of one integer type without quantisation parameters.
func isRawInt(op *ir.Op) bool {
	out := op.Outputs[0]
	if !rawIntType(out.DType) || out.Quant != nil {
		return false
	}
	for _, t := range op.Inputs {
		if t == nil || t.DType != out.DType || t.Quant != nil {
			return false
		}
	}
	return true
}

// prepareRawInt prepares ADD, SUB, MUL and DIV on unquantised uint8, int8,
// int16 and int32 tensors with broadcasting: the exact result of the raw
// values, wrapped to the type (two's complement, as ONNX/NumPy); DIV
// truncates toward zero (ONNX integer Div), and gives 0 for a zero divisor
// (undefined in ONNX; NumPy's result). The fused activation must be NONE.
// The element arithmetic is quant.RawIntBinary, which the C kernel
// tg_int_binary reproduces.
func prepareRawInt(op *ir.Op) (kernel, error) {
	x, y, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if a, ok := op.Attrs.(ir.BinaryAttrs); ok && a.Activation != ir.ActNone {
		return nil, fmt.Errorf("%v: fused activation %v on unquantised integers is not supported", op, a.Activation)
	}
	bc, err := newBroadcast(x.Shape, y.Shape, out.Shape)
	if err != nil {
		return nil, err
	}
	f, err := quant.RawIntOp(op.Kind.String())
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	dt := out.DType
	return func(ins [][]byte, o []byte) error {
		n := len(o) / dt.Size()
		for i := 0; i < n; i++ {
			ia, ib := bc.at(i)
			v := quant.RawIntBinary(f, int64(intAt(ins[0], dt, ia)), int64(intAt(ins[1], dt, ib)))
			setIntAt(o, dt, i, quant.WrapInt(v))
		}
		return nil
	}, nil
}
