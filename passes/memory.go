// memory.go: the memory-order and plan-memory passes, which call package
// plan.

package passes

import (
	"fmt"
	"slices"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/plan"
)

// planOptions returns the planner's options for the state: alignment,
// aliasing, and the in-place and scratch rules of the selected kernels.
func (s *State) planOptions(cfg *Config) plan.Options {
	return plan.Options{Align: s.align(cfg), Planner: cfg.Memory.Planner, Aliasing: cfg.Memory.Aliasing,
		IncludeIO: cfg.Memory.IncludeIO,
		InPlace:   func(op *ir.Op) []int { return s.Calls[op].InPlaceInputs(op) },
		Scratch:   func(op *ir.Op) int { return s.Calls[op].ScratchBytes(op) }}
}

// align returns the arena alignment: the option, or the target's.
func (s *State) align(cfg *Config) int {
	if cfg.Memory.Align != 0 {
		return cfg.Memory.Align
	}
	if cfg.Target.ArenaAlign != 0 {
		return cfg.Target.ArenaAlign
	}
	return plan.DefaultAlign
}

// memoryOrder searches a memory-aware op order (plan.MemoryOrder, an exact
// search over the sets of executed ops, see its doc for its cost and
// bounds) and adopts it when the real plan in that order is strictly
// smaller than in the model's order. Disable it to keep the model's order.
//
// Before → after: Graph.Ops is a topological order whose arena is no
// larger than the model order's; State.Reordered says whether it changed.
func memoryOrder(s *State, cfg *Config) error {
	po := s.planOptions(cfg)
	model, err := plan.Build(s.Graph, po)
	if err != nil {
		return err
	}
	s.ModelOrderPlan = model
	sched, err := plan.MemoryOrder(s.Graph, po)
	if err != nil {
		return err
	}
	s.Schedule = sched
	if slices.Equal(sched.Ops, s.Graph.Ops) {
		return nil
	}
	h := *s.Graph
	h.Ops = slices.Clone(sched.Ops)
	if err := h.Verify(); err != nil {
		return fmt.Errorf("plan: the memory-aware order is invalid: %w", err)
	}
	q, err := plan.Build(&h, po)
	if err != nil {
		return err
	}
	if q.Size < model.Size {
		s.Graph, s.Plan, s.Reordered = &h, q, true
	}
	return nil
}

// planMemory lays out the arena for the current op order: storage classes
// (views and in-place ops share bytes), lifetimes, scratch buffers of the
// selected kernels, and placement by the chosen planner (plan.Build, which
// verifies the layout by replaying the schedule).
//
// Before → after: State.Plan places every intermediate tensor and scratch
// buffer; the op order is final.
func planMemory(s *State, cfg *Config) error {
	s.Align = s.align(cfg)
	if s.Plan != nil {
		return nil // the memory-order pass planned the order it chose
	}
	if s.ModelOrderPlan != nil {
		s.Plan = s.ModelOrderPlan
		return nil
	}
	p, err := plan.Build(s.Graph, s.planOptions(cfg))
	if err != nil {
		return err
	}
	s.Plan = p
	return nil
}
