package driver

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/ir"
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
	// CommandLine is recorded in the generated files' header.
	CommandLine string
	// Generator overrides the "tinygen <version>" text of the header
	// (tests pin it so that golden files do not change with every commit).
	Generator string
	// Memory controls the arena plan.
	Memory MemoryOptions
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
	files, err := cgen.Generate(mp.Graph, mp.Plan, cgen.Options{
		Name: SanitizeName(name), Generator: gen, CommandLine: opts.CommandLine,
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

// WriteFiles writes generated files into dir, creating it if needed. It
// refuses to write a file name with a path separator.
func WriteFiles(dir string, files []cgen.File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if strings.ContainsAny(f.Name, `/\`) || f.Name == ".." || f.Name == "." {
			return fmt.Errorf("refusing to write generated file %q", f.Name)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
