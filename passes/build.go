// build.go: the build-program pass, which lays out a Program from the final
// order, the selected calls and the plan.

package passes

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tinygen/tinygen/internal/ctext"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/program"
)

// buildProgram turns the final order, the selected calls and the plan into
// a Program: a step per op (a view that shares its input's bytes becomes a
// step with no code), every argument's location, a copy step for each
// graph output stored elsewhere, every constant named by the step that
// first uses it and its role there (the model's constant tensors and the
// kernels' out-of-line parameter arrays alike), and the kernel files.
//
// Before → after: State.Program is set; nothing else changes.
func buildProgram(s *State, cfg *Config) error {
	if cfg.Memory.IncludeIO {
		return fmt.Errorf("generated code keeps inputs and outputs in the caller's buffers; IncludeIO is for planning reports")
	}
	if err := checkConstantBytes(s.Graph); err != nil {
		return err
	}
	g, p := s.Graph, s.Plan
	prog := &program.Program{
		Name: cfg.Name, Source: cfg.Source, Graph: g,
		Target: program.Target{Name: cfg.Target.Name, Description: cfg.Target.Description, KernelSets: cfg.kernelSets()},
		Arena:  program.Arena{Size: p.Size, Align: p.Align, LowerBound: p.LowerBound, Planner: p.Planner},
	}
	b := &builder{prog: prog, s: s, loc: map[*ir.Tensor]program.Location{}, names: map[string]bool{}}

	for i, t := range g.Inputs {
		prog.Inputs = append(prog.Inputs, program.IO{Index: i, Tensor: t})
		if _, dup := b.loc[t]; !dup {
			b.loc[t] = program.Location{Kind: program.LocInput, Index: i, Bytes: t.NumBytes(), Tensor: t}
		}
	}
	type pendingCopy struct {
		index int
		src   *ir.Tensor
	}
	var copies []pendingCopy
	for i, t := range g.Outputs {
		prog.Outputs = append(prog.Outputs, program.IO{Index: i, Tensor: t})
		if _, placed := b.loc[t]; placed || t.IsConst() {
			if t.NumBytes() == 0 {
				// Nothing to copy (fold-empty made it an empty constant).
				continue
			}
			copies = append(copies, pendingCopy{i, t})
			continue
		}
		b.loc[t] = program.Location{Kind: program.LocOutput, Index: i, Bytes: t.NumBytes(), Tensor: t}
	}
	bufNames := map[string]bool{}
	for _, buf := range p.Buffers {
		row := program.Buffer{Offset: buf.Offset, Size: buf.Size, First: buf.First, Last: buf.Last,
			Tensors: buf.Tensors, ScratchOf: -1}
		if len(buf.Tensors) == 0 {
			row.ScratchOf = buf.Scratch
			row.Name = unique(bufNames, fmt.Sprintf("scratch_step%d", buf.Scratch))
		} else {
			t := buf.Tensors[0]
			row.Name = unique(bufNames, fmt.Sprintf("t%d_%s", t.ID, shortIdentifier(t.Name)))
		}
		prog.Arena.Buffers = append(prog.Arena.Buffers, row)
		for _, t := range buf.Tensors {
			b.loc[t] = program.Location{Kind: program.LocArena, Offset: buf.Offset, Bytes: t.NumBytes(), Tensor: t}
		}
	}

	for i, op := range g.Ops {
		prog.MACs += op.MACs()
		if p.IsView(op) && p.SameStorage(op.Inputs[0], op.Outputs[0]) {
			// The input's storage first (a constant gets its array
			// here when the view is its first use), then the output
			// shares it.
			if _, err := b.location(i, op.Inputs[0], "input"); err != nil {
				return fmt.Errorf("%v: %w", op, err)
			}
			prog.Steps = append(prog.Steps, program.Step{Index: i, Op: op, Kind: program.ViewStep})
			b.share(op.Outputs[0], op.Inputs[0])
			continue
		}
		st, err := b.kernelStep(i, op, s.Calls[op])
		if err != nil {
			return fmt.Errorf("%v: %w", op, err)
		}
		prog.Steps = append(prog.Steps, st)
	}
	for _, c := range copies {
		from, err := b.location(len(prog.Steps), c.src, "output")
		if err != nil {
			return fmt.Errorf("output %d: %w", c.index, err)
		}
		why := "an earlier output"
		switch {
		case from.Kind == program.LocInput:
			why = "a graph input"
		case from.Kind == program.LocConst:
			why = "a constant"
		}
		prog.Steps = append(prog.Steps, program.Step{Index: len(prog.Steps), Kind: program.CopyStep,
			Copy: &program.Copy{Output: c.index, From: from, Bytes: c.src.NumBytes(), Why: why}})
	}
	for _, t := range g.Tensors {
		if t == nil {
			continue
		}
		if root := p.Root(t); root != t {
			if _, inArena := p.Offset(t); !inArena {
				if l, ok := b.loc[root]; ok {
					prog.Arena.Shared = append(prog.Arena.Shared, program.SharedStorage{Tensor: t, Root: l})
				}
			}
		}
	}
	if err := b.files(cfg.Library); err != nil {
		return err
	}
	s.Program = prog
	return nil
}

// MaxConstantBytes bounds the constant data of a Program: its C text is
// about five times larger, and no microcontroller's flash holds more than
// a fraction of it.
const MaxConstantBytes = 64 << 20

// checkConstantBytes refuses graphs whose constant tensors together hold
// more than MaxConstantBytes.
func checkConstantBytes(g *ir.Graph) error {
	var n int64
	for _, t := range g.Tensors {
		if t != nil && t.IsConst() {
			n += int64(len(t.Data))
		}
	}
	if n > MaxConstantBytes {
		return fmt.Errorf("%d bytes of constants is more than the %d tinygen generates code for (no microcontroller's flash holds them)", n, MaxConstantBytes)
	}
	return nil
}

// builder carries the state of buildProgram.
type builder struct {
	prog  *program.Program
	s     *State
	loc   map[*ir.Tensor]program.Location
	names map[string]bool // constant symbols
}

// shortIdentifier is ctext.Identifier cut to 24 characters, for the names
// of arena offsets (which also carry the model prefix).
func shortIdentifier(s string) string {
	id := ctext.Identifier(s)
	if len(id) > 24 {
		id = strings.TrimRight(id[:24], "_")
	}
	return id
}

// unique returns base, or base_2, base_3, ... the first not in used.
func unique(used map[string]bool, base string) string {
	name := base
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	used[name] = true
	return name
}

// share gives t the location of the storage it shares with from.
func (b *builder) share(t, from *ir.Tensor) {
	if _, ok := b.loc[t]; ok {
		return
	}
	root := b.s.Plan.Root(t)
	if l, ok := b.loc[root]; ok {
		l.Tensor, l.Bytes = t, t.NumBytes()
		b.loc[t] = l
		return
	}
	if l, ok := b.loc[from]; ok {
		l.Tensor, l.Bytes = t, t.NumBytes()
		b.loc[t] = l
	}
}

// location returns where t is, creating the constant at its first use by
// step under the given role.
func (b *builder) location(step int, t *ir.Tensor, role string) (program.Location, error) {
	if t == nil {
		return program.Location{Kind: program.LocNone}, nil
	}
	if l, ok := b.loc[t]; ok {
		return l, nil
	}
	if t.IsConst() {
		c, err := tensorConstant(t)
		if err != nil {
			return program.Location{}, err
		}
		idx := b.addConst(step, role, c)
		l := program.Location{Kind: program.LocConst, Index: idx, Bytes: t.NumBytes(), Tensor: t}
		b.loc[t] = l
		return l, nil
	}
	root := b.s.Plan.Root(t)
	if l, ok := b.loc[root]; ok && root != t {
		l.Tensor, l.Bytes = t, t.NumBytes()
		b.loc[t] = l
		return l, nil
	}
	return program.Location{}, fmt.Errorf("tensor %v has no storage (read before it is written?)", t)
}

// addConst adds a constant first used by step in role and returns its
// index.
func (b *builder) addConst(step int, role string, c program.Constant) int {
	prefix := fmt.Sprintf("op%d", step)
	if step >= len(b.s.Graph.Ops) {
		prefix = "out"
	}
	c.Symbol = unique(b.names, prefix+"_"+ctext.Identifier(role))
	c.Role, c.Step, c.Align = role, step, b.prog.Arena.Align
	b.prog.Constants = append(b.prog.Constants, c)
	return len(b.prog.Constants) - 1
}

// kernelStep builds the step that calls op's kernel.
func (b *builder) kernelStep(i int, op *ir.Op, call kernels.Call) (program.Step, error) {
	st := program.Step{Index: i, Op: op, Kind: program.KernelStep, Kernel: call.Kernel.Symbol,
		KernelSet: call.Kernel.Set, ParamsType: call.Params.Type, MACs: op.MACs()}
	scratchOff, scratchSize, hasScratch := b.s.Plan.ScratchOffset(i)
	usedScratch := false
	// Arguments first: tensor constants take their roles' names before the
	// parameter arrays take theirs.
	for _, a := range call.Args {
		arg := program.Arg{Name: a.Name, Elem: a.Elem, Output: a.Output}
		switch {
		case a.Scratch:
			if !hasScratch {
				return st, fmt.Errorf("kernel %s takes scratch memory but the plan has none for step %d", call.Kernel.Symbol, i)
			}
			arg.Loc = program.Location{Kind: program.LocScratch, Offset: scratchOff, Bytes: scratchSize}
			usedScratch = true
		case a.List != nil:
			arg.List = make([]program.Location, len(a.List))
			for k, t := range a.List {
				l, err := b.location(i, t, fmt.Sprintf("%s%d", a.Name, k))
				if err != nil {
					return st, err
				}
				arg.List[k] = l
			}
		default:
			l, err := b.location(i, a.Tensor, a.Name)
			if err != nil {
				return st, err
			}
			if a.Output && (l.Kind == program.LocInput || l.Kind == program.LocConst) {
				return st, fmt.Errorf("output %v would be written into read-only storage (%v)", a.Tensor, l.Kind)
			}
			arg.Loc = l
		}
		st.Args = append(st.Args, arg)
	}
	if hasScratch && !usedScratch {
		return st, fmt.Errorf("the plan gives step %d scratch memory, but %s takes none", i, call.Kernel.Symbol)
	}
	st.Params = b.outOfLine(i, call.Params, "")
	return st, nil
}

// outOfLine returns v with every array that is not inline replaced by a
// reference to a new constant named after its field.
func (b *builder) outOfLine(step int, v program.Struct, path string) program.Struct {
	out := program.Struct{Type: v.Type, Fields: make([]program.Field, len(v.Fields))}
	for k, f := range v.Fields {
		name := f.Name
		if path != "" {
			name = path + "_" + f.Name
		}
		switch x := f.Value.(type) {
		case program.Struct:
			out.Fields[k] = program.Field{Name: f.Name, Value: b.outOfLine(step, x, name)}
		case program.Array:
			if x.Inline {
				out.Fields[k] = f
				continue
			}
			c := program.Constant{Elem: x.Elem, Ints: x.Ints, Floats: x.Floats}
			out.Fields[k] = program.Field{Name: f.Name, Value: program.ConstRef{Index: b.addConst(step, name, c)}}
		default:
			out.Fields[k] = f
		}
	}
	return out
}

// tensorConstant converts a constant tensor's bytes to elements.
func tensorConstant(t *ir.Tensor) (program.Constant, error) {
	n := t.Shape.Elements()
	if len(t.Data) != t.NumBytes() {
		return program.Constant{}, fmt.Errorf("constant %v holds %d bytes, its shape needs %d", t, len(t.Data), t.NumBytes())
	}
	c := program.Constant{Tensor: t}
	switch t.DType {
	case ir.Int8:
		c.Elem, c.Ints = "int8_t", make([]int64, n)
		for i, v := range t.Data {
			c.Ints[i] = int64(int8(v))
		}
	case ir.UInt8, ir.Bool:
		c.Elem, c.Ints = "uint8_t", make([]int64, n)
		for i, v := range t.Data {
			c.Ints[i] = int64(v)
		}
	case ir.Int16:
		c.Elem, c.Ints = "int16_t", make([]int64, n)
		for i := range c.Ints {
			c.Ints[i] = int64(int16(uint16(t.Data[2*i]) | uint16(t.Data[2*i+1])<<8))
		}
	case ir.Int32:
		c.Elem, c.Ints = "int32_t", make([]int64, n)
		for i, v := range t.Int32s() {
			c.Ints[i] = int64(v)
		}
	case ir.Int64:
		c.Elem, c.Ints = "int64_t", t.Int64s()
	case ir.Float32:
		c.Elem, c.Floats = "float", t.Float32s()
	default:
		return program.Constant{}, fmt.Errorf("constant %v of type %v has no C type", t, t.DType)
	}
	return c, nil
}

// files lists the common headers, the headers of the specialised sets in
// use and the kernel sources, and sets Libm.
func (b *builder) files(lib *kernels.Library) error {
	type key struct{ set, name string }
	need := map[key]bool{}
	for _, st := range b.prog.Steps {
		if st.Kind != program.KernelStep {
			continue
		}
		need[key{st.KernelSet, st.Kernel + ".c"}] = true
		if h, err := lib.Header(st.KernelSet); err != nil {
			return err
		} else if h != "" {
			need[key{st.KernelSet, h}] = true
		}
		if c, ok := b.s.Calls[st.Op]; ok && c.Kernel.Libm {
			b.prog.Libm = true
		}
	}
	for _, h := range kernels.Headers() {
		data, err := lib.File(kernels.Reference, h)
		if err != nil {
			return err
		}
		b.prog.Files = append(b.prog.Files, program.File{Name: h, Data: data, Origin: "the kernel library's"})
	}
	var keys []key
	for k := range need {
		keys = append(keys, k)
	}
	// Set headers before sources; each group by name.
	sort.Slice(keys, func(i, j int) bool {
		hi, hj := strings.HasSuffix(keys[i].name, ".h"), strings.HasSuffix(keys[j].name, ".h")
		if hi != hj {
			return hi
		}
		return keys[i].name < keys[j].name
	})
	for _, k := range keys {
		data, err := lib.File(k.set, k.name)
		if err != nil {
			return err
		}
		b.prog.Files = append(b.prog.Files, program.File{Name: k.name, Data: data, Origin: "the kernel library's"})
		if strings.HasSuffix(k.name, ".h") {
			b.prog.KernelHeaders = append(b.prog.KernelHeaders, k.name)
		}
	}
	return nil
}
