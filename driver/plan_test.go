package driver

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/plan"
)

// int8Models are the shared int8 models with TFLM baselines, by golden
// folder name (iterate with modelNames for a fixed order).
var int8Models = map[string]string{
	"aww":           "aww/aww.tflite",
	"vww":           "vww/vww_96_int8.tflite",
	"resnet":        "resnet/pretrainedResnet_quant.tflite",
	"toycar":        "toycar/ad01_int8.tflite",
	"micro_speech":  "micro_speech/micro_speech_quantized.tflite",
	"person_detect": "person_detect/person_detect.tflite",
}

func modelNames() []string {
	var names []string
	for n := range int8Models {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestPlanMeetsLowerBoundAndBeatsTFLM requires, for every int8 model with
// a TFLM baseline, the best arena within 5% of the lower bound and below
// TFLM's measured Cortex-M4 arena_used, both for tinygen's own layout
// (inputs and outputs in the caller's buffers) and with inputs and
// outputs in the arena as TFLM counts them.
func TestPlanMeetsLowerBoundAndBeatsTFLM(t *testing.T) {
	dir := sharedtest.Require(t)
	for _, name := range modelNames() {
		rel := int8Models[name]
		m, err := Load(filepath.Join(dir, "models", rel))
		if err != nil {
			t.Fatal(err)
		}
		r, err := Plan(m, MemoryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Planners) != 5 {
			t.Errorf("%s: %d planner rows", name, len(r.Planners))
		}
		if float64(r.Arena) > 1.05*float64(r.LowerBound) || float64(r.WithIO) > 1.05*float64(r.WithIOLowerBound) {
			t.Errorf("%s: arena %d (lower bound %d), with I/O %d (lower bound %d): more than 5%% above", name,
				r.Arena, r.LowerBound, r.WithIO, r.WithIOLowerBound)
		}
		var m4 int64
		for _, b := range r.TFLM {
			if b.Platform == "cortex-m4" {
				m4 = b.Bytes
			}
		}
		if m4 == 0 {
			t.Errorf("%s: no TFLM Cortex-M4 baseline found", name)
			continue
		}
		if int64(r.WithIO) >= m4 {
			t.Errorf("%s: arena with I/O %d not below TFLM's %d", name, r.WithIO, m4)
		}
		t.Logf("%-14s lower bound %6d best %6d (%s) with I/O %6d TFLM %6d  ratio %.3f / %.3f",
			name, r.LowerBound, r.Arena, r.plan.Planner, r.WithIO, m4, float64(r.Arena)/float64(m4), float64(r.WithIO)/float64(m4))
	}
}

// TestOfflinePlan writes the offline plan of every int8 model and reads it
// back: one offset per tensor, -1 exactly for constants and empty
// tensors, offsets equal to an IncludeIO plan that Verify accepts.
func TestOfflinePlan(t *testing.T) {
	dir := sharedtest.Require(t)
	for _, name := range modelNames() {
		rel := int8Models[name]
		m, err := Load(filepath.Join(dir, "models", rel))
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), name+".tflite")
		res, err := WriteOfflinePlan(m, out, MemoryOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		back, err := Load(out)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		sg, offs, ok, err := tflite.OfflinePlan(data)
		if err != nil || !ok || sg != 0 || len(offs) != len(back.Graph.Tensors) {
			t.Fatalf("%s: plan read back: sg %d, %d offsets, ok %v, %v", name, sg, len(offs), ok, err)
		}
		used := map[int]bool{}
		for _, op := range m.Graph.Ops {
			for _, x := range op.Inputs {
				if x != nil {
					used[x.ID] = true
				}
			}
			for _, x := range op.Outputs {
				used[x.ID] = true
			}
		}
		for i, tt := range m.Graph.Tensors {
			wantPlanned := !tt.IsConst() && tt.NumBytes() > 0 && used[i]
			if (offs[i] >= 0) != wantPlanned {
				t.Errorf("%s: tensor %v offset %d (planned: %v)", name, tt, offs[i], wantPlanned)
			}
			if off, inArena := res.Plan.Offset(tt); inArena && int32(off) != offs[i] {
				t.Errorf("%s: tensor %v offset %d, plan says %d", name, tt, offs[i], off)
			}
		}
		if !res.Plan.IncludeIO || res.Plan.Aliasing == plan.AliasAll {
			t.Errorf("%s: offline plan made with IncludeIO %v aliasing %v", name, res.Plan.IncludeIO, res.Plan.Aliasing)
		}
		if err := plan.Verify(m.Graph, res.Plan, nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
