// steps.go: the C text of each step, parameter initialisers, the plan table
// and the wrapping of long lists.

package c

import (
	"fmt"
	"strings"

	"github.com/tinygen/tinygen/internal/ctext"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/program"
)

// step builds the comment and the call of a kernel step.
func (m *model) step(st program.Step, e *exprs) (step, error) {
	var s step
	op := st.Op
	name := ""
	if len(op.Outputs) > 0 {
		name = " -> " + ctext.Quoted(op.Outputs[0].Name)
	}
	comment := func(line string) { s.Comment = append(s.Comment, fit(line, 5)) }
	if op.Name != "" {
		name = " " + ctext.Quoted(op.Name) + name
	}
	comment(fmt.Sprintf("step %d: model op %d %v%s", st.Index, op.SourceIndex, op.Kind, name))
	for _, a := range st.Args {
		switch {
		case a.List != nil:
			for k, l := range a.List {
				comment(fmt.Sprintf("  %-7s %s", fmt.Sprintf("in%d", k), locText(l)))
			}
		case a.Loc.Kind == program.LocScratch:
			comment(fmt.Sprintf("  %-7s %d bytes of scratch memory", a.Name, a.Loc.Bytes))
		case a.Loc.Kind == program.LocNone:
			comment(fmt.Sprintf("  %-7s (none)", a.Name))
		default:
			comment(fmt.Sprintf("  %-7s %s", a.Name, locText(a.Loc)))
		}
	}
	if op.Attrs != nil {
		if attrs := ir.FormatAttrs(op.Attrs); attrs != "" {
			comment("  " + ctext.Comment(attrs, 0))
		}
	}
	detail := fmt.Sprintf("  kernel %s (%s set)", st.Kernel, ctext.Comment(st.KernelSet, 40))
	if st.MACs > 0 {
		detail += fmt.Sprintf(", %d MACs", st.MACs)
	}
	comment(detail)

	prefix := fmt.Sprintf("op%d", st.Index)
	init := m.formatStruct(st.Params, "")
	m.Params = append(m.Params, fmt.Sprintf("/* step %d: %v */\nstatic const %s%s %s_params = %s;", st.Index, op.Kind, m.ParamsSection, st.ParamsType, prefix, init))

	args := []string{"&" + prefix + "_params"}
	var pre []string
	for _, a := range st.Args {
		switch {
		case a.List != nil:
			var elems []string
			for _, l := range a.List {
				x, err := e.read(l, a.Elem, st.Index)
				if err != nil {
					return s, err
				}
				elems = append(elems, x)
			}
			pre = append(pre, fmt.Sprintf("const void *const %s[%d] = {", a.Name, len(elems)))
			for k, x := range elems {
				sep := ","
				if k == len(elems)-1 {
					sep = ""
				}
				pre = append(pre, "  "+x+sep)
			}
			pre = append(pre, "};")
			args = append(args, a.Name)
		case a.Output || a.Loc.Kind == program.LocScratch:
			x, err := e.write(a.Loc, a.Elem, st.Index)
			if err != nil {
				return s, err
			}
			args = append(args, x)
		default:
			x, err := e.read(a.Loc, a.Elem, st.Index)
			if err != nil {
				return s, err
			}
			args = append(args, x)
		}
	}
	call := callLines(st.Kernel, args)
	if len(pre) > 0 {
		s.Code = append([]string{"{"}, indentAll(append(pre, call...), "  ")...)
		s.Code = append(s.Code, "}")
	} else {
		s.Code = call
	}
	return s, nil
}

// callLines prints a call on one line, or with one argument per line when
// that line would be longer than MaxLine.
func callLines(fn string, args []string) []string {
	one := fmt.Sprintf("%s(%s);", fn, strings.Join(args, ", "))
	if len(one)+2 <= MaxLine {
		return []string{one}
	}
	lines := []string{fn + "("}
	for k, a := range args {
		sep := ","
		if k == len(args)-1 {
			sep = ");"
		}
		lines = append(lines, "    "+a+sep)
	}
	return lines
}

// locText describes an argument's tensor for a comment.
func locText(l program.Location) string {
	if l.Tensor == nil {
		return l.Kind.String()
	}
	return tensorText(l.Tensor)
}

func indentAll(lines []string, ind string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = ind + l
	}
	return out
}

// formatValue prints a parameter value as a C initialiser.
func (m *model) formatValue(v program.Value, indent string) string {
	switch x := v.(type) {
	case program.Int:
		return intLit(int64(x), 32)
	case program.Float:
		lit, usesMath := floatLit(float32(x))
		m.ParamsMath = m.ParamsMath || usesMath
		return lit
	case program.Struct:
		return m.formatStruct(x, indent)
	case program.ConstRef:
		return m.Name + "_" + m.constSymbol(x.Index)
	case program.Array:
		elems := m.arrayElems(x)
		if len(elems) <= 16 {
			return "{" + strings.Join(elems, ", ") + "}"
		}
		return "{\n" + strings.Join(wrap(elems, 12, indent+"    "), "\n") + "\n" + indent + "  }"
	}
	panic(fmt.Sprintf("codegen/c: unknown parameter value %T", v))
}

// constSymbol returns the symbol of constant i (without the model prefix).
func (m *model) constSymbol(i int) string {
	return strings.TrimPrefix(m.Consts[i].Symbol, m.Name+"_")
}

func (m *model) formatStruct(s program.Struct, indent string) string {
	var b strings.Builder
	b.WriteString("{\n")
	for _, f := range s.Fields {
		fmt.Fprintf(&b, "%s  .%s = %s,\n", indent, f.Name, m.formatValue(f.Value, indent+"  "))
	}
	b.WriteString(indent + "}")
	return b.String()
}

// arrayElems formats the elements of an inline array value.
func (m *model) arrayElems(a program.Array) []string {
	var out []string
	if a.Elem == "float" {
		for _, v := range a.Floats {
			lit, usesMath := floatLit(v)
			m.ParamsMath = m.ParamsMath || usesMath
			out = append(out, lit)
		}
		return out
	}
	bits := 32
	if a.Elem == "int64_t" {
		bits = 64
	}
	for _, v := range a.Ints {
		out = append(out, intLit(v, bits))
	}
	return out
}

// wrap joins elems with commas, at most perLine per line and never past
// MaxLine columns (unless one element is longer), each line indented.
func wrap(elems []string, perLine int, indent string) []string {
	var lines []string
	for i := 0; i < len(elems); {
		width := len(indent)
		end := i
		for end < len(elems) && end-i < perLine && (end == i || width+len(elems[end])+2 <= MaxLine) {
			width += len(elems[end]) + 2
			end++
		}
		line := indent + strings.Join(elems[i:end], ", ")
		if end < len(elems) {
			line += ","
		}
		lines = append(lines, line)
		i = end
	}
	return lines
}

// planRows formats the memory plan as comment table rows: one row per
// arena buffer, a row per further tensor sharing it, then the tensors
// stored in the caller's buffers or in constants.
func planRows(p *program.Program) []string {
	rows := []string{fmt.Sprintf("%8s %8s %5s %5s  %s", "offset", "bytes", "first", "last", "tensor")}
	for _, b := range p.Arena.Buffers {
		if len(b.Tensors) == 0 {
			rows = append(rows, fmt.Sprintf("%8d %8d %5d %5d  scratch of step %d", b.Offset, b.Size, b.First, b.Last, b.ScratchOf))
			continue
		}
		rows = append(rows, fit(fmt.Sprintf("%8d %8d %5d %5d  %s", b.Offset, b.Size, b.First, b.Last, tensorText(b.Tensors[0])), 3))
		for _, t := range b.Tensors[1:] {
			rows = append(rows, fit(fmt.Sprintf("%8s %8s %5s %5s    = %s", "", "", "", "", tensorText(t)), 3))
		}
	}
	if len(p.Arena.Shared) > 0 {
		rows = append(rows, "Tensors stored outside the arena, in the storage of another tensor:")
		for _, s := range p.Arena.Shared {
			rows = append(rows, fmt.Sprintf("  %%%d is stored in %s", s.Tensor.ID, storageName(p, s.Root)))
		}
	}
	return rows
}

// storageName says where a root tensor outside the arena lives.
func storageName(p *program.Program, l program.Location) string {
	switch l.Kind {
	case program.LocInput:
		return fmt.Sprintf("input %d (%%%d)", l.Index, l.Tensor.ID)
	case program.LocOutput:
		return fmt.Sprintf("output %d (%%%d)", l.Index, l.Tensor.ID)
	case program.LocConst:
		return fmt.Sprintf("constant %s", p.Constants[l.Index].Symbol)
	}
	return l.Kind.String()
}

// viewStep is the comment-only step of a view that shares its input's
// storage.
func viewStep(st program.Step) step {
	op := st.Op
	return step{Comment: []string{
		fit(fmt.Sprintf("step %d: model op %d %v -> %s", st.Index, op.SourceIndex, op.Kind, ctext.Quoted(op.Outputs[0].Name)), 5),
		fit(fmt.Sprintf("  input   %s", tensorText(op.Inputs[0])), 5),
		fit(fmt.Sprintf("  output  %s", tensorText(op.Outputs[0])), 5),
		"  a view: the output shares the input's bytes, nothing to run",
	}}
}
