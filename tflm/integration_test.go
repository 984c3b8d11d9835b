// Integration tests: TFLM built from the shared folder (or $TINYGEN_TFLM)
// for the host and the simulated targets, checked against the golden
// vectors, the published baselines and tinygen's offline plans.
package tflm_test

import (
	"context"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/targets"
	"github.com/tinygen/tinygen/tflm"
)

// fullEnv enables the whole baseline matrix (six models, cortex-m4 both
// variants and rv32imc); without it the simulated test runs aww with the
// reference kernels on cortex-m4 only.
const fullEnv = "TINYGEN_TFLM_FULL"

// tflmDir is $TINYGEN_TFLM, else the shared folder's tflm/.
func tflmDir(t *testing.T) string {
	if d := os.Getenv(tflm.EnvVar); d != "" {
		return d
	}
	return filepath.Join(sharedtest.Require(t), "tflm")
}

func newBuilder(t *testing.T) *tflm.Builder {
	tree, err := tflm.OpenTree(tflmDir(t))
	if err != nil {
		t.Fatal(err)
	}
	return &tflm.Builder{Tree: tree, Cache: tflm.NewCache(tflm.DefaultCacheDir(), 2)}
}

// goldenCases returns the shared golden cases by name.
func goldenCases(t *testing.T) map[string]golden.Case {
	dir := sharedtest.Require(t)
	cases, err := golden.Load(filepath.Join(dir, "golden"), filepath.Join(dir, "models"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]golden.Case{}
	for _, c := range cases {
		out[c.Name] = c
	}
	return out
}

// hostFirmware describes a golden case's firmware for model bytes data.
func hostFirmware(t *testing.T, c golden.Case, data []byte, head bool) *tflm.Firmware {
	ops, err := tflm.ModelOps(c.Model, data)
	if err != nil {
		t.Fatal(err)
	}
	m, err := driver.Load(c.Model)
	if err != nil {
		t.Fatal(err)
	}
	fw := &tflm.Firmware{Model: data, Ops: ops, ArenaBytes: 4 << 20, ArenaHead: head,
		RTol: golden.FloatRelTol, ATol: golden.FloatAbsTol}
	for _, o := range m.Graph.Outputs {
		fw.OutputTypes = append(fw.OutputTypes, o.DType.LongName())
	}
	for _, v := range c.Vectors {
		fw.Vectors = append(fw.Vectors, tflm.Vector{Inputs: v.Inputs, Outputs: v.Outputs})
	}
	return fw
}

// runHost builds fw for the host and runs it natively (no instruction
// counting), returning its parsed output.
func runHost(t *testing.T, b *tflm.Builder, dir string, fw *tflm.Firmware) bench.Output {
	t.Helper()
	host, err := targets.Get("host")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	elf, err := b.Build(ctx, dir, host, tflm.Reference, fw, func(string, ...string) {})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, elf)
	cmd.Dir = dir
	stdout, err := cmd.Output()
	out, perr := bench.ParseOutput(stdout)
	if err != nil || perr != nil || !out.Complete || out.Passed != out.Vectors || len(out.Mismatches) > 0 {
		t.Fatalf("%s: run error %v, parse error %v, %d/%d passed; output:\n%s", dir, err, perr, out.Passed, out.Vectors, stdout)
	}
	return out
}

func requireHostTools(t *testing.T) {
	sharedtest.RequireTool(t, "g++", "g++")
}

// TestHostGolden runs aww on TFLM built for the host: every golden
// vector bit-exact and arena_used_bytes() as the golden data records.
func TestHostGolden(t *testing.T) {
	requireHostTools(t)
	c, ok := goldenCases(t)["aww"]
	if !ok {
		t.Skip("no aww golden case")
	}
	data, err := os.ReadFile(c.Model)
	if err != nil {
		t.Fatal(err)
	}
	out := runHost(t, newBuilder(t), t.TempDir(), hostFirmware(t, c, data, false))
	if out.Vectors != len(c.Vectors) {
		t.Errorf("ran %d vectors, want %d", out.Vectors, len(c.Vectors))
	}
	if got := out.Fields["arena_used"]; c.HostArenaBytes > 0 && got != int64(c.HostArenaBytes) {
		t.Errorf("arena_used_bytes %d, golden meta.json says %d", got, c.HostArenaBytes)
	}
	if out.Fields["arena_min"] < out.Fields["arena_used"] {
		t.Errorf("arena_min %d below arena_used %d", out.Fields["arena_min"], out.Fields["arena_used"])
	}
}

// TestOfflinePlanOnStockTFLM writes every int8 golden model with
// tinygen's offline plan (tinygen plan --write-offline-plan), runs it on
// stock TFLM and checks that every output is unchanged and that TFLM's
// non-persistent arena is exactly tinygen's planned size.
func TestOfflinePlanOnStockTFLM(t *testing.T) {
	requireHostTools(t)
	b := newBuilder(t)
	cases := goldenCases(t)
	ran := 0
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		c := cases[name]
		if c.InputDType != "int8" {
			continue
		}
		ran++
		t.Run(name, func(t *testing.T) {
			m, err := driver.Load(c.Model)
			if err != nil {
				t.Fatal(err)
			}
			planned := filepath.Join(t.TempDir(), "planned.tflite")
			res, err := driver.WriteOfflinePlan(m, planned, driver.MemoryOptions{})
			if err != nil {
				t.Fatal(err)
			}
			plain, err := os.ReadFile(c.Model)
			if err != nil {
				t.Fatal(err)
			}
			withPlan, err := os.ReadFile(planned)
			if err != nil {
				t.Fatal(err)
			}
			base := runHost(t, b, filepath.Join(t.TempDir(), "plain"), hostFirmware(t, c, plain, true))
			off := runHost(t, b, filepath.Join(t.TempDir(), "offline"), hostFirmware(t, c, withPlan, true))
			if got, want := off.Fields["arena_head"], int64(res.Plan.Size); got != want {
				t.Errorf("TFLM's non-persistent arena with the offline plan is %d bytes, tinygen planned %d", got, want)
			}
			t.Logf("%s: TFLM host arena_used %d (non-persistent %d) without the plan, %d (non-persistent %d) with it; tinygen's plan %d bytes (%d tensors planned, %d online)",
				name, base.Fields["arena_used"], base.Fields["arena_head"], off.Fields["arena_used"], off.Fields["arena_head"],
				res.Plan.Size, res.Planned, res.Online)
		})
	}
	if ran == 0 {
		t.Fatal("no int8 golden model found")
	}
}

// TestBaselines runs the TFLM backends through tinygen bench on the
// simulated boards and compares with ../shared/baselines: inference
// instructions within 2%, arena_used_bytes equal, every vector
// validated. By default aww on cortex-m4 with the reference kernels (a
// cold build fits go test's default 10-minute budget on 2 cores); with
// TINYGEN_TFLM_FULL=1 all six models on cortex-m4 and rv32imc, both
// variants (rv32imc's tflm-cmsisnn has no baseline row: validated only).
func TestBaselines(t *testing.T) {
	dir := sharedtest.Require(t)
	sharedtest.RequireTool(t, "arm-none-eabi-g++", "gcc-arm-none-eabi")
	sharedtest.RequireTool(t, "qemu-system-arm", "qemu-system-arm")
	models := []string{"aww"}
	tgts := []string{"cortex-m4"}
	backends := []string{"tflm"}
	if os.Getenv(fullEnv) != "" {
		backends = append(backends, "tflm-cmsisnn")
		models = []string{"aww", "vww", "resnet", "toycar", "micro_speech", "person_detect"}
		sharedtest.RequireTool(t, "qemu-system-riscv32", "qemu-system-misc")
		sharedtest.RequireTool(t, "riscv64-unknown-elf-g++", "gcc-riscv64-unknown-elf")
		tgts = append(tgts, "rv32imc")
	}
	cases := goldenCases(t)
	var paths []string
	for _, m := range models {
		paths = append(paths, cases[m].Model)
	}
	t.Setenv(tflm.EnvVar, tflmDir(t))
	jobs, err := driver.BenchJobs(driver.BenchOptions{Models: paths, Targets: tgts, Backends: backends,
		Results: t.TempDir(), BuildJobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	var rows []bench.Baseline
	for _, tg := range tgts {
		r, err := bench.ReadBaselines(filepath.Join(dir, "baselines", "tflm-"+tg+".csv"), "")
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r...)
	}
	runner := &bench.Runner{Workers: 2}
	for _, res := range runner.Run(context.Background(), jobs) {
		t.Run(res.ID, func(t *testing.T) {
			if !res.Validated() {
				t.Fatalf("status %s, %d/%d vectors: %s", res.Status, res.Passed, res.Vectors, res.Error)
			}
			want := map[string]string{"tflm": "tflm-ref", "tflm-cmsisnn": "tflm-cmsisnn"}[res.Backend]
			if !slices.ContainsFunc(rows, func(b bench.Baseline) bool { return b.Variant == want && b.Target == res.Target }) {
				// tflm-cmsisnn on rv32imc (CMSIS-NN's portable C): no
				// published row; validated only.
				t.Logf("%s: inference %d, init %d, arena %d, ROM %d (no %s baseline on %s)",
					res.ID, res.Inference, res.InitInstructions, res.Memory.RAMArena, res.Memory.ROM, want, res.Target)
				return
			}
			found := false
			for _, b := range rows {
				if b.Variant != want || b.Target != res.Target || !strings.EqualFold(b.Model, res.Model) {
					continue
				}
				found = true
				dev := float64(res.Inference)/float64(b.Invoke) - 1
				if math.Abs(dev) > 0.02 {
					t.Errorf("inference %d instructions, baseline %d (%+.2f%%, over 2%%)", res.Inference, b.Invoke, 100*dev)
				}
				if res.Memory.RAMArena != b.Arena {
					t.Errorf("arena_used_bytes %d, baseline %d", res.Memory.RAMArena, b.Arena)
				}
				t.Logf("%s: inference %d vs baseline %d (%+.3f%%), init %d vs %d, arena %d vs %d, ROM %d vs %d",
					res.ID, res.Inference, b.Invoke, 100*dev, res.InitInstructions, b.Setup, res.Memory.RAMArena, b.Arena,
					res.Memory.ROM, b.ROM())
			}
			if !found {
				t.Errorf("no %s baseline row for %s on %s", want, res.Model, res.Target)
			}
		})
	}
}

// TestProfile runs aww on cortex-m4 (reference kernels, the set CI
// builds) with bench --profile: one step per operator of the model, named
// by its builtin operator and kernel, the steps plus the remainder equal
// to the inference, and the trampolines and markers adding a few
// instructions per operator to the published (unprofiled) count only.
func TestProfile(t *testing.T) {
	dir := sharedtest.Require(t)
	sharedtest.RequireTool(t, "arm-none-eabi-g++", "gcc-arm-none-eabi")
	sharedtest.RequireTool(t, "qemu-system-arm", "qemu-system-arm")
	c, ok := goldenCases(t)["aww"]
	if !ok {
		t.Skip("no aww golden case")
	}
	m, err := driver.Load(c.Model)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := bench.ReadBaselines(filepath.Join(dir, "baselines", "tflm-cortex-m4.csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rows, func(b bench.Baseline) bool { return b.Model == "aww" && b.Variant == "tflm-ref" })
	if i < 0 {
		t.Fatal("no aww tflm-ref row in tflm-cortex-m4.csv")
	}
	published := rows[i].Invoke
	t.Setenv(tflm.EnvVar, tflmDir(t))
	jobs, err := driver.BenchJobs(driver.BenchOptions{Models: []string{c.Model}, Targets: []string{"cortex-m4"},
		Backends: []string{"tflm"}, Vectors: 2, Profile: true, Results: t.TempDir(), BuildJobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	results := (&bench.Runner{Workers: 1}).Run(context.Background(), jobs)
	if len(results) != 1 || !results[0].Validated() {
		t.Fatalf("%+v", results)
	}
	res := results[0]
	p := res.Profile
	if p == nil {
		t.Fatal("no profile")
	}
	if len(p.Steps) != len(m.Graph.Ops) {
		t.Fatalf("%d steps, the model has %d operators", len(p.Steps), len(m.Graph.Ops))
	}
	sum := p.Remainder
	for k, s := range p.Steps {
		if s.Index != k || s.Op != m.Graph.Ops[k].Kind.String() || !strings.HasSuffix(s.Kernel, ".cc") || s.Set != "tflm-ref" {
			t.Errorf("step %d: %+v (model operator %s)", k, s.ProfileStep, m.Graph.Ops[k].Kind)
		}
		if s.Instructions <= 0 {
			t.Errorf("step %d counts %d instructions", k, s.Instructions)
		}
		sum += s.Instructions
	}
	if sum != p.Total || p.Total != res.Inference {
		t.Errorf("steps + remainder %d, profile total %d, inference %d", sum, p.Total, res.Inference)
	}
	// The trampoline and the marker cost about 11 instructions per step;
	// the published count has ±40 instructions of timer resolution.
	over := res.Inference - published
	if over < -40 || over > int64(20*len(p.Steps))+40 {
		t.Errorf("profiled inference %d, published %d: %+d for %d steps", res.Inference, published, over, len(p.Steps))
	}
	t.Logf("aww cortex-m4 tflm: %d steps, inference %d profiled, %d published (%+d), remainder %d",
		len(p.Steps), res.Inference, published, over, p.Remainder)
}
