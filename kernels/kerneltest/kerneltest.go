// Package kerneltest is the kernel conformance suite, in the style of
// gonum's testblas: one suite, Run, that every kernel set of a
// kernels.Library must pass. It builds random graphs whose ops the set's
// kernels run (every op kind for the reference set; for a specialised set
// the ops of the reference kernels it specialises, drawn until the set's
// Specialise accepts them, with some that fall back to reference),
// compiles them through passes.Run preferring the set, emits C with
// codegen/c, builds it on the host with the warning flags under
// AddressSanitizer and UndefinedBehaviorSanitizer, runs random inputs and
// compares every output with the Go evaluator: byte for byte for integer
// outputs, within the golden float tolerance for float32 ones.
//
// It also holds TestSet, a test-only kernel set that specialises one
// reference kernel with its own parameters and scratch memory. The
// package imports testing: only tests may import it.
package kerneltest

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/internal/ctext"
	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/passes"
	"github.com/tinygen/tinygen/program"
	"github.com/tinygen/tinygen/targets"
)

// Options tune a conformance run; the zero value is the CI setting.
type Options struct {
	// Graphs is the number of random graphs per element type the set's
	// kernels take (0: 3 for the reference set, 2 for a specialised one).
	Graphs int
	// Ops is the number of ops per graph (0: 70 to 84 for the reference
	// set, whose graphs hold every op kind at least once whatever Ops
	// says; 40 for a specialised one).
	Ops int
	// Vectors is the number of random input vectors per graph (0: 4).
	Vectors int
	// Seed varies the random graphs (the same seed gives the same graphs).
	Seed uint64
	// Compilers are the host C compilers to build with (nil: gcc, which
	// is required, and clang when installed; under CI=true both).
	Compilers []string
}

// The slots of a specialised set's graphs: specialisedShare of them hold
// an op the set runs, fallbackShare an op of a kind the set specialises
// with whatever kernel the library selects (often the reference one), the
// rest any op kind.
const (
	specialisedShare = 0.6
	fallbackShare    = 0.2
)

// coverage counts, across the parallel graphs of a run, the ops checked
// per kind and type, the candidates the evaluator rejected or that were
// redrawn, and per kernel symbol the ops that selected it and the steps
// that called it.
type coverage struct {
	mu       sync.Mutex
	checked  map[string]int
	rejected map[string]int
	redrawn  map[string]int
	unwanted map[string]int
	reasons  map[string]string
	selected map[string]int
	ran      map[string]int
}

func kindKey(k ir.OpKind, f32 bool) string {
	if f32 {
		return k.String() + "/f32"
	}
	return k.String() + "/i8"
}

// target is one kernel of the set under test and what the graphs need to
// give it work: the op kinds of the reference kernel it replaces and the
// element types of the graphs that produce those ops.
type target struct {
	kernel   kernels.Kernel
	kinds    []ir.OpKind
	i8, f32  bool
	refTypes string
}

// targetsOf returns the kernels of set with the op kinds and graph types
// that reach them.
func targetsOf(lib *kernels.Library, set string) ([]target, error) {
	ks, err := lib.Kernels(set)
	if err != nil {
		return nil, err
	}
	refs, err := lib.Kernels(kernels.Reference)
	if err != nil {
		return nil, err
	}
	var out []target
	for _, k := range ks {
		ref := k
		if set != kernels.Reference {
			i := slices.IndexFunc(refs, func(r kernels.Kernel) bool { return r.Symbol == k.Specialises })
			if i < 0 {
				return nil, fmt.Errorf("kernel %s specialises unknown kernel %s", k.Symbol, k.Specialises)
			}
			ref = refs[i]
		}
		tg := target{kernel: k, kinds: ref.Ops, refTypes: ref.Types}
		// The builder's int8 graphs make the int8 and uint8 kernels'
		// ops (QUANTIZE/DEQUANTIZE included), its float32 graphs the
		// float32 ones; byte-generic kernels get both.
		switch {
		case strings.HasPrefix(ref.Types, "float32"):
			tg.f32 = true
		case strings.HasPrefix(ref.Types, "int8"):
			tg.i8 = true
		default:
			tg.i8, tg.f32 = true, true
		}
		out = append(out, tg)
	}
	return out, nil
}

// Run runs the conformance suite for kernel set set of lib: random graphs
// whose ops the set's kernels run, compiled with the set preferred, built
// under the sanitizers with every host compiler and compared with the
// evaluator. It fails when an output differs, when a build fails, or when
// a kernel of the set was never called by a generated program; it logs
// per op kind and per kernel how many ops were checked.
func Run(t *testing.T, lib *kernels.Library, set string, opts Options) {
	t.Helper()
	tgs, err := targetsOf(lib, set)
	if err != nil {
		t.Fatal(err)
	}
	ref := set == kernels.Reference
	if opts.Graphs == 0 {
		opts.Graphs = 2
		if ref {
			opts.Graphs = 3
		}
	}
	if opts.Vectors == 0 {
		opts.Vectors = 4
	}
	ccs := opts.Compilers
	if ccs == nil {
		ccs = Compilers(t)
	}
	var modes []bool // f32 or not, per graph type the targets need
	for _, f32 := range []bool{false, true} {
		if slices.ContainsFunc(tgs, func(tg target) bool { return (f32 && tg.f32) || (!f32 && tg.i8) }) {
			modes = append(modes, f32)
		}
	}
	cov := &coverage{checked: map[string]int{}, rejected: map[string]int{}, redrawn: map[string]int{},
		unwanted: map[string]int{}, reasons: map[string]string{}, selected: map[string]int{}, ran: map[string]int{}}
	prefer := []string{set}
	t.Run("graphs", func(t *testing.T) {
		for i := 0; i < opts.Graphs*len(modes); i++ {
			f32 := modes[i%len(modes)]
			name := fmt.Sprintf("%s_i8_%d", set, i)
			if f32 {
				name = fmt.Sprintf("%s_f32_%d", set, i)
			}
			seed := opts.Seed*1000 + uint64(i)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				b := newRandomBuilder(t, name, f32, seed, lib, prefer)
				if ref {
					fillReference(b, opts.Ops)
				} else {
					fillSpecialised(b, set, tgs, opts.Ops)
				}
				cov.addBuilder(b, f32)
				runGraph(t, ccs, lib, set, b, seed, opts.Vectors, cov)
			})
		}
	})
	cov.report(t, set, ref, modes, tgs)
}

// fillReference adds every op kind once, in random order, then random
// kinds up to n ops (0: 70 to 84).
func fillReference(b *randomBuilder, n int) {
	if n == 0 {
		n = 70 + b.r.IntN(15)
	}
	kinds := kindsFor(randomKinds, b.f32)
	b.r.Shuffle(len(kinds), func(a, c int) { kinds[a], kinds[c] = kinds[c], kinds[a] })
	extra := kindsFor(extraKinds, b.f32)
	for len(kinds) < n {
		kinds = append(kinds, extra[b.r.IntN(len(extra))])
	}
	for _, k := range kinds {
		b.add(k, nil)
	}
}

// fillSpecialised adds n ops (0: 40): most of them of the kinds the set's
// kernels specialise, drawn until the set runs them, the rest any kind
// with any kernel (so the set's kernels share programs with reference
// ones, and the kinds they specialise also fall back).
func fillSpecialised(b *randomBuilder, set string, tgs []target, n int) {
	if n == 0 {
		n = 40
	}
	var kinds []ir.OpKind
	var mine []target
	for _, tg := range tgs {
		if (b.f32 && tg.f32) || (!b.f32 && tg.i8) {
			kinds = append(kinds, tg.kinds...)
			mine = append(mine, tg)
		}
	}
	// Each specialised slot aims at one kernel of the set, so that a
	// kernel which accepts a narrow case (a 1x1 convolution, say) is
	// reached even when a sibling accepts every other op of its kind.
	// hopeless counts, per kernel, the slots in which it accepted no
	// candidate, so that a graph does not keep drawing for it.
	hopeless := map[string]int{}
	for i := 0; i < n; i++ {
		x := b.r.Float64()
		switch {
		case len(mine) > 0 && x < specialisedShare:
			tg := mine[b.r.IntN(len(mine))]
			k := tg.kinds[b.r.IntN(len(tg.kinds))]
			if hopeless[tg.kernel.Symbol] < 2 {
				sym := tg.kernel.Symbol
				if b.add(k, func(c kernels.Call) bool { return c.Kernel.Set == set && c.Kernel.Symbol == sym }) {
					continue
				}
				hopeless[sym]++
			}
			b.add(k, nil)
		case len(kinds) > 0 && x < specialisedShare+fallbackShare:
			b.add(kinds[b.r.IntN(len(kinds))], nil)
		default:
			extra := kindsFor(extraKinds, b.f32)
			b.add(extra[b.r.IntN(len(extra))], nil)
		}
	}
}

func (c *coverage) addBuilder(b *randomBuilder, f32 bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, n := range b.checked {
		c.checked[kindKey(k, f32)] += n
	}
	for k, n := range b.redrawn {
		c.redrawn[kindKey(k, f32)] += n
	}
	for k, n := range b.unwanted {
		c.unwanted[kindKey(k, f32)] += n
	}
	for k, n := range b.rejected {
		key := kindKey(k, f32)
		c.rejected[key] += n
		if c.reasons[key] == "" {
			c.reasons[key] = b.reasons[k]
		}
	}
}

// report logs the coverage and fails for every kind (reference set) or
// kernel never exercised.
func (c *coverage) report(t *testing.T, set string, ref bool, modes []bool, tgs []target) {
	t.Helper()
	var sb strings.Builder
	if ref {
		for _, f32 := range modes {
			for _, k := range kindsFor(randomKinds, f32) {
				key := kindKey(k, f32)
				if c.checked[key] == 0 {
					t.Errorf("%s: no op of this kind was checked (%d candidates rejected by eval, e.g. %s)", key, c.rejected[key], c.reasons[key])
				}
			}
		}
	}
	var keys []string
	for k := range c.checked {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	total := 0
	for _, key := range keys {
		total += c.checked[key]
		fmt.Fprintf(&sb, "\n  %-24s %3d checked", key, c.checked[key])
		if n := c.redrawn[key]; n > 0 {
			fmt.Fprintf(&sb, ", %d degenerate candidates redrawn", n)
		}
		if n := c.unwanted[key]; n > 0 {
			fmt.Fprintf(&sb, ", %d candidates redrawn for another kernel", n)
		}
		if n := c.rejected[key]; n > 0 {
			fmt.Fprintf(&sb, ", %d candidates rejected by eval (e.g. %s)", n, c.reasons[key])
		}
	}
	sb.WriteString("\n kernels of set " + set + ":")
	for _, tg := range tgs {
		s := tg.kernel.Symbol
		fmt.Fprintf(&sb, "\n  %-28s %3d ops selected it, %3d steps called it", s, c.selected[s], c.ran[s])
		if c.ran[s] == 0 {
			t.Errorf("kernel %s of set %s was never called by a generated program (%d ops selected it): the suite does not reach it", s, set, c.selected[s])
		}
	}
	if !ref {
		sb.WriteString("\n reference kernels in the same programs:")
		var syms []string
		for s := range c.ran {
			if !slices.ContainsFunc(tgs, func(tg target) bool { return tg.kernel.Symbol == s }) {
				syms = append(syms, s)
			}
		}
		sort.Strings(syms)
		for _, s := range syms {
			fmt.Fprintf(&sb, "\n  %-28s %3d steps", s, c.ran[s])
		}
	}
	t.Logf("set %s: %d ops checked:%s", set, total, sb.String())
}

// Compilers returns the host C compilers present: gcc, which is required
// (the test is skipped naming the Debian package, or fails under
// CI=true), and clang when installed (required under CI=true).
func Compilers(t testing.TB) []string {
	ccs := []string{sharedtest.RequireTool(t, "gcc", "gcc")}
	if p, err := exec.LookPath("clang"); err == nil {
		ccs = append(ccs, p)
	} else if os.Getenv("CI") == "true" {
		t.Fatal("clang not found: install the Debian package clang")
	}
	return ccs
}

// WriteSources writes the kernel library's files (file name -> kernel
// set) and a main.c holding mainC into dir, and returns the C files to
// compile, main.c first.
func WriteSources(t testing.TB, lib *kernels.Library, dir string, files map[string]string, mainC string) []string {
	t.Helper()
	srcs := []string{"main.c"}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := lib.File(files[name], name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if filepath.Ext(name) == ".c" {
			srcs = append(srcs, name)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "main.c"), []byte(mainC), 0o644); err != nil {
		t.Fatal(err)
	}
	return srcs
}

// Compile runs the passes on g for the host target with set preferred
// (the reference set behind it) and lib's kernels.
func Compile(g *ir.Graph, lib *kernels.Library, set string) (*passes.State, error) {
	host, err := targets.Get("host")
	if err != nil {
		return nil, err
	}
	return passes.Run(g, passes.Config{Target: host, Library: lib, KernelSets: []string{set}, Name: ctext.Identifier(g.Name),
		Source: program.Source{File: g.Name + ".tflite", Description: g.Description}, Controls: passes.Controls{Check: true}})
}

// BuildAndRun emits p's C with the host harness and the given arena mode
// into a temporary folder, builds it with cc under the warning flags and
// the sanitizers and runs the input vectors; it returns every vector's
// outputs.
func BuildAndRun(t *testing.T, cc string, p *program.Program, arena cgen.ArenaMode, vectors [][][]byte) ([][][]byte, error) {
	t.Helper()
	files, err := cgen.Generate(p, cgen.Options{HostMain: true, Arena: arena, Generator: "tinygen (kerneltest)"})
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return nil, err
		}
	}
	cfiles, err := hostcc.CFiles(dir)
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "model")
	ctx := context.Background()
	if err := hostcc.Link(ctx, cc, dir, bin, cfiles, append(append([]string{}, hostcc.WarningFlags...), hostcc.SanitizerFlags...)...); err != nil {
		return nil, err
	}
	var outSizes []int
	for _, o := range p.Outputs {
		outSizes = append(outSizes, o.Tensor.NumBytes())
	}
	return hostcc.RunVectors(ctx, bin, vectors, outSizes)
}

// RandomInputs returns n input sets for g: random bytes for integer
// inputs, uniform values in [-4, 4) for float32 ones.
func RandomInputs(g *ir.Graph, n int, seed uint64) [][][]byte {
	r := rand.New(rand.NewPCG(seed, 99))
	var sets [][][]byte
	for i := 0; i < n; i++ {
		var set [][]byte
		for _, t := range g.Inputs {
			b := make([]byte, t.NumBytes())
			if t.DType == ir.Float32 {
				for k := 0; k < len(b); k += 4 {
					binary.LittleEndian.PutUint32(b[k:], math.Float32bits(float32(r.Float64()*8-4)))
				}
			} else {
				for k := range b {
					b[k] = byte(r.UintN(256))
				}
			}
			set = append(set, b)
		}
		sets = append(sets, set)
	}
	return sets
}

// Expected runs the evaluator on every vector.
func Expected(t *testing.T, g *ir.Graph, vectors [][][]byte) [][][]byte {
	t.Helper()
	e, err := eval.New(g)
	if err != nil {
		t.Fatalf("eval rejects %s: %v", g.Name, err)
	}
	var want [][][]byte
	for _, v := range vectors {
		o, err := e.Run(v)
		if err != nil {
			t.Fatalf("eval %s: %v", g.Name, err)
		}
		want = append(want, o)
	}
	return want
}

// Compare compares one vector's outputs with the evaluator's: bytes for
// integer outputs, golden.FloatRelTol/FloatAbsTol for float32 ones. It
// returns a message per differing output index (empty: equal).
func Compare(g *ir.Graph, got, want [][]byte) map[int]string {
	bad := map[int]string{}
	for k, o := range g.Outputs {
		var msg string
		if o.DType == ir.Float32 {
			msg = golden.CompareFloat32(got[k], want[k], golden.FloatRelTol, golden.FloatAbsTol)
		} else {
			msg = golden.CompareBytes(got[k], want[k])
		}
		if msg != "" {
			bad[k] = msg
		}
	}
	return bad
}

// runGraph compiles one random graph with set preferred, counts the
// kernels selected and called, builds and runs it with every compiler and
// compares its outputs with the evaluator's.
func runGraph(t *testing.T, ccs []string, lib *kernels.Library, set string, b *randomBuilder, seed uint64, nvec int, cov *coverage) {
	g := b.g
	s, err := Compile(g, lib, set)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	p := s.Program
	// The kernel behind each graph output, for messages.
	kernelOf := map[*ir.Tensor]string{}
	cov.mu.Lock()
	for _, op := range g.Ops {
		c := s.Calls[op]
		cov.selected[c.Kernel.Symbol]++
		kernelOf[op.Outputs[0]] = c.Kernel.Symbol + " (" + c.Kernel.Set + ")"
	}
	for _, st := range p.Steps {
		if st.Kind == program.KernelStep {
			cov.ran[st.Kernel]++
		}
	}
	cov.mu.Unlock()
	vectors := RandomInputs(g, nvec, seed+100)
	want := Expected(t, g, vectors)
	for i, cc := range ccs {
		// Alternate the arena modes between compilers and graphs; if a
		// build fails, report it and check the outputs with the other
		// mode, so that one generator bug does not hide the others.
		arena := cgen.StaticArena
		if (i+int(seed))%2 == 1 {
			arena = cgen.CallerArena
		}
		got, err := BuildAndRun(t, cc, p, arena, vectors)
		if err != nil {
			t.Errorf("%s, %s arena: %v", filepath.Base(cc), arenaName(arena), err)
			arena = cgen.CallerArena + cgen.StaticArena - arena
			if got, err = BuildAndRun(t, cc, p, arena, vectors); err != nil {
				t.Errorf("%s, %s arena: %v", filepath.Base(cc), arenaName(arena), err)
				continue
			}
		}
		reported, first := map[int]bool{}, -1
		for v := range vectors {
			bad := Compare(g, got[v], want[v])
			for k := range g.Outputs {
				msg, ok := bad[k]
				if !ok || reported[k] {
					continue
				}
				reported[k] = true
				if first < 0 || k < first {
					first = k
				}
				t.Errorf("%s, %s arena: vector %d: output %d of %s on %s: %s", filepath.Base(cc), arenaName(arena), v, k,
					b.desc[k], kernelOf[g.Outputs[k]], msg)
			}
		}
		if first >= 0 {
			t.Errorf("%s: the earliest mismatching op is %s (later ones may only inherit its error)", filepath.Base(cc), b.desc[first])
		}
	}
}

func arenaName(a cgen.ArenaMode) string {
	if a == cgen.CallerArena {
		return "caller"
	}
	return "static"
}
