// foldempty.go: the fold-empty pass, which removes the computation on
// tensors of zero elements.

package passes

import "github.com/tinygen/tinygen/ir"

// foldEmpty takes tensors with no elements out of the computation: a
// tensor of zero elements has no values, so it is known at compile time
// (an empty constant) whatever the inputs are.
//
//   - An op whose outputs all have zero elements computes nothing: it is
//     removed and its outputs become empty constants (a graph output among
//     them is then written by nothing: it has no bytes).
//   - An op that reads a computed tensor (a graph input) of zero elements
//     reads an empty constant instead, so that fold-constants can evaluate
//     it when its other inputs are constant, and the graph input is read
//     by no step.
//
// Before → after (x is a graph input f32[0,3]):
//
//	%1 = RESHAPE(%x) [3,0]              (gone; %1 = empty constant f32[3,0])
//	%2 = CONCATENATION(%x, %y)     →    %2 = CONCATENATION(%e:const f32[0,3], %y)
//
// Graphs without such tensors (every TFLite model TFLM runs) are left
// exactly as they are, which is why the pass runs for graphs from every
// frontend: the C API and the kernels never see an empty computed tensor.
func foldEmpty(g *ir.Graph) (bool, error) {
	changed := false
	consts := map[*ir.Tensor]*ir.Tensor{}
	kept := g.Ops[:0]
	for _, o := range g.Ops {
		if allEmpty(o.Outputs) {
			for _, t := range o.Outputs {
				t.Data = []byte{}
			}
			changed = true
			continue
		}
		for i, t := range o.Inputs {
			if t == nil || t.IsConst() || !isEmpty(t) {
				continue
			}
			c, ok := consts[t]
			if !ok {
				c = g.AddTensor(&ir.Tensor{Name: t.Name, DType: t.DType, Shape: t.Shape.Clone(),
					Quant: t.Quant.Clone(), Data: []byte{}})
				consts[t] = c
			}
			o.Inputs[i] = c
			changed = true
		}
		kept = append(kept, o)
	}
	g.Ops = kept
	if changed {
		removeDead(g)
	}
	return changed, nil
}

// allEmpty reports whether ts is not empty and each tensor has zero
// elements.
func allEmpty(ts []*ir.Tensor) bool {
	for _, t := range ts {
		if t == nil || !isEmpty(t) {
			return false
		}
	}
	return len(ts) > 0
}

// hasEmpty reports whether some op of g reads or writes a computed tensor
// of zero elements (what foldEmpty rewrites).
func hasEmpty(g *ir.Graph) bool {
	for _, o := range g.Ops {
		for _, ts := range [][]*ir.Tensor{o.Inputs, o.Outputs} {
			for _, t := range ts {
				if t != nil && !t.IsConst() && isEmpty(t) {
					return true
				}
			}
		}
	}
	return false
}

// emptyPass runs foldEmpty, on a copy, for graphs from any frontend that
// have empty computed tensors.
func emptyPass(s *State, _ *Config) error {
	if !hasEmpty(s.Graph) {
		return nil
	}
	h := cloneGraph(s.Graph)
	if _, err := foldEmpty(h); err != nil {
		return err
	}
	s.Graph = h
	return nil
}

// isEmpty reports whether t has zero elements (a shape that overflows is
// not empty: verify refuses it).
func isEmpty(t *ir.Tensor) bool {
	n, err := t.Shape.NumElements()
	return err == nil && n == 0
}
