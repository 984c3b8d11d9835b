// Package c is tinygen's ahead-of-time C emitter. Generate turns a Program
// (package program: the steps, their kernels and precomputed parameters,
// the argument locations, the arena plan and the constants, computed by
// the passes for one target) into dependency-free C99: the model API
// (<m>.h), the schedule (<m>.c: one kernel call per step, every parameter
// a static const), the constants (<m>_weights.c), and the kernel files the
// Program lists.
//
// The emitter reads the Program and nothing else: it runs no pass, no
// lowering and no planner (the import-policy test keeps it that way). A Go
// view-model (model, below) computes every string, and the embedded
// text/templates only loop and print. Output is a pure function of the
// Program and the Options: no timestamps, no map iteration order, so the
// same input gives the same bytes.
package c

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"

	"github.com/tinygen/tinygen/internal/ctext"
	"github.com/tinygen/tinygen/internal/genfile"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/program"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// ArenaMode says where the tensor arena lives.
type ArenaMode int

const (
	// StaticArena declares the arena as a static array in <m>.c and
	// provides <m>_run beside <m>_run_with_arena.
	StaticArena ArenaMode = iota
	// CallerArena declares no arena: the caller passes one to
	// <m>_run_with_arena, the only entry point.
	CallerArena
)

// Options control the emitted files.
type Options struct {
	// Generator names the generator in the first line, e.g. "tinygen
	// v0.1.0 (3f2c1ab)".
	Generator string
	// Settings are the options that change the output, recorded in the
	// header comment ("planner=best aliasing=all").
	Settings string
	// Arena selects a static or a caller-supplied arena.
	Arena ArenaMode
	// HostMain adds <m>_host_main.c, a host test harness that reads raw
	// inputs from stdin and writes raw outputs to stdout until EOF.
	HostMain bool
	// ParamsSection puts TG_PARAMS_SECTION before every kernel parameter
	// struct (tg_port.h: PROGMEM in an AVR deploy project whose every
	// kernel copies its struct out of flash, else nothing). Only for a
	// Program whose every kernel reads its parameters that way.
	ParamsSection bool
}

// File is one emitted file.
type File = genfile.File

// MaxLine is the longest line the emitter writes (comments are cut to it).
const MaxLine = 100

// Generate emits the C files of p. p must be a checked Program
// (program.Check). Files are returned in a fixed order: <m>.h, <m>.c,
// <m>_weights.c, the Program's files, then the host harness if asked for.
func Generate(p *program.Program, opts Options) ([]File, error) {
	if p == nil {
		return nil, fmt.Errorf("codegen/c: nil program")
	}
	if err := p.Check(); err != nil {
		return nil, fmt.Errorf("codegen/c: %w", err)
	}
	m, err := newModel(p, opts)
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New("c").ParseFS(templateFS, "templates/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("codegen/c: templates: %w", err)
	}
	var files []File
	render := func(tmplName, fileName, origin string) error {
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, tmplName, m); err != nil {
			return fmt.Errorf("codegen/c: %s: %w", fileName, err)
		}
		files = append(files, File{Name: fileName, Data: buf.Bytes(), Origin: origin})
		return nil
	}
	if err := render("model.h.tmpl", m.Name+".h", "the model's API header"); err != nil {
		return nil, err
	}
	if err := render("model.c.tmpl", m.Name+".c", "the model's schedule"); err != nil {
		return nil, err
	}
	if err := render("weights.c.tmpl", m.Name+"_weights.c", "the model's weights"); err != nil {
		return nil, err
	}
	files = append(files, p.Files...)
	if opts.HostMain {
		if err := render("host_main.c.tmpl", m.Name+"_host_main.c", "the model's host harness"); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// model is the view-model of the templates.
type model struct {
	Name, Upper string
	// Banner is the comment block every file starts with (without the
	// file's own description).
	Banner      []string
	Description string
	Inputs      []ioTensor
	Outputs     []ioTensor
	CallerArena bool
	ArenaSize   int
	ArenaAlign  int
	ArenaDecl   int // length of the static arena array (≥ 1)
	// ReadsInput is the position in Inputs of the first input with bytes,
	// whose end of file ends the host harness; -1 when no input has
	// bytes (the harness runs the model once).
	ReadsInput int
	UsesArena  bool
	// UsesIn and UsesOut: some step reads an input or writes an output
	// (not so when every one has zero elements).
	UsesIn, UsesOut bool
	Planner         string
	LowerBound      int
	PlanRows        []string
	Offsets         []string // enum members naming arena offsets
	Consts          []constArray
	Externs         []string
	Params          []string // static const parameter structs
	ParamsSection   string   // "TG_PARAMS_SECTION " (Options.ParamsSection) or ""
	Steps           []step
	KernelHeaders   []string // headers of specialised kernel sets
	NeedsCopy       bool     // the schedule copies outputs with copy_bytes
	WeightsMath     bool     // the weights file needs <math.h>
	ParamsMath      bool     // the parameters need <math.h>
	TotalMACs       int64
	ConstBytes      int
}

// ioTensor is one graph input or output in the API.
type ioTensor struct {
	Index              int
	Member             string
	CType              string
	Elems, Bytes, Rank int
	Dims               string
	Scale, ZeroPoint   string // empty for unquantised tensors
	Comment            string
	// Empty: the tensor has no elements. C has no zero-length arrays, so
	// its member is a one-element placeholder that no step reads or
	// writes (the header says so); _ELEMS and _BYTES are 0.
	Empty bool
}

// constArray is one constant array of <m>_weights.c.
type constArray struct {
	Symbol  string
	CType   string
	Len     int
	Align   int
	Comment string
	Lines   []string
}

// step is one step of the schedule.
type step struct {
	Comment []string
	Code    []string
}

// ctypes maps element types to C types.
var ctypes = map[ir.DType]string{
	ir.Int8: "int8_t", ir.UInt8: "uint8_t", ir.Int16: "int16_t", ir.Int32: "int32_t",
	ir.Int64: "int64_t", ir.Float32: "float", ir.Bool: "uint8_t",
}

func ctype(dt ir.DType) (string, error) {
	if s, ok := ctypes[dt]; ok {
		return s, nil
	}
	return "", fmt.Errorf("codegen/c: no C type for %v", dt)
}

// tensorText describes a tensor for a comment: %id "name" type [shape] and
// its quantisation.
func tensorText(t *ir.Tensor) string {
	s := fmt.Sprintf("%%%d %s %v %v", t.ID, ctext.Quoted(t.Name), t.DType, t.Shape)
	if q := t.Quant; q != nil && len(q.Scale) > 0 {
		if len(q.Scale) == 1 {
			s += fmt.Sprintf(" scale %g zp %d", q.Scale[0], q.ZeroPoint[0])
		} else {
			s += fmt.Sprintf(" per-channel (%d scales, axis %d)", len(q.Scale), q.Axis)
		}
	}
	return s
}

// fit cuts a comment line to MaxLine columns after an indent of width
// columns ("..." marks the cut). The text is already comment-safe, and a
// cut followed by "..." keeps it so.
func fit(line string, width int) string {
	room := MaxLine - width
	if room < 8 || len(line) <= room {
		return line
	}
	return strings.TrimRight(line[:room-3], " ") + "..."
}

func newModel(p *program.Program, opts Options) (*model, error) {
	if p.Name == "" || ctext.Identifier(p.Name) != p.Name {
		return nil, fmt.Errorf("codegen/c: model name %q is not a C identifier (use Identifier)", p.Name)
	}
	m := &model{
		Name: p.Name, Upper: strings.ToUpper(p.Name),
		CallerArena: opts.Arena == CallerArena, ArenaSize: p.Arena.Size, ArenaAlign: max(p.Arena.Align, 1),
		ArenaDecl: max(p.Arena.Size, 1), UsesArena: len(p.Arena.Buffers) > 0,
		Planner: p.Arena.Planner, LowerBound: p.Arena.LowerBound, TotalMACs: p.MACs,
	}
	m.Banner = banner(p, opts)
	if opts.ParamsSection {
		m.ParamsSection = "TG_PARAMS_SECTION "
	}
	m.Description = ctext.Comment(p.Source.Description, 60)
	e := &exprs{m: m, p: p, bufName: map[*ir.Tensor]string{}, scratchName: map[int]string{}}
	members := uniquifier{}
	for _, io := range p.Inputs {
		x, err := newIO(io, members)
		if err != nil {
			return nil, fmt.Errorf("codegen/c: input %d: %w", io.Index, err)
		}
		m.Inputs = append(m.Inputs, x)
	}
	m.ReadsInput = -1
	for i, x := range m.Inputs {
		if x.Bytes > 0 {
			m.ReadsInput = i
			break
		}
	}
	for _, io := range p.Outputs {
		x, err := newIO(io, members)
		if err != nil {
			return nil, fmt.Errorf("codegen/c: output %d: %w", io.Index, err)
		}
		m.Outputs = append(m.Outputs, x)
	}
	for _, b := range p.Arena.Buffers {
		name := m.Upper + "_OFF_" + strings.ToUpper(b.Name)
		m.Offsets = append(m.Offsets, fmt.Sprintf("%s = %d", name, b.Offset))
		for _, t := range b.Tensors {
			e.bufName[t] = name
		}
		if b.ScratchOf >= 0 {
			e.scratchName[b.ScratchOf] = name
		}
	}
	if err := m.addConsts(p); err != nil {
		return nil, err
	}
	m.KernelHeaders = p.KernelHeaders
	for _, st := range p.Steps {
		var s step
		var err error
		switch st.Kind {
		case program.ViewStep:
			s = viewStep(st)
		case program.CopyStep:
			s, err = e.copyStep(st)
		default:
			s, err = m.step(st, e)
		}
		if err != nil {
			return nil, fmt.Errorf("codegen/c: step %d: %w", st.Index, err)
		}
		m.Steps = append(m.Steps, s)
	}
	m.PlanRows = planRows(p)
	return m, nil
}

// banner returns the header comment lines shared by every generated file.
func banner(p *program.Program, opts Options) []string {
	gen := opts.Generator
	if gen == "" {
		gen = "tinygen"
	}
	lines := []string{fmt.Sprintf("/* Code generated by %s. DO NOT EDIT.", ctext.Comment(gen, 60))}
	if p.Source.File != "" {
		lines = append(lines, " * Model:   "+ctext.Comment(p.Source.File, 80))
	}
	if p.Source.SHA256 != "" {
		lines = append(lines, " * SHA-256: "+ctext.Comment(p.Source.SHA256, 80))
	}
	if p.Graph.Name != "" {
		lines = append(lines, " * Graph:   "+ctext.Quoted(p.Graph.Name))
	}
	if opts.Settings != "" {
		// Every option, wrapped: they say how to reproduce the files.
		prefix := " * Options: "
		line := prefix
		for _, w := range strings.Fields(ctext.Comment(opts.Settings, 0)) {
			if len(line) > len(prefix) && len(line)+1+len(w) > MaxLine {
				lines = append(lines, line)
				line = " *          "
			}
			if len(line) > len(prefix) {
				line += " "
			}
			line += w
		}
		lines = append(lines, line)
	}
	target := p.Target.Name
	if target == "" {
		target = "unnamed"
	}
	lines = append(lines, " * Target:  "+ctext.Comment(target, 40)+"; kernel sets: "+ctext.Comment(strings.Join(p.Target.KernelSets, ", "), 40))
	return lines
}

func newIO(io program.IO, members uniquifier) (ioTensor, error) {
	t := io.Tensor
	ct, err := ctype(t.DType)
	if err != nil {
		return ioTensor{}, err
	}
	n := t.Shape.Elements()
	if n < 0 {
		return ioTensor{}, fmt.Errorf("%v has no elements; the C API needs at least one", t)
	}
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = fmt.Sprint(d)
	}
	x := ioTensor{Index: io.Index, Member: members.get(ctext.Identifier(t.Name)), CType: ct, Elems: n, Bytes: t.NumBytes(),
		Rank: len(t.Shape), Dims: "{" + strings.Join(dims, ", ") + "}", Comment: fit(tensorText(t), 20), Empty: n == 0}
	if len(t.Shape) == 0 {
		x.Dims = "{1}"
	}
	if q := t.Quant; q != nil && len(q.Scale) == 1 {
		lit, _ := floatLit(q.Scale[0])
		x.Scale = lit
		x.ZeroPoint = fmt.Sprintf("(%d)", q.ZeroPoint[0])
	}
	return x, nil
}

// addConsts declares every constant of the Program in <m>_weights.c.
func (m *model) addConsts(p *program.Program) error {
	for _, c := range p.Constants {
		elems, usesMath := m.constElems(&c)
		m.WeightsMath = m.WeightsMath || usesMath
		perLine := 16
		switch program.ElemSize(c.Elem) {
		case 8:
			perLine = 6
		case 4:
			perLine = 8
			if c.Elem == "float" {
				perLine = 6
			}
		}
		n := max(len(elems), 1)
		if len(elems) == 0 {
			elems = []string{"0"}
		}
		comment := fmt.Sprintf("step %d %s: ", c.Step, c.Role)
		if c.Tensor != nil {
			comment += tensorText(c.Tensor)
		} else {
			comment += fmt.Sprintf("kernel parameter, %d x %s", c.Len(), c.Elem)
		}
		sym := m.Name + "_" + c.Symbol
		m.Consts = append(m.Consts, constArray{Symbol: sym, CType: c.Elem, Len: n, Align: max(c.Align, 1),
			Comment: fit(comment, 6), Lines: wrap(elems, perLine, "  ")})
		m.Externs = append(m.Externs, fmt.Sprintf("extern const %s %s[%d];", c.Elem, sym, n))
		m.ConstBytes += c.Bytes()
	}
	return nil
}

// constElems formats a constant's elements.
func (m *model) constElems(c *program.Constant) ([]string, bool) {
	if c.Elem == "float" {
		out := make([]string, len(c.Floats))
		usesMath := false
		for i, v := range c.Floats {
			lit, um := floatLit(v)
			usesMath = usesMath || um
			out[i] = lit
		}
		return out, usesMath
	}
	bits := 32
	if program.ElemSize(c.Elem) == 8 {
		bits = 64
	}
	out := make([]string, len(c.Ints))
	for i, v := range c.Ints {
		out[i] = intLit(v, bits)
	}
	return out, false
}

// exprs prints the C expression of every argument location.
type exprs struct {
	m           *model
	p           *program.Program
	bufName     map[*ir.Tensor]string // arena offset names
	scratchName map[int]string
}

// loc returns the expression of a location, its C element type and
// whether it is an untyped arena address.
func (e *exprs) loc(l program.Location, step int) (expr, ct string, arena bool, err error) {
	switch l.Kind {
	case program.LocNone:
		return "NULL", "void", false, nil
	case program.LocInput:
		x := e.m.Inputs[l.Index]
		e.m.UsesIn = true
		return "in->" + x.Member, x.CType, false, nil
	case program.LocOutput:
		x := e.m.Outputs[l.Index]
		e.m.UsesOut = true
		return "out->" + x.Member, x.CType, false, nil
	case program.LocConst:
		c := e.p.Constants[l.Index]
		return e.m.Name + "_" + c.Symbol, c.Elem, false, nil
	case program.LocArena:
		name, ok := e.bufName[l.Tensor]
		if !ok {
			name = fmt.Sprint(l.Offset)
		}
		return "(arena + " + name + ")", "uint8_t", true, nil
	case program.LocScratch:
		name, ok := e.scratchName[step]
		if !ok {
			name = fmt.Sprint(l.Offset)
		}
		return "(arena + " + name + ")", "uint8_t", true, nil
	}
	return "", "", false, fmt.Errorf("location kind %v", l.Kind)
}

// read returns the expression that passes l to a kernel parameter of
// element type elem as a pointer to const.
func (e *exprs) read(l program.Location, elem string, step int) (string, error) {
	x, ct, arena, err := e.loc(l, step)
	if err != nil || l.Kind == program.LocNone {
		return x, err
	}
	if elem == "void" || (elem == ct && !arena) {
		return x, nil
	}
	return fmt.Sprintf("(const %s *)%s", elem, x), nil
}

// write returns the expression that passes l as a kernel's output.
func (e *exprs) write(l program.Location, elem string, step int) (string, error) {
	x, ct, arena, err := e.loc(l, step)
	if err != nil {
		return "", err
	}
	switch l.Kind {
	case program.LocInput, program.LocConst, program.LocNone:
		return "", fmt.Errorf("cannot write to %v storage", l.Kind)
	}
	if elem == "void" || (elem == ct && !arena) {
		return x, nil
	}
	return fmt.Sprintf("(%s *)%s", elem, x), nil
}

// copyStep copies a graph output from where it lives.
func (e *exprs) copyStep(st program.Step) (step, error) {
	c := st.Copy
	src, err := e.read(c.From, "void", st.Index)
	if err != nil {
		return step{}, err
	}
	e.m.NeedsCopy = true
	e.m.UsesOut = true
	io := e.m.Outputs[c.Output]
	return step{
		Comment: []string{fmt.Sprintf("step %d: output %d %s is %s: copy it", st.Index, c.Output,
			ctext.Quoted(e.p.Outputs[c.Output].Tensor.Name), c.Why)},
		Code: []string{fmt.Sprintf("copy_bytes(out->%s, %s, %d);", io.Member, src, c.Bytes)},
	}, nil
}
