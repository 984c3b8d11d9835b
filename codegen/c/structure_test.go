// structure_test.go: the crafted structure graphs that compile run like
// the evaluator.
package c_test

import (
	"bytes"
	"testing"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/internal/hostile"
	"github.com/tinygen/tinygen/kernels/kerneltest"
)

// TestHostileStructureMatchesEval builds the crafted graphs of class
// Structure that tinygen compiles (an output listed twice, a graph input
// that is also an output, a graph without ops) under the sanitizers and
// requires the evaluator's outputs, byte for byte.
func TestHostileStructureMatchesEval(t *testing.T) {
	ccs := kerneltest.Compilers(t)
	for _, c := range hostile.StructureGraphs() {
		if c.WantError != "" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			g := c.Graph
			vectors := kerneltest.RandomInputs(g, 3, 7)
			want := kerneltest.Expected(t, g, vectors)
			p, err := compileProgram(g, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, cc := range ccs {
				got, err := kerneltest.BuildAndRun(t, cc, p, cgen.StaticArena, vectors)
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
