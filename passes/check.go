package passes

import (
	"fmt"

	"github.com/tinygen/tinygen/eval"
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
	if _, err := eval.New(s.Graph); err != nil {
		return err
	}
	return nil
}
