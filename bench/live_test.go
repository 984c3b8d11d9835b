// Tests of the live TFLM comparisons and the Job.Build hook.
package bench

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/targets"
)

func TestVariantComparable(t *testing.T) {
	tests := []struct {
		backend, variant string
		want             bool
	}{
		{"tflm", "tflm-ref", true},
		{"tflm", "tflm-cmsisnn", false},
		{"tflm-cmsisnn", "tflm-cmsisnn", true},
		{"tflm-cmsisnn", "tflm-ref", false},
		{"tflm", "onnx2c", true},
		{"aot", "tflm-ref", true},
		{"aot", "tflm-cmsisnn", true},
	}
	for _, tt := range tests {
		if got := variantComparable(Baseline{Variant: tt.variant}, &Result{Backend: tt.backend}); got != tt.want {
			t.Errorf("%s vs %s: %v, want %v", tt.backend, tt.variant, got, tt.want)
		}
	}
}

func TestLiveComparisons(t *testing.T) {
	res := func(backend, model, target string, status Status, inf, rom int64) *Result {
		return &Result{Backend: backend, Model: model, Target: target, Status: status, Inference: inf,
			InitInstructions: -1, Memory: Memory{ROM: rom, RAM: -1, RAMArena: -1}}
	}
	results := []*Result{
		res("aot", "aww", "cortex-m4", StatusOK, 100, 50),
		res("tflm", "aww", "cortex-m4", StatusOK, 400, 100),
		res("tflm-cmsisnn", "aww", "cortex-m4", StatusOK, 200, 200),
		res("tflm", "aww", "rv32imc", StatusOK, 400, 100),    // other target
		res("tflm", "vww", "cortex-m4", StatusOK, 400, 100),  // other model
		res("tflm", "aww", "cortex-m4", StatusFailed, 1, 1),  // failed
		res("aot", "vww", "cortex-m4", StatusMismatch, 1, 1), // not validated
	}
	got := liveComparisons(results)
	if len(got) != 2 {
		t.Fatalf("%d comparisons, want 2: %+v", len(got), got)
	}
	if got[0].Baseline != "tflm (live)" || got[0].Inference != 0.25 || got[0].ROM != 0.5 || got[0].Init != -1 {
		t.Errorf("first: %+v", got[0])
	}
	if got[1].Baseline != "tflm-cmsisnn (live)" || got[1].Inference != 0.5 {
		t.Errorf("second: %+v", got[1])
	}
	r := NewReport(results, nil)
	if len(r.Comparisons) != 2 {
		t.Errorf("report has %d comparisons, want the 2 live ones", len(r.Comparisons))
	}
}

func TestJobBuildHook(t *testing.T) {
	tg, err := targets.Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	var recorded []string
	j := &Job{ID: "x", Model: "m", Backend: "tflm", Target: tg, Dir: t.TempDir(),
		Build: func(_ context.Context, dir string, record func(string, ...string)) (string, error) {
			record("cc", "-c", "a.c")
			recorded = append(recorded, dir)
			return "", errors.New("compiling TFLM x.cc: boom")
		}}
	res := (&Runner{}).RunJob(context.Background(), j)
	if res.Status != StatusFailed || !strings.Contains(res.Error, "boom") || len(recorded) != 1 || recorded[0] != j.Dir {
		t.Errorf("status %s error %q recorded %v", res.Status, res.Error, recorded)
	}
}
