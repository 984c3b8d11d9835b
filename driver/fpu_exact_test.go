// The fpu kernel set on QEMU Cortex-M4: outputs bit-identical to the
// evaluator's (and so to the reference set's), not merely within the float
// tolerance.

package driver

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/shared"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/project"
	"github.com/tinygen/tinygen/targets"
)

// TestFPUBitExactOnCortexM4 runs float32 models whose convolutions,
// depthwise convolutions and fully-connected layers take the fpu kernels
// (VMLA asm on the target) on QEMU Cortex-M4, once with the fpu set and
// once with the reference set only, and compares every output byte for
// byte with the evaluator on random inputs. The two firmwares must give
// the same verdict, with the same first wrong bytes where there are any
// (kws_tiny_f32's SOFTMAX calls picolibc's expf, which is not Go's
// math.Exp bit for bit), and the models without such ops must match the
// evaluator exactly: the fpu kernels round like the reference ones.
func TestFPUBitExactOnCortexM4(t *testing.T) {
	sharedtest.RequireTool(t, "arm-none-eabi-gcc", "gcc-arm-none-eabi")
	sharedtest.RequireTool(t, "qemu-system-arm", "qemu-system-arm")
	sharedtest.RequireTool(t, "gcc", "gcc")
	tgt, err := targets.Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	tmp := t.TempDir()
	for _, name := range []string{"kws_tiny_f32", "conv_variants_f32"} {
		tm, ok := testmodels.Get(name)
		if !ok {
			t.Fatalf("no test model %s", name)
		}
		data, err := tflite.Encode(tm.Graph())
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(tmp, name+".tflite")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if dir, err := shared.Dir(); err == nil {
		paths = append(paths, filepath.Join(dir, "models", "micro_kws_m", "micro_kws_m_fp32.tflite"))
	}
	runner := &bench.Runner{Workers: 2, CacheDir: t.TempDir()}
	var jobs []*bench.Job
	exact := map[string]bool{"conv_variants_f32": true, "micro_kws_m_fp32": true}
	for _, p := range paths {
		m, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		bm := &benchModel{m: m, name: m.Graph.Name, ref: "eval"}
		r := rand.New(rand.NewPCG(7, uint64(len(m.Graph.Ops))))
		for v := 0; v < 2; v++ {
			var ins [][]byte
			for _, in := range m.Graph.Inputs {
				ins = append(ins, randomTensor(r, in))
			}
			outs, err := Run(m, ins)
			if err != nil {
				t.Fatal(err)
			}
			bm.vectors = append(bm.vectors, project.Vector{Inputs: ins, Outputs: outs})
		}
		for range m.Graph.Outputs {
			bm.floatOut = append(bm.floatOut, false) // byte for byte
		}
		cfgs, err := configMatrix(nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, set := range []string{"", "reference"} {
			files, h, mp, err := benchSources(bm, cfgs[0], tgt, BenchOptions{Generator: "tinygen (test)", Check: true, Kernels: set})
			if err != nil {
				t.Fatal(err)
			}
			fpuSteps := 0
			for _, s := range mp.Program.Steps {
				if s.KernelSet == "fpu" {
					fpuSteps++
				}
			}
			if (fpuSteps == 0) != (set == "reference") {
				t.Fatalf("%s, preferring %q: %d fpu steps", m.Graph.Name, set, fpuSteps)
			}
			h.FloatOutputs = bm.floatOut
			h.OutputTypes = nil
			fw, err := project.Bench(tgt, files, h)
			if err != nil {
				t.Fatal(err)
			}
			id := m.Graph.Name + "-" + set
			jobs = append(jobs, &bench.Job{ID: id, Model: m.Graph.Name, Backend: "aot", Target: tgt,
				Dir: filepath.Join(tmp, id), Files: fw, CFlags: []string{"-O2"}, Prefix: h.Model,
				Vectors: len(bm.vectors), Reference: "eval", Config: []bench.KV{{Key: "kernels", Value: set}}})
		}
	}
	res := runner.Run(context.Background(), jobs)
	for i := 0; i < len(res); i += 2 {
		fpu, ref := res[i], res[i+1]
		if fpu.Status != ref.Status || fpu.Passed != ref.Passed || fpu.Error != ref.Error {
			t.Errorf("%s: fpu set %s %d/%d (%s); reference set %s %d/%d (%s)", fpu.Model, fpu.Status, fpu.Passed, fpu.Vectors,
				fpu.Error, ref.Status, ref.Passed, ref.Vectors, ref.Error)
		}
		if exact[fpu.Model] && !fpu.Validated() {
			t.Errorf("%s: fpu set %s %d/%d against the evaluator byte for byte: %s", fpu.Model, fpu.Status, fpu.Passed, fpu.Vectors, fpu.Error)
		}
	}
}
