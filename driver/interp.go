// interp.go: tinygen compile --mode interp: the passes, then the blob
// emitter on the same Program the AOT emitter reads.

package driver

import (
	"fmt"

	"github.com/tinygen/tinygen/codegen/blob"
	cgen "github.com/tinygen/tinygen/codegen/c"
)

// Modes lists the compile modes: aot (C code per model) and interp (a
// model blob and the interpreter runtime).
func Modes() []string { return []string{"aot", "interp"} }

// CompileInterp runs the passes on a model for opts and writes its
// interpreter files (codegen/blob.Generate): <name>.tgb, <name>_blob.c/.h,
// the runtime, its kernel table and the kernels the model needs. The
// options CallerArena and HostMain do not apply (the runtime always takes
// the caller's arena).
func CompileInterp(m *Model, opts CompileOptions) ([]cgen.File, *MemoryPlan, error) {
	s, err := RunPasses(m, opts)
	if err != nil {
		return nil, nil, err
	}
	gen := opts.Generator
	if gen == "" {
		gen = "tinygen"
	}
	files, err := blob.Generate(s.Program, blob.Options{Generator: gen, Settings: opts.Settings(s.Program) + " mode=interp"})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	return files, memoryPlan(s), nil
}
