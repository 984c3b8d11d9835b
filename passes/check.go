// check.go: the check pass, the gate every graph passes before kernels are
// chosen.

package passes

import (
	"fmt"

	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/ir"
)

// check verifies the graph (ir.Verify) and runs the evaluator's
// preparation, which performs TFLM's Prepare checks for every op: types,
// shapes, quantisation and the multipliers they imply. A graph that passes
// can be lowered to kernels; one that fails is refused here, before any
// kernel is chosen, with the op named.
//
// Before → after: the graph is unchanged.
func check(s *State, _ *Config) error {
	if err := s.Graph.Verify(); err != nil {
		return fmt.Errorf("invalid model: %w", err)
	}
	if err := compilable(s.Graph); err != nil {
		return err
	}
	if _, err := eval.New(s.Graph); err != nil {
		return err
	}
	return nil
}

// compilable refuses the graph structures generated code cannot express
// although the evaluator runs them: no outputs (the outputs struct would
// be empty, which ISO C forbids, and there is nothing to compute) and no
// inputs (likewise for the inputs struct; every output is a constant).
// A graph input listed twice is refused by ir.Verify for every consumer.
// An output listed twice, or one that is also a graph input, is fine: the
// program copies the value into each listed output, as the evaluator
// returns it for each.
func compilable(g *ir.Graph) error {
	if len(g.Outputs) == 0 {
		return fmt.Errorf("the graph has no outputs; nothing to compute")
	}
	if len(g.Inputs) == 0 {
		return fmt.Errorf("the graph has no inputs; its outputs are constants, and generated code needs at least one input")
	}
	return nil
}
