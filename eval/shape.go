package eval

import (
	"fmt"
	"math"

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
	ost := strides(out.Shape)
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
	ist := strides(in.Shape)
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

// sliceAxis is one axis of a strided slice after mask processing.
type sliceAxis struct {
	size                 int // effective input dimension
	start, stop, stride  int
	beginMask, endMask   bool
	shrink               bool
	startIdx, count, pos int
}

// StridedSliceRegion resolves the TFLite STRIDED_SLICE semantics of a
// on an input of shape in: ellipsis_mask and new_axis_mask are expanded as
// BuildStridedSliceParams in tensorflow/lite/kernels/strided_slice.cc does
// (an ellipsis becomes begin_mask|end_mask over the axes it covers, a new
// axis an inserted size-1 dimension); each axis then gets its first index,
// element count and stride from StridedSliceStartForAxis and
// StridedSliceEndForAxis in tensorflow/lite/kernels/internal/
// strided_slice_logic.h (negative indices count from the end, clamping,
// begin_mask/end_mask, offset = end relative to begin, shrink_axis_mask
// keeps one element and drops the axis). It returns the effective input
// shape (input shape with new axes inserted), and per effective axis the
// first index, the number of elements and the stride, and the output shape
// (effective axes without the shrunk ones).
//
// TFLM at commit 90b983c2 passes ellipsis_mask, new_axis_mask and offset as
// 0; models whose masks matter fail TFLM's output-shape check, so honouring
// them here changes no result TFLM produces.
func StridedSliceRegion(a ir.StridedSliceAttrs, in ir.Shape) (effShape ir.Shape, start, count, stride []int, out ir.Shape, err error) {
	axes, err := stridedSliceAxes(a, in)
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	for _, ax := range axes {
		effShape = append(effShape, ax.size)
		start = append(start, ax.startIdx)
		count = append(count, ax.count)
		stride = append(stride, ax.stride)
		if !ax.shrink {
			out = append(out, ax.count)
		}
	}
	if out == nil {
		out = ir.Shape{}
	}
	return effShape, start, count, stride, out, nil
}

func bit(mask, i int) bool { return i >= 0 && i < 63 && mask&(1<<i) != 0 }

// stridedSliceAxes is the body of StridedSliceRegion.
func stridedSliceAxes(a ir.StridedSliceAttrs, in ir.Shape) ([]sliceAxis, error) {
	inputDims, beginCount := len(in), len(a.Begin)
	if len(a.End) != beginCount || len(a.Strides) != beginCount {
		return nil, fmt.Errorf("begin, end and strides have %d, %d and %d entries", beginCount, len(a.End), len(a.Strides))
	}
	numAddAxis := 0
	for i := 0; i < beginCount; i++ {
		if !bit(a.EllipsisMask, i) && bit(a.NewAxisMask, i) {
			numAddAxis++
		}
	}
	effDims := inputDims + numAddAxis
	var effEllipsis, effNewAxis []bool = make([]bool, effDims), make([]bool, effDims)
	ellipsisStart, expanded := effDims, 0
	for i := 0; i < effDims; {
		if bit(a.EllipsisMask, i) {
			ellipsisStart = i
			end := max(i+1, min(i+1+numAddAxis+inputDims-beginCount, effDims))
			expanded = end - ellipsisStart - 1
			for ; i < end; i++ {
				effEllipsis[i] = true
			}
			continue
		}
		if bit(a.NewAxisMask, i-expanded) {
			effNewAxis[i] = true
		}
		i++
	}
	axes := make([]sliceAxis, effDims)
	addedEllipsis, addedAxes := 0, 0
	inDim := func(i int) (int, error) {
		j := i - addedAxes
		if j < 0 || j >= inputDims {
			return 0, fmt.Errorf("masks (ellipsis %#x, new axis %#x) do not fit an input of rank %d", a.EllipsisMask, a.NewAxisMask, inputDims)
		}
		return in[j], nil
	}
	for i := range axes {
		ax := &axes[i]
		var err error
		switch {
		case effEllipsis[i]:
			addedEllipsis = max(0, i-ellipsisStart)
			ax.beginMask, ax.endMask, ax.stride = true, true, 1
			ax.size, err = inDim(i)
		case effNewAxis[i]:
			ax.start, ax.stop, ax.stride, ax.size = 0, 1, 1, 1
			addedAxes++
		case i >= beginCount+expanded:
			ax.beginMask, ax.endMask, ax.stride = true, true, 1
			ax.size, err = inDim(i)
		default:
			orig := i - addedEllipsis
			if orig < 0 || orig >= beginCount {
				return nil, fmt.Errorf("masks (ellipsis %#x, new axis %#x) do not fit %d begin entries", a.EllipsisMask, a.NewAxisMask, beginCount)
			}
			ax.start, ax.stop, ax.stride = a.Begin[orig], a.End[orig], a.Strides[orig]
			ax.beginMask, ax.endMask = bit(a.BeginMask, orig), bit(a.EndMask, orig)
			ax.shrink = bit(a.ShrinkAxisMask, orig)
			ax.size, err = inDim(i)
		}
		if err != nil {
			return nil, err
		}
		if ax.stride == 0 {
			return nil, fmt.Errorf("stride of axis %d is 0", i)
		}
		if ax.start < math.MinInt32 || ax.start > math.MaxInt32 || ax.stop < math.MinInt32 || ax.stop > math.MaxInt32 {
			return nil, fmt.Errorf("begin/end of axis %d out of int32 range", i)
		}
		first := sliceStart(ax)
		last := sliceEnd(ax, first, a.Offset)
		ax.startIdx = first
		switch {
		case ax.stride > 0 && first < last:
			ax.count = (last - first + ax.stride - 1) / ax.stride
		case ax.stride < 0 && first > last:
			ax.count = (first - last - ax.stride - 1) / -ax.stride
		}
		if ax.shrink && ax.count != 1 {
			return nil, fmt.Errorf("shrunk axis %d selects %d elements (begin %d, stride %d, size %d); the reference kernel needs exactly 1",
				i, ax.count, ax.start, ax.stride, ax.size)
		}
	}
	return axes, nil
}

// clampIdx is strided_slice::Clamp: hi < v ? hi : (v < lo ? lo : v).
func clampIdx(v, lo, hi int) int {
	if hi < v {
		return hi
	}
	if v < lo {
		return lo
	}
	return v
}

// sliceStart is StridedSliceStartForAxis (strided_slice_logic.h).
func sliceStart(ax *sliceAxis) int {
	start := ax.start
	if start < 0 {
		start += ax.size
	}
	if ax.stride > 0 {
		start = clampIdx(start, 0, ax.size)
	} else {
		start = clampIdx(start, -1, ax.size-1)
	}
	if ax.beginMask {
		if ax.stride > 0 {
			start = 0
		} else {
			start = ax.size - 1
		}
	}
	return start
}

// sliceEnd is StridedSliceEndForAxis (strided_slice_logic.h).
func sliceEnd(ax *sliceAxis, start int, offset bool) int {
	if ax.shrink {
		if start >= ax.size {
			return start
		}
		return start + 1
	}
	end := ax.stop
	if offset {
		end += start
	}
	if end < 0 {
		end += ax.size
	}
	if ax.stride > 0 {
		end = clampIdx(end, 0, ax.size)
	} else {
		end = clampIdx(end, -1, ax.size-1)
	}
	if ax.endMask {
		if ax.stride > 0 {
			end = ax.size
		} else {
			end = -1
		}
	}
	return end
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
	eff, start, count, stride, shape, err := StridedSliceRegion(a, in.Shape)
	if err != nil {
		return nil, err
	}
	if !shape.Equal(out.Shape) {
		return nil, fmt.Errorf("%v: the slice selects shape %v but the output %v has shape %v", op, shape, out, out.Shape)
	}
	est := strides(eff)
	base := 0
	st := make([]int, len(eff))
	for i := range eff {
		base += start[i] * est[i]
		st[i] = stride[i] * est[i]
	}
	return gather(walk(count, st, base), out.DType.Size()), nil
}
