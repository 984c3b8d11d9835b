// Window geometry of convolutions and pools: output sizes and padding for
// TFLite's SAME/VALID schemes and for explicit (ONNX) pads.

package ir

import (
	"fmt"
	"math"
)

// WindowOut returns the output length of one spatial dimension of a
// convolution or pool and the padding before it. For SAME and VALID it is
// ConvOutSize (the explicit pads before and after must be 0); for EXPLICIT
// the input is padded by before and after elements and the output has
// (in + before + after − effective filter)/stride + 1 elements.
func WindowOut(p Padding, in, filter, stride, dilation, before, after int) (out, padBefore int, err error) {
	if p != PadExplicit {
		if before != 0 || after != 0 {
			return 0, 0, fmt.Errorf("explicit pads (%d, %d) with %v padding", before, after, p)
		}
		return ConvOutSize(p, in, filter, stride, dilation)
	}
	if stride < 1 || dilation < 1 || filter < 1 {
		return 0, 0, fmt.Errorf("stride %d, dilation %d and filter %d must be positive", stride, dilation, filter)
	}
	if stride > math.MaxInt32 || dilation > math.MaxInt32 || filter > math.MaxInt32 || in > math.MaxInt32 {
		return 0, 0, fmt.Errorf("stride %d, dilation %d, filter %d and input size %d must be at most %d", stride, dilation, filter, in, math.MaxInt32)
	}
	if before < 0 || after < 0 || before > math.MaxInt32 || after > math.MaxInt32 {
		return 0, 0, fmt.Errorf("pads (%d, %d) must be between 0 and %d", before, after, math.MaxInt32)
	}
	eff := (filter-1)*dilation + 1
	total := in + before + after
	if total < eff {
		return 0, 0, fmt.Errorf("padded input size %d smaller than effective filter size %d", total, eff)
	}
	return (total-eff)/stride + 1, before, nil
}

// Window is the padding of a window op along height and width.
type Window struct {
	Padding Padding
	ExplicitPads
}

// WindowOf returns the padding of a CONV_2D, DEPTHWISE_CONV_2D,
// AVERAGE_POOL_2D or MAX_POOL_2D op's attributes (ok false for others).
func WindowOf(a Attrs) (w Window, ok bool) {
	switch a := a.(type) {
	case Conv2DAttrs:
		return Window{a.Padding, a.ExplicitPads}, true
	case DepthwiseConv2DAttrs:
		return Window{a.Padding, a.ExplicitPads}, true
	case Pool2DAttrs:
		return Window{a.Padding, a.ExplicitPads}, true
	}
	return Window{}, false
}

// Height returns WindowOut along the height.
func (w Window) Height(in, filter, stride, dilation int) (out, padBefore int, err error) {
	return WindowOut(w.Padding, in, filter, stride, dilation, w.PadTop, w.PadBottom)
}

// Width returns WindowOut along the width.
func (w Window) Width(in, filter, stride, dilation int) (out, padBefore int, err error) {
	return WindowOut(w.Padding, in, filter, stride, dilation, w.PadLeft, w.PadRight)
}

// TapRange returns the filter taps [first, end) of a window starting at
// start whose positions start + dilation·f lie in [lo, hi): a pool or
// convolution reads only those (the rest fall in the padding). end ≤ first
// means none. dilation must be ≥ 1.
func TapRange(start, dilation, filter, lo, hi int) (first, end int) {
	if d := lo - start; d > 0 {
		first = (d + dilation - 1) / dilation
	}
	if d := hi - start; d > 0 {
		end = min(filter, (d-1)/dilation+1)
	}
	return first, end
}
