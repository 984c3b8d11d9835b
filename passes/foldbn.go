// foldbn.go: the fold-batchnorm pass.

package passes

import (
	"slices"

	"github.com/tinygen/tinygen/ir"
)

// foldBatchNorm folds a per-channel affine map after a float convolution,
// depthwise convolution or fully connected op into its weights and bias:
// MUL by a constant per-output-channel (or scalar) c scales the filter's
// output channels and the bias by c; ADD of (or SUB of) such a constant
// adds it to (subtracts it from) the bias. The ONNX frontend writes an
// inference BatchNormalization as exactly this MUL and ADD, and a MatMul
// followed by Add of the bias as FULLY_CONNECTED then ADD.
//
// Before → after:
//
//	%3 = CONV_2D(%0, %w, %b)                %5 = CONV_2D(%0, %w·s, %b·s+t)
//	%4 = MUL(%3, %s:const[1,1,1,C])    →
//	%5 = ADD(%4, %t:const[1,1,1,C])
//
// Only ops without a fused activation whose output nothing else reads
// are folded. An ADD of a bias is exact (the kernels add the bias after
// the sum, as the ADD did); folding a MUL rounds (x·w)·s as x·(w·s), a
// difference of about one float32 rounding per product.
func foldBatchNorm(g *ir.Graph) (bool, error) {
	if len(g.Ops) > maxRewriteOps {
		return false, nil
	}
	changed := false
	for {
		if !foldOneAffine(g) {
			break
		}
		changed = true
	}
	if changed {
		removeDead(g)
	}
	return changed, nil
}

// channelConst returns the per-channel values of constant c for an
// output with channels on its last axis, if c has one value per channel
// (or one value) and broadcasts only along that axis.
func channelConst(c *ir.Tensor, out *ir.Tensor, channels int) ([]float32, bool) {
	if c == nil || !c.IsConst() || c.DType != ir.Float32 || len(c.Shape) > len(out.Shape) {
		return nil, false
	}
	for i, d := range c.Shape {
		if i < len(c.Shape)-1 && d != 1 {
			return nil, false
		}
	}
	v := c.Float32s()
	switch len(v) {
	case 1:
		out := make([]float32, channels)
		for i := range out {
			out[i] = v[0]
		}
		return out, true
	case channels:
		return v, true
	}
	return nil, false
}

// affineTarget describes the op being folded into.
func affineTarget(o *ir.Op) (channels int, chanAxis int, ok bool) {
	if o.Inputs[0].DType != ir.Float32 || len(o.Inputs) < 2 || !o.Inputs[1].IsConst() {
		return 0, 0, false
	}
	if b := o.Input(2); b != nil && !b.IsConst() {
		return 0, 0, false
	}
	f := o.Inputs[1]
	switch a := o.Attrs.(type) {
	case ir.Conv2DAttrs:
		return f.Shape[0], 0, a.Activation == ir.ActNone
	case ir.DepthwiseConv2DAttrs:
		return f.Shape[3], 3, a.Activation == ir.ActNone
	case ir.FullyConnectedAttrs:
		return f.Shape[0], 0, a.Activation == ir.ActNone
	}
	return 0, 0, false
}

// foldOneAffine performs one fold and reports whether it found one.
func foldOneAffine(g *ir.Graph) bool {
	uses := consumers(g)
	prod := g.Producers()
	for _, m := range g.Ops {
		if m.Kind != ir.Mul && m.Kind != ir.Add && m.Kind != ir.Sub {
			continue
		}
		if m.Attrs.(ir.BinaryAttrs).Activation != ir.ActNone {
			continue
		}
		for k := 0; k < 2; k++ {
			x, c := m.Inputs[k], m.Inputs[1-k]
			if m.Kind == ir.Sub && k == 1 {
				continue // c − x is not a bias
			}
			p, ok := prod[x]
			if !ok || uses[x] != 1 || isOutput(g, x) {
				continue
			}
			channels, axis, ok := affineTarget(p)
			if !ok || !m.Outputs[0].Shape.Equal(x.Shape) {
				continue
			}
			vals, ok := channelConst(c, x, channels)
			if !ok {
				continue
			}
			f := p.Inputs[1]
			var bias []float32
			if b := p.Input(2); b != nil {
				bias = b.Float32s()
			} else {
				bias = make([]float32, channels)
			}
			switch m.Kind {
			case ir.Mul:
				w := f.Float32s()
				inner := f.Shape[axis+1:].Elements()
				for i := range w {
					w[i] *= vals[(i/inner)%channels]
				}
				for i := range bias {
					bias[i] *= vals[i]
				}
				p.Inputs[1] = g.AddTensor(&ir.Tensor{Name: f.Name, DType: ir.Float32, Shape: f.Shape.Clone(), Data: ir.Float32Data(w)})
			case ir.Add:
				for i := range bias {
					bias[i] += vals[i]
				}
			case ir.Sub:
				for i := range bias {
					bias[i] -= vals[i]
				}
			}
			bt := g.AddTensor(&ir.Tensor{Name: x.Name + "/bias", DType: ir.Float32, Shape: ir.Shape{channels}, Data: ir.Float32Data(bias)})
			if len(p.Inputs) < 3 {
				p.Inputs = append(p.Inputs, bt)
			} else {
				p.Inputs[2] = bt
			}
			p.Outputs[0] = m.Outputs[0]
			g.Ops = slices.DeleteFunc(g.Ops, func(o *ir.Op) bool { return o == m })
			return true
		}
	}
	return false
}
