package ir

import (
	"fmt"
	"math"
)

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
func StridedSliceRegion(a StridedSliceAttrs, in Shape) (effShape Shape, start, count, stride []int, out Shape, err error) {
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
		out = Shape{}
	}
	return effShape, start, count, stride, out, nil
}

func bit(mask, i int) bool { return i >= 0 && i < 63 && mask&(1<<i) != 0 }

// stridedSliceAxes is the body of StridedSliceRegion.
func stridedSliceAxes(a StridedSliceAttrs, in Shape) ([]sliceAxis, error) {
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
