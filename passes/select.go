// select.go: the select-kernels pass.

package passes

import (
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
)

// selectKernels chooses every op's kernel: the reference lowering
// (kernels.Lower) first, then the first of the preferred kernel sets (the
// target's list, or --kernels) that specialises that kernel for the op's
// shapes and parameters (kernels.Library.Select). The parameters are
// computed here, once; the planner and the emitters read them from
// State.Calls.
//
// Before → after: the graph is unchanged; State.Calls holds a call per op.
func selectKernels(s *State, cfg *Config) error {
	prefer := cfg.kernelSets()
	s.Calls = make(map[*ir.Op]kernels.Call, len(s.Graph.Ops))
	for _, op := range s.Graph.Ops {
		c, err := cfg.Library.Select(op, prefer)
		if err != nil {
			return err
		}
		s.Calls[op] = c
	}
	return nil
}
