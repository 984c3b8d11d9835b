// dump.go: --dump-after, the textual IR of a pipeline state with its
// decisions as comments.

package passes

import (
	"bufio"
	"fmt"
	"io"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/program"
)

// Dump prints the state after pass in tinygen's textual IR (ir.Print, the
// format ir.Parse reads), followed by what the passes so far have decided
// as '#' comment lines, which the parser skips: the kernel of every op,
// the arena plan, the program's steps.
func Dump(w io.Writer, s *State, pass string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# tinygen IR after pass %s\n", pass)
	if err := ir.Print(bw, s.Graph); err != nil {
		return err
	}
	if s.Has(KernelsSelected) {
		fmt.Fprintf(bw, "# kernels\n")
		for i, op := range s.Graph.Ops {
			c := s.Calls[op]
			fmt.Fprintf(bw, "#   op %d %v: %s (%s)\n", i, op.Kind, c.Kernel.Symbol, c.Kernel.Set)
		}
	}
	if s.Reordered {
		fmt.Fprintf(bw, "# the ops run in a memory-aware order (arena %d bytes; model order %d)\n", s.Plan.Size, s.ModelOrderPlan.Size)
	}
	if s.Has(Planned) {
		p := s.Plan
		fmt.Fprintf(bw, "# arena %d bytes, align %d, planner %s, lower bound %d\n", p.Size, p.Align, p.Planner, p.LowerBound)
		for _, b := range p.Buffers {
			fmt.Fprintf(bw, "#   [%d, +%d) steps %d..%d %s\n", b.Offset, b.Size, b.First, b.Last, b.Label())
		}
	}
	if s.Has(Built) {
		fmt.Fprintf(bw, "# program: %d steps, %d constants, %d files\n", len(s.Program.Steps), len(s.Program.Constants), len(s.Program.Files))
		for _, st := range s.Program.Steps {
			switch st.Kind {
			case program.KernelStep:
				fmt.Fprintf(bw, "#   step %d: %s (%s)\n", st.Index, st.Kernel, st.KernelSet)
			case program.ViewStep:
				fmt.Fprintf(bw, "#   step %d: view, no code\n", st.Index)
			case program.CopyStep:
				fmt.Fprintf(bw, "#   step %d: copy %d bytes to output %d\n", st.Index, st.Copy.Bytes, st.Copy.Output)
			}
		}
	}
	return bw.Flush()
}
