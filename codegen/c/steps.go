package c

import (
	"fmt"
	"strings"

	"github.com/tinygen/tinygen/internal/ctext"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/plan"
)

// step builds the comment and the call of op i.
func (m *model) step(i int, op *ir.Op, call kernels.Call, e *exprs) (step, error) {
	var st step
	name := ""
	if len(op.Outputs) > 0 {
		name = " -> " + ctext.Quoted(op.Outputs[0].Name)
	}
	st.Comment = append(st.Comment, fmt.Sprintf("step %d: model op %d %v%s", i, op.SourceIndex, op.Kind, name))
	for _, a := range call.Args {
		role := a.Name
		switch {
		case a.List != nil:
			for k, t := range a.List {
				st.Comment = append(st.Comment, fmt.Sprintf("  %-7s %s", fmt.Sprintf("in%d", k), tensorText(t)))
			}
			continue
		case a.Tensor == nil:
			st.Comment = append(st.Comment, fmt.Sprintf("  %-7s (none)", role))
			continue
		}
		st.Comment = append(st.Comment, fmt.Sprintf("  %-7s %s", role, tensorText(a.Tensor)))
	}
	if op.Attrs != nil {
		if attrs := ir.FormatAttrs(op.Attrs); attrs != "" {
			st.Comment = append(st.Comment, "  "+ctext.Comment(attrs, 200))
		}
	}
	detail := fmt.Sprintf("  kernel %s (%s)", call.Kernel.Symbol, m.KernelSet)
	if macs := op.MACs(); macs > 0 {
		detail += fmt.Sprintf(", %d MACs", macs)
	}
	st.Comment = append(st.Comment, detail)

	prefix := fmt.Sprintf("op%d", i)
	var arrays []string
	init := m.formatStruct(call.Params, prefix, "", &arrays)
	m.Params = append(m.Params, arrays...)
	m.Params = append(m.Params, fmt.Sprintf("/* step %d: %v */\nstatic const %s %s_params = %s;", i, op.Kind, call.Params.Type, prefix, init))

	args := []string{"&" + prefix + "_params"}
	var pre []string
	for _, a := range call.Args {
		switch {
		case a.List != nil:
			var elems []string
			for _, t := range a.List {
				x, err := e.read(t, a.Elem)
				if err != nil {
					return st, err
				}
				elems = append(elems, x)
			}
			pre = append(pre, fmt.Sprintf("const void *const %s[%d] = {%s};", a.Name, len(elems), strings.Join(elems, ", ")))
			args = append(args, a.Name)
		case a.Output:
			x, err := e.write(a.Tensor, a.Elem)
			if err != nil {
				return st, err
			}
			args = append(args, x)
		default:
			x, err := e.read(a.Tensor, a.Elem)
			if err != nil {
				return st, err
			}
			args = append(args, x)
		}
	}
	callText := fmt.Sprintf("%s(%s);", call.Kernel.Symbol, strings.Join(args, ", "))
	if len(pre) > 0 {
		st.Code = append([]string{"{"}, indentAll(append(pre, callText), "  ")...)
		st.Code = append(st.Code, "}")
	} else {
		st.Code = []string{callText}
	}
	return st, nil
}

func indentAll(lines []string, ind string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = ind + l
	}
	return out
}

// formatValue prints a parameter value as a C initialiser. Out-of-line
// arrays are appended to arrays as declarations named prefix_field and
// referenced by name.
func (m *model) formatValue(v kernels.Value, prefix, field, indent string, arrays *[]string) string {
	switch x := v.(type) {
	case kernels.Int:
		return intLit(int64(x), 32)
	case kernels.Float:
		lit, usesMath := floatLit(float32(x))
		m.ParamsMath = m.ParamsMath || usesMath
		return lit
	case kernels.Struct:
		return m.formatStruct(x, prefix, indent, arrays)
	case kernels.Array:
		elems := m.arrayElems(x)
		if x.Inline {
			if len(elems) <= 16 {
				return "{" + strings.Join(elems, ", ") + "}"
			}
			return "{\n" + strings.Join(wrap(elems, 12, indent+"    "), "\n") + "\n" + indent + "  }"
		}
		name := prefix + "_" + field
		decl := fmt.Sprintf("static const %s %s[%d] = {\n%s\n};", x.Elem, name, max(len(elems), 1), strings.Join(wrap(elems, 8, "  "), "\n"))
		if len(elems) == 0 {
			decl = fmt.Sprintf("static const %s %s[1] = {0};", x.Elem, name)
		}
		*arrays = append(*arrays, decl)
		return name
	}
	panic(fmt.Sprintf("codegen/c: unknown parameter value %T", v))
}

func (m *model) formatStruct(s kernels.Struct, prefix, indent string, arrays *[]string) string {
	var b strings.Builder
	b.WriteString("{\n")
	for _, f := range s.Fields {
		fmt.Fprintf(&b, "%s  .%s = %s,\n", indent, f.Name, m.formatValue(f.Value, prefix, f.Name, indent+"  ", arrays))
	}
	b.WriteString(indent + "}")
	return b.String()
}

// arrayElems formats the elements of an array value.
func (m *model) arrayElems(a kernels.Array) []string {
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

// wrap joins elems with commas, perLine per line, each line indented.
func wrap(elems []string, perLine int, indent string) []string {
	var lines []string
	for i := 0; i < len(elems); i += perLine {
		end := min(i+perLine, len(elems))
		line := indent + strings.Join(elems[i:end], ", ")
		if end < len(elems) {
			line += ","
		}
		lines = append(lines, line)
	}
	return lines
}

// addConsts gives every constant operand a symbol in <m>_weights.c.
func (m *model) addConsts(g *ir.Graph, e *exprs) error {
	names := uniquifier{}
	seen := map[*ir.Tensor]bool{}
	var consts []*ir.Tensor
	note := func(t *ir.Tensor) {
		if t != nil && t.IsConst() && !seen[t] {
			seen[t] = true
			consts = append(consts, t)
		}
	}
	for _, op := range g.Ops {
		for _, t := range op.Inputs {
			note(t)
		}
	}
	for _, t := range g.Outputs {
		note(t)
	}
	for _, t := range consts {
		ct, err := ctype(t.DType)
		if err != nil {
			return err
		}
		sym := names.get(fmt.Sprintf("%s_w%d_%s", m.Name, t.ID, ctext.Identifier(t.Name)))
		elems, usesMath, err := constElems(t)
		if err != nil {
			return err
		}
		m.WeightsMath = m.WeightsMath || usesMath
		perLine := 16
		if t.DType == ir.Float32 || t.DType == ir.Int64 {
			perLine = 6
		} else if t.DType == ir.Int32 {
			perLine = 8
		}
		n := max(len(elems), 1)
		if len(elems) == 0 {
			elems = []string{"0"}
		}
		m.Consts = append(m.Consts, constTensor{Symbol: sym, CType: ct, Len: n, Comment: tensorText(t),
			Lines: wrap(elems, perLine, "  ")})
		m.Externs = append(m.Externs, fmt.Sprintf("extern const %s %s[%d];", ct, sym, n))
		m.ConstBytes += t.NumBytes()
		e.set(t, sym, ct, true)
	}
	return nil
}

// constElems formats a constant tensor's elements.
func constElems(t *ir.Tensor) ([]string, bool, error) {
	n := t.Shape.Elements()
	if len(t.Data) != t.NumBytes() {
		return nil, false, fmt.Errorf("codegen/c: constant %v holds %d bytes, its shape needs %d", t, len(t.Data), t.NumBytes())
	}
	out := make([]string, 0, n)
	usesMath := false
	switch t.DType {
	case ir.Int8:
		for _, v := range t.Data {
			out = append(out, fmt.Sprint(int8(v)))
		}
	case ir.UInt8, ir.Bool:
		for _, v := range t.Data {
			out = append(out, fmt.Sprint(v))
		}
	case ir.Int16:
		for i := 0; i < n; i++ {
			out = append(out, fmt.Sprint(int16(uint16(t.Data[2*i])|uint16(t.Data[2*i+1])<<8)))
		}
	case ir.Int32:
		for _, v := range t.Int32s() {
			out = append(out, intLit(int64(v), 32))
		}
	case ir.Int64:
		for _, v := range t.Int64s() {
			out = append(out, intLit(v, 64))
		}
	case ir.Float32:
		for _, v := range t.Float32s() {
			lit, um := floatLit(v)
			usesMath = usesMath || um
			out = append(out, lit)
		}
	default:
		return nil, false, fmt.Errorf("codegen/c: constant %v of type %v", t, t.DType)
	}
	return out, usesMath, nil
}

// planRows formats the memory plan as comment table rows: one row per
// arena buffer, a row per further tensor sharing it, then the tensors
// stored in the caller's buffers or in constants.
func planRows(g *ir.Graph, p *plan.Plan) []string {
	rows := []string{fmt.Sprintf("%8s %8s %5s %5s  %s", "offset", "bytes", "first", "last", "tensor")}
	for _, b := range p.Buffers {
		if len(b.Tensors) == 0 {
			rows = append(rows, fmt.Sprintf("%8d %8d %5d %5d  scratch of step %d", b.Offset, b.Size, b.First, b.Last, b.Scratch))
			continue
		}
		rows = append(rows, fmt.Sprintf("%8d %8d %5d %5d  %s", b.Offset, b.Size, b.First, b.Last, tensorText(b.Tensors[0])))
		for _, t := range b.Tensors[1:] {
			rows = append(rows, fmt.Sprintf("%8s %8s %5s %5s    = %s", "", "", "", "", tensorText(t)))
		}
	}
	var shared []string
	for _, t := range g.Tensors {
		if t == nil {
			continue
		}
		if root := p.Root(t); root != t {
			if _, inArena := p.Offset(t); !inArena {
				shared = append(shared, fmt.Sprintf("  %%%d is stored in %s", t.ID, storageName(g, root)))
			}
		}
	}
	if len(shared) > 0 {
		rows = append(rows, "Tensors stored outside the arena, in the storage of another tensor:")
		rows = append(rows, shared...)
	}
	return rows
}

// storageName says where a root tensor outside the arena lives.
func storageName(g *ir.Graph, t *ir.Tensor) string {
	for i, x := range g.Inputs {
		if x == t {
			return fmt.Sprintf("input %d (%%%d)", i, t.ID)
		}
	}
	for i, x := range g.Outputs {
		if x == t {
			return fmt.Sprintf("output %d (%%%d)", i, t.ID)
		}
	}
	return fmt.Sprintf("constant %%%d", t.ID)
}

// viewStep is the comment-only step of a view that shares its input's
// storage.
func viewStep(i int, op *ir.Op) step {
	return step{Comment: []string{
		fmt.Sprintf("step %d: model op %d %v -> %s", i, op.SourceIndex, op.Kind, ctext.Quoted(op.Outputs[0].Name)),
		fmt.Sprintf("  input   %s", tensorText(op.Inputs[0])),
		fmt.Sprintf("  output  %s", tensorText(op.Outputs[0])),
		"  a view: the output shares the input's bytes, nothing to run",
	}}
}
