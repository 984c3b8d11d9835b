// Package c is tinygen's ahead-of-time C emitter. Generate turns a verified
// ir.Graph and its memory plan into dependency-free C99: the model API
// (<m>.h), the schedule (<m>.c: one kernel call per op with every parameter
// precomputed as static const data), the constants (<m>_weights.c), the
// common kernel headers and the source of every kernel the model uses.
//
// The package follows docs/architecture.md: a Go view-model (model, below)
// computes every string, and the embedded text/templates only loop and
// print. Output is a pure function of the graph, the plan and the Options:
// no timestamps, no map iteration order, so the same input gives the same
// bytes.
package c

import (
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"

	"github.com/tinygen/tinygen/internal/ctext"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/plan"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// ArenaMode says where the tensor arena lives.
type ArenaMode int

const (
	// StaticArena declares the arena as a static array in <m>.c.
	StaticArena ArenaMode = iota
	// CallerArena makes <m>_run take the arena as an argument.
	CallerArena
)

// Options control the emitted files. The zero value is not usable: Name is
// required.
type Options struct {
	// Name prefixes every external symbol and macro; it must be a C
	// identifier (see internal/ctext.Identifier).
	Name string
	// KernelSet is the kernel set to emit (kernels.Reference if empty).
	KernelSet string
	// Generator names the generator in the first line, e.g. "tinygen
	// v0.1.0 (3f2c1ab)".
	Generator string
	// Settings are the options that change the output, as canonical
	// key=value words (driver.CompileOptions.Settings), recorded in the
	// header comment. They must not hold paths or folder names: the same
	// model and settings give the same bytes on every machine.
	Settings string
	// ModelFile and ModelSHA256 identify the source model: its base name
	// (any folders are dropped from the header) and its file's hash.
	ModelFile, ModelSHA256 string
	// Arena selects a static or a caller-supplied arena.
	Arena ArenaMode
	// HostMain adds <m>_host_main.c, a host test harness that reads raw
	// inputs from stdin and writes raw outputs to stdout until EOF.
	HostMain bool
}

// File is one emitted file.
type File struct {
	Name string
	Data []byte
}

// Generate emits the C files for g laid out by p. g must have passed
// eval.New (TFLM's Prepare checks) and p must be a plan of g. Files are
// returned in a fixed order: <m>.h, <m>.c, <m>_weights.c, the headers, the
// kernel sources, then the host harness if asked for.
func Generate(g *ir.Graph, p *plan.Plan, opts Options) ([]File, error) {
	m, err := newModel(g, p, opts)
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New("c").Funcs(sprig.TxtFuncMap()).ParseFS(templateFS, "templates/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("codegen/c: templates: %w", err)
	}
	var files []File
	render := func(tmplName, fileName string) error {
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, tmplName, m); err != nil {
			return fmt.Errorf("codegen/c: %s: %w", fileName, err)
		}
		files = append(files, File{Name: fileName, Data: buf.Bytes()})
		return nil
	}
	if err := render("model.h.tmpl", m.Name+".h"); err != nil {
		return nil, err
	}
	if err := render("model.c.tmpl", m.Name+".c"); err != nil {
		return nil, err
	}
	if err := render("weights.c.tmpl", m.Name+"_weights.c"); err != nil {
		return nil, err
	}
	for _, name := range append(kernels.Headers(), m.KernelFiles...) {
		data, err := kernels.File(m.KernelSet, name)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Name: name, Data: data})
	}
	if opts.HostMain {
		if err := render("host_main.c.tmpl", m.Name+"_host_main.c"); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// model is the view-model of the templates.
type model struct {
	Name, Upper string
	KernelSet   string
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
	UsesArena   bool
	Planner     string
	LowerBound  int
	PlanRows    []string
	Consts      []constTensor
	Externs     []string
	Params      []string // static const declarations (arrays, then structs)
	Steps       []step
	KernelFiles []string
	Libm        bool
	NeedsCopy   bool // the schedule copies outputs with copy_bytes
	WeightsMath bool // the weights file needs <math.h>
	ParamsMath  bool // the parameters need <math.h>
	TotalMACs   int64
	ConstBytes  int
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
}

// constTensor is one constant array of <m>_weights.c.
type constTensor struct {
	Symbol  string
	CType   string
	Len     int
	Comment string
	Lines   []string
}

// step is one kernel call.
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

func newModel(g *ir.Graph, p *plan.Plan, opts Options) (*model, error) {
	if g == nil || p == nil {
		return nil, fmt.Errorf("codegen/c: nil graph or plan")
	}
	if opts.Name == "" || ctext.Identifier(opts.Name) != opts.Name {
		return nil, fmt.Errorf("codegen/c: model name %q is not a C identifier (use ctext.Identifier)", opts.Name)
	}
	set := opts.KernelSet
	if set == "" {
		set = kernels.Reference
	}
	m := &model{
		Name: opts.Name, Upper: strings.ToUpper(opts.Name), KernelSet: set,
		CallerArena: opts.Arena == CallerArena, ArenaSize: p.Size, ArenaAlign: max(p.Align, 1),
		ArenaDecl: max(p.Size, 1), UsesArena: len(p.Buffers) > 0, Planner: p.Planner, LowerBound: p.LowerBound,
	}
	m.Banner = banner(g, opts, set)
	m.Description = ctext.Comment(g.Description, 100)

	// Where every tensor lives, as a C expression per use.
	e := &exprs{loc: map[*ir.Tensor]string{}, ctype: map[*ir.Tensor]string{},
		arena: map[*ir.Tensor]bool{}, readOnly: map[*ir.Tensor]bool{}}
	members := uniquifier{}
	type pendingCopy struct {
		index int
		src   *ir.Tensor
		why   string
	}
	var copies []pendingCopy
	for i, t := range g.Inputs {
		io, err := newIO(t, i, members)
		if err != nil {
			return nil, fmt.Errorf("codegen/c: input %d: %w", i, err)
		}
		m.Inputs = append(m.Inputs, io)
		if _, dup := e.loc[t]; !dup {
			e.set(t, "in->"+io.Member, io.CType, true)
		}
	}
	for i, t := range g.Outputs {
		io, err := newIO(t, i, members)
		if err != nil {
			return nil, fmt.Errorf("codegen/c: output %d: %w", i, err)
		}
		m.Outputs = append(m.Outputs, io)
		if _, placed := e.loc[t]; placed || t.IsConst() {
			// An input, a constant or an output listed twice: copied
			// after the schedule from where the tensor lives.
			copies = append(copies, pendingCopy{i, t, "an input, a constant or an earlier output"})
			continue
		}
		e.set(t, "out->"+io.Member, io.CType, false)
	}
	for _, b := range p.Buffers {
		for _, t := range b.Tensors {
			ct, err := ctype(t.DType)
			if err != nil {
				return nil, err
			}
			e.set(t, fmt.Sprintf("(arena + %d)", b.Offset), ct, false)
			e.arena[t] = true
		}
	}
	if err := m.addConsts(g, e); err != nil {
		return nil, err
	}
	// Tensors stored in a graph input, output or constant (views and
	// in-place results) use their root's expression.
	for _, t := range g.Tensors {
		if t == nil {
			continue
		}
		root := p.Root(t)
		if _, placed := e.loc[t]; placed || root == t {
			continue
		}
		if loc, ok := e.loc[root]; ok {
			e.set(t, loc, e.ctype[root], e.readOnly[root])
		}
	}

	// The schedule.
	used := map[string]bool{}
	for i, op := range g.Ops {
		m.TotalMACs += op.MACs()
		if p.IsView(op) && p.SameStorage(op.Inputs[0], op.Outputs[0]) {
			m.Steps = append(m.Steps, viewStep(i, op))
			continue
		}
		call, err := kernels.Lower(op)
		if err != nil {
			return nil, fmt.Errorf("codegen/c: %w", err)
		}
		used[call.Kernel.Source()] = true
		m.Libm = m.Libm || call.Kernel.Libm
		if _, _, ok := p.ScratchOffset(i); ok {
			return nil, fmt.Errorf("codegen/c: %v: the plan gives step %d scratch memory, but %s takes none", op, i, call.Kernel.Symbol)
		}
		st, err := m.step(i, op, call, e)
		if err != nil {
			return nil, fmt.Errorf("codegen/c: %v: %w", op, err)
		}
		m.Steps = append(m.Steps, st)
	}
	for _, c := range copies {
		src, err := e.read(c.src, "void")
		if err != nil {
			return nil, fmt.Errorf("codegen/c: output %d: %w", c.index, err)
		}
		io := m.Outputs[c.index]
		m.NeedsCopy = true
		m.Steps = append(m.Steps, step{
			Comment: []string{fmt.Sprintf("output %d %s is %s: copy it", c.index, ctext.Quoted(c.src.Name), c.why)},
			Code:    []string{fmt.Sprintf("copy_bytes(out->%s, %s, %d);", io.Member, src, io.Bytes)},
		})
	}
	for f := range used {
		m.KernelFiles = append(m.KernelFiles, f)
	}
	sort.Strings(m.KernelFiles)
	m.PlanRows = planRows(g, p)
	return m, nil
}

// banner returns the header comment lines shared by every generated file.
func banner(g *ir.Graph, opts Options, set string) []string {
	gen := opts.Generator
	if gen == "" {
		gen = "tinygen"
	}
	lines := []string{fmt.Sprintf("/* Code generated by %s. DO NOT EDIT.", ctext.Comment(gen, 80))}
	if opts.Settings != "" {
		lines = append(lines, " * Options: "+ctext.Comment(opts.Settings, 200))
	}
	if opts.ModelFile != "" {
		lines = append(lines, " * Model:   "+ctext.Comment(baseName(opts.ModelFile), 120))
	}
	if opts.ModelSHA256 != "" {
		lines = append(lines, " * SHA-256: "+ctext.Comment(opts.ModelSHA256, 80))
	}
	if g.Name != "" {
		lines = append(lines, " * Graph:   "+ctext.Quoted(g.Name))
	}
	lines = append(lines, " * Target:  portable C99; kernel set: "+set)
	return lines
}

// baseName drops the folders of a file name written with either
// separator, so that no header records where a model lived.
func baseName(file string) string {
	return file[strings.LastIndexAny(file, `/\`)+1:]
}

func newIO(t *ir.Tensor, index int, members uniquifier) (ioTensor, error) {
	ct, err := ctype(t.DType)
	if err != nil {
		return ioTensor{}, err
	}
	n := t.Shape.Elements()
	if n == 0 {
		return ioTensor{}, fmt.Errorf("%v has no elements; the C API needs at least one", t)
	}
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = fmt.Sprint(d)
	}
	io := ioTensor{Index: index, Member: members.get(ctext.Identifier(t.Name)), CType: ct, Elems: n, Bytes: t.NumBytes(),
		Rank: len(t.Shape), Dims: "{" + strings.Join(dims, ", ") + "}", Comment: tensorText(t)}
	if len(t.Shape) == 0 {
		io.Dims = "{1}"
	}
	if q := t.Quant; q != nil && len(q.Scale) == 1 {
		lit, _ := floatLit(q.Scale[0])
		io.Scale = lit
		io.ZeroPoint = fmt.Sprintf("(%d)", q.ZeroPoint[0])
	}
	return io, nil
}

// exprs knows the C expression of every tensor.
type exprs struct {
	loc      map[*ir.Tensor]string
	ctype    map[*ir.Tensor]string
	arena    map[*ir.Tensor]bool // in the arena (passed with a cast)
	readOnly map[*ir.Tensor]bool // inputs and weights
}

func (e *exprs) set(t *ir.Tensor, expr, ct string, readOnly bool) {
	e.loc[t], e.ctype[t] = expr, ct
	e.readOnly[t] = readOnly
}

// read returns the expression that passes t to a kernel parameter of
// element type elem as a pointer to const.
func (e *exprs) read(t *ir.Tensor, elem string) (string, error) {
	if t == nil {
		return "NULL", nil
	}
	loc, ok := e.loc[t]
	if !ok {
		return "", fmt.Errorf("tensor %v has no storage (read before it is written?)", t)
	}
	if elem == "void" || (elem == e.ctype[t] && !e.arena[t]) {
		return loc, nil
	}
	return fmt.Sprintf("(const %s *)%s", elem, loc), nil
}

// write returns the expression that passes t as a kernel's output.
func (e *exprs) write(t *ir.Tensor, elem string) (string, error) {
	loc, ok := e.loc[t]
	if !ok {
		return "", fmt.Errorf("tensor %v has no storage", t)
	}
	if e.readOnly[t] {
		return "", fmt.Errorf("tensor %v is read-only", t)
	}
	if elem == "void" || (elem == e.ctype[t] && !e.arena[t]) {
		return loc, nil
	}
	return fmt.Sprintf("(%s *)%s", elem, loc), nil
}
