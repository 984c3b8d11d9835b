// Attributes and index rules of the operators added for ONNX: BATCH_MATMUL,
// DEPTH_TO_SPACE, RESIZE_NEAREST_NEIGHBOR and the PAD modes.

package ir

import (
	"fmt"
	"math"
)

// BatchMatMulAttrs are the attributes of BATCH_MATMUL: out[..., i, j] =
// Σ_k x[..., i, k]·y[..., k, j] over inputs of rank 2 to 6 whose leading
// (batch) dimensions broadcast. AdjX/AdjY read x or y transposed in its
// last two dimensions (TFLite's adj_x/adj_y).
type BatchMatMulAttrs struct {
	AdjX bool
	AdjY bool
}

// DepthToSpaceMode is the channel order of DEPTH_TO_SPACE.
type DepthToSpaceMode uint8

// DEPTH_TO_SPACE modes (ONNX names). On an NHWC input of depth C·b·b,
// output (y·b+i, x·b+j, c) reads input channel (i·b+j)·C+c for DCR (TFLite's
// DEPTH_TO_SPACE) and c·b·b+i·b+j for CRD.
const (
	DCR DepthToSpaceMode = iota
	CRD
)

var depthToSpaceNames = []string{"DCR", "CRD"}

// String returns "DCR" or "CRD".
func (m DepthToSpaceMode) String() string { return enumName(depthToSpaceNames, int(m), "mode") }

// DepthToSpaceAttrs are the attributes of DEPTH_TO_SPACE (NHWC input).
type DepthToSpaceAttrs struct {
	BlockSize int
	Mode      DepthToSpaceMode `ir:"omitzero"`
}

// CoordMode is RESIZE_NEAREST_NEIGHBOR's coordinate transformation: how an
// output coordinate x maps to an input coordinate (ONNX
// coordinate_transformation_mode; scale = output/input size unless given).
type CoordMode uint8

// Coordinate transformations.
const (
	// HalfPixel: (x+0.5)/scale − 0.5.
	HalfPixel CoordMode = iota
	// Asymmetric: x/scale (TFLite without half_pixel_centers).
	Asymmetric
	// AlignCorners: x·(in−1)/(out−1), 0 if out is 1.
	AlignCorners
	// TFHalfPixelForNearest: (x+0.5)/scale (TFLite half_pixel_centers).
	TFHalfPixelForNearest
	// PytorchHalfPixel: (x+0.5)/scale − 0.5 if out > 1, else 0.
	PytorchHalfPixel
)

var coordModeNames = []string{"HALF_PIXEL", "ASYMMETRIC", "ALIGN_CORNERS", "TF_HALF_PIXEL_FOR_NEAREST", "PYTORCH_HALF_PIXEL"}

// String returns the mode's name ("HALF_PIXEL").
func (m CoordMode) String() string { return enumName(coordModeNames, int(m), "coordinate mode") }

// NearestMode rounds RESIZE_NEAREST_NEIGHBOR's input coordinate to an index
// (ONNX nearest_mode).
type NearestMode uint8

// Nearest modes.
const (
	RoundPreferFloor NearestMode = iota
	RoundPreferCeil
	Floor
	Ceil
)

var nearestModeNames = []string{"ROUND_PREFER_FLOOR", "ROUND_PREFER_CEIL", "FLOOR", "CEIL"}

// String returns the mode's name ("ROUND_PREFER_FLOOR").
func (m NearestMode) String() string { return enumName(nearestModeNames, int(m), "nearest mode") }

// ResizeAttrs are the attributes of RESIZE_NEAREST_NEIGHBOR on an NHWC
// input: output height and width, the coordinate transformation and the
// rounding. ScaleH/ScaleW are ONNX's scales when the model gives them (0:
// output/input size). TFLite selects TFLite's arithmetic, the input
// coordinate computed as (x+offset)·(in/out) in float32 and rounded half away
// from zero for ALIGN_CORNERS (GetNearestNeighbor in TFLite's
// resize_nearest_neighbor.h) instead of ONNX Runtime's division by the
// scale.
type ResizeAttrs struct {
	NewHeight   int
	NewWidth    int
	CoordMode   CoordMode
	NearestMode NearestMode
	ScaleH      float32 `ir:"omitzero"`
	ScaleW      float32 `ir:"omitzero"`
	TFLite      bool    `ir:"omitzero"`
}

// PadMode is the mode of PAD.
type PadMode uint8

// PAD modes. REFLECT mirrors without repeating the edge (pads ≤ size−1),
// SYMMETRIC with it (pads ≤ size; TFLite MIRROR_PAD's two modes), EDGE
// repeats the edge element, WRAP continues periodically.
const (
	PadConstant PadMode = iota
	PadReflect
	PadSymmetric
	PadEdge
	PadWrap
)

var padModeNames = []string{"CONSTANT", "REFLECT", "SYMMETRIC", "EDGE", "WRAP"}

// String returns the mode's name ("REFLECT").
func (m PadMode) String() string { return enumName(padModeNames, int(m), "pad mode") }

func enumName(names []string, i int, what string) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("%s(%d)", what, i)
}

func parseEnum(names []string, s, what string) (int, error) {
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q", what, s)
}

func (BatchMatMulAttrs) isAttrs()  {}
func (DepthToSpaceAttrs) isAttrs() {}
func (ResizeAttrs) isAttrs()       {}

// PadSource returns the input index that output index o of an axis of size
// n padded by before reads under mode m, or −1 for a padding element
// (CONSTANT). n must be ≥ 1 and the pads within the mode's limits
// (checkPadMode).
func PadSource(m PadMode, o, before, n int) int {
	i := o - before
	if i >= 0 && i < n {
		return i
	}
	switch m {
	case PadReflect:
		if n == 1 {
			return 0
		}
		p := 2 * (n - 1)
		i = ((i % p) + p) % p
		if i >= n {
			i = p - i
		}
		return i
	case PadSymmetric:
		p := 2 * n
		i = ((i % p) + p) % p
		if i >= n {
			i = p - 1 - i
		}
		return i
	case PadEdge:
		return min(max(i, 0), n-1)
	case PadWrap:
		return ((i % n) + n) % n
	}
	return -1
}

// checkPadMode checks the pads of one axis of size n against mode m:
// TFLite's MIRROR_PAD limits (REFLECT ≤ n−1, SYMMETRIC ≤ n) and a non-empty
// axis for every mode that reads the input.
func checkPadMode(m PadMode, before, after, n int) error {
	switch m {
	case PadConstant:
		return nil
	case PadReflect:
		if before > n-1 || after > n-1 {
			return fmt.Errorf("REFLECT pads (%d, %d) exceed size %d − 1", before, after, n)
		}
	case PadSymmetric:
		if before > n || after > n {
			return fmt.Errorf("SYMMETRIC pads (%d, %d) exceed size %d", before, after, n)
		}
	case PadEdge, PadWrap:
	default:
		return fmt.Errorf("invalid pad mode %v", m)
	}
	if n < 1 && before+after > 0 {
		return fmt.Errorf("%v padding of an empty axis", m)
	}
	return nil
}

// ResizeSource returns the input index that output index x of an axis
// resized from in to out elements reads (in, out ≥ 1). scale is the ONNX
// scale (0: out/in).
func ResizeSource(a ResizeAttrs, x, in, out int, scale float32) int {
	var c float32
	if a.TFLite {
		// TFLite: (x + offset) * (in/out) with float32 arithmetic.
		s := float32(in) / float32(out)
		if a.CoordMode == AlignCorners && out > 1 {
			s = float32(in-1) / float32(out-1)
		}
		off := float32(0)
		if a.CoordMode == TFHalfPixelForNearest {
			off = 0.5
		}
		c = (float32(x) + off) * s
	} else {
		if scale == 0 {
			scale = float32(out) / float32(in)
		}
		xf := float32(x)
		switch a.CoordMode {
		case HalfPixel:
			c = (xf+0.5)/scale - 0.5
		case Asymmetric:
			c = xf / scale
		case AlignCorners:
			if out > 1 {
				c = xf * float32(in-1) / float32(out-1)
			}
		case TFHalfPixelForNearest:
			c = (xf + 0.5) / scale
		case PytorchHalfPixel:
			if out > 1 {
				c = (xf+0.5)/scale - 0.5
			}
		}
	}
	var r float64
	cf := float64(c)
	switch a.NearestMode {
	case RoundPreferFloor:
		if cf-math.Floor(cf) == 0.5 {
			r = math.Floor(cf)
		} else {
			r = math.Round(cf)
		}
	case RoundPreferCeil:
		if cf-math.Floor(cf) == 0.5 {
			r = math.Ceil(cf)
		} else {
			r = math.Round(cf)
		}
	case Floor:
		r = math.Floor(cf)
	case Ceil:
		r = math.Ceil(cf)
	}
	return int(min(max(r, 0), float64(in-1)))
}

// ResizeSources returns ResizeSource for every output index of one axis.
func ResizeSources(a ResizeAttrs, in, out int, scale float32) []int {
	s := make([]int, out)
	for x := range s {
		s[x] = ResizeSource(a, x, in, out, scale)
	}
	return s
}

// batchMatMulShape is the shape rule of BATCH_MATMUL.
func batchMatMulShape(a BatchMatMulAttrs, x, y Shape) (Shape, error) {
	if len(x) < 2 || len(y) < 2 || len(x) > 6 || len(y) > 6 {
		return nil, fmt.Errorf("inputs %v and %v must have rank 2 to 6", x, y)
	}
	rows, kx := x[len(x)-2], x[len(x)-1]
	if a.AdjX {
		rows, kx = kx, rows
	}
	ky, cols := y[len(y)-2], y[len(y)-1]
	if a.AdjY {
		ky, cols = cols, ky
	}
	if kx != ky {
		return nil, fmt.Errorf("inner dimensions %d and %d differ", kx, ky)
	}
	batch, err := BroadcastShape(x[:len(x)-2], y[:len(y)-2])
	if err != nil {
		return nil, err
	}
	return append(batch, rows, cols), nil
}

// depthToSpaceShape is the shape rule of DEPTH_TO_SPACE.
func depthToSpaceShape(a DepthToSpaceAttrs, in Shape) (Shape, error) {
	b := a.BlockSize
	if len(in) != 4 {
		return nil, fmt.Errorf("input %v must be 4-D (NHWC)", in)
	}
	if b < 1 || b > 1<<15 || in[3]%(b*b) != 0 {
		return nil, fmt.Errorf("depth %d is not a multiple of block size %d squared", in[3], b)
	}
	if a.Mode > CRD {
		return nil, fmt.Errorf("invalid mode %v", a.Mode)
	}
	if in[1] > MaxElements/b || in[2] > MaxElements/b {
		return nil, fmt.Errorf("block size %d makes %v too large", b, in)
	}
	return Shape{in[0], in[1] * b, in[2] * b, in[3] / (b * b)}, nil
}

// resizeShape is the shape rule of RESIZE_NEAREST_NEIGHBOR.
func resizeShape(a ResizeAttrs, in Shape) (Shape, error) {
	if len(in) != 4 {
		return nil, fmt.Errorf("input %v must be 4-D (NHWC)", in)
	}
	if a.NewHeight < 1 || a.NewWidth < 1 || a.NewHeight > MaxElements || a.NewWidth > MaxElements {
		return nil, fmt.Errorf("output size %dx%d out of range", a.NewHeight, a.NewWidth)
	}
	if in[1] < 1 || in[2] < 1 {
		return nil, fmt.Errorf("cannot resize the empty input %v", in)
	}
	if a.CoordMode > PytorchHalfPixel || a.NearestMode > Ceil {
		return nil, fmt.Errorf("invalid modes %v, %v", a.CoordMode, a.NearestMode)
	}
	if a.TFLite && (a.ScaleH != 0 || a.ScaleW != 0 ||
		(a.CoordMode != Asymmetric && a.CoordMode != AlignCorners && a.CoordMode != TFHalfPixelForNearest)) {
		return nil, fmt.Errorf("TFLite arithmetic takes no scales and CoordMode ASYMMETRIC, ALIGN_CORNERS or TF_HALF_PIXEL_FOR_NEAREST, not %v", a.CoordMode)
	}
	for _, s := range []float32{a.ScaleH, a.ScaleW} {
		if s < 0 || math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
			return nil, fmt.Errorf("scale %v must be positive and finite (0: output/input)", s)
		}
	}
	return Shape{in[0], a.NewHeight, a.NewWidth, in[3]}, nil
}

// GatherTables returns, for a PAD with a mode other than CONSTANT or a
// RESIZE_NEAREST_NEIGHBOR, one table per output axis: entry i of table d is
// the input element offset (index times the input's row-major stride) that
// output index i along axis d reads. Output element (i0, i1, ...) reads input
// element Σ_d tables[d][i_d]. The op must have passed Verify.
func GatherTables(o *Op) ([][]int, error) {
	in, out := o.Inputs[0].Shape, o.Outputs[0].Shape
	st := in.Strides()
	tables := make([][]int, len(out))
	switch a := o.Attrs.(type) {
	case PadAttrs:
		if a.Mode == PadConstant || len(a.Before) != len(in) {
			return nil, fmt.Errorf("no gather tables for a CONSTANT pad")
		}
		for d := range out {
			tables[d] = make([]int, out[d])
			for i := range tables[d] {
				tables[d][i] = PadSource(a.Mode, i, a.Before[d], in[d]) * st[d]
			}
		}
	case ResizeAttrs:
		if len(in) != 4 || len(out) != 4 {
			return nil, fmt.Errorf("resize needs 4-D tensors")
		}
		for d := range out {
			var src []int
			switch d {
			case 1:
				src = ResizeSources(a, in[1], out[1], a.ScaleH)
			case 2:
				src = ResizeSources(a, in[2], out[2], a.ScaleW)
			default:
				src = make([]int, out[d])
				for i := range src {
					src[i] = i
				}
			}
			tables[d] = make([]int, len(src))
			for i, s := range src {
				tables[d][i] = s * st[d]
			}
		}
	default:
		return nil, fmt.Errorf("no gather tables for %v", o.Kind)
	}
	return tables, nil
}

// DepthToSpaceWalk returns DEPTH_TO_SPACE as a strided gather: the output,
// viewed as the 6-D shape dims [N, H, b, W, b, C/b²] in row-major order,
// reads input element Σ index[d]·strides[d] of the NHWC input.
func DepthToSpaceWalk(a DepthToSpaceAttrs, in Shape) (dims, strides []int) {
	b := a.BlockSize
	n, h, w, c := in[0], in[1], in[2], in[3]
	oc := c / (b * b)
	dims = []int{n, h, b, w, b, oc}
	if a.Mode == CRD {
		// channel c·b² + i·b + j
		return dims, []int{h * w * c, w * c, b, c, 1, b * b}
	}
	// DCR: channel (i·b + j)·oc + c
	return dims, []int{h * w * c, w * c, b * oc, c, oc, 1}
}
