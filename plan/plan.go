// Package plan lays out the tensor arena of a scheduled graph at compile
// time (static memory planning).
//
// The ops of an ir.Graph run in slice order; op i is step i. Build turns
// the graph into an interval placement problem and solves it:
//
//  1. Storage classes. Tensors that can share bytes are grouped: the output
//     of a pure view (RESHAPE, SQUEEZE) is stored in its input's storage,
//     and the output of an elementwise kernel that allows it (Options.InPlace)
//     overwrites an input of the same size whose value dies at that op. A
//     class holds at most one graph input, graph output or constant; a
//     class with one lives there (the caller's buffer or flash), every other
//     class is an arena buffer.
//  2. Liveness. An arena buffer lives from the step that first writes any of
//     its tensors to the last step that reads any of them; a tensor nothing
//     reads lives for the step that writes it. Kernels' scratch memory
//     (Options.Scratch) is a buffer living for its op's step.
//  3. Placement. A planner (problem.go, planners.go) gives every buffer an
//     aligned offset such that buffers with intersecting lifetimes do not
//     overlap; "best" runs them all and keeps the smallest arena.
//
// Verify checks a plan against the graph independently of how it was made:
// it replays the schedule and requires every value to survive, untouched,
// from the step that writes it to the last step that reads it.
package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tinygen/tinygen/ir"
)

// DefaultAlign is the default alignment of every buffer offset, in bytes:
// enough for any element type and for 128-bit vector loads.
const DefaultAlign = 16

// Aliasing says which tensors may share storage.
type Aliasing int

const (
	// AliasAll shares storage for views and for in-place elementwise ops.
	AliasAll Aliasing = iota
	// AliasViews shares storage for views only.
	AliasViews
	// AliasNone gives every tensor its own storage.
	AliasNone
)

// String returns the name the command line uses: all, views, none.
func (a Aliasing) String() string {
	switch a {
	case AliasAll:
		return "all"
	case AliasViews:
		return "views"
	case AliasNone:
		return "none"
	}
	return fmt.Sprintf("Aliasing(%d)", int(a))
}

// ParseAliasing parses "all", "views" or "none".
func ParseAliasing(s string) (Aliasing, error) {
	for _, a := range []Aliasing{AliasAll, AliasViews, AliasNone} {
		if a.String() == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown aliasing %q (want all, views or none)", s)
}

// Options control Build. The zero value plans with the best planner, the
// default alignment, view aliasing, no in-place ops, no scratch buffers and
// graph inputs and outputs outside the arena.
type Options struct {
	// Align is the alignment of every offset and of the arena size
	// (DefaultAlign if 0).
	Align int
	// Planner is a planner name (PlannerNames) or Best (the default when
	// empty).
	Planner string
	// Aliasing says which tensors may share storage.
	Aliasing Aliasing
	// InPlace returns the indices of op's inputs whose storage the op's
	// output may take over (the kernel reads every element before it
	// writes the same element). Nil means no op works in place. The
	// planner only uses an input whose value dies at the op and whose
	// size equals the output's.
	InPlace func(op *ir.Op) []int
	// Scratch returns the bytes of scratch memory op's kernel needs (0 for
	// none); nil means no kernel needs any.
	Scratch func(op *ir.Op) int
	// Views are the op kinds whose output may share its input's storage
	// (nil: RESHAPE and SQUEEZE). Verify treats such an op whose output
	// does share its input's storage as writing nothing.
	Views []ir.OpKind
	// IncludeIO places the graph inputs and outputs in the arena too, as
	// TFLM does: an input lives from step 0, an output to the last step.
	// Constants never take arena space. Views of constants then get their
	// own buffer.
	IncludeIO bool
}

// Buffer is one block of arena memory.
type Buffer struct {
	// Tensors are the tensors stored in the buffer, in the order their
	// values are written (the first one creates it); empty for scratch.
	Tensors []*ir.Tensor
	// Scratch is the step whose kernel uses the buffer as scratch memory,
	// or -1.
	Scratch int
	// Size is the buffer's size in bytes.
	Size int
	// First and Last are the first step that writes the buffer and the
	// last step that reads it.
	First, Last int
	// Offset is the buffer's byte offset in the arena.
	Offset int
}

// Label names the buffer for tables: its tensors, or "scratch of step N".
func (b Buffer) Label() string {
	if len(b.Tensors) == 0 {
		return fmt.Sprintf("scratch of step %d", b.Scratch)
	}
	var parts []string
	for _, t := range b.Tensors {
		parts = append(parts, fmt.Sprintf("%%%d", t.ID))
	}
	return strings.Join(parts, " = ")
}

// Result is one planner's arena size for the same problem.
type Result struct {
	Planner string
	Size    int
}

// Plan is an arena layout for a graph in its current op order.
type Plan struct {
	// Planner names the algorithm whose layout this is.
	Planner string
	// Align is the alignment of every offset and of the arena size.
	Align int
	// Size is the arena size in bytes.
	Size int
	// LowerBound is the largest total of aligned buffer sizes live at one
	// step: no layout of these buffers is smaller.
	LowerBound int
	// Aliasing, Views and IncludeIO record the options the plan was
	// built with (Views with the default filled in).
	Aliasing  Aliasing
	Views     []ir.OpKind
	IncludeIO bool
	// Buffers are the arena buffers, ordered by First, then by the ID of
	// their first tensor (scratch buffers after tensors of the same step).
	Buffers []Buffer
	// Results holds every planner's arena size when the plan was made with
	// Best, in planner order; otherwise the one planner's.
	Results []Result

	// root maps a tensor stored in another tensor's storage to that tensor
	// (the class's external tensor or first-written tensor).
	root map[*ir.Tensor]*ir.Tensor
	// buffer maps every tensor in the arena to its buffer's index.
	buffer map[*ir.Tensor]int
	// scratch maps a step to its scratch buffer's index.
	scratch map[int]int
}

// Root returns the tensor whose storage t uses: t itself unless t shares
// another tensor's storage (a view, an in-place result, or a tensor stored
// in a graph input, output or constant).
func (p *Plan) Root(t *ir.Tensor) *ir.Tensor {
	if r, ok := p.root[t]; ok {
		return r
	}
	return t
}

// SameStorage reports whether a and b are stored in the same bytes.
func (p *Plan) SameStorage(a, b *ir.Tensor) bool { return p.Root(a) == p.Root(b) }

// Offset returns the arena offset of t's storage, and false if t is not
// stored in the arena.
func (p *Plan) Offset(t *ir.Tensor) (int, bool) {
	i, ok := p.buffer[t]
	if !ok {
		return 0, false
	}
	return p.Buffers[i].Offset, true
}

// ScratchOffset returns the arena offset and size of step's scratch
// buffer, and false if the step has none.
func (p *Plan) ScratchOffset(step int) (offset, size int, ok bool) {
	i, ok := p.scratch[step]
	if !ok {
		return 0, 0, false
	}
	return p.Buffers[i].Offset, p.Buffers[i].Size, true
}

// Problem is a graph's arena buffers before placement: the buffers (with
// zero offsets) and their interval requests, index for index.
type Problem struct {
	Buffers  []Buffer
	Requests []Request

	root map[*ir.Tensor]*ir.Tensor
}

// NewProblem computes the storage classes and lifetimes of g's arena
// buffers under opts (the planner and alignment options are ignored).
func NewProblem(g *ir.Graph, opts Options) (*Problem, error) {
	produced := map[*ir.Tensor]int{} // tensor -> step that writes it
	lastRead := map[*ir.Tensor]int{}
	isInput, isOutput := map[*ir.Tensor]bool{}, map[*ir.Tensor]bool{}
	for _, t := range g.Inputs {
		isInput[t] = true
	}
	for _, t := range g.Outputs {
		isOutput[t] = true
	}
	for i, op := range g.Ops {
		for _, t := range op.Inputs {
			if t == nil {
				continue
			}
			if _, ok := produced[t]; !ok && !t.IsConst() && !isInput[t] {
				return nil, fmt.Errorf("plan: %v reads %v before any op writes it", op, t)
			}
			lastRead[t] = i
		}
		for _, t := range op.Outputs {
			if t == nil {
				return nil, fmt.Errorf("plan: %v has a missing output", op)
			}
			if t.IsConst() || isInput[t] {
				return nil, fmt.Errorf("plan: %v writes %v, a constant or graph input", op, t)
			}
			if _, ok := produced[t]; ok {
				return nil, fmt.Errorf("plan: %v is written twice (again by %v)", t, op)
			}
			produced[t] = i
		}
	}
	for _, t := range g.Outputs {
		if _, ok := produced[t]; !ok && !t.IsConst() && !isInput[t] {
			return nil, fmt.Errorf("plan: graph output %v is never written", t)
		}
	}

	// Storage classes, with union-find over tensors (union by size, path
	// halving). Each class keeps its members and, so that the checks below
	// cost O(1) instead of O(class size), how many of them are special,
	// whether any is read-only or a graph output, and their last read.
	type class struct {
		members []*ir.Tensor
		special int
		pinned  bool // a member is read-only or a graph output
		last    int  // the latest lastRead of a member
	}
	parent := map[*ir.Tensor]*ir.Tensor{}
	find := func(t *ir.Tensor) *ir.Tensor {
		for {
			p, ok := parent[t]
			if !ok || p == t {
				return t
			}
			if gp, ok := parent[p]; ok && gp != p {
				parent[t] = gp
			}
			t = p
		}
	}
	// readOnly tensors cannot be overwritten; special ones are the
	// caller's buffers or flash, at most one per class.
	readOnly := func(t *ir.Tensor) bool { return t.IsConst() || isInput[t] }
	special := func(t *ir.Tensor) bool { return t.IsConst() || isInput[t] || isOutput[t] }
	members := map[*ir.Tensor]*class{} // class root -> class
	classOf := func(t *ir.Tensor) *class {
		if c, ok := members[find(t)]; ok {
			return c
		}
		c := &class{members: []*ir.Tensor{t}, pinned: readOnly(t) || isOutput[t], last: lastRead[t]}
		if special(t) {
			c.special = 1
		}
		return c
	}
	union := func(a, b *ir.Tensor) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		ca, cb := classOf(a), classOf(b)
		if len(ca.members) < len(cb.members) {
			ra, rb, ca, cb = rb, ra, cb, ca
		}
		delete(members, rb)
		parent[rb] = ra
		parent[ra] = ra
		ca.members = append(ca.members, cb.members...)
		ca.special += cb.special
		ca.pinned = ca.pinned || cb.pinned
		ca.last = max(ca.last, cb.last)
		members[ra] = ca
	}
	views := opts.Views
	if views == nil {
		views = defaultViews()
	}
	isView := func(k ir.OpKind) bool {
		for _, v := range views {
			if v == k {
				return true
			}
		}
		return false
	}
	if opts.Aliasing <= AliasViews {
		for _, op := range g.Ops {
			if !isView(op.Kind) || len(op.Inputs) == 0 || op.Inputs[0] == nil || len(op.Outputs) != 1 {
				continue
			}
			in, out := op.Inputs[0], op.Outputs[0]
			if in.NumBytes() != out.NumBytes() {
				continue
			}
			if in.IsConst() && opts.IncludeIO {
				continue // the view needs arena bytes; the constant has none
			}
			if classOf(in).special+classOf(out).special > 1 {
				continue // two caller buffers (or flash) cannot be one
			}
			union(in, out)
		}
	}
	if opts.Aliasing == AliasAll && opts.InPlace != nil {
		for i, op := range g.Ops {
			if len(op.Outputs) != 1 {
				continue
			}
			out := op.Outputs[0]
			for _, k := range opts.InPlace(op) {
				if k < 0 || k >= len(op.Inputs) || op.Inputs[k] == nil {
					continue
				}
				in := op.Inputs[k]
				cls := classOf(in)
				if in.NumBytes() != out.NumBytes() || find(in) == find(out) {
					continue
				}
				// Every value in the class must be dead after this step,
				// none may be read-only or needed by the caller.
				ok := !cls.pinned && cls.last <= i
				// Another operand stored in the same class but not the
				// same tensor would be read through a different shape.
				for j, o := range op.Inputs {
					if j != k && o != nil && o != in && find(o) == find(in) {
						ok = false
					}
				}
				if !ok || cls.special+classOf(out).special > 1 {
					continue
				}
				union(in, out)
				break
			}
		}
	}

	// One buffer per class that lives in the arena.
	nsteps := len(g.Ops)
	first := func(t *ir.Tensor) int {
		if s, ok := produced[t]; ok {
			return s
		}
		return 0 // a graph input (IncludeIO)
	}
	last := func(t *ir.Tensor) int {
		l := first(t)
		if r, ok := lastRead[t]; ok {
			l = max(l, r)
		}
		if isOutput[t] && opts.IncludeIO {
			l = max(l, nsteps-1)
		}
		return l
	}
	pb := &Problem{root: map[*ir.Tensor]*ir.Tensor{}}
	done := map[*ir.Tensor]bool{}
	var classes [][]*ir.Tensor
	for _, t := range g.Tensors {
		if t == nil || t.IsConst() || done[find(t)] {
			continue
		}
		_, written := produced[t]
		if !written && !isInput[t] {
			continue // unused tensor
		}
		done[find(t)] = true
		cls := append([]*ir.Tensor{}, classOf(t).members...)
		sort.SliceStable(cls, func(a, b int) bool {
			if fa, fb := first(cls[a]), first(cls[b]); fa != fb {
				return fa < fb
			}
			return cls[a].ID < cls[b].ID
		})
		classes = append(classes, cls)
	}
	for _, cls := range classes {
		root := cls[0]
		for _, t := range cls {
			if special(t) {
				root = t
			}
		}
		for _, t := range cls {
			if t != root {
				pb.root[t] = root
			}
		}
		inArena := true
		for _, t := range cls {
			if t.IsConst() || (!opts.IncludeIO && (isInput[t] || isOutput[t])) {
				inArena = false
			}
		}
		if !inArena {
			continue
		}
		b := Buffer{Tensors: cls, Scratch: -1, First: nsteps, Last: -1}
		for _, t := range cls {
			b.Size = max(b.Size, t.NumBytes())
			b.First = min(b.First, first(t))
			b.Last = max(b.Last, last(t))
		}
		pb.Buffers = append(pb.Buffers, b)
	}
	if opts.Scratch != nil {
		for i, op := range g.Ops {
			if n := opts.Scratch(op); n > 0 {
				pb.Buffers = append(pb.Buffers, Buffer{Scratch: i, Size: n, First: i, Last: i})
			} else if n < 0 {
				return nil, fmt.Errorf("plan: %v: negative scratch size %d", op, n)
			}
		}
	}
	sort.SliceStable(pb.Buffers, func(a, b int) bool {
		x, y := pb.Buffers[a], pb.Buffers[b]
		if x.First != y.First {
			return x.First < y.First
		}
		return bufferKey(x, len(g.Tensors)) < bufferKey(y, len(g.Tensors))
	})
	for _, b := range pb.Buffers {
		pb.Requests = append(pb.Requests, Request{Size: b.Size, First: b.First, Last: b.Last, Key: bufferKey(b, len(g.Tensors))})
	}
	return pb, nil
}

// defaultViews are the ops that only reinterpret their input's bytes.
func defaultViews() []ir.OpKind { return []ir.OpKind{ir.Reshape, ir.Squeeze} }

// IsView reports whether op is one of the plan's view kinds.
func (p *Plan) IsView(op *ir.Op) bool {
	for _, k := range p.Views {
		if op.Kind == k {
			return len(op.Inputs) > 0 && op.Inputs[0] != nil && len(op.Outputs) == 1
		}
	}
	return false
}

// bufferKey orders buffers as TFLM registers them: by tensor index, then
// scratch buffers by step.
func bufferKey(b Buffer, ntensors int) int {
	if len(b.Tensors) == 0 {
		return ntensors + b.Scratch
	}
	k := b.Tensors[0].ID
	for _, t := range b.Tensors {
		k = min(k, t.ID)
	}
	return k
}

// Build plans g's arena in its current op order.
func Build(g *ir.Graph, opts Options) (*Plan, error) {
	align := opts.Align
	if align == 0 {
		align = DefaultAlign
	}
	if align < 1 {
		return nil, fmt.Errorf("plan: alignment %d must be positive", align)
	}
	name := opts.Planner
	if name == "" {
		name = Best
	}
	pb, err := NewProblem(g, opts)
	if err != nil {
		return nil, err
	}
	views := opts.Views
	if views == nil {
		views = defaultViews()
	}
	p := &Plan{Align: align, Aliasing: opts.Aliasing, Views: views, IncludeIO: opts.IncludeIO,
		LowerBound: LowerBound(pb.Requests, align), root: pb.root}
	if name == Best {
		var bestOffsets []int
		for k, pl := range Planners() {
			offs := pl.Place(pb.Requests, align)
			size := Extent(pb.Requests, offs, align)
			p.Results = append(p.Results, Result{Planner: pl.Name, Size: size})
			if k == 0 || size < p.Size {
				bestOffsets, p.Size, p.Planner = offs, size, pl.Name
			}
		}
		p.setBuffers(pb, bestOffsets)
	} else {
		pl, err := Choose(name)
		if err != nil {
			return nil, err
		}
		offs := pl.Place(pb.Requests, align)
		p.Planner, p.Size = pl.Name, Extent(pb.Requests, offs, align)
		p.Results = []Result{{Planner: pl.Name, Size: p.Size}}
		p.setBuffers(pb, offs)
	}
	if err := CheckLayout(pb.Requests, offsetsOf(p.Buffers), align, p.Size); err != nil {
		return nil, fmt.Errorf("%s planner: %w", p.Planner, err)
	}
	if err := Verify(g, p, opts.InPlace); err != nil {
		return nil, fmt.Errorf("%s planner: %w", p.Planner, err)
	}
	return p, nil
}

func (p *Plan) setBuffers(pb *Problem, offsets []int) {
	p.Buffers = make([]Buffer, len(pb.Buffers))
	p.buffer = map[*ir.Tensor]int{}
	p.scratch = map[int]int{}
	for i, b := range pb.Buffers {
		b.Offset = offsets[i]
		p.Buffers[i] = b
		for _, t := range b.Tensors {
			p.buffer[t] = i
		}
		if b.Scratch >= 0 {
			p.scratch[b.Scratch] = i
		}
	}
}

func offsetsOf(bufs []Buffer) []int {
	out := make([]int, len(bufs))
	for i, b := range bufs {
		out[i] = b.Offset
	}
	return out
}
