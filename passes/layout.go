// layout.go: the layout pass, which removes the NCHW ↔ NHWC transposes
// the ONNX frontend wraps around every layout-sensitive op.

package passes

import (
	"slices"

	"github.com/tinygen/tinygen/ir"
)

// layout removes the transposes that the ONNX frontend's NCHW ↔ NHWC
// wrapping leaves between NHWC ops, until none of its rules applies:
//
//   - compose: TRANSPOSE(TRANSPOSE(x, p), q) → TRANSPOSE(x, p∘q), and
//     nothing at all when p∘q is the identity (an inverse pair cancels);
//   - fold: TRANSPOSE of a constant → the permuted constant;
//   - reshape: a TRANSPOSE that moves only size-1 axes → RESHAPE, and
//     RESHAPE(RESHAPE(x)) → RESHAPE(x), a RESHAPE to the same shape → x;
//   - quantised data movement: RESHAPE(DEQUANTIZE(q)) →
//     DEQUANTIZE(RESHAPE(q)), and QUANTIZE(DEQUANTIZE(q)) → q when the
//     QUANTIZE has q's type and parameters (a QDQ pair around data
//     movement, as ONNX Runtime's QOperator export writes Transpose and
//     Reshape);
//   - sink: an elementwise op whose input is a TRANSPOSE read by nothing
//     else runs before it: RELU(TRANSPOSE(x, p)) → TRANSPOSE(RELU(x), p),
//     likewise RELU6, LOGISTIC, TANH, LEAKY_RELU, HARD_SWISH, QUANTIZE,
//     DEQUANTIZE, PAD (paddings permuted), and ADD, SUB, MUL, MAXIMUM,
//     MINIMUM with a constant (permuted by p⁻¹) or a second TRANSPOSE by
//     the same p as the other operand.
//
// Sinking moves a transpose down until it meets its inverse, so a
// convolutional network keeps transposes only at its inputs and outputs
// (and none where a channel count of 1 makes them reshapes).
//
// Before → after (a conv, ReLU and max pool from ONNX):
//
//	%2 = TRANSPOSE(%0) perm=[0,2,3,1]      %2 = TRANSPOSE(%0) perm=[0,2,3,1]
//	%3 = CONV_2D(%2, %w, %b)               %3 = CONV_2D(%2, %w, %b)
//	%4 = TRANSPOSE(%3) perm=[0,3,1,2]  →   %5 = RELU(%3)
//	%5 = RELU(%4)                          %7 = MAX_POOL_2D(%5)
//	%6 = TRANSPOSE(%5) perm=[0,2,3,1]      %8 = TRANSPOSE(%7) perm=[0,3,1,2]
//	%7 = MAX_POOL_2D(%6)
//	%8 = TRANSPOSE(%7) perm=[0,3,1,2]
//
// Every rule computes the same values, element for element, so eval's
// results do not change at all.
func layout(g *ir.Graph) (bool, error) {
	if len(g.Ops) > maxRewriteOps {
		return false, nil
	}
	changed := false
	for iter := 0; iter < 16*len(g.Ops)+64; iter++ {
		if !layoutStep(g) {
			break
		}
		// Ops a rule left unread must not count as readers.
		removeDead(g)
		changed = true
	}
	return changed, nil
}

// elementwiseUnary are the ops that compute each element from the same
// element of one input (with per-tensor parameters only; a blocked
// QUANTIZE's parameters depend on the element's position).
func elementwiseUnary(o *ir.Op) bool {
	switch o.Kind {
	case ir.Relu, ir.Relu6, ir.Logistic, ir.Tanh, ir.LeakyRelu, ir.HardSwish:
		return true
	case ir.Quantize, ir.Dequantize:
		if o.Blocked() {
			return false
		}
		return !o.Inputs[0].Quant.PerChannel() && !o.Outputs[0].Quant.PerChannel()
	}
	return false
}

func elementwiseBinary(k ir.OpKind) bool {
	switch k {
	case ir.Add, ir.Sub, ir.Mul, ir.Maximum, ir.Minimum:
		return true
	}
	return false
}

// layoutStep applies the first rule that matches and reports whether one
// did.
func layoutStep(g *ir.Graph) bool {
	prod := g.Producers()
	uses := consumers(g)
	transposeOf := func(t *ir.Tensor) (*ir.Op, []int) {
		p, ok := prod[t]
		if !ok || p.Kind != ir.Transpose {
			return nil, nil
		}
		return p, p.Attrs.(ir.TransposeAttrs).Perm
	}
	// soleUse: t is read by exactly one op and is not a graph output.
	soleUse := func(t *ir.Tensor) bool { return uses[t] == 1 && !isOutput(g, t) }
	for i, o := range g.Ops {
		out := o.Outputs[0]
		switch {
		case o.Kind == ir.Transpose:
			perm := o.Attrs.(ir.TransposeAttrs).Perm
			x := o.Inputs[0]
			if x.IsConst() && !isOutput(g, out) {
				c := &ir.Tensor{Name: out.Name, DType: x.DType, Shape: out.Shape.Clone(), Quant: permuteQuant(x.Quant, perm),
					Data: ir.PermuteData(x.Data, x.Shape, perm, x.DType.Size())}
				g.AddTensor(c)
				replaceUses(g, out, c)
				g.Ops = slices.Delete(g.Ops, i, i+1)
				return true
			}
			if p, pp := transposeOf(x); p != nil {
				q := make([]int, len(perm))
				for j := range perm {
					q[j] = pp[perm[j]]
				}
				o.Inputs[0] = p.Inputs[0]
				o.Attrs = ir.TransposeAttrs{Perm: q}
				return true
			}
			if isIdentityPerm(perm) {
				if !isOutput(g, out) {
					replaceUses(g, out, x)
					g.Ops = slices.Delete(g.Ops, i, i+1)
				} else {
					o.Kind, o.Attrs = ir.Reshape, ir.ReshapeAttrs{NewShape: slices.Clone(out.Shape)}
				}
				return true
			}
			if onlyUnitAxesMove(x.Shape, perm) {
				o.Kind, o.Attrs = ir.Reshape, ir.ReshapeAttrs{NewShape: slices.Clone(out.Shape)}
				return true
			}
		case o.Kind == ir.Reshape:
			x := o.Inputs[0]
			if p, ok := prod[x]; ok && p.Kind == ir.Reshape {
				o.Inputs[0] = p.Inputs[0]
				return true
			}
			if p, ok := prod[x]; ok && p.Kind == ir.Dequantize && soleUse(x) && !p.Inputs[0].Quant.PerChannel() {
				// Move data, not floats: RESHAPE before DEQUANTIZE.
				swapUnary(g, p, o)
				return true
			}
			if x.Shape.Equal(out.Shape) && !isOutput(g, out) && !x.IsConst() && quantEqual(x.Quant, out.Quant) {
				replaceUses(g, out, x)
				g.Ops = slices.Delete(g.Ops, i, i+1)
				return true
			}
		case o.Kind == ir.Quantize && sameQuantAsSource(prod, o) && !isOutput(g, out):
			// QUANTIZE(DEQUANTIZE(q)) with q's parameters is q.
			replaceUses(g, out, prod[o.Inputs[0]].Inputs[0])
			g.Ops = slices.Delete(g.Ops, i, i+1)
			return true
		case elementwiseUnary(o) || o.Kind == ir.Pad:
			t, perm := transposeOf(o.Inputs[0])
			if t == nil || !soleUse(o.Inputs[0]) {
				continue
			}
			if o.Kind == ir.Pad {
				a := o.Attrs.(ir.PadAttrs)
				inv := inversePerm(perm)
				o.Attrs = ir.PadAttrs{Before: permuteInts(a.Before, inv), After: permuteInts(a.After, inv)}
			}
			sinkTranspose(g, t, o, inversePerm(perm))
			return true
		case elementwiseBinary(o.Kind):
			a, b := o.Inputs[0], o.Inputs[1]
			ta, pa := transposeOf(a)
			tb, pb := transposeOf(b)
			switch {
			case ta != nil && tb != nil && ta != tb && slices.Equal(pa, pb) && soleUse(a) && soleUse(b) &&
				ta.Inputs[0].Shape.Equal(tb.Inputs[0].Shape):
				o.Inputs[1] = tb.Inputs[0]
				g.Ops = slices.DeleteFunc(g.Ops, func(x *ir.Op) bool { return x == tb })
				sinkTranspose(g, ta, o, inversePerm(pa))
				return true
			case ta != nil && b.IsConst() && soleUse(a) && len(b.Shape) <= len(pa):
				o.Inputs[1] = permutedConstant(g, b, len(pa), inversePerm(pa))
				sinkTranspose(g, ta, o, inversePerm(pa))
				return true
			case tb != nil && a.IsConst() && soleUse(b) && len(a.Shape) <= len(pb):
				o.Inputs[0] = permutedConstant(g, a, len(pb), inversePerm(pb))
				sinkTranspose(g, tb, o, inversePerm(pb))
				return true
			}
		}
	}
	return false
}

// sinkTranspose rewrites t → o (o the only reader of t's output) into
// o → t: o reads t's input and writes a new tensor of the permuted shape,
// t reads that and writes o's old output. inv is t's inverse permutation.
func sinkTranspose(g *ir.Graph, t, o *ir.Op, inv []int) {
	x := t.Inputs[0]
	for j, in := range o.Inputs {
		if in == t.Outputs[0] {
			o.Inputs[j] = x
		}
	}
	old := o.Outputs[0]
	mid := g.AddTensor(&ir.Tensor{Name: old.Name + "/nhwc", DType: old.DType, Quant: old.Quant.Clone(), Shape: ir.PermuteShape(old.Shape, inv)})
	o.Outputs[0] = mid
	t.Inputs[0] = mid
	t.Outputs[0] = old
	// o now runs first: put it where t was and t where o was.
	ti, oi := slices.Index(g.Ops, t), slices.Index(g.Ops, o)
	g.Ops[ti], g.Ops[oi] = o, t
	// Inputs of o other than x may be produced between t and o: restore a
	// topological order (stable, so nothing else moves).
	_ = g.SortTopologically()
}

// swapUnary rewrites first → second (second the only reader of first's
// output, both with one input) into second → first: second runs on
// first's input (its output keeps second's shape and takes the input's
// type and quantisation), first on that.
func swapUnary(g *ir.Graph, first, second *ir.Op) {
	a := first.Inputs[0]
	old := second.Outputs[0]
	mid := g.AddTensor(&ir.Tensor{Name: old.Name + "/q", DType: a.DType, Quant: a.Quant.Clone(), Shape: old.Shape.Clone()})
	second.Inputs[0] = a
	second.Outputs[0] = mid
	first.Inputs[0] = mid
	first.Outputs[0] = old
	fi, si := slices.Index(g.Ops, first), slices.Index(g.Ops, second)
	g.Ops[fi], g.Ops[si] = second, first
	_ = g.SortTopologically()
}

// sameQuantAsSource reports whether QUANTIZE o reads a DEQUANTIZE whose
// input has o's output type and (per-tensor) parameters.
// quantEqual reports whether two quantisations are the same (an identity
// RESHAPE that gives raw integers their zero points, as the ONNX frontend
// does for MatMulInteger and ConvInteger, must stay).
func quantEqual(a, b *ir.Quant) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Axis == b.Axis && slices.Equal(a.Scale, b.Scale) && slices.Equal(a.ZeroPoint, b.ZeroPoint)
}

func sameQuantAsSource(prod map[*ir.Tensor]*ir.Op, o *ir.Op) bool {
	p, ok := prod[o.Inputs[0]]
	if !ok || p.Kind != ir.Dequantize {
		return false
	}
	q, y := p.Inputs[0], o.Outputs[0]
	return q.DType == y.DType && q.Quant != nil && y.Quant != nil && !q.Quant.PerChannel() && !y.Quant.PerChannel() &&
		q.Scale() == y.Scale() && q.ZeroPoint() == y.ZeroPoint()
}

// permutedConstant returns constant c broadcast to rank r (leading 1s)
// and transposed by perm.
func permutedConstant(g *ir.Graph, c *ir.Tensor, r int, perm []int) *ir.Tensor {
	s := make(ir.Shape, r-len(c.Shape))
	for i := range s {
		s[i] = 1
	}
	s = append(s, c.Shape...)
	return g.AddTensor(&ir.Tensor{Name: c.Name, DType: c.DType, Quant: permuteQuant(c.Quant, perm), Shape: ir.PermuteShape(s, perm),
		Data: ir.PermuteData(c.Data, s, perm, c.DType.Size())})
}

func permuteQuant(q *ir.Quant, perm []int) *ir.Quant {
	q = q.Clone()
	if q != nil && q.PerChannel() {
		q.Axis = slices.Index(perm, q.Axis)
	}
	return q
}

// onlyUnitAxesMove reports whether a transpose keeps the order of the
// axes larger than 1 (so it is a reshape).
func onlyUnitAxesMove(s ir.Shape, perm []int) bool {
	last := -1
	for _, p := range perm {
		if s[p] == 1 {
			continue
		}
		if p < last {
			return false
		}
		last = p
	}
	return true
}

func isIdentityPerm(p []int) bool {
	for i, v := range p {
		if v != i {
			return false
		}
	}
	return true
}

func inversePerm(p []int) []int {
	inv := make([]int, len(p))
	for i, v := range p {
		inv[v] = i
	}
	return inv
}

func permuteInts(v, perm []int) []int {
	out := make([]int, len(perm))
	for i, p := range perm {
		out[i] = v[p]
	}
	return out
}
