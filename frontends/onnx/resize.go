// Resize (mode nearest) onto RESIZE_NEAREST_NEIGHBOR.

package onnx

import (
	"fmt"
	"math"
	"slices"

	"github.com/tinygen/tinygen/ir"
)

// resizeCoordModes maps ONNX coordinate_transformation_mode to the IR's.
var resizeCoordModes = map[string]ir.CoordMode{
	"half_pixel":                ir.HalfPixel,
	"asymmetric":                ir.Asymmetric,
	"align_corners":             ir.AlignCorners,
	"tf_half_pixel_for_nearest": ir.TFHalfPixelForNearest,
	"pytorch_half_pixel":        ir.PytorchHalfPixel,
}

// resizeNearestModes maps ONNX nearest_mode to the IR's.
var resizeNearestModes = map[string]ir.NearestMode{
	"round_prefer_floor": ir.RoundPreferFloor,
	"round_prefer_ceil":  ir.RoundPreferCeil,
	"floor":              ir.Floor,
	"ceil":               ir.Ceil,
}

// convResize converts Resize with mode nearest on an NCHW tensor that
// keeps its batch and channel sizes. Scales are kept in the attributes so
// that coordinates are computed as ONNX Runtime does (x / scale in
// float32); sizes give scale output/input (stretch) or, with
// keep_aspect_ratio_policy, one common scale (opset 18).
//
// Before opset 11 (Resize-10, and Upsample-7/9, which convUpsample sends
// here) there were no coordinate or rounding attributes: ONNX's own
// version converter (Resize 10 → 11) gives such a node
// coordinate_transformation_mode asymmetric and nearest_mode floor, the
// output x reading input floor(x / scale).
func convResize(c *converter) error {
	x, err := c.mustIn(0)
	if err != nil {
		return err
	}
	op := c.node.GetOpType()
	mode, err := c.attrString("mode", "nearest")
	if err != nil {
		return err
	}
	if mode != "nearest" {
		return unsupported("%s mode %q: tinygen has mode nearest only", op, clip(mode))
	}
	if len(x.Shape) != 4 {
		return unsupported("%s of a rank-%d tensor: tinygen resizes the height and width of 4-D NCHW tensors", op, len(x.Shape))
	}
	coordDef, nearestDef, scalesIn, sizesIn := "half_pixel", "round_prefer_floor", 2, 3
	if c.opset < 11 || op == "Upsample" {
		coordDef, nearestDef, scalesIn, sizesIn = "asymmetric", "floor", 1, -1
	}
	var attrScales []float32
	if op == "Upsample" && c.opset < 9 {
		// Upsample-7: scales is an attribute.
		if attrScales, err = c.attrFloats("scales"); err != nil {
			return err
		}
		if attrScales == nil {
			return fmt.Errorf("Upsample has no scales attribute")
		}
		scalesIn = -1
	}
	coord, err := c.attrString("coordinate_transformation_mode", coordDef)
	if err != nil {
		return err
	}
	cm, ok := resizeCoordModes[coord]
	if !ok {
		return unsupported("Resize coordinate_transformation_mode %q is not supported (tinygen has %s)", clip(coord), "half_pixel, asymmetric, align_corners, tf_half_pixel_for_nearest, pytorch_half_pixel")
	}
	nearest, err := c.attrString("nearest_mode", nearestDef)
	if err != nil {
		return err
	}
	nm, ok := resizeNearestModes[nearest]
	if !ok {
		return fmt.Errorf("Resize nearest_mode %q is not one of round_prefer_floor, round_prefer_ceil, floor, ceil", clip(nearest))
	}
	if aa, err := c.attrInt("antialias", 0); err != nil {
		return err
	} else if aa != 0 {
		return unsupported("Resize with antialias is not supported")
	}
	policy, err := c.attrString("keep_aspect_ratio_policy", "stretch")
	if err != nil {
		return err
	}
	if policy != "stretch" && policy != "not_larger" && policy != "not_smaller" {
		return fmt.Errorf("keep_aspect_ratio_policy %q is not one of stretch, not_larger, not_smaller", clip(policy))
	}
	axes, err := c.attrInts("axes")
	if err != nil {
		return err
	}
	if axes == nil {
		axes = []int{0, 1, 2, 3}
	}
	for i, a := range axes {
		if axes[i], err = normAxis(a, 4); err != nil {
			return err
		}
	}
	present := func(k int) bool {
		if k < 0 {
			return false
		}
		t := c.in(k)
		return t != nil && t.Shape.Elements() > 0
	}
	in := x.Shape
	// scale and out per NCHW axis; scale 0 means out/in.
	scale := []float32{1, 1, 1, 1}
	out := slices.Clone([]int(in))
	switch {
	case present(sizesIn):
		sizes, err := c.constInts(sizesIn)
		if err != nil {
			return err
		}
		if len(sizes) != len(axes) {
			return fmt.Errorf("sizes %v: want %d values", sizes, len(axes))
		}
		if policy == "stretch" {
			for i, a := range axes {
				if sizes[i] < 1 || sizes[i] > ir.MaxElements {
					return fmt.Errorf("sizes %v out of range", sizes)
				}
				out[a], scale[a] = sizes[i], 0
			}
			break
		}
		var common float32
		for i, a := range axes {
			s := float32(sizes[i]) / float32(in[a])
			switch {
			case i == 0:
				common = s
			case policy == "not_larger":
				common = min(common, s)
			default:
				common = max(common, s)
			}
		}
		for _, a := range axes {
			scale[a] = common
			out[a] = int(math.Round(float64(common) * float64(in[a])))
		}
	case present(scalesIn) || attrScales != nil:
		scales := attrScales
		if scales == nil {
			if scales, err = c.constFloats(scalesIn); err != nil {
				return err
			}
		}
		if len(scales) != len(axes) {
			return fmt.Errorf("scales %v: want %d values", scales, len(axes))
		}
		for i, a := range axes {
			s := scales[i]
			if !(s > 0) || math.IsInf(float64(s), 0) {
				return fmt.Errorf("scales %v must be positive and finite", scales)
			}
			scale[a] = s
			out[a] = int(math.Floor(float64(s) * float64(in[a])))
		}
	default:
		return fmt.Errorf("Resize has neither scales nor sizes")
	}
	for a := 0; a < 2; a++ {
		if out[a] != in[a] {
			return unsupported("Resize of the batch or channel axis (%v to %v): tinygen resizes height and width", in, out)
		}
	}
	for a := 2; a < 4; a++ {
		if out[a] < 1 || out[a] > ir.MaxElements {
			return fmt.Errorf("output size %v out of range", out)
		}
		if scale[a] == 0 {
			continue
		}
		if exact := float32(out[a]) / float32(in[a]); exact == scale[a] {
			scale[a] = 0 // out/in: the same arithmetic
		}
	}
	y, err := c.emitChecked(ir.ResizeNearestNeighbor, ir.ResizeAttrs{NewHeight: out[2], NewWidth: out[3],
		CoordMode: cm, NearestMode: nm, ScaleH: scale[2], ScaleW: scale[3]}, c.permute(x, toNHWC))
	if err != nil {
		return err
	}
	return c.setOut(0, c.permute(y, toNCHW))
}
