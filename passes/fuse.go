// fuse.go: the fuse-activations pass.

package passes

import (
	"slices"

	"github.com/tinygen/tinygen/ir"
)

// fuseActivations fuses a float RELU or RELU6 into the op before it when
// that op has a fused-activation attribute set to NONE and nothing else
// reads its output: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB,
// MUL, AVERAGE_POOL_2D, MAX_POOL_2D and CONCATENATION. The kernels clamp
// with the same max/min as the RELU kernels, so the values are identical.
// Quantised ops are left alone (a fused activation clamps in the op's
// output quantisation, a RELU requantises).
//
// Before → after:
//
//	%3 = CONV_2D(%0, %w, %b)             %4 = CONV_2D(%0, %w, %b) activation=RELU
//	%4 = RELU(%3)                    →
func fuseActivations(g *ir.Graph) (bool, error) {
	changed := false
	uses := consumers(g)
	prod := g.Producers()
	for _, r := range slices.Clone(g.Ops) {
		var act ir.Activation
		switch r.Kind {
		case ir.Relu:
			act = ir.ActRelu
		case ir.Relu6:
			act = ir.ActRelu6
		default:
			continue
		}
		x := r.Inputs[0]
		p, ok := prod[x]
		if !ok || x.DType != ir.Float32 || uses[x] != 1 || isOutput(g, x) {
			continue
		}
		attrs, ok := withActivation(p.Attrs, act)
		if !ok {
			continue
		}
		p.Attrs = attrs
		p.Outputs[0] = r.Outputs[0]
		g.Ops = slices.DeleteFunc(g.Ops, func(o *ir.Op) bool { return o == r })
		changed = true
	}
	if changed {
		removeDead(g)
	}
	return changed, nil
}

// withActivation returns attrs with its fused activation set to act, if
// it has one and it is NONE.
func withActivation(attrs ir.Attrs, act ir.Activation) (ir.Attrs, bool) {
	switch a := attrs.(type) {
	case ir.Conv2DAttrs:
		if a.Activation == ir.ActNone {
			a.Activation = act
			return a, true
		}
	case ir.DepthwiseConv2DAttrs:
		if a.Activation == ir.ActNone {
			a.Activation = act
			return a, true
		}
	case ir.FullyConnectedAttrs:
		if a.Activation == ir.ActNone {
			a.Activation = act
			return a, true
		}
	case ir.BinaryAttrs:
		if a.Activation == ir.ActNone {
			a.Activation = act
			return a, true
		}
	case ir.Pool2DAttrs:
		if a.Activation == ir.ActNone {
			a.Activation = act
			return a, true
		}
	case ir.ConcatenationAttrs:
		if a.Activation == ir.ActNone {
			a.Activation = act
			return a, true
		}
	}
	return attrs, false
}
