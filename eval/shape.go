package eval

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
)

// Data-movement operators. They copy raw element bytes and work for every
// element type; none requantizes (numerics.md §12).

// prepareCopy prepares RESHAPE and SQUEEZE: the bytes are copied unchanged,
// even when the output lists other quantisation parameters, as
// tensorflow/lite/micro/kernels/reshape.cc and squeeze.cc do (§12.2).
func prepareCopy(op *ir.Op) (kernel, error) {
	if op.Inputs[0].DType != op.Outputs[0].DType {
		return nil, unsupportedTypes(op)
	}
	return func(ins [][]byte, o []byte) error {
		copy(o, ins[0])
		return nil
	}, nil
}

// gather returns the kernel out[i] = in[idx[i]] on elements of esz bytes.
func gather(idx []int32, esz int) kernel {
	if esz == 1 {
		return func(ins [][]byte, o []byte) error {
			in := ins[0]
			for i, s := range idx {
				o[i] = in[s]
			}
			return nil
		}
	}
	return func(ins [][]byte, o []byte) error {
		in := ins[0]
		for i, s := range idx {
			copy(o[i*esz:(i+1)*esz], in[int(s)*esz:int(s+1)*esz])
		}
		return nil
	}
}

// quantKey is a tensor's per-tensor quantisation as TFLM compares it (no
// parameters count as scale 0, zero point 0).
func quantKey(t *ir.Tensor) (float32, int64, int) {
	if t.Quant == nil || len(t.Quant.Scale) == 0 {
		return 0, 0, 0
	}
	return t.Quant.Scale[0], t.Quant.ZeroPoint[0], len(t.Quant.Scale)
}

// prepareConcat prepares CONCATENATION along any axis, for any element
// type. Like ConcatenationPrepare in tensorflow/lite/micro/kernels/
// concatenation.cc it requires the fused activation NONE and, for int8, every
// input to have exactly the output's scale and zero point (TFLM does not
// requantize), and for int16 zero points 0; Eval is reference_ops::
// Concatenation, a byte copy (§12.3). TFLM's implementation limits (at most
// 10 inputs, rank ≤ 4) are not imposed here.
func prepareConcat(op *ir.Op) (kernel, error) {
	a := op.Attrs.(ir.ConcatenationAttrs)
	out := op.Outputs[0]
	if a.Activation != ir.ActNone {
		return nil, fmt.Errorf("%v: fused activation %v is not supported (TFLM requires NONE)", op, a.Activation)
	}
	os, oz, on := quantKey(out)
	for i, t := range op.Inputs {
		if t.DType != out.DType {
			return nil, unsupportedTypes(op)
		}
		s, z, n := quantKey(t)
		switch out.DType {
		case ir.Int8, ir.UInt8:
			if n > 1 || on > 1 || s != os || z != oz {
				return nil, fmt.Errorf("%v: input %d %v has scale %v and zero point %d, the output has %v and %d; TFLM does not requantize concatenation inputs",
					op, i, t, s, z, os, oz)
			}
		case ir.Int16:
			if z != 0 || oz != 0 {
				return nil, fmt.Errorf("%v: int16 zero points must be 0 (input %d has %d, output %d)", op, i, z, oz)
			}
		}
	}
	esz := out.DType.Size()
	outer := 1
	for _, d := range out.Shape[:a.Axis] {
		outer *= d
	}
	inner := esz
	for _, d := range out.Shape[a.Axis+1:] {
		inner *= d
	}
	chunks := make([]int, len(op.Inputs))
	for i, t := range op.Inputs {
		chunks[i] = t.Shape[a.Axis] * inner
	}
	return func(ins [][]byte, o []byte) error {
		pos := 0
		for k := 0; k < outer; k++ {
			for i, in := range ins {
				n := chunks[i]
				copy(o[pos:pos+n], in[k*n:(k+1)*n])
				pos += n
			}
		}
		return nil
	}, nil
}

// preparePad prepares PAD for any element type: the input is copied raw
// into the middle of the output and the border is filled with the output
// zero point for int8/uint8 and with 0 (0.0f) otherwise, as PadPrepare/PadEval
// in tensorflow/lite/micro/kernels/pad_common.cc and pad.cc do (§12.4).
// TFLM's rank limit (≤ 5) is not imposed here.
func preparePad(op *ir.Op) (kernel, error) {
	a := op.Attrs.(ir.PadAttrs)
	in, out := op.Inputs[0], op.Outputs[0]
	if in.DType != out.DType {
		return nil, unsupportedTypes(op)
	}
	esz := out.DType.Size()
	fill := make([]byte, esz)
	if (out.DType == ir.Int8 || out.DType == ir.UInt8) && out.Quant != nil {
		if len(out.Quant.Scale) != 1 {
			return nil, fmt.Errorf("%v: output %v must be quantised per tensor", op, out)
		}
		fill[0] = byte(out.Quant.ZeroPoint[0])
	}
	r := len(in.Shape)
	n := in.Shape.Elements()
	if r == 0 || n == 0 {
		return func(ins [][]byte, o []byte) error {
			for i := 0; i < len(o); i += esz {
				copy(o[i:], fill)
			}
			copy(o, ins[0])
			return nil
		}, nil
	}
	ost := out.Shape.Strides()
	rowLen := in.Shape[r-1]
	// Output element offset of the start of every input row.
	rows := make([]int32, 0, n/max(rowLen, 1))
	ctr := make([]int, r-1)
	for {
		off := a.Before[r-1]
		for d := 0; d < r-1; d++ {
			off += (ctr[d] + a.Before[d]) * ost[d]
		}
		rows = append(rows, int32(off))
		d := r - 2
		for ; d >= 0; d-- {
			ctr[d]++
			if ctr[d] < in.Shape[d] {
				break
			}
			ctr[d] = 0
		}
		if d < 0 {
			break
		}
	}
	rowBytes := rowLen * esz
	return func(ins [][]byte, o []byte) error {
		for i := 0; i < len(o); i += esz {
			copy(o[i:], fill)
		}
		src := ins[0]
		for k, off := range rows {
			copy(o[int(off)*esz:int(off)*esz+rowBytes], src[k*rowBytes:(k+1)*rowBytes])
		}
		return nil
	}, nil
}

// prepareTranspose prepares TRANSPOSE for any element type and rank: output
// axis i is input axis Perm[i], as reference_ops::Transpose
// (tensorflow/lite/kernels/internal/reference/transpose.h) called by
// tensorflow/lite/micro/kernels/transpose.cc (which accepts rank ≤ 6; no
// limit here).
func prepareTranspose(op *ir.Op) (kernel, error) {
	perm := op.Attrs.(ir.TransposeAttrs).Perm
	in, out := op.Inputs[0], op.Outputs[0]
	if in.DType != out.DType {
		return nil, unsupportedTypes(op)
	}
	ist := in.Shape.Strides()
	st := make([]int, len(perm))
	for i, p := range perm {
		st[i] = ist[p]
	}
	return gather(walk(out.Shape, st, 0), out.DType.Size()), nil
}

// walk returns, for every index of shape in row-major order, base +
// Σ index[d]·st[d].
func walk(shape ir.Shape, st []int, base int) []int32 {
	n := shape.Elements()
	idx := make([]int32, n)
	r := len(shape)
	ctr := make([]int, r)
	off := base
	for o := 0; o < n; o++ {
		idx[o] = int32(off)
		for d := r - 1; d >= 0; d-- {
			ctr[d]++
			off += st[d]
			if ctr[d] < shape[d] {
				break
			}
			off -= st[d] * ctr[d]
			ctr[d] = 0
		}
	}
	return idx
}

// prepareStridedSlice prepares STRIDED_SLICE for any element type with
// TFLite's mask semantics (StridedSliceRegion) and the element order of
// reference_ops::StridedSlice (tensorflow/lite/kernels/internal/reference/
// strided_slice.h): row-major over the selected indices. Prepare fails if the
// output shape the masks imply differs from the stored one, as TFLM's
// CheckOutputSize (tensorflow/lite/micro/kernels/strided_slice.cc) does.
// TFLM's rank limit (≤ 4, or 5 in the reference kernel) is not imposed here.
func prepareStridedSlice(op *ir.Op) (kernel, error) {
	a := op.Attrs.(ir.StridedSliceAttrs)
	in, out := op.Inputs[0], op.Outputs[0]
	if in.DType != out.DType {
		return nil, unsupportedTypes(op)
	}
	eff, start, count, stride, shape, err := ir.StridedSliceRegion(a, in.Shape)
	if err != nil {
		return nil, err
	}
	if !shape.Equal(out.Shape) {
		return nil, fmt.Errorf("%v: the slice selects shape %v but the output %v has shape %v", op, shape, out, out.Shape)
	}
	est := eff.Strides()
	base := 0
	st := make([]int, len(eff))
	for i := range eff {
		base += start[i] * est[i]
		st[i] = stride[i] * est[i]
	}
	return gather(walk(count, st, base), out.DType.Size()), nil
}
