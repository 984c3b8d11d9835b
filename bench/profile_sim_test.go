// Simulator tests of bench --profile: aww profiled on Cortex-M4, RV32IMC
// and the host.

package bench_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
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
