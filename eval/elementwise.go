package eval

import (
	"encoding/binary"
	"fmt"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// maxBroadcastRank is the largest rank TFLM's broadcasting kernels
// (BroadcastAdd6DSlow, BroadcastSub6DSlow, BroadcastMul6DSlow) accept.
const maxBroadcastRank = 6

// broadcast maps every output element of a binary op to its two input
// elements, NumPy style: shapes are aligned at the last dimension and size-1
// dimensions repeat. A nil map means the input has the output's shape.
type broadcast struct {
	a, b []int32
}

// newBroadcast precomputes the index maps for inputs of shapes as and bs
// and the output shape out (which Verify already checked to be their
// broadcast). The arithmetic per element does not depend on whether
// broadcasting happens, as in TFLM, so this mapping reproduces
// BroadcastAdd6DSlow and friends exactly.
func newBroadcast(as, bs, out ir.Shape) (broadcast, error) {
	var bc broadcast
	if as.Equal(out) && bs.Equal(out) {
		return bc, nil
	}
	if len(out) > maxBroadcastRank {
		return bc, fmt.Errorf("broadcasting rank-%d shapes %v and %v: TFLM broadcasts up to rank %d", len(out), as, bs, maxBroadcastRank)
	}
	bc.a = broadcastIndex(as, out)
	bc.b = broadcastIndex(bs, out)
	return bc, nil
}

// broadcastIndex returns, for every output element in row-major order, the
// index of the input element it reads (nil if in equals out).
func broadcastIndex(in, out ir.Shape) []int32 {
	if in.Equal(out) {
		return nil
	}
	r := len(out)
	st := make([]int, r) // input stride per output dimension, 0 if repeated
	ist := in.Strides()
	for i := 0; i < r; i++ {
		j := i - (r - len(in))
		if j >= 0 && in[j] != 1 {
			st[i] = ist[j]
		}
	}
	n := out.Elements()
	idx := make([]int32, n)
	ctr := make([]int, r)
	off := 0
	for o := 0; o < n; o++ {
		idx[o] = int32(off)
		for d := r - 1; d >= 0; d-- {
			ctr[d]++
			off += st[d]
			if ctr[d] < out[d] {
				break
			}
			off -= st[d] * ctr[d]
			ctr[d] = 0
		}
	}
	return idx
}

// at returns the input indices of output element o.
func (bc *broadcast) at(o int) (int, int) {
	ia, ib := o, o
	if bc.a != nil {
		ia = int(bc.a[o])
	}
	if bc.b != nil {
		ib = int(bc.b[o])
	}
	return ia, ib
}

// prepareArith prepares ADD, SUB and MUL, int8/int16 and float32, with
// broadcasting. Integer paths reproduce CalculateOpDataAdd (tensorflow/lite/
// micro/kernels/add_common.cc), CalculateOpDataSub (sub_common.cc) and
// CalculateOpDataMul (mul_common.cc) through quant.PrepareAdd/PrepareSub/
// PrepareMul, and the per-element arithmetic of AddFunc (tensorflow/lite/
// kernels/internal/reference/integer_ops/add.h), SubElementwise (reference/
// sub.h) and MulElementwise (reference/integer_ops/mul.h) through
// quant.AddElement/SubElement/MulElement (§7, §8). Float paths compute one
// float32 a+b, a−b or a·b per element and clamp with the fused activation
// (reference/add.h, sub.h, mul.h; §14.2).
func prepareArith(op *ir.Op) (kernel, error) {
	if isRawInt(op) {
		return prepareRawInt(op)
	}
	x, y, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	act := op.Attrs.(ir.BinaryAttrs).Activation
	bc, err := newBroadcast(x.Shape, y.Shape, out.Shape)
	if err != nil {
		return nil, err
	}
	if x.DType != out.DType || y.DType != out.DType {
		return nil, unsupportedTypes(op)
	}
	switch out.DType {
	case ir.Float32:
		lo, hi := quant.FloatActivationRange(act)
		var f func(a, b float32) float32
		switch op.Kind {
		case ir.Add:
			f = func(a, b float32) float32 { return a + b }
		case ir.Sub:
			f = func(a, b float32) float32 { return a - b }
		default:
			f = func(a, b float32) float32 { return a * b }
		}
		return func(ins [][]byte, o []byte) error {
			n := len(o) / 4
			for i := 0; i < n; i++ {
				ia, ib := bc.at(i)
				setF32At(o, i, quant.ClampFloat(f(f32At(ins[0], ia), f32At(ins[1], ib)), lo, hi))
			}
			return nil
		}, nil
	case ir.Int8, ir.Int16:
		s1, z1, err := tensorQuant(op, x, "input 1")
		if err != nil {
			return nil, err
		}
		s2, z2, err := tensorQuant(op, y, "input 2")
		if err != nil {
			return nil, err
		}
		so, zo, err := tensorQuant(op, out, "output")
		if err != nil {
			return nil, err
		}
		var f func(a, b int32) int32
		switch op.Kind {
		case ir.Add, ir.Sub:
			prep := quant.PrepareAdd
			if op.Kind == ir.Sub {
				prep = quant.PrepareSub
			}
			p, err := prep(s1, s2, so, z1, z2, zo, act, out.DType)
			if err != nil {
				return nil, err
			}
			if op.Kind == ir.Add {
				f = func(a, b int32) int32 { return quant.AddElement(p, a, b) }
			} else {
				f = func(a, b int32) int32 { return quant.SubElement(p, a, b) }
			}
		default:
			p, err := quant.PrepareMul(s1, s2, so, z1, z2, zo, act, out.DType)
			if err != nil {
				return nil, err
			}
			f = func(a, b int32) int32 { return quant.MulElement(p, a, b) }
		}
		dt := out.DType
		return func(ins [][]byte, o []byte) error {
			a, b := decodeInts(ins[0], dt, 0), decodeInts(ins[1], dt, 0)
			n := len(o) / dt.Size()
			for i := 0; i < n; i++ {
				ia, ib := bc.at(i)
				setIntAt(o, dt, i, f(a[ia], b[ib]))
			}
			return nil
		}, nil
	}
	return nil, unsupportedTypes(op)
}

// prepareMinMax prepares MAXIMUM and MINIMUM for float32, int8, uint8,
// int16, int32 and int64, with broadcasting. It reproduces
// tensorflow/lite/micro/kernels/maximum_minimum.cc (MaximumOp: el1 > el2 ?
// el1 : el2; MinimumOp: el1 < el2 ? el1 : el2) over
// reference_ops::MaximumMinimumBroadcastSlow. Quantized inputs are compared
// as raw codes and copied unchanged: TFLM does not requantize or check the
// quantisation parameters. For floats a NaN second operand wins and a NaN
// first operand loses, as the C++ comparison gives.
func prepareMinMax(op *ir.Op) (kernel, error) {
	x, y, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if x.DType != out.DType || y.DType != out.DType {
		return nil, unsupportedTypes(op)
	}
	bc, err := newBroadcast(x.Shape, y.Shape, out.Shape)
	if err != nil {
		return nil, err
	}
	isMax := op.Kind == ir.Maximum
	dt := out.DType
	var firstWins func(a, b []byte, ia, ib int) bool
	switch dt {
	case ir.Float32:
		firstWins = func(a, b []byte, ia, ib int) bool {
			u, v := f32At(a, ia), f32At(b, ib)
			if isMax {
				return u > v
			}
			return u < v
		}
	case ir.Int8, ir.UInt8, ir.Int16, ir.Int32:
		firstWins = func(a, b []byte, ia, ib int) bool {
			u, v := intAt(a, dt, ia), intAt(b, dt, ib)
			if isMax {
				return u > v
			}
			return u < v
		}
	case ir.Int64:
		firstWins = func(a, b []byte, ia, ib int) bool {
			u := int64(binary.LittleEndian.Uint64(a[8*ia:]))
			v := int64(binary.LittleEndian.Uint64(b[8*ib:]))
			if isMax {
				return u > v
			}
			return u < v
		}
	default:
		return nil, unsupportedTypes(op)
	}
	esz := dt.Size()
	return func(ins [][]byte, o []byte) error {
		n := len(o) / esz
		for i := 0; i < n; i++ {
			ia, ib := bc.at(i)
			if firstWins(ins[0], ins[1], ia, ib) {
				copy(o[i*esz:(i+1)*esz], ins[0][ia*esz:])
			} else {
				copy(o[i*esz:(i+1)*esz], ins[1][ib*esz:])
			}
		}
		return nil
	}, nil
}
