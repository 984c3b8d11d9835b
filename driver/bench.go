package driver

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/internal/shared"
	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/internal/toolchain"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/project"
	"github.com/tinygen/tinygen/targets"
	"github.com/tinygen/tinygen/tflm"
)

// BuiltinModel names the bundled synthetic model the default benchmark
// runs (internal/testmodels).
const BuiltinModel = "builtin:kws_tiny"

// BenchOptions describe a benchmark matrix.
type BenchOptions struct {
	// Models are model files (or BuiltinModel). Empty: the default
	// matrix (DefaultBenchModels).
	Models []string
	// Targets are target names (default: host).
	Targets []string
	// Backends are code generator variants (default: aot).
	Backends []string
	// Config holds "key=value[,value…]" settings; every combination of
	// values is one run (see ConfigKeys).
	Config []string
	// Vectors limits the inferences per run (0: every vector).
	Vectors int
	// Results is the folder for this invocation's artefacts (created).
	Results string
	// Timeout bounds each simulator run (bench.DefaultTimeout if 0).
	Timeout time.Duration
	// Generator is the version text of generated files.
	Generator string
	// Kernels, when set, is the kernel set preferred over each target's
	// list (reference remains the fallback).
	Kernels string
	// Check runs the pipeline's checker after every pass of every
	// compile (tests set it).
	Check bool
	// Profile asks every run for a per-step instruction profile.
	Profile bool
	// TFLM is the TFLM source folder for the tflm backends ($TINYGEN_TFLM
	// if empty); BuildJobs bounds its compiler processes.
	TFLM      string
	BuildJobs int
}

// ConfigKeys are the settings --config accepts, with their values.
func ConfigKeys() map[string][]string {
	return map[string][]string{
		"opt":      {"O0", "O1", "O2", "O3", "Os", "Oz"},
		"planner":  PlannerNames(),
		"aliasing": {"all", "views", "none"},
		"order":    {"memory", "model"},
		"arena":    {"static", "caller"},
		"crc":      {"off", "on"},
	}
}

// configDefaults are the values used when --config does not set a key.
var configDefaults = map[string]string{"opt": "O2", "planner": "best", "aliasing": "all", "order": "memory", "arena": "static", "crc": "off"}

// Backends lists the code generator variants bench knows.
func Backends() []string { return append([]string{"aot", "interp"}, tflm.Backends()...) }

// benchModel is a loaded model with its test vectors.
type benchModel struct {
	m        *Model
	name     string
	aliases  []string
	vectors  []project.Vector
	floatOut []bool
	ref      string // "golden" or "eval"
	// rtol and atol compare float outputs (0: golden.FloatRelTol/AbsTol).
	rtol, atol float64
}

// DefaultBenchModels returns the default matrix's models: the bundled
// synthetic model, then every model of the shared folder that has golden
// vectors (when a shared folder is found), by golden folder name.
func DefaultBenchModels() []string {
	models := []string{BuiltinModel}
	dir, err := shared.Dir()
	if err != nil {
		return models
	}
	cases, err := golden.Load(filepath.Join(dir, "golden"), filepath.Join(dir, "models"))
	if err != nil {
		return models
	}
	for _, c := range cases {
		models = append(models, c.Model)
	}
	return models
}

// CheckBenchOptions validates the targets, backends and settings of a
// matrix without loading any model.
func CheckBenchOptions(opts BenchOptions) error {
	for _, name := range opts.Targets {
		if _, err := targets.Get(name); err != nil {
			return err
		}
	}
	for _, b := range opts.Backends {
		if err := checkBackend(b); err != nil {
			return err
		}
	}
	if opts.Kernels != "" {
		if err := kernels.Builtin().CheckPreference([]string{opts.Kernels}); err != nil {
			return err
		}
	}
	_, err := configMatrix(opts.Config)
	return err
}

func checkBackend(b string) error {
	switch {
	case b == "aot", b == "interp", tflm.IsBackend(b):
		return nil
	}
	return fmt.Errorf("unknown backend %q (have %s)", b, strings.Join(Backends(), ", "))
}

// BenchJobs loads the models and generates one firmware project per model,
// backend, target and configuration, in Results. It fails on the first
// model or setting it cannot handle, naming it.
func BenchJobs(opts BenchOptions) ([]*bench.Job, error) {
	if len(opts.Models) == 0 {
		opts.Models = DefaultBenchModels()
	}
	if len(opts.Targets) == 0 {
		opts.Targets = []string{"host"}
	}
	if len(opts.Backends) == 0 {
		opts.Backends = []string{"aot"}
	}
	var tgts []*targets.Target
	for _, name := range opts.Targets {
		t, err := targets.Get(name)
		if err != nil {
			return nil, err
		}
		tgts = append(tgts, t)
	}
	for _, b := range opts.Backends {
		if err := checkBackend(b); err != nil {
			return nil, err
		}
	}
	configs, err := configMatrix(opts.Config)
	if err != nil {
		return nil, err
	}
	var jobs []*bench.Job
	ids := map[string]bool{}
	var builder *tflm.Builder
	for _, b := range opts.Backends {
		if tflm.IsBackend(b) && builder == nil {
			if builder, err = tflmBuilder(opts); err != nil {
				return nil, fmt.Errorf("backend %s: %w", b, err)
			}
		}
	}
	for _, path := range opts.Models {
		bm, err := loadBenchModel(path, opts.Vectors)
		if err != nil {
			return nil, err
		}
		// A setting a backend ignores (crc for AOT, arena for the
		// interpreter) does not multiply its runs.
		seen := map[string]bool{}
		for ci, full := range configs {
			for _, backend := range opts.Backends {
				cfg := forBackend(full, backend)
				key := backend + "\x00" + configText(cfg)
				if !tflm.IsBackend(backend) && seen[key] {
					continue
				}
				seen[key] = true
				for _, t := range tgts {
					if tflm.IsBackend(backend) {
						// TFLM has no tinygen settings: one run per
						// model and target.
						if ci > 0 || !tflmApplies(backend, t, tgts) {
							continue
						}
						id := RunID(bm.name, backend, t.Name)
						ids[id] = true
						job, err := tflmJob(bm, backend, t, builder, opts, id)
						if err != nil {
							return nil, err
						}
						jobs = append(jobs, job)
						continue
					}
					// Each target gets its own compile: its alignment and
					// kernel sets reach the generated code.
					files, harness, mp, err := backendSources(backend, bm, cfg, t, opts)
					if err != nil {
						return nil, fmt.Errorf("%s (%s, %s): %w", bm.m.Path, t.Name, configText(cfg), err)
					}
					fw, err := backendProject(backend, t, files, harness)
					if err != nil {
						return nil, fmt.Errorf("%s on %s: %w", bm.name, t.Name, err)
					}
					id := RunID(bm.name, backend, t.Name, configText(cfg))
					for base, n := id, 2; ids[id]; n++ {
						id = fmt.Sprintf("%s_%d", base, n)
					}
					ids[id] = true
					jobs = append(jobs, &bench.Job{
						ID: id, Model: bm.name, ModelSHA256: bm.m.SHA256, Aliases: bm.aliases, Backend: backend,
						Config: cfg.explicit, Target: t, Dir: filepath.Join(opts.Results, id), Files: fw,
						CFlags: []string{"-" + cfg.values["opt"]}, Prefix: harness.Model, MACs: totalMACs(mp.Graph),
						Vectors: len(bm.vectors), Reference: bm.ref, Timeout: opts.Timeout,
						Profile: opts.Profile, Steps: profileSteps(mp.Program),
					})
				}
			}
		}
	}
	return jobs, nil
}

// RunID names a run's folder: model-backend-target[-config], with every
// byte other than letters, digits, '.', '_' and '-' replaced by '_' (the
// config's '=' and ',' included).
func RunID(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, strings.Join(kept, "-"))
}

func totalMACs(g *ir.Graph) int64 {
	var n int64
	for _, op := range g.Ops {
		n += op.MACs()
	}
	return n
}

// benchConfig is one combination of settings.
type benchConfig struct {
	values   map[string]string // every key, defaults filled in
	explicit []bench.KV        // the keys --config set, sorted
}

func configText(c benchConfig) string {
	var parts []string
	for _, kv := range c.explicit {
		parts = append(parts, kv.Key+"="+kv.Value)
	}
	return strings.Join(parts, ",")
}

// configKeyApplies reports whether --config key changes what backend
// builds: arena only AOT code (the interpreter takes the caller's arena),
// crc only the interpreter's harness.
func configKeyApplies(backend, key string) bool {
	switch key {
	case "arena":
		return backend == "aot"
	case "crc":
		return backend == "interp"
	}
	return true
}

// forBackend returns cfg without the settings backend ignores (their
// values back at the defaults), so that its runs and their names differ
// only in what does change its build.
func forBackend(cfg benchConfig, backend string) benchConfig {
	out := benchConfig{values: map[string]string{}}
	for k, v := range cfg.values {
		if !configKeyApplies(backend, k) {
			v = configDefaults[k]
		}
		out.values[k] = v
	}
	for _, kv := range cfg.explicit {
		if configKeyApplies(backend, kv.Key) {
			out.explicit = append(out.explicit, kv)
		}
	}
	return out
}

// configMatrix expands "key=v1,v2" settings into every combination.
func configMatrix(settings []string) ([]benchConfig, error) {
	keys := ConfigKeys()
	chosen := map[string][]string{}
	var order []string
	for _, s := range settings {
		k, v, ok := strings.Cut(s, "=")
		if !ok || v == "" {
			return nil, fmt.Errorf("--config %q: want key=value[,value…]", s)
		}
		valid, known := keys[k]
		if !known {
			var names []string
			for name := range keys {
				names = append(names, name)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("--config %q: unknown key %q (have %s)", s, k, strings.Join(names, ", "))
		}
		if _, dup := chosen[k]; !dup {
			order = append(order, k)
		}
		for _, val := range strings.Split(v, ",") {
			if !contains(valid, val) {
				return nil, fmt.Errorf("--config %q: %s=%s is not one of %s", s, k, val, strings.Join(valid, ", "))
			}
			chosen[k] = append(chosen[k], val)
		}
	}
	sort.Strings(order)
	configs := []benchConfig{{values: map[string]string{}}}
	for k, v := range configDefaults {
		configs[0].values[k] = v
	}
	for _, k := range order {
		var next []benchConfig
		for _, c := range configs {
			for _, v := range chosen[k] {
				n := benchConfig{values: map[string]string{}, explicit: append(append([]bench.KV{}, c.explicit...), bench.KV{Key: k, Value: v})}
				for kk, vv := range c.values {
					n.values[kk] = vv
				}
				n.values[k] = v
				next = append(next, n)
			}
		}
		configs = next
	}
	return configs, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// loadBenchModel loads a model and finds its test vectors: the shared
// golden vectors when the model file is a golden model, otherwise four
// deterministic random input vectors with outputs from the evaluator.
func loadBenchModel(path string, limit int) (*benchModel, error) {
	var m *Model
	var err error
	if path == BuiltinModel {
		m, err = builtinModel()
	} else {
		m, err = Load(path)
	}
	if err != nil {
		return nil, err
	}
	bm := &benchModel{m: m, name: m.Graph.Name, ref: "eval"}
	// Baselines may name the model by its file name (peers-cortex-m4.csv:
	// micro_kws_m_fp32.tflite).
	bm.aliases = []string{filepath.Base(m.Path)}
	for _, o := range m.Graph.Outputs {
		bm.floatOut = append(bm.floatOut, o.DType == ir.Float32)
	}
	if c, ok := goldenFor(m); ok {
		bm.name, bm.ref = c.Name, "golden"
		bm.aliases = append(bm.aliases, m.Graph.Name)
		bm.rtol, bm.atol = goldenTolerance(c, m)
		for _, v := range c.Vectors {
			bm.vectors = append(bm.vectors, project.Vector{Inputs: v.Inputs, Outputs: v.Outputs})
		}
	} else {
		r := rand.New(rand.NewPCG(1, uint64(len(m.Graph.Ops))))
		for i := 0; i < 4; i++ {
			var ins [][]byte
			for _, t := range m.Graph.Inputs {
				ins = append(ins, randomTensor(r, t))
			}
			outs, err := Run(m, ins)
			if err != nil {
				return nil, err
			}
			bm.vectors = append(bm.vectors, project.Vector{Inputs: ins, Outputs: outs})
		}
	}
	if limit > 0 && len(bm.vectors) > limit {
		bm.vectors = bm.vectors[:limit]
	}
	return bm, nil
}

// randomTensor fills a tensor with random values: any bytes for integer
// types, values in [-1, 1) for float32.
func randomTensor(r *rand.Rand, t *ir.Tensor) []byte {
	b := make([]byte, t.NumBytes())
	if t.DType == ir.Float32 {
		for i := 0; i+4 <= len(b); i += 4 {
			binary.LittleEndian.PutUint32(b[i:], math.Float32bits(float32(r.Float64()*2-1)))
		}
		return b
	}
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

// goldenFor finds the golden vectors of a model file by its SHA-256.
func goldenFor(m *Model) (golden.Case, bool) {
	dir, err := shared.Dir()
	if err != nil {
		return golden.Case{}, false
	}
	for _, sub := range []string{"golden", "golden-onnx"} {
		root := filepath.Join(dir, sub)
		metas, err := golden.Metas(root)
		if err != nil {
			continue
		}
		for _, meta := range metas {
			if meta.SHA256 == m.SHA256 {
				c, err := golden.LoadFolder(filepath.Join(root, meta.Name), m.Path)
				if err != nil {
					return golden.Case{}, false
				}
				return c, true
			}
		}
	}
	return golden.Case{}, false
}

// builtinModel builds the bundled synthetic model.
func builtinModel() (*Model, error) {
	name := strings.TrimPrefix(BuiltinModel, "builtin:")
	tm, ok := testmodels.Get(name)
	if !ok {
		return nil, fmt.Errorf("no bundled model %s", name)
	}
	data, err := tflite.Encode(tm.Graph())
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tinygen-builtin")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name+".tflite")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return nil, err
	}
	m, err := Load(path)
	if err != nil {
		return nil, err
	}
	m.Path = BuiltinModel
	return m, nil
}

// benchSources generates a model's C for one configuration and the
// harness description.
func benchSources(bm *benchModel, cfg benchConfig, target *targets.Target, opts BenchOptions) ([]project.File, project.Harness, *MemoryPlan, error) {
	v := cfg.values
	mem := MemoryOptions{Planner: v["planner"], ModelOrder: v["order"] == "model"}
	if err := mem.SetAliasing(v["aliasing"]); err != nil {
		return nil, project.Harness{}, nil, err
	}
	prefix := SanitizeName(bm.name)
	if strings.HasPrefix(prefix, "tg_") {
		prefix = "m_" + prefix
	}
	gen := opts.Generator
	if gen == "" {
		gen = "tinygen"
	}
	cfiles, mp, err := Compile(bm.m, CompileOptions{Name: prefix, CallerArena: v["arena"] == "caller", Generator: gen,
		Memory: mem, Target: target.Name, Kernels: opts.Kernels, PassControls: PassControls{Check: opts.Check}})
	if err != nil {
		return nil, project.Harness{}, nil, err
	}
	files := cfiles
	rtol, atol := float64(golden.FloatRelTol), float64(golden.FloatAbsTol)
	if bm.rtol != 0 || bm.atol != 0 {
		rtol, atol = bm.rtol, bm.atol
	}
	h := project.Harness{Model: prefix, FloatOutputs: bm.floatOut, RTol: float32(rtol), ATol: float32(atol),
		CallerArena: v["arena"] == "caller", ArenaSize: mp.Plan.Size, ArenaAlign: mp.Plan.Align, Vectors: bm.vectors}
	for _, t := range bm.m.Graph.Inputs {
		h.Inputs = append(h.Inputs, t.NumBytes())
	}
	for _, t := range bm.m.Graph.Outputs {
		h.Outputs = append(h.Outputs, t.NumBytes())
		dt := t.DType.LongName()
		if _, ok := project.MismatchTypes[dt]; !ok {
			dt = "uint8" // other types (int64, bool) compare and print as bytes
		}
		h.OutputTypes = append(h.OutputTypes, dt)
	}
	return files, h, mp, nil
}

// BenchBaselines reads the baseline CSV files, plus (withShared) every
// baselines/*.csv of the shared folder when one is found.
func BenchBaselines(files []string, withShared bool) ([]bench.Baseline, error) {
	requested := len(files)
	if withShared {
		if dir, err := shared.Dir(); err == nil {
			found, _ := filepath.Glob(filepath.Join(dir, "baselines", "*.csv"))
			files = append(append([]string{}, files...), found...)
		}
	}
	var out []bench.Baseline
	for i, f := range files {
		rows, err := bench.ReadBaselines(f, "")
		if err != nil {
			return nil, err
		}
		for k := range rows {
			rows[k].Requested = i < requested
		}
		out = append(out, rows...)
	}
	return out, nil
}

// FindTool reports whether a tool is installed, naming the Debian package
// that provides it when it is not.
func FindTool(command, pkg string) (string, error) { return toolchain.Find(command, pkg) }
