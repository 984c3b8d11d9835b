// benchprofile.go: the steps of a compiled Program that bench --profile
// attributes instructions to.

package driver

import (
	"fmt"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/program"
)

// profileSteps returns the kernel steps of p in execution order: each
// step begins when the schedule enters its kernel. View steps run no code
// and copy steps no kernel; their instructions (none, or a copy in the
// schedule) fall to the preceding step.
func profileSteps(p *program.Program) []bench.ProfileStep {
	if p == nil {
		return nil
	}
	var out []bench.ProfileStep
	for _, s := range p.Steps {
		if s.Kind != program.KernelStep {
			continue
		}
		op := "?"
		if s.Op != nil {
			op = fmt.Sprintf("%s #%d", s.Op.Kind, s.Op.SourceIndex)
		}
		out = append(out, bench.ProfileStep{Index: s.Index, Op: op, Kernel: s.Kernel, Set: s.KernelSet, MACs: s.MACs})
	}
	return out
}
