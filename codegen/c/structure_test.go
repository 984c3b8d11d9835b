// structure_test.go: the crafted structure graphs that compile run like
// the evaluator.
package c_test

import (
	"bytes"
	"testing"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/internal/hostile"
)

// TestHostileStructureMatchesEval builds the crafted graphs of class
// Structure that tinygen compiles (an output listed twice, a graph input
// that is also an output, a graph without ops) under the sanitizers and
// requires the evaluator's outputs, byte for byte.
func TestHostileStructureMatchesEval(t *testing.T) {
	ccs := compilers(t)
	for _, c := range hostile.StructureGraphs() {
		if c.WantError != "" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			g := c.Graph
			e, err := eval.New(g)
			if err != nil {
				t.Fatal(err)
			}
			vectors := randomInputs(g, 3, 7)
			want, outSizes := expected(t, e, g, vectors)
			for _, cc := range ccs {
				got, err := buildAndRun(t, cc, g, cgen.StaticArena, vectors, outSizes)
				if err != nil {
					t.Fatalf("%s: %v", cc, err)
				}
				for v := range want {
					for o := range want[v] {
						if !bytes.Equal(got[v][o], want[v][o]) {
							t.Errorf("%s: vector %d output %d: C %v, eval %v", cc, v, o, got[v][o], want[v][o])
						}
					}
				}
			}
		})
	}
}
