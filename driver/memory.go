package driver

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/passes"
	"github.com/tinygen/tinygen/plan"
	"github.com/tinygen/tinygen/program"
)

// MemoryOptions control static memory planning. The zero value is the
// default: the best planner, 16-byte alignment, views and in-place
// elementwise ops sharing storage, graph inputs and outputs in the
// caller's buffers, and the memory-aware op order whenever it gives a
// smaller arena.
type MemoryOptions struct {
	// Planner is a planner name (plan.PlannerNames) or "best".
	Planner string
	// Aliasing says which tensors may share storage.
	Aliasing plan.Aliasing
	// Align is the alignment of every arena offset (the target's if
	// 0): a power of two from MinAlign to MaxAlign.
	Align int
	// ModelOrder keeps the model's op order instead of trying the
	// memory-aware order.
	ModelOrder bool
	// IncludeIO plans graph inputs and outputs in the arena, as TFLM does.
	IncludeIO bool
}

// MemoryPlan is a graph with its arena layout.
type MemoryPlan struct {
	// Graph is the graph in the op order the plan is for. When the order
	// changed it is a shallow copy of the model's graph with the ops
	// reordered (tensors and ops are shared).
	Graph *ir.Graph
	// Plan is the layout of Graph.
	Plan *plan.Plan
	// ModelOrder is the layout in the model's own op order; it equals
	// Plan unless Reordered.
	ModelOrder *plan.Plan
	// Schedule is the memory-aware order search (nil with
	// MemoryOptions.ModelOrder).
	Schedule *plan.Schedule
	// Reordered is set when Graph runs the ops in another order than the
	// model, because that order's arena is smaller.
	Reordered bool
	// Program is the compile result (nil when only the memory was
	// planned).
	Program *program.Program
}

// PlanMemory plans g's arena with the reference kernels for the host,
// through the passes (up to plan-memory). Unless opts.ModelOrder is set it
// also searches a memory-aware op order and adopts it when the resulting
// arena is strictly smaller than in model order.
func PlanMemory(g *ir.Graph, opts MemoryOptions) (*MemoryPlan, error) {
	s, err := runPasses(&Model{Path: g.Name, Graph: g}, CompileOptions{Memory: opts, PassControls: PassControls{StopAfter: "plan-memory"}})
	if err != nil {
		return nil, err
	}
	return memoryPlan(s), nil
}

func sameOrder(a, b []*ir.Op) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// PlannerNames returns the names --planner accepts.
func PlannerNames() []string { return plan.PlannerNames() }

// The range of MemoryOptions.Align. The kernels read int32 and float32
// tensors through typed pointers into the arena, so every offset must be a
// multiple of 4 (their alignment on every target tinygen supports); above
// a page (4096, also the targets' largest arena alignment) every buffer
// rounded up to the alignment only wastes RAM, and the arena's
// aligned(N) attribute and the offset arithmetic stay far from their
// limits. A power of two is what C compilers accept as an alignment.
const (
	MinAlign = passes.MinAlign
	MaxAlign = passes.MaxAlign
)

// Check validates the options, with errors that name the flag values.
// PlanMemory calls it, so library callers get the same errors as the CLI.
func (o MemoryOptions) Check() error {
	if a := o.Align; a != 0 && (a < MinAlign || a > MaxAlign || a&(a-1) != 0) {
		return fmt.Errorf("--align must be a power of two from %d to %d, got %d", MinAlign, MaxAlign, a)
	}
	if o.Planner != "" {
		if _, err := plan.Choose(o.Planner); err != nil {
			return err
		}
	}
	return nil
}

// SetAliasing parses an aliasing mode (all, views, none) into o.
func (o *MemoryOptions) SetAliasing(s string) error {
	a, err := plan.ParseAliasing(s)
	if err != nil {
		return err
	}
	o.Aliasing = a
	return nil
}
