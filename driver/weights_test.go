// Test that inspect and bench report one weights figure for a model.
package driver

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

// TestWeightsAgree checks that inspect's weights (WeightBytes) equal the
// weights bench measures in the firmware, on the host and, where its
// toolchain and QEMU are installed, on Cortex-M4 (whose linker script
// aligns the weight arrays inside a bracketed section: padding must not
// count).
func TestWeightsAgree(t *testing.T) {
	dir := sharedtest.Require(t)
	sharedtest.RequireTool(t, "gcc", "gcc")
	sharedtest.RequireTool(t, "valgrind", "valgrind")
	path := filepath.Join(dir, "models", "aww", "aww.tflite")
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Inspect(m).ParamBytes
	tgts := []string{"host"}
	if _, err := exec.LookPath("arm-none-eabi-gcc"); err == nil {
		if _, err := exec.LookPath("qemu-system-arm"); err == nil {
			tgts = append(tgts, "cortex-m4")
		}
	}
	jobs, err := BenchJobs(BenchOptions{Models: []string{path}, Targets: tgts, Vectors: 1, Results: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range (&bench.Runner{Workers: 1}).Run(context.Background(), jobs) {
		if res.Status != bench.StatusOK {
			t.Fatalf("%s: %s: %s", res.ID, res.Status, res.Error)
		}
		// A target's kernel sets may ship the weights in their own layout
		// (cortex-m4's armv7em set packs them): bench measures what
		// WeightBytesFor computes for that target, and inspect's figure is
		// the host's.
		if tw := WeightBytesFor(m.Graph, res.Target); res.Memory.ROMWeights != tw {
			t.Errorf("%s: bench weights %d, WeightBytesFor %d", res.Target, res.Memory.ROMWeights, tw)
		}
		if res.Target == "host" && res.Memory.ROMWeights != want {
			t.Errorf("%s: bench weights %d, inspect %d", res.Target, res.Memory.ROMWeights, want)
		}
	}
}
