// check.go: Program.Check, the consistency check every emitter may rely on.

package program

import "fmt"

// Check verifies that the Program is consistent: every location lies
// inside its storage (arena offsets inside the arena and aligned, input,
// output and constant indices valid, sizes within the tensor's storage),
// every ConstRef names a constant, every kernel step's source file is
// among Files, and step indices are positions. Emitters may rely on a
// checked Program.
func (p *Program) Check() error {
	if p.Graph == nil {
		return fmt.Errorf("program: no graph")
	}
	files := map[string]bool{}
	for _, f := range p.Files {
		if files[f.Name] {
			return fmt.Errorf("program: file %s listed twice", f.Name)
		}
		files[f.Name] = true
	}
	for i, c := range p.Constants {
		if ElemSize(c.Elem) == 0 {
			return fmt.Errorf("program: constant %s has unknown element type %q", c.Symbol, c.Elem)
		}
		if (c.Elem == "float") != (c.Ints == nil) && c.Len() > 0 {
			return fmt.Errorf("program: constant %d (%s) holds the wrong kind of elements", i, c.Symbol)
		}
	}
	for _, b := range p.Arena.Buffers {
		if b.Offset < 0 || b.Offset+b.Size > p.Arena.Size || (p.Arena.Align > 0 && b.Offset%p.Arena.Align != 0) {
			return fmt.Errorf("program: buffer %s [%d, +%d) outside or misaligned in the %d-byte arena", b.Name, b.Offset, b.Size, p.Arena.Size)
		}
	}
	for i, st := range p.Steps {
		if st.Index != i {
			return fmt.Errorf("program: step %d has index %d", i, st.Index)
		}
		switch st.Kind {
		case KernelStep:
			if !files[st.Kernel+".c"] {
				return fmt.Errorf("program: step %d calls %s, whose source is not among the files", i, st.Kernel)
			}
			if err := p.checkValue(st.Params); err != nil {
				return fmt.Errorf("program: step %d: %w", i, err)
			}
			for _, a := range st.Args {
				for _, l := range append([]Location{a.Loc}, a.List...) {
					if err := p.checkLoc(l); err != nil {
						return fmt.Errorf("program: step %d (%s) argument %s: %w", i, st.Kernel, a.Name, err)
					}
				}
			}
		case CopyStep:
			if st.Copy == nil || st.Copy.Output < 0 || st.Copy.Output >= len(p.Outputs) {
				return fmt.Errorf("program: copy step %d has no valid output", i)
			}
			if err := p.checkLoc(st.Copy.From); err != nil {
				return fmt.Errorf("program: copy step %d: %w", i, err)
			}
		case ViewStep:
			if st.Op == nil {
				return fmt.Errorf("program: view step %d has no op", i)
			}
		default:
			return fmt.Errorf("program: step %d has kind %d", i, st.Kind)
		}
	}
	return nil
}

func (p *Program) checkLoc(l Location) error {
	switch l.Kind {
	case LocNone:
		return nil
	case LocArena, LocScratch:
		if l.Offset < 0 || l.Bytes < 0 || l.Offset+l.Bytes > p.Arena.Size {
			return fmt.Errorf("arena range [%d, +%d) outside the %d-byte arena", l.Offset, l.Bytes, p.Arena.Size)
		}
		if p.Arena.Align > 0 && l.Offset%p.Arena.Align != 0 {
			return fmt.Errorf("arena offset %d not aligned to %d", l.Offset, p.Arena.Align)
		}
	case LocInput:
		if l.Index < 0 || l.Index >= len(p.Inputs) || l.Bytes > p.Inputs[l.Index].Tensor.NumBytes() {
			return fmt.Errorf("input %d (%d bytes) invalid", l.Index, l.Bytes)
		}
	case LocOutput:
		if l.Index < 0 || l.Index >= len(p.Outputs) || l.Bytes > p.Outputs[l.Index].Tensor.NumBytes() {
			return fmt.Errorf("output %d (%d bytes) invalid", l.Index, l.Bytes)
		}
	case LocConst:
		if l.Index < 0 || l.Index >= len(p.Constants) || l.Bytes > p.Constants[l.Index].Bytes() {
			return fmt.Errorf("constant %d (%d bytes) invalid", l.Index, l.Bytes)
		}
	default:
		return fmt.Errorf("location kind %d", l.Kind)
	}
	return nil
}

func (p *Program) checkValue(v Value) error {
	switch x := v.(type) {
	case Struct:
		for _, f := range x.Fields {
			if err := p.checkValue(f.Value); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
	case ConstRef:
		if x.Index < 0 || x.Index >= len(p.Constants) {
			return fmt.Errorf("reference to constant %d of %d", x.Index, len(p.Constants))
		}
	case Int, Float, Array:
	default:
		return fmt.Errorf("unknown value %T", v)
	}
	return nil
}
