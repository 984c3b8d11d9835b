// Simulator tests of bench --profile: aww profiled on Cortex-M4, RV32IMC
// and the host.

package bench_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/targets"
)

// TestProfileAWW profiles aww (two vectors) on cortex-m4, rv32imc and the
// host, and runs it again without the profile: every step of the
// program's schedule appears once, in order, with its kernel and MACs;
// the steps plus the remainder equal the inference exactly; the
// inference count is the unprofiled run's (the firmware is the same: the
// counter watches kernel entries, nothing is added to the code); and the
// convolutions, which hold nearly all MACs, hold nearly all instructions.
func TestProfileAWW(t *testing.T) {
	dir := sharedtest.Require(t)
	requireQEMUTargets(t)
	sharedtest.RequireTool(t, "valgrind", "valgrind")
	model := filepath.Join(dir, "models", "aww", "aww.tflite")
	runner := &bench.Runner{Workers: 2, CacheDir: t.TempDir()}
	tgts := []string{"cortex-m4", "rv32imc", "host"}
	plain := runner.Run(context.Background(), jobs(t, driver.BenchOptions{Models: []string{model}, Targets: tgts, Vectors: 2}))
	js := jobs(t, driver.BenchOptions{Models: []string{model}, Targets: tgts, Vectors: 2, Profile: true})
	prof := runner.Run(context.Background(), js)
	for i, r := range prof {
		if !r.Validated() || !plain[i].Validated() {
			t.Fatalf("%s: %s %d/%d: %s; unprofiled: %s", r.ID, r.Status, r.Passed, r.Vectors, r.Error, plain[i].Error)
		}
		p := r.Profile
		if p == nil {
			t.Fatalf("%s: no profile", r.ID)
		}
		if r.Inference != plain[i].Inference || p.Total != r.Inference || p.Vector != 1 {
			t.Errorf("%s: profiled inference %d (profile total %d, vector %d), unprofiled %d; want equal, vector 1",
				r.ID, r.Inference, p.Total, p.Vector, plain[i].Inference)
		}
		steps := js[i].Steps
		if len(steps) != 12 || len(p.Steps) != len(steps) {
			t.Fatalf("%s: %d profiled steps, %d program kernel steps; want 12", r.ID, len(p.Steps), len(steps))
		}
		sum, macs, convInstr := p.Remainder, int64(0), int64(0)
		for k, s := range p.Steps {
			if s.ProfileStep != steps[k] || s.Instructions <= 0 {
				t.Errorf("%s: step %d = %+v, want %+v with instructions", r.ID, k, s, steps[k])
			}
			sum += s.Instructions
			macs += s.MACs
			if s.MACs > 0 && s.Op != "FULLY_CONNECTED #11" {
				convInstr += s.Instructions
			}
		}
		if sum != r.Inference || p.Remainder <= 0 || p.Remainder > 100 {
			t.Errorf("%s: steps + remainder %d = %d, inference %d", r.ID, p.Remainder, sum, r.Inference)
		}
		if macs != r.MACs {
			t.Errorf("%s: steps hold %d MACs, the model %d", r.ID, macs, r.MACs)
		}
		if share := float64(convInstr) / float64(r.Inference); share < 0.98 {
			t.Errorf("%s: convolutions hold %.3f of the instructions, want ≥ 0.98", r.ID, share)
		}
	}
}

// TestProfileStepMarkers profiles firmware that marks its own steps the
// way foreign firmware does: the bundled model's schedule with a call of
// tg_bench_step() before every kernel call, run as a job without program
// steps (as --elf runs). Every kernel call is one step ("step k"), the
// steps plus the remainder equal the inference, and each step counts what
// the same kernel counts in tinygen's own profile of the unmodified
// firmware within the few instructions the markers move between steps.
func TestProfileStepMarkers(t *testing.T) {
	requireQEMUTargets(t)
	runner := &bench.Runner{Workers: 2, CacheDir: t.TempDir()}
	native := jobs(t, driver.BenchOptions{Models: []string{driver.BuiltinModel}, Targets: []string{"cortex-m4"}, Vectors: 2, Profile: true})[0]
	marked := jobs(t, driver.BenchOptions{Models: []string{driver.BuiltinModel}, Targets: []string{"cortex-m4"}, Vectors: 2})[0]
	marked.Profile, marked.Steps, marked.Dir = true, nil, t.TempDir()
	call := regexp.MustCompile(`(?m)^  (tg_[a-z0-9_]+)\(`)
	patched := 0
	for i, f := range marked.Files {
		if f.Name != marked.Prefix+".c" {
			continue
		}
		src := call.ReplaceAllString(string(f.Data), "  tg_bench_step();\n  $1(")
		src = strings.Replace(src, "#include \"tg_port.h\"\n", "#include \"tg_port.h\"\n"+
			"__attribute__((noinline)) void tg_bench_step(void);\n"+
			"__attribute__((noinline)) void tg_bench_step(void) { __asm__ volatile(\"\"); }\n", 1)
		patched = strings.Count(src, "tg_bench_step();")
		marked.Files[i].Data = []byte(src)
	}
	res := runner.Run(context.Background(), []*bench.Job{native, marked})
	for _, r := range res {
		if !r.Validated() || r.Profile == nil {
			t.Fatalf("%s: %s %d/%d %s; profile %v", r.ID, r.Status, r.Passed, r.Vectors, r.Error, r.Profile)
		}
	}
	np, mp := res[0].Profile, res[1].Profile
	if patched == 0 || len(mp.Steps) != patched || len(np.Steps) != patched {
		t.Fatalf("%d marker calls, %d marked steps, %d kernel steps", patched, len(mp.Steps), len(np.Steps))
	}
	sum := mp.Remainder
	for k, s := range mp.Steps {
		sum += s.Instructions
		if s.Op != fmt.Sprintf("step %d", k) || s.Kernel != bench.StepSymbol {
			t.Errorf("step %d named %q, kernel %q", k, s.Op, s.Kernel)
		}
		if d := s.Instructions - np.Steps[k].Instructions; d < -32 || d > 32 {
			t.Errorf("step %d: %d instructions with markers, %s %d without", k, s.Instructions, np.Steps[k].Kernel, np.Steps[k].Instructions)
		}
	}
	if sum != res[1].Inference || mp.Total != res[1].Inference {
		t.Errorf("steps + remainder = %d, inference %d", sum, res[1].Inference)
	}

	// Firmware without the marker cannot be profiled as foreign firmware.
	tgt, err := targets.Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	foreign := &bench.Job{ID: "foreign", Model: "foreign", Backend: "elf", Target: tgt, Dir: t.TempDir(),
		ELF: filepath.Join(res[0].Dir, "fw.elf"), Profile: true}
	if r := runner.RunJob(context.Background(), foreign); r.Status != bench.StatusFailed || !strings.Contains(r.Error, "needs the step marker tg_bench_step") {
		t.Errorf("foreign firmware without tg_bench_step: %s %s", r.Status, r.Error)
	}
}
