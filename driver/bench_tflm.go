// This file makes bench jobs for the TFLM backends (tflm, tflm-cmsisnn):
// the model runs on stock TFLM built from the user's source folder
// (package tflm), measured by the same harness protocol as tinygen's code.
package driver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/internal/readfile"
	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/targets"
	"github.com/tinygen/tinygen/tflm"
)

// tflmBuilder opens the TFLM folder (opts.TFLM, else $TINYGEN_TFLM) and
// the object cache ($TINYGEN_TFLM_CACHE, else the user cache folder).
func tflmBuilder(opts BenchOptions) (*tflm.Builder, error) {
	dir := opts.TFLM
	if dir == "" {
		dir = os.Getenv(tflm.EnvVar)
	}
	tree, err := tflm.OpenTree(dir)
	if err != nil {
		return nil, err
	}
	return &tflm.Builder{Tree: tree, Cache: tflm.NewCache(tflm.DefaultCacheDir(), max(opts.BuildJobs, 1))}, nil
}

// modelBytes returns the .tflite bytes of a bench model.
func modelBytes(bm *benchModel) ([]byte, error) {
	if bm.m.Path == BuiltinModel {
		tm, ok := testmodels.Get(strings.TrimPrefix(BuiltinModel, "builtin:"))
		if !ok {
			return nil, fmt.Errorf("no bundled model %s", BuiltinModel)
		}
		return tflite.Encode(tm.Graph())
	}
	if strings.HasSuffix(strings.ToLower(bm.m.Path), ".ir") {
		return nil, fmt.Errorf("%s: the TFLM backends need a .tflite model", bm.m.Path)
	}
	return readfile.Read(bm.m.Path, "model", MaxModelBytes)
}

// tflmJob is the bench job of a model on TFLM for one target.
func tflmJob(bm *benchModel, backend string, t *targets.Target, b *tflm.Builder, opts BenchOptions, id string) (*bench.Job, error) {
	v := tflm.Variant(backend)
	if err := tflm.CheckVariant(v, t); err != nil {
		return nil, err
	}
	data, err := modelBytes(bm)
	if err != nil {
		return nil, err
	}
	opsNames, err := tflm.ModelOps(bm.m.Path, data)
	if err != nil {
		return nil, err
	}
	fw := &tflm.Firmware{Model: data, Ops: opsNames, RTol: golden.FloatRelTol, ATol: golden.FloatAbsTol,
		ArenaBytes: tflm.DefaultArenaBytes(t), Profile: opts.Profile}
	if opts.Profile {
		fw.MACs = operatorMACs(bm.m.Graph)
	}
	for _, vec := range bm.vectors {
		fw.Vectors = append(fw.Vectors, tflm.Vector{Inputs: vec.Inputs, Outputs: vec.Outputs})
	}
	for _, o := range bm.m.Graph.Outputs {
		dt := o.DType.LongName()
		switch dt {
		case "int8", "uint8", "int16", "int32", "float32":
		default:
			dt = "uint8"
		}
		fw.OutputTypes = append(fw.OutputTypes, dt)
	}
	// Fail here, not in the run, on a model the backend cannot register.
	if _, err := fw.Files(); err != nil {
		return nil, fmt.Errorf("%s on %s: %w", bm.m.Path, backend, err)
	}
	dir := filepath.Join(opts.Results, id)
	return &bench.Job{
		ID: id, Model: bm.name, ModelSHA256: bm.m.SHA256, Aliases: bm.aliases, Backend: backend, Target: t, Dir: dir,
		MACs: totalMACs(bm.m.Graph), Vectors: len(bm.vectors), Reference: bm.ref, Timeout: opts.Timeout,
		Build: func(ctx context.Context, dir string, record func(string, ...string)) (string, error) {
			return b.Build(ctx, dir, t, v, fw, record)
		},
		Measure: tflm.Measure,
		Profile: opts.Profile,
	}, nil
}

// operatorMACs returns the multiply-accumulates of each operator of a
// loaded model by its index in the model (SourceIndex), for the TFLM
// profile's step lines; IR operators that share a model operator add up.
func operatorMACs(g *ir.Graph) []int64 {
	var out []int64
	for _, op := range g.Ops {
		if op.SourceIndex < 0 || op.SourceIndex >= len(g.Ops)+(1<<16) {
			continue
		}
		for len(out) <= op.SourceIndex {
			out = append(out, 0)
		}
		out[op.SourceIndex] += op.MACs()
	}
	return out
}

// tflmApplies reports whether a TFLM variant runs on target t of a
// matrix: a variant a target cannot build (CMSIS-NN without the DSP
// extension) is left out of a matrix with other targets, so that
// --backend aot,tflm,tflm-cmsisnn --target cortex-m4,rv32imc runs every
// sensible pair; BenchJobs fails when no target of the matrix can build
// it (tflmJob's error).
func tflmApplies(backend string, t *targets.Target, all []*targets.Target) bool {
	if tflm.CheckVariant(tflm.Variant(backend), t) == nil {
		return true
	}
	for _, o := range all {
		if tflm.CheckVariant(tflm.Variant(backend), o) == nil {
			return false
		}
	}
	return true // no target can: tflmJob reports it
}
