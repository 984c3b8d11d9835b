// Package passes turns a verified ir.Graph and a target into a Program.
// The pipeline is an ordered table of named passes in the style of Go's
// SSA compiler: each pass says which facts it requires and which it
// provides, a checker verifies the state after every pass (always in tests,
// and under Config.Check), and a Config chosen per compile disables
// optional passes, dumps the IR after a pass and times the passes. There
// is no global state: every compile gets its own State.
package passes

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/plan"
	"github.com/tinygen/tinygen/program"
	"github.com/tinygen/tinygen/targets"
)

// Pass is one step of the pipeline.
type Pass struct {
	// Name is the pass's name on the command line (--dump-after NAME).
	Name string
	// Doc says what the pass does, in one line.
	Doc string
	// Run performs the pass on s.
	Run func(s *State, cfg *Config) error
	// Required passes cannot be disabled.
	Required bool
	// Requires are the facts that must hold before the pass runs.
	Requires []Fact
	// Provides are the facts that hold after it.
	Provides []Fact
}

// Fact is something a pass establishes about the State.
type Fact string

// The facts of the pipeline.
const (
	// Checked: the graph passed the structural and kernel-constraint checks.
	Checked Fact = "checked"
	// KernelsSelected: every op has a kernel call (State.Calls).
	KernelsSelected Fact = "kernels-selected"
	// Ordered: the op order is final.
	Ordered Fact = "ordered"
	// Planned: State.Plan lays out the arena for the final order.
	Planned Fact = "planned"
	// Built: State.Program is complete.
	Built Fact = "built"
)

// Pipeline returns the passes in the order they run. The table is built
// by a function so that no caller can change what another sees.
func Pipeline() []Pass {
	return []Pass{
		{Name: "fold-empty", Doc: "remove ops whose outputs have no elements; empty inputs are read as empty constants",
			Run: emptyPass},
		{Name: "layout", Doc: "ONNX graphs: cancel and sink the NCHW/NHWC transposes, fold them into constants",
			Run: rewritePass(layout)},
		{Name: "fold-constants", Doc: "ONNX graphs: evaluate ops whose inputs are all constants",
			Run: rewritePass(foldConstants)},
		{Name: "fold-batchnorm", Doc: "ONNX graphs: fold per-channel MUL/ADD (BatchNormalization) into the convolution or fully connected op before",
			Run: rewritePass(foldBatchNorm)},
		{Name: "fuse-activations", Doc: "ONNX graphs: fuse RELU, RELU6 and RELU_N1_TO_1 into the op before",
			Run: rewritePass(fuseActivations)},
		{Name: "check", Doc: "verify the graph and the kernels' constraints (TFLM's Prepare checks)",
			Run: check, Required: true, Provides: []Fact{Checked}},
		{Name: "select-kernels", Doc: "choose a kernel and compute its parameters for every op, by the target's kernel sets",
			Run: selectKernels, Required: true, Requires: []Fact{Checked}, Provides: []Fact{KernelsSelected}},
		{Name: "memory-order", Doc: "reorder the ops when that gives a smaller arena (exact search)",
			Run: memoryOrder, Requires: []Fact{KernelsSelected}, Provides: []Fact{Ordered}},
		{Name: "plan-memory", Doc: "plan the arena: storage sharing, lifetimes, scratch, placement",
			Run: planMemory, Required: true, Requires: []Fact{KernelsSelected}, Provides: []Fact{Ordered, Planned}},
		{Name: "build-program", Doc: "lay out steps, argument locations and constants as a Program",
			Run: buildProgram, Required: true, Requires: []Fact{KernelsSelected, Planned}, Provides: []Fact{Built}},
	}
}

// PassNames returns the names of the passes in order.
func PassNames() []string {
	var out []string
	for _, p := range Pipeline() {
		out = append(out, p.Name)
	}
	return out
}

// MemoryOptions control static memory planning.
type MemoryOptions struct {
	// Planner is a planner name (plan.PlannerNames) or "best" ("" too).
	Planner string
	// Aliasing says which tensors may share storage.
	Aliasing plan.Aliasing
	// Align is the alignment of arena offsets; 0 takes the target's.
	Align int
	// IncludeIO plans graph inputs and outputs in the arena, as TFLM
	// does (for reports; the build-program pass refuses it).
	IncludeIO bool
}

// Config is one compile's settings.
type Config struct {
	// Target is the target compiled for (required).
	Target *targets.Target
	// Library is the kernel library (nil: kernels.Builtin()).
	Library *kernels.Library
	// KernelSets overrides the target's preferred kernel sets (nil: the
	// target's list). Reference is appended when missing.
	KernelSets []string
	// Name is the C identifier prefixing the program's symbols.
	Name string
	// Source identifies the model file.
	Source program.Source
	// Memory controls memory planning.
	Memory MemoryOptions
	// Controls are the pipeline's own switches.
	Controls
}

// Controls are the switches of the pipeline itself, the same for every
// model: which passes run, the checker, dumps and timings.
type Controls struct {
	// Disabled names optional passes to skip (memory-order keeps the
	// model's op order).
	Disabled []string
	// StopAfter ends the pipeline after the named pass ("" runs all).
	StopAfter string
	// Check runs the checker (CheckState) after every pass.
	Check bool
	// DumpAfter names a pass after which the state is printed to Dump.
	DumpAfter string
	// Dump receives the dump (required with DumpAfter).
	Dump io.Writer
	// Timings receives one line per pass with its duration (nil: none).
	Timings io.Writer
}

// State is what the passes read and write.
type State struct {
	// Model is the graph as loaded, in the model's op order.
	Model *ir.Graph
	// Graph is the graph in the current op order; a shallow copy of
	// Model whose Ops slice the passes may reorder.
	Graph *ir.Graph
	// Calls holds every op's kernel call once kernels are selected.
	Calls map[*ir.Op]kernels.Call
	// Align is the arena alignment in force.
	Align int
	// Schedule is the memory-aware order search (nil when the pass did
	// not run).
	Schedule *plan.Schedule
	// ModelOrderPlan is the arena in the model's op order, when the
	// memory-order pass compared both.
	ModelOrderPlan *plan.Plan
	// Reordered is set when Graph runs the ops in another order than the
	// model because that order's arena is smaller.
	Reordered bool
	// Plan is the arena plan of Graph.
	Plan *plan.Plan
	// Program is the result.
	Program *program.Program

	facts map[Fact]bool
}

// Has reports whether a fact holds.
func (s *State) Has(f Fact) bool { return s.facts[f] }

// Validate checks a Config against the pipeline and the library.
func (c *Config) Validate() error {
	if c.Target == nil {
		return fmt.Errorf("passes: no target")
	}
	names := PassNames()
	for _, d := range c.Disabled {
		p, ok := find(d)
		switch {
		case !ok:
			return fmt.Errorf("unknown pass %q (have %s)", d, strings.Join(names, ", "))
		case p.Required:
			return fmt.Errorf("pass %s is required and cannot be disabled", d)
		}
	}
	for _, n := range []struct{ flag, name string }{{"--dump-after", c.DumpAfter}, {"stop after", c.StopAfter}} {
		if n.name != "" && !slices.Contains(names, n.name) {
			return fmt.Errorf("%s: unknown pass %q (have %s)", n.flag, n.name, strings.Join(names, ", "))
		}
	}
	if c.DumpAfter != "" && c.Dump == nil {
		return fmt.Errorf("passes: --dump-after without a writer")
	}
	if a := c.Memory.Align; a != 0 && (a < MinAlign || a > MaxAlign || a&(a-1) != 0) {
		return fmt.Errorf("--align %d: want a power of two from %d to %d", a, MinAlign, MaxAlign)
	}
	return c.library().CheckPreference(c.kernelSets())
}

// Alignment limits: every arena offset holds int32 and float data, so at
// least 4; more than a page is never useful on a microcontroller.
const (
	MinAlign = 4
	MaxAlign = 4096
)

func find(name string) (Pass, bool) {
	for _, p := range Pipeline() {
		if p.Name == name {
			return p, true
		}
	}
	return Pass{}, false
}

func (c *Config) library() *kernels.Library {
	if c.Library != nil {
		return c.Library
	}
	return kernels.Builtin()
}

// kernelSets returns the preferred sets: the override or the target's,
// always ending in reference.
func (c *Config) kernelSets() []string {
	sets := c.Target.KernelSets
	if c.KernelSets != nil {
		sets = c.KernelSets
	}
	out := slices.Clone(sets)
	if !slices.Contains(out, kernels.Reference) {
		out = append(out, kernels.Reference)
	}
	return out
}

// Run runs the pipeline on g for cfg. g must not be changed while the
// State is in use; the passes never change it (they reorder a copy).
func Run(g *ir.Graph, cfg Config) (*State, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Library == nil {
		cfg.Library = kernels.Builtin()
	}
	h := *g
	h.Ops = slices.Clone(g.Ops)
	s := &State{Model: g, Graph: &h, facts: map[Fact]bool{}}
	for _, p := range Pipeline() {
		if slices.Contains(cfg.Disabled, p.Name) {
			continue
		}
		for _, f := range p.Requires {
			if !s.facts[f] {
				return nil, fmt.Errorf("passes: %s requires %s, which no earlier pass provided", p.Name, f)
			}
		}
		start := time.Now()
		if err := p.Run(s, &cfg); err != nil {
			return nil, err
		}
		if cfg.Timings != nil {
			fmt.Fprintf(cfg.Timings, "pass %-15s %10.3f ms\n", p.Name, float64(time.Since(start).Microseconds())/1000)
		}
		for _, f := range p.Provides {
			s.facts[f] = true
		}
		if cfg.Check {
			if err := CheckState(s); err != nil {
				return nil, fmt.Errorf("passes: after %s: %w", p.Name, err)
			}
		}
		if cfg.DumpAfter == p.Name {
			if err := Dump(cfg.Dump, s, p.Name); err != nil {
				return nil, err
			}
		}
		if cfg.StopAfter == p.Name {
			break
		}
	}
	return s, nil
}

// CheckState verifies what the facts of s promise: the graph verifies,
// every op has a call, the plan is a valid layout of the current order,
// the Program is consistent.
func CheckState(s *State) error {
	if err := s.Graph.Verify(); err != nil {
		return err
	}
	if s.Has(KernelsSelected) {
		for i, op := range s.Graph.Ops {
			if _, ok := s.Calls[op]; !ok {
				return fmt.Errorf("op %d %v has no kernel", i, op.Kind)
			}
		}
	}
	if s.Has(Planned) {
		if s.Plan == nil {
			return fmt.Errorf("no plan")
		}
		if err := plan.Verify(s.Graph, s.Plan, func(op *ir.Op) []int { return s.Calls[op].InPlaceInputs(op) }); err != nil {
			return err
		}
	}
	if s.Has(Built) {
		if s.Program == nil {
			return fmt.Errorf("no program")
		}
		if err := s.Program.Check(); err != nil {
			return err
		}
	}
	return nil
}
