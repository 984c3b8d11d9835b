// runtime_test.go: one Cortex-M4 runtime firmware, built once for the op
// set of several golden models, runs each model's blob loaded from a
// separate memory region and validates it; a blob needing a kernel the
// firmware lacks is refused at init.

package driver

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/project"
	"github.com/tinygen/tinygen/targets"
)

func TestRuntimeFirmwareManyBlobs(t *testing.T) {
	dir := sharedtest.Require(t)
	sharedtest.RequireTool(t, "arm-none-eabi-gcc", "gcc-arm-none-eabi")
	sharedtest.RequireTool(t, "qemu-system-arm", "qemu-system-arm")
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	models := []string{
		filepath.Join(dir, "models", "aww", "aww.tflite"),
		filepath.Join(dir, "models", "micro_speech", "micro_speech.tflite"),
		filepath.Join(dir, "models", "hello_world", "hello_world_int8.tflite"),
		filepath.Join(dir, "models", "toycar", "ad01_int8.tflite"),
	}
	files, ks, err := Runtime(RuntimeOptions{Models: models, Target: "cortex-m4"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("runtime kernels: %v", ks)
	var blobs []project.BlobModel
	arena := 0
	// A float model: its kernels are not in this runtime.
	withFloat := append(append([]string(nil), models...), filepath.Join(dir, "models", "hello_world", "sine_model.tflite"))
	for i, path := range withFloat {
		m, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		out, mp, err := CompileInterp(m, CompileOptions{Name: "model", Target: "cortex-m4", Generator: "tinygen (test)"})
		if err != nil {
			t.Fatal(err)
		}
		arena = max(arena, mp.Plan.Size+64)
		bm := project.BlobModel{Name: filepath.Base(path)}
		for _, f := range out {
			if f.Name == "model.tgb" {
				bm.Blob = f.Data
			}
		}
		if i == len(models) {
			bm.WantStatus = 11 // TG_RT_ERR_KERNEL_MISSING
		} else {
			c, ok := goldenFor(m)
			if !ok {
				t.Fatalf("%s: no golden vectors", path)
			}
			for _, v := range c.Vectors[:2] {
				bm.Vectors = append(bm.Vectors, project.Vector{Inputs: v.Inputs, Outputs: v.Outputs})
			}
		}
		blobs = append(blobs, bm)
	}
	tg, err := targets.Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	fw, err := project.RuntimeFirmware(tg, files, blobs, arena)
	if err != nil {
		t.Fatal(err)
	}
	j := &bench.Job{ID: "runtime-fw", Model: "runtime", Backend: "interp", Target: tg, Dir: t.TempDir(), Files: fw,
		CFlags: []string{"-Os"}, Vectors: 8, Reference: "golden", Prefix: "tg_rt_fw"}
	res := (&bench.Runner{Workers: 1}).RunJob(context.Background(), j)
	if !res.Validated() {
		t.Fatalf("%s: %d/%d passed: %s", res.Status, res.Passed, res.Vectors, res.Error)
	}
	t.Logf("one firmware, %d blobs: %d/%d vectors passed; ROM %d (runtime %d, kernels %d), first init %d instructions",
		len(blobs), res.Passed, res.Vectors, res.Memory.ROM, res.Memory.ROMRuntime, res.Memory.ROMKernels, res.InitInstructions)
}
