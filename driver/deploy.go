// deploy.go: tinygen compile --project KIND: the model compiled for a
// board, checked against the board's flash and SRAM budget, and turned
// into a project (project.Deploy) written through internal/outdir.

package driver

import (
	"fmt"
	"math/rand/v2"
	"path"
	"path/filepath"
	"sort"
	"strings"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/internal/outdir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/program"
	"github.com/tinygen/tinygen/project"
	"github.com/tinygen/tinygen/targets"
)

// DeployOptions control a deploy project.
type DeployOptions struct {
	// Kind is the project kind (project.Kinds).
	Kind string
	// Runs is how many inferences the project times (0: 128).
	Runs int
	// IgnoreBudget generates the project even when the model does not
	// fit the board (--force).
	IgnoreBudget bool
}

// DeployResult is what Deploy produced.
type DeployResult struct {
	// Files are the project's files; names may hold one or two folder
	// levels ("src/x.c", "m/src/x.c").
	Files []project.File
	// Plan is the memory plan.
	Plan *MemoryPlan
	// Budget is the budget check (nil for targets without a budget).
	Budget *Budget
	// SampleFrom says where the sample came from ("golden vector 0 of
	// NAME" or "random input, output from the evaluator").
	SampleFrom string
}

// CheckDeployOptions validates the project kind, the target and --runs
// without a model (usage errors).
func CheckDeployOptions(opts CompileOptions, dopts DeployOptions) error {
	name := opts.Target
	if name == "" {
		name = "host"
	}
	t, err := targets.Get(name)
	if err != nil {
		return err
	}
	if opts.CallerArena {
		return fmt.Errorf("--caller-arena: a --project runs the model on its static arena")
	}
	d := project.Deploy{Kind: dopts.Kind, Target: t, Runs: dopts.Runs}
	return d.CheckKind()
}

// Deploy compiles a model for opts.Target, checks the budget (refusing a
// model that does not fit unless dopts.IgnoreBudget) and renders the
// deploy project.
func Deploy(m *Model, opts CompileOptions, dopts DeployOptions) (*DeployResult, error) {
	if opts.Target == "" {
		opts.Target = "host"
	}
	t, err := targets.Get(opts.Target)
	if err != nil {
		return nil, err
	}
	probe := project.Deploy{Kind: dopts.Kind, Target: t, Runs: dopts.Runs}
	if err := probe.CheckKind(); err != nil {
		return nil, err
	}
	s, err := RunPasses(m, opts)
	if err != nil {
		return nil, err
	}
	p := s.Program
	res := &DeployResult{Plan: memoryPlan(s)}
	flash := ConstantsInFlash(p, t)
	if t.Flash.Size > 0 || t.RAM.Size > 0 {
		b := CheckBudget(p, t, dopts.Kind)
		res.Budget = b
		if !b.Fits() && !dopts.IgnoreBudget {
			return nil, fmt.Errorf("%s: %w", m.Path, b)
		}
	}
	arena := cgen.StaticArena
	if opts.CallerArena {
		return nil, fmt.Errorf("--caller-arena: a --project runs the model on its static arena")
	}
	gen := opts.Generator
	if gen == "" {
		gen = "tinygen"
	}
	// Constants in AVR flash: the parameter structs too (the avr kernels
	// copy theirs out with memcpy_P; project.Deploy.FlashConstants
	// defines TG_AVR_PROGMEM_PARAMS).
	files, err := cgen.Generate(p, cgen.Options{Generator: gen, Settings: opts.Settings(p), Arena: arena, ParamsSection: flash})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	sample, from, err := sampleVector(m)
	if err != nil {
		return nil, err
	}
	res.SampleFrom = from
	d := project.Deploy{Kind: dopts.Kind, Target: t, Model: p.Name, ModelFiles: files, Runs: dopts.Runs, FlashConstants: flash,
		RTol: golden.FloatRelTol, ATol: golden.FloatAbsTol, Sample: sample, Generator: gen}
	for _, io := range p.Inputs {
		d.Inputs = append(d.Inputs, io.Tensor.NumBytes())
	}
	for _, io := range p.Outputs {
		d.Outputs = append(d.Outputs, io.Tensor.NumBytes())
		dt := io.Tensor.DType.LongName()
		if _, ok := project.MismatchTypes[dt]; !ok {
			dt = "uint8"
		}
		d.OutputTypes = append(d.OutputTypes, dt)
	}
	out, err := d.Files()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	res.Files = out
	return res, nil
}

// sampleVector is the project's embedded sample: the model's first golden
// vector when the shared folder has them, else a deterministic random
// input with the evaluator's output.
func sampleVector(m *Model) (project.Vector, string, error) {
	if c, ok := goldenFor(m); ok && len(c.Vectors) > 0 {
		v := c.Vectors[0]
		return project.Vector{Inputs: v.Inputs, Outputs: v.Outputs}, "golden vector 0 of " + c.Name, nil
	}
	r := rand.New(rand.NewPCG(1, uint64(len(m.Graph.Ops))))
	var ins [][]byte
	for _, t := range m.Graph.Inputs {
		ins = append(ins, randomTensor(r, t))
	}
	outs, err := Run(m, ins)
	if err != nil {
		return project.Vector{}, "", err
	}
	return project.Vector{Inputs: ins, Outputs: outs}, "random input, output from tinygen's evaluator", nil
}

// WriteDeploy writes a deploy project into dir: each folder of the set
// with internal/outdir (its own manifest, atomic writes, no symbolic
// links), parents first.
func WriteDeploy(dir string, files []project.File, opts WriteOptions) (*OutputReport, error) {
	byDir := map[string][]project.File{}
	for _, f := range files {
		sub, name := path.Split(f.Name)
		sub = strings.TrimSuffix(sub, "/")
		for _, part := range strings.Split(sub, "/") {
			if sub != "" && outdir.CheckName(part) != nil {
				return nil, fmt.Errorf("project folder %q: unsafe name", sub)
			}
		}
		byDir[sub] = append(byDir[sub], project.File{Name: name, Data: f.Data, Origin: f.Origin})
	}
	subs := make([]string, 0, len(byDir))
	for s := range byDir {
		subs = append(subs, s)
	}
	sort.Strings(subs) // "" first, parents before children
	total := &OutputReport{}
	for _, s := range subs {
		rep, err := WriteOutput(filepath.Join(dir, filepath.FromSlash(s)), byDir[s], opts)
		if err != nil {
			return nil, err
		}
		for _, n := range rep.Written {
			total.Written = append(total.Written, path.Join(s, n))
		}
		total.Bytes += rep.Bytes
		total.Edited = append(total.Edited, prefixAll(s, rep.Edited)...)
		total.Foreign = append(total.Foreign, prefixAll(s, rep.Foreign)...)
		total.Removed = append(total.Removed, prefixAll(s, rep.Removed)...)
		total.Kept = append(total.Kept, prefixAll(s, rep.Kept)...)
		total.Ignored = append(total.Ignored, rep.Ignored...)
	}
	return total, nil
}

func prefixAll(dir string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = path.Join(dir, n)
	}
	return out
}

// Contributor is one line of a budget: what takes the bytes.
type Contributor struct {
	Name  string
	Bytes uint64
}

// Budget compares what a model needs with what a board has.
type Budget struct {
	// Target names the board.
	Target string
	// Model is the generated model's name.
	Model string
	// FlashHave and RAMHave are the board's budget (the target data).
	FlashHave, RAMHave uint64
	// Flash and RAM list the contributors, biggest first.
	Flash, RAM []Contributor
	// Activations is the arena plus the input and output buffers: RAM no
	// kernel set or flash placement can save.
	Activations uint64
}

// FlashNeed and RAMNeed sum the contributors.
func (b *Budget) FlashNeed() uint64 { return sum(b.Flash) }

// RAMNeed sums the RAM contributors.
func (b *Budget) RAMNeed() uint64 { return sum(b.RAM) }

func sum(cs []Contributor) uint64 {
	var n uint64
	for _, c := range cs {
		n += c.Bytes
	}
	return n
}

// Fits reports whether both flash and RAM fit.
func (b *Budget) Fits() bool { return b.FlashNeed() <= b.FlashHave && b.RAMNeed() <= b.RAMHave }

// Error says what does not fit, with the numbers and the biggest
// contributors.
func (b *Budget) Error() string {
	var parts []string
	if n := b.RAMNeed(); n > b.RAMHave {
		parts = append(parts, fmt.Sprintf("needs %d bytes of RAM, %s has %d (%d too many); biggest: %s",
			n, b.Target, b.RAMHave, n-b.RAMHave, top(b.RAM, 4)))
		if b.Activations > b.RAMHave {
			parts = append(parts, fmt.Sprintf("the activations alone (arena, input and output) need %d bytes, more than all of its RAM",
				b.Activations))
		}
	}
	if n := b.FlashNeed(); n > b.FlashHave {
		parts = append(parts, fmt.Sprintf("needs %d bytes of flash, %s has %d (%d too many); biggest: %s",
			n, b.Target, b.FlashHave, n-b.FlashHave, top(b.Flash, 4)))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%s fits %s", b.Model, b.Target)
	}
	return fmt.Sprintf("%s does not fit %s: %s (estimates before building; --force generates the project anyway)",
		b.Model, b.Target, strings.Join(parts, "; "))
}

// Summary is one line for the compile report.
func (b *Budget) Summary() string {
	return fmt.Sprintf("budget %s: flash %d of %d bytes, RAM %d of %d bytes (estimate; biggest RAM: %s)",
		b.Target, b.FlashNeed(), b.FlashHave, b.RAMNeed(), b.RAMHave, top(b.RAM, 2))
}

func top(cs []Contributor, n int) string {
	var parts []string
	for i, c := range cs {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", c.Name, c.Bytes))
	}
	return strings.Join(parts, ", ")
}

// CheckBudget estimates what a compiled model needs on a board, before
// anything is built:
//
//   - flash: the constant arrays (weights and the kernels' parameter
//     arrays, Program.Constants), the parameter structs (4 bytes a
//     field), each distinct kernel's code (the target's
//     overhead.kernel_flash), the sample a project embeds, and the board
//     runtime (overhead.flash: Arduino core or startup code and libc);
//   - RAM: the arena, the input and output buffers, the stack reserve
//     (stack_size), the runtime (overhead.ram) and, on AVR, where const
//     data without PROGMEM is copied to RAM, the constants and
//     parameter structs again (unless both are in flash, PROGMEM).
//
// The link remains the exact check; this one comes first so that a model
// that cannot fit is refused with its biggest contributors.
func CheckBudget(p *program.Program, t *targets.Target, kind string) *Budget {
	b := &Budget{Target: t.Name, Model: p.Name, FlashHave: t.Flash.Size, RAMHave: t.RAM.Size}
	var consts, params, biggest uint64
	var biggestName string
	for i := range p.Constants {
		c := &p.Constants[i]
		n := uint64(c.Bytes())
		consts += n
		if n > biggest {
			biggest, biggestName = n, p.Name+"_"+c.Symbol
		}
	}
	kernelsUsed := map[string]bool{}
	for _, s := range p.Steps {
		if s.Kind == program.KernelStep {
			kernelsUsed[s.Kernel] = true
			params += 4 * uint64(len(s.Params.Fields))
		}
	}
	var in, out uint64
	for _, io := range p.Inputs {
		in += uint64(io.Tensor.NumBytes())
	}
	for _, io := range p.Outputs {
		out += uint64(io.Tensor.NumBytes())
	}
	var ov targets.Overhead
	if t.Overhead != nil {
		ov = *t.Overhead
	}
	constName := fmt.Sprintf("constants (%d arrays; biggest %s %d)", len(p.Constants), biggestName, biggest)
	b.Flash = []Contributor{
		{constName, consts},
		{"parameter structs", params},
		{fmt.Sprintf("kernel code (%d kernels, estimate)", len(kernelsUsed)), ov.KernelFlash * uint64(len(kernelsUsed))},
		{"runtime (board support, libc" + arduinoWord(t) + ")", ov.Flash},
	}
	if kind != "" {
		b.Flash = append(b.Flash, Contributor{"embedded sample", in + out})
	}
	b.Activations = uint64(p.Arena.Size) + in + out
	b.RAM = []Contributor{
		{"arena", uint64(p.Arena.Size)},
		{"input buffers", in},
		{"output buffers", out},
		{"stack reserve", t.StackSize},
		{"runtime" + arduinoWord(t), ov.RAM},
	}
	if t.Arch == targets.ArchAVR {
		if !ConstantsInFlash(p, t) {
			b.RAM = append(b.RAM, Contributor{"constants copied to RAM (AVR: a kernel outside the avr set reads them, so no PROGMEM)", consts + params})
		}
	}
	for _, cs := range [][]Contributor{b.Flash, b.RAM} {
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].Bytes > cs[j].Bytes })
	}
	return b
}

// ConstantsInFlash reports whether a Program for an AVR target can keep
// its constant arrays in flash (PROGMEM): every kernel step reads its
// constants through TG_READ_* (the avr kernel set) and no copy step reads
// a constant. Otherwise avr-gcc copies const data to RAM at start-up.
func ConstantsInFlash(p *program.Program, t *targets.Target) bool {
	if t.Arch != targets.ArchAVR {
		return false
	}
	for _, s := range p.Steps {
		switch s.Kind {
		case program.KernelStep:
			if !kernels.FlashReadable(s.KernelSet) {
				return false
			}
		case program.CopyStep:
			if s.Copy != nil && s.Copy.From.Kind == program.LocConst {
				return false
			}
		}
	}
	return true
}

func arduinoWord(t *targets.Target) string {
	if t.Arduino != nil {
		return ", Arduino core"
	}
	return ""
}
