package driver

import (
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/internal/outdir"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/plan"
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
}

// Settings returns the options that change the output as canonical
// key=value words for the generated files' header, defaults spelled out,
// so that equal options give equal bytes however they were written. name
// is the sanitised symbol prefix. No path or folder name is recorded.
func (o CompileOptions) Settings(name string) string {
	arena := "static"
	if o.CallerArena {
		arena = "caller"
	}
	planner := o.Memory.Planner
	if planner == "" {
		planner = plan.Best
	}
	align := o.Memory.Align
	if align == 0 {
		align = plan.DefaultAlign
	}
	return fmt.Sprintf("name=%s arena=%s host-main=%t planner=%s aliasing=%v model-order=%t align=%d",
		name, arena, o.HostMain, planner, o.Memory.Aliasing, o.Memory.ModelOrder, align)
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

// Compile generates the AOT C code of a model: it runs the evaluator's
// Prepare checks (the same validation TFLM performs), plans the arena
// (PlanMemory) and emits the files. Errors name the model file and the op.
func Compile(m *Model, opts CompileOptions) ([]cgen.File, *MemoryPlan, error) {
	if err := opts.Memory.Check(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	if err := compilable(m.Graph); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	if _, err := eval.New(m.Graph); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	if opts.Memory.IncludeIO {
		return nil, nil, fmt.Errorf("%s: generated code keeps inputs and outputs in the caller's buffers; IncludeIO is for planning reports", m.Path)
	}
	mp, err := PlanMemory(m.Graph, opts.Memory)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	name := m.Graph.Name
	if opts.Name != "" {
		name = opts.Name
	}
	gen := opts.Generator
	if gen == "" {
		gen = "tinygen"
	}
	arena := cgen.StaticArena
	if opts.CallerArena {
		arena = cgen.CallerArena
	}
	name = SanitizeName(name)
	files, err := cgen.Generate(mp.Graph, mp.Plan, cgen.Options{
		Name: name, Generator: gen, Settings: opts.Settings(name),
		ModelFile: filepath.Base(m.Path), ModelSHA256: m.SHA256, Arena: arena, HostMain: opts.HostMain,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	return files, mp, nil
}

// compilable refuses the graph structures the generated C cannot express
// although the evaluator runs them: no outputs (the outputs struct would
// be empty, which ISO C forbids, and there is nothing to compute) and no
// inputs (likewise for the inputs struct; every output is a constant).
// A graph input listed twice is refused by ir.Verify for every consumer.
// An output listed twice, or one that is also a graph input, is fine: the
// C copies the value into each listed output, as the evaluator returns it
// for each.
func compilable(g *ir.Graph) error {
	if len(g.Outputs) == 0 {
		return fmt.Errorf("the graph has no outputs; nothing to compute")
	}
	if len(g.Inputs) == 0 {
		return fmt.Errorf("the graph has no inputs; its outputs are constants, and generated code needs at least one input")
	}
	return nil
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
	out := make([]outdir.File, len(files))
	for i, f := range files {
		out[i] = outdir.File{Name: f.Name, Data: f.Data, Producer: producer(files, i)}
	}
	if err := outdir.CheckSet(out); err != nil {
		if opts.Model != "" {
			return nil, fmt.Errorf("%s: %w", opts.Model, err)
		}
		return nil, err
	}
	return outdir.Write(dir, out, outdir.Options{Force: opts.Force})
}

// producer describes what generated files[i], from the fixed order of
// cgen.Generate: <m>.h, <m>.c, <m>_weights.c, the kernel library's
// headers and sources, then <m>_host_main.c when asked for.
func producer(files []cgen.File, i int) string {
	name := files[i].Name
	switch {
	case i == 0:
		return "the model's API header " + name
	case i == 1:
		return "the model's schedule " + name
	case i == 2:
		return "the model's weights " + name
	case i == len(files)-1 && strings.HasSuffix(name, "_host_main.c"):
		return "the model's host harness " + name
	default:
		return "the kernel library's " + name
	}
}
