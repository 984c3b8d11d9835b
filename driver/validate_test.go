// validate_test.go: tests of Compile's structural checks and of the
// memory options' validation.
package driver

import (
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/hostile"
	"github.com/tinygen/tinygen/ir"
)

// TestMemoryOptionsAlign checks that Align is a power of two from
// MinAlign to MaxAlign (0: the default), in Check and in PlanMemory.
func TestMemoryOptionsAlign(t *testing.T) {
	g := &ir.Graph{}
	x := g.AddTensor(&ir.Tensor{Name: "x", DType: ir.Float32, Shape: ir.Shape{3}})
	g.Inputs, g.Outputs = []*ir.Tensor{x}, []*ir.Tensor{x}
	for _, c := range []struct {
		align int
		ok    bool
	}{
		{0, true}, {4, true}, {8, true}, {16, true}, {4096, true},
		{-16, false}, {1, false}, {2, false}, {3, false}, {12, false}, {8192, false}, {1 << 20, false}, {1<<62 + 4, false},
	} {
		o := MemoryOptions{Align: c.align}
		err := o.Check()
		if (err == nil) != c.ok {
			t.Errorf("Check(align %d): %v, want ok=%v", c.align, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--align must be a power of two from 4 to 4096") {
			t.Errorf("Check(align %d): %v", c.align, err)
		}
		if _, perr := PlanMemory(g, o); (perr == nil) != c.ok {
			t.Errorf("PlanMemory(align %d): %v, want ok=%v", c.align, perr, c.ok)
		}
	}
}

// TestCompileStructure compiles the crafted graphs of class Structure
// through the library: the refused ones fail naming the file, the others
// generate code.
func TestCompileStructure(t *testing.T) {
	for _, c := range hostile.StructureGraphs() {
		t.Run(c.Name, func(t *testing.T) {
			m := &Model{Path: c.Name + ".tflite", Graph: c.Graph}
			if err := c.Graph.Verify(); err != nil {
				if c.WantError == "" || !strings.Contains(err.Error(), c.WantError) {
					t.Fatalf("Verify: %v, want %q", err, c.WantError)
				}
				return // Load refuses it
			}
			_, _, err := Compile(m, CompileOptions{PassControls: PassControls{Check: true}})
			switch {
			case c.WantError == "" && err != nil:
				t.Fatalf("Compile: %v", err)
			case c.WantError != "" && (err == nil || !strings.Contains(err.Error(), c.WantError) || !strings.Contains(err.Error(), m.Path)):
				t.Fatalf("Compile: %v, want %q naming %s", err, c.WantError, m.Path)
			}
		})
	}
}
