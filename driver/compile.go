// compile.go: tinygen compile: the passes, the C emitter and the safe
// writing of the output folder.

package driver

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"slices"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/internal/outdir"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/passes"
	"github.com/tinygen/tinygen/plan"
	"github.com/tinygen/tinygen/program"
	"github.com/tinygen/tinygen/targets"
)

// CompileOptions control tinygen compile.
type CompileOptions struct {
	// Name prefixes the generated symbols; empty means the model's
	// sanitised file name. It is sanitised with SanitizeName.
	Name string
	// CallerArena makes <name>_run take the arena as an argument instead
	// of declaring a static one.
	CallerArena bool
	// HostMain adds the host test harness <name>_host_main.c.
	HostMain bool
	// Generator overrides the "tinygen <version>" text of the header
	// (tests pin it so that golden files do not change with every commit).
	Generator string
	// Memory controls the arena plan.
	Memory MemoryOptions
	// Target names the target (default "host"): its alignment and kernel
	// sets reach the passes, its name the generated files.
	Target string
	// Kernels, when set, is the kernel set preferred over the target's
	// list (reference remains the fallback).
	Kernels string
	// Library is the kernel library (nil: the built-in one; tests pass
	// libraries with extra sets).
	Library *kernels.Library
	// PassControls are the pipeline's switches: disabled passes, the
	// checker (--check), --dump-after, --time-passes, and where to stop
	// (RunPasses only).
	PassControls
}

// PassControls are the pipeline's own switches (passes.Controls).
type PassControls = passes.Controls

// Settings returns the options that change the output of a compile to p
// as canonical key=value words for the generated files' header, defaults
// spelled out (the alignment and kernel sets as the target resolved them),
// so that equal options give equal bytes however they were written. No
// path or folder name is recorded.
func (o CompileOptions) Settings(p *program.Program) string {
	arena := "static"
	if o.CallerArena {
		arena = "caller"
	}
	planner := o.Memory.Planner
	if planner == "" {
		planner = plan.Best
	}
	s := fmt.Sprintf("name=%s arena=%s host-main=%t planner=%s aliasing=%v model-order=%t align=%d",
		p.Name, arena, o.HostMain, planner, o.Memory.Aliasing, o.Memory.ModelOrder, p.Arena.Align)
	if o.Kernels != "" {
		s += " kernels=" + o.Kernels
	}
	for _, d := range o.Disabled {
		s += " disable-pass=" + d
	}
	return s
}

// Generator returns "tinygen <version>" with the VCS revision of the
// running binary when the build recorded one.
func Generator(version string) string {
	g := "tinygen " + version
	if info, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			if dirty {
				rev += "+dirty"
			}
			g += " (" + rev + ")"
		}
	}
	return g
}

// Compile generates the AOT C code of a model for a target: it runs the
// passes (check, kernel selection, memory-aware order, memory planning,
// Program construction) and the C emitter on the Program. Errors name the
// model file and the op.
func Compile(m *Model, opts CompileOptions) ([]cgen.File, *MemoryPlan, error) {
	s, err := RunPasses(m, opts)
	if err != nil {
		return nil, nil, err
	}
	arena := cgen.StaticArena
	if opts.CallerArena {
		arena = cgen.CallerArena
	}
	gen := opts.Generator
	if gen == "" {
		gen = "tinygen"
	}
	files, err := cgen.Generate(s.Program, cgen.Options{Generator: gen, Settings: opts.Settings(s.Program),
		Arena: arena, HostMain: opts.HostMain})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	return files, memoryPlan(s), nil
}

// RunPasses runs the pass pipeline on a model for opts (up to
// opts.StopAfter) and returns the final state.
func RunPasses(m *Model, opts CompileOptions) (*passes.State, error) {
	s, err := runPasses(m, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	return s, nil
}

func runPasses(m *Model, opts CompileOptions) (*passes.State, error) {
	if err := opts.Memory.Check(); err != nil {
		return nil, err
	}
	cfg, err := opts.passConfig(m)
	if err != nil {
		return nil, err
	}
	return passes.Run(m.Graph, cfg)
}

// passConfig turns the options into the pipeline's Config.
func (opts CompileOptions) passConfig(m *Model) (passes.Config, error) {
	tname := opts.Target
	if tname == "" {
		tname = "host"
	}
	t, err := targets.Get(tname)
	if err != nil {
		return passes.Config{}, err
	}
	name := m.Graph.Name
	if opts.Name != "" {
		name = opts.Name
	}
	cfg := passes.Config{
		Target: t, Library: opts.Library, Name: SanitizeName(name),
		Source: program.Source{File: filepath.Base(m.Path), SHA256: m.SHA256, Format: m.Graph.Source,
			Description: m.Graph.Description},
		Memory: passes.MemoryOptions{Planner: opts.Memory.Planner, Aliasing: opts.Memory.Aliasing,
			Align: opts.Memory.Align, IncludeIO: opts.Memory.IncludeIO},
		Controls: opts.PassControls,
	}
	if opts.Kernels != "" {
		cfg.KernelSets = []string{opts.Kernels}
	}
	if opts.Memory.ModelOrder && !slices.Contains(cfg.Disabled, "memory-order") {
		cfg.Disabled = append(slices.Clone(cfg.Disabled), "memory-order")
	}
	return cfg, nil
}

// PassNames returns the names of the compiler's passes, in order.
func PassNames() []string { return passes.PassNames() }

// CheckPassOptions validates the target, kernel set and pass options of a
// compile without loading a model.
func CheckPassOptions(opts CompileOptions) error {
	cfg, err := opts.passConfig(&Model{Graph: &ir.Graph{}})
	if err != nil {
		return err
	}
	if cfg.DumpAfter != "" && cfg.Dump == nil {
		cfg.Dump = io.Discard
	}
	return cfg.Validate()
}

// memoryPlan packages a pipeline state's plan for reports.
func memoryPlan(s *passes.State) *MemoryPlan {
	mp := &MemoryPlan{Graph: s.Graph, Plan: s.Plan, ModelOrder: s.Plan, Schedule: s.Schedule, Reordered: s.Reordered,
		Program: s.Program}
	if s.ModelOrderPlan != nil {
		mp.ModelOrder = s.ModelOrderPlan
	}
	return mp
}

// WriteFiles writes generated files into dir, creating it if needed; it is
// WriteOutput without Force.
func WriteFiles(dir string, files []cgen.File) error {
	_, err := WriteOutput(dir, files, WriteOptions{})
	return err
}

// OutputReport says what WriteOutput did: the files written, replaced
// and removed (internal/outdir's Report).
type OutputReport = outdir.Report

// WriteOptions control WriteOutput.
type WriteOptions struct {
	// Force replaces existing files that have a generated file's name but
	// were not written by tinygen (compile --force).
	Force bool
	// Model is the model file, named in errors about the generated names.
	Model string
}

// WriteOutput writes the files of Compile into dir with internal/outdir:
// never through a symbolic link, refusing names that collide (a model
// named like a kernel file) or are unsafe, atomically, and removing the
// stale files the last compile wrote there. It reports what it did.
func WriteOutput(dir string, files []cgen.File, opts WriteOptions) (*OutputReport, error) {
	if err := outdir.CheckSet(files); err != nil {
		if opts.Model != "" {
			return nil, fmt.Errorf("%s: %w", opts.Model, err)
		}
		return nil, err
	}
	return outdir.Write(dir, files, outdir.Options{Force: opts.Force})
}
