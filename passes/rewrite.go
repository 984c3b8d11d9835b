// rewrite.go: the graph-rewriting passes that run before check for graphs
// from the ONNX frontend (layout, fold-batchnorm, fold-constants,
// fuse-activations), and the helpers they share. TFLite graphs never go
// through them, so their results cannot change.

package passes

import (
	"strings"

	"github.com/tinygen/tinygen/ir"
)

// onnxSource is the prefix of Graph.Source for graphs from the ONNX
// frontend (frontends/onnx.SourcePrefix; passes does not import
// frontends).
const onnxSource = "onnx"

// maxRewriteOps bounds the graphs layout and fold-batchnorm rewrite: they
// restart their scan after every rewrite (O(ops²)), so a hostile graph of
// 100,000 wrapped convolutions would take hours. Larger graphs keep
// their transposes and batch normalisations (still correct, only slower
// code); microcontroller models have a few hundred ops.
const maxRewriteOps = 2000

// needsRewrite reports whether g gets the ONNX graph passes.
func needsRewrite(g *ir.Graph) bool { return strings.HasPrefix(g.Source, onnxSource) }

// graphPass is one rewriting step on a private copy of a graph: it changes
// g in place and reports whether it changed anything.
type graphPass func(g *ir.Graph) (bool, error)

// rewritePasses lists the rewriting passes in pipeline order.
func rewritePasses() []struct {
	name string
	run  graphPass
} {
	return []struct {
		name string
		run  graphPass
	}{
		{"fold-empty", foldEmpty},
		{"layout", layout},
		{"fold-constants", foldConstants},
		{"fold-batchnorm", foldBatchNorm},
		{"fuse-activations", fuseActivations},
	}
}

// RewriteGraph returns g after every rewriting pass (a copy; g is not
// changed), or g itself when it is not an ONNX graph.
func RewriteGraph(g *ir.Graph) (*ir.Graph, error) {
	if !needsRewrite(g) {
		return g, nil
	}
	h := cloneGraph(g)
	for _, p := range rewritePasses() {
		if _, err := p.run(h); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// rewritePass wraps a graph pass as a pipeline pass: it runs on a copy of
// the state's graph, for ONNX graphs only.
func rewritePass(p graphPass) func(s *State, _ *Config) error {
	return func(s *State, _ *Config) error {
		if !needsRewrite(s.Graph) {
			return nil
		}
		h := cloneGraph(s.Graph)
		if _, err := p(h); err != nil {
			return err
		}
		s.Graph = h
		return nil
	}
}

// cloneGraph copies the graph's tensors (constant data shared, never
// written) and ops, so that a pass can change the copy in place.
func cloneGraph(g *ir.Graph) *ir.Graph {
	h := *g
	m := make(map[*ir.Tensor]*ir.Tensor, len(g.Tensors))
	h.Tensors = make([]*ir.Tensor, len(g.Tensors))
	for i, t := range g.Tensors {
		c := *t
		c.Shape = t.Shape.Clone()
		c.Quant = t.Quant.Clone()
		h.Tensors[i] = &c
		m[t] = &c
	}
	get := func(t *ir.Tensor) *ir.Tensor {
		if t == nil {
			return nil
		}
		if c, ok := m[t]; ok {
			return c
		}
		c := *t
		m[t] = &c
		return &c
	}
	h.Ops = make([]*ir.Op, len(g.Ops))
	for i, o := range g.Ops {
		c := *o
		c.Inputs = make([]*ir.Tensor, len(o.Inputs))
		for j, t := range o.Inputs {
			c.Inputs[j] = get(t)
		}
		c.Outputs = make([]*ir.Tensor, len(o.Outputs))
		for j, t := range o.Outputs {
			c.Outputs[j] = get(t)
		}
		h.Ops[i] = &c
	}
	h.Inputs = make([]*ir.Tensor, len(g.Inputs))
	for i, t := range g.Inputs {
		h.Inputs[i] = get(t)
	}
	h.Outputs = make([]*ir.Tensor, len(g.Outputs))
	for i, t := range g.Outputs {
		h.Outputs[i] = get(t)
	}
	return &h
}

// replaceUses makes every op input and graph output that is old read new.
// A graph output keeps its identity: when old is a graph output, the
// caller must not replace it (see isOutput).
func replaceUses(g *ir.Graph, old, new *ir.Tensor) {
	for _, o := range g.Ops {
		for i, t := range o.Inputs {
			if t == old {
				o.Inputs[i] = new
			}
		}
	}
}

// isOutput reports whether t is a graph output.
func isOutput(g *ir.Graph, t *ir.Tensor) bool {
	for _, o := range g.Outputs {
		if o == t {
			return true
		}
	}
	return false
}

// removeDead drops ops whose outputs nothing reads and that are not graph
// outputs, repeatedly, then renumbers the tensors.
func removeDead(g *ir.Graph) {
	for {
		used := map[*ir.Tensor]bool{}
		for _, t := range g.Outputs {
			used[t] = true
		}
		for _, o := range g.Ops {
			for _, t := range o.Inputs {
				used[t] = true
			}
		}
		kept := g.Ops[:0]
		changed := false
		for _, o := range g.Ops {
			live := false
			for _, t := range o.Outputs {
				live = live || used[t]
			}
			if live {
				kept = append(kept, o)
			} else {
				changed = true
			}
		}
		g.Ops = kept
		if !changed {
			break
		}
	}
	g.Renumber()
}

// consumers counts the ops reading each tensor (an op reading it twice
// counts twice) plus one per listing as a graph output.
func consumers(g *ir.Graph) map[*ir.Tensor]int {
	n := map[*ir.Tensor]int{}
	for _, o := range g.Ops {
		for _, t := range o.Inputs {
			if t != nil {
				n[t]++
			}
		}
	}
	for _, t := range g.Outputs {
		n[t]++
	}
	return n
}
