package conformance_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/internal/conformance"
	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

// evalEngine runs vectors through the Go reference evaluator.
var evalEngine = conformance.Engine{
	Name: "eval",
	Prepare: func(path string) (func([][]byte) ([][]byte, error), error) {
		m, err := driver.Load(path)
		if err != nil {
			return nil, err
		}
		e, err := eval.New(m.Graph)
		if err != nil {
			return nil, err
		}
		return e.Run, nil
	},
}

// TestGoldenEval requires every vector in the shared golden/ tree to pass
// through eval: int8 byte for byte, float32 within the stated tolerance.
func TestGoldenEval(t *testing.T) {
	dir := sharedtest.Require(t)
	cases, err := golden.Load(filepath.Join(dir, "golden"), filepath.Join(dir, "models"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases found")
	}
	results := conformance.Run(evalEngine, cases)
	var table strings.Builder
	if err := conformance.WriteTable(&table, evalEngine.Name, results); err != nil {
		t.Fatal(err)
	}
	t.Logf("golden vectors through eval:\n%s", table.String())
	for _, r := range results {
		if !r.OK() {
			t.Errorf("%s (%s): %d/%d passed; unsupported=%q; failures: %s", r.Case, r.Model, r.Passed, r.Vectors, r.Unsupported, strings.Join(r.Failures, "; "))
		}
	}
}

// BenchmarkEval times one inference of each golden model through the Go
// evaluator (on its last reference vector):
//
//	go test ./internal/conformance -run '^$' -bench Eval
func BenchmarkEval(b *testing.B) {
	dir := sharedtest.Require(b)
	cases, err := golden.Load(filepath.Join(dir, "golden"), filepath.Join(dir, "models"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		b.Run(c.Name, func(b *testing.B) {
			run, err := evalEngine.Prepare(c.Model)
			if err != nil {
				b.Fatal(err)
			}
			in := c.Vectors[len(c.Vectors)-1].Inputs
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := run(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
