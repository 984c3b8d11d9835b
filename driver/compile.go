package driver

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/eval"
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
