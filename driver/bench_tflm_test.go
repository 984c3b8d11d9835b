// Tests of the TFLM bench jobs: which targets a variant runs on in a
// matrix, the profile flag and the per-operator MACs.
package driver

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/ir"
)

func TestTFLMJobsMatrix(t *testing.T) {
	dir := sharedtest.Require(t)
	model := filepath.Join(dir, "models", "aww", "aww.tflite")
	for _, tc := range []struct {
		name     string
		targets  []string
		backends []string
		profile  bool
		want     []string // job IDs
		err      bool
	}{
		{"cmsis-nn on m4 and rv32, not the host", []string{"host", "cortex-m4", "rv32imc"}, []string{"tflm-cmsisnn"}, false,
			[]string{"aww-tflm-cmsisnn-cortex-m4", "aww-tflm-cmsisnn-rv32imc"}, false},
		{"cmsis-nn portable C on cortex-m3", []string{"cortex-m3"}, []string{"tflm-cmsisnn"}, true,
			[]string{"aww-tflm-cmsisnn-cortex-m3"}, false},
		{"reference everywhere", []string{"host", "rv32imc"}, []string{"tflm"}, true,
			[]string{"aww-tflm-host", "aww-tflm-rv32imc"}, false},
		{"no target can", []string{"host"}, []string{"tflm-cmsisnn"}, false, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jobs, err := BenchJobs(BenchOptions{Models: []string{model}, Targets: tc.targets, Backends: tc.backends,
				Vectors: 1, Profile: tc.profile, Results: t.TempDir(), TFLM: filepath.Join(dir, "tflm")})
			if tc.err {
				if err == nil {
					t.Fatalf("no error, %d jobs", len(jobs))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, j := range jobs {
				ids = append(ids, j.ID)
				if j.Profile != tc.profile || j.Build == nil || j.Measure == nil {
					t.Errorf("%s: Profile %v (want %v), Build/Measure set %v/%v", j.ID, j.Profile, tc.profile, j.Build != nil, j.Measure != nil)
				}
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tc.want) {
				t.Errorf("jobs %v, want %v", ids, tc.want)
			}
		})
	}
}

func TestOperatorMACs(t *testing.T) {
	g := &ir.Graph{}
	in := &ir.Tensor{Name: "in", DType: ir.Int8, Shape: ir.Shape{1, 4}}
	w := &ir.Tensor{Name: "w", DType: ir.Int8, Shape: ir.Shape{3, 4}, Data: make([]byte, 12)}
	out := &ir.Tensor{Name: "out", DType: ir.Int8, Shape: ir.Shape{1, 3}}
	r := &ir.Tensor{Name: "r", DType: ir.Int8, Shape: ir.Shape{3}}
	g.AddOp(&ir.Op{Kind: ir.Reshape, Inputs: []*ir.Tensor{out}, Outputs: []*ir.Tensor{r}, SourceIndex: 2})
	g.AddOp(&ir.Op{Kind: ir.FullyConnected, Inputs: []*ir.Tensor{in, w, nil}, Outputs: []*ir.Tensor{out}, SourceIndex: 0})
	got := operatorMACs(g)
	if want := []int64{12, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("operatorMACs = %v, want %v", got, want)
	}
}
