// foldconst.go: the fold-constants pass.

package passes

import (
	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/ir"
)

// foldConstants evaluates every op whose inputs are all constants (with
// the evaluator, so the values are exactly what the op would compute at
// run time) and replaces its output with the constant, as long as the
// constants of the graph stay within MaxConstantBytes. Ops whose output
// is a graph output are kept (outputs are computed, never constant).
//
// Before → after:
//
//	%1 = TRANSPOSE(%w:const) perm=[1,0]    (gone)
//	%2 = FULLY_CONNECTED(%0, %1)       →   %2 = FULLY_CONNECTED(%0, %w')
func foldConstants(g *ir.Graph) (bool, error) {
	total := 0
	for _, t := range g.Tensors {
		if t.IsConst() {
			total += len(t.Data)
		}
	}
	changed := false
	kept := g.Ops[:0]
	for _, o := range g.Ops {
		if folded, n := foldOp(g, o, total); folded {
			total += n
			changed = true
			continue
		}
		kept = append(kept, o)
	}
	g.Ops = kept
	if changed {
		removeDead(g)
	}
	return changed, nil
}

// foldOp evaluates o if all its inputs are constants and its output is
// not a graph output, replacing the output's uses by the constant.
func foldOp(g *ir.Graph, o *ir.Op, total int) (bool, int) {
	if len(o.Outputs) != 1 || isOutput(g, o.Outputs[0]) {
		return false, 0
	}
	var ins []*ir.Tensor
	for _, t := range o.Inputs {
		if t == nil {
			continue
		}
		if !t.IsConst() {
			return false, 0
		}
		ins = append(ins, t)
	}
	out := o.Outputs[0]
	if total+out.NumBytes() > MaxConstantBytes {
		return false, 0
	}
	// A one-op graph whose inputs are copies of the constants as inputs.
	sub := &ir.Graph{Source: g.Source}
	m := map[*ir.Tensor]*ir.Tensor{}
	var data [][]byte
	for _, t := range ins {
		if _, ok := m[t]; ok {
			continue
		}
		c := sub.AddTensor(&ir.Tensor{Name: t.Name, DType: t.DType, Shape: t.Shape.Clone(), Quant: t.Quant.Clone()})
		m[t] = c
		sub.Inputs = append(sub.Inputs, c)
		data = append(data, t.Data)
	}
	if len(sub.Inputs) == 0 {
		return false, 0
	}
	op := *o
	op.Inputs = make([]*ir.Tensor, len(o.Inputs))
	for i, t := range o.Inputs {
		if t != nil {
			op.Inputs[i] = m[t]
		}
	}
	res := sub.AddTensor(&ir.Tensor{Name: out.Name, DType: out.DType, Shape: out.Shape.Clone(), Quant: out.Quant.Clone()})
	op.Outputs = []*ir.Tensor{res}
	sub.AddOp(&op)
	sub.Outputs = []*ir.Tensor{res}
	e, err := eval.New(sub)
	if err != nil {
		return false, 0
	}
	outs, err := e.Run(data)
	if err != nil {
		return false, 0
	}
	c := g.AddTensor(&ir.Tensor{Name: out.Name, DType: out.DType, Shape: out.Shape.Clone(), Quant: out.Quant.Clone(), Data: outs[0]})
	replaceUses(g, out, c)
	return true, len(outs[0])
}
