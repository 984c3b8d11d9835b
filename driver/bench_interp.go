// bench_interp.go: the interp bench backend: the model as a blob linked
// into firmware with the runtime, initialised in region 0.

package driver

import (
	"github.com/tinygen/tinygen/project"
	"github.com/tinygen/tinygen/targets"
)

// backendSources generates a model's files for a backend and the harness
// description.
func backendSources(backend string, bm *benchModel, cfg benchConfig, t *targets.Target, opts BenchOptions) ([]project.File, project.Harness, *MemoryPlan, error) {
	files, h, mp, err := benchSources(bm, cfg, t, opts)
	if err != nil || backend != "interp" {
		return files, h, mp, err
	}
	v := cfg.values
	mem := MemoryOptions{Planner: v["planner"], ModelOrder: v["order"] == "model"}
	if err := mem.SetAliasing(v["aliasing"]); err != nil {
		return nil, project.Harness{}, nil, err
	}
	gen := opts.Generator
	if gen == "" {
		gen = "tinygen"
	}
	files, mp, err = CompileInterp(bm.m, CompileOptions{Name: h.Model, Generator: gen, Memory: mem, Target: t.Name,
		Kernels: opts.Kernels, PassControls: PassControls{Check: opts.Check}})
	if err != nil {
		return nil, project.Harness{}, nil, err
	}
	align := max(mp.Plan.Align, 4)
	h.CallerArena = true
	h.CRC = v["crc"] == "on"
	h.ArenaAlign = align
	h.ArenaSize = (mp.Plan.Size + align - 1) / align * align
	// The .tgb file is the blob's bytes for loading at run time; the
	// firmware links <m>_blob.c.
	kept := files[:0]
	for _, f := range files {
		if f.Name != h.Model+".tgb" {
			kept = append(kept, f)
		}
	}
	return kept, h, mp, nil
}

// backendProject assembles the firmware of a backend.
func backendProject(backend string, t *targets.Target, files []project.File, h project.Harness) ([]project.File, error) {
	if backend == "interp" {
		return project.BenchInterp(t, files, h)
	}
	return project.Bench(t, files, h)
}
