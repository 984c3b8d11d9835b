package plan

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
)

// maxScheduleStates bounds the exact search of MemoryOrder; beyond it the
// greedy order is used.
const maxScheduleStates = 200000

// Schedule is the result of MemoryOrder.
type Schedule struct {
	// Ops is the chosen op order: a topological order of the graph.
	Ops []*ir.Op
	// Peak is the modelled peak of live arena bytes of Ops; OriginalPeak
	// the same for the graph's own order.
	Peak, OriginalPeak int
	// Exact is set when Ops is optimal for the model (the search visited
	// every reachable set of executed ops); otherwise Ops comes from the
	// greedy rule.
	Exact bool
	// States is the number of search states visited.
	States int
}

// MemoryOrder searches for a topological order of g's ops that lowers the
// peak of simultaneously live arena bytes, the quantity LowerBound
// measures. It does not change g.
//
// The search is exact over a model of the arena: the storage classes of
// views are merged as NewProblem merges them, a class occupies its aligned
// size from the step that first writes it until every op reading any of
// its tensors has run (graph outputs to the end when opts.IncludeIO), and
// an op's output takes over the bytes of an input class that dies at that
// op when opts.InPlace allows it. For a set S of executed ops the live
// bytes depend only on S, so the smallest achievable peak is a bottleneck
// shortest path over the lattice of such sets, which a breadth-first
// dynamic programme over |S| = 0, 1, …, n computes exactly. A chain has
// n+1 states and a residual network a few per step; when more than
// maxScheduleStates sets are reachable, the order instead comes from the
// greedy rule "run the ready op whose step peak is lowest, earliest model
// op first on ties". Ties always favour the graph's own order, so an order
// that cannot be improved comes back unchanged.
//
// The model ignores in-place unions made on top of earlier in-place
// unions, so callers compare the real plans of both orders (Build) before
// adopting the new one.
func MemoryOrder(g *ir.Graph, opts Options) (*Schedule, error) {
	m, err := newScheduleModel(g, opts)
	if err != nil {
		return nil, err
	}
	orig := make([]int, len(g.Ops))
	for i := range orig {
		orig[i] = i
	}
	origPeak, err := m.peakOf(orig)
	if err != nil {
		return nil, err
	}
	order, peak, exact, states := m.search()
	s := &Schedule{Peak: peak, OriginalPeak: origPeak, Exact: exact, States: states}
	if peak >= origPeak {
		order, s.Peak = orig, origPeak
	}
	for _, i := range order {
		s.Ops = append(s.Ops, g.Ops[i])
	}
	return s, nil
}

// scheduleModel is the arena model of MemoryOrder, with ops and classes
// numbered.
type scheduleModel struct {
	n       int
	deps    [][]int // deps[o]: ops that must run before o
	classes []schedClass
	touch   [][]int // touch[o]: classes o reads or writes
	outs    [][]int // outs[o]: classes o writes
	inPlace [][]int // inPlace[o]: classes whose bytes o's output may take
	scratch []int
}

type schedClass struct {
	size      int
	writers   []int
	readers   []int
	immortal  bool // a graph output in the arena: never dies
	preloaded bool // a graph input in the arena: live from the start
}

func newScheduleModel(g *ir.Graph, opts Options) (*scheduleModel, error) {
	align := opts.Align
	if align == 0 {
		align = DefaultAlign
	}
	viewOpts := opts
	viewOpts.InPlace = nil
	if viewOpts.Aliasing == AliasAll {
		viewOpts.Aliasing = AliasViews
	}
	pb, err := NewProblem(g, viewOpts)
	if err != nil {
		return nil, err
	}
	m := &scheduleModel{n: len(g.Ops), deps: make([][]int, len(g.Ops)), touch: make([][]int, len(g.Ops)),
		outs: make([][]int, len(g.Ops)), inPlace: make([][]int, len(g.Ops)), scratch: make([]int, len(g.Ops))}
	opIndex := map[*ir.Op]int{}
	for i, op := range g.Ops {
		opIndex[op] = i
	}
	prod := g.Producers()
	classOf := map[*ir.Tensor]int{}
	isOutput := map[*ir.Tensor]bool{}
	for _, t := range g.Outputs {
		isOutput[t] = true
	}
	for _, b := range pb.Buffers {
		if len(b.Tensors) == 0 {
			continue
		}
		c := schedClass{size: AlignUp(b.Size, align)}
		for _, t := range b.Tensors {
			classOf[t] = len(m.classes)
			if isOutput[t] && opts.IncludeIO {
				c.immortal = true
			}
			if _, ok := prod[t]; !ok {
				c.preloaded = true
			}
		}
		m.classes = append(m.classes, c)
	}
	for i, op := range g.Ops {
		seenDep := map[int]bool{}
		seenClass := map[int]bool{}
		for _, t := range op.Inputs {
			if t == nil {
				continue
			}
			if p, ok := prod[t]; ok && !seenDep[opIndex[p]] {
				seenDep[opIndex[p]] = true
				m.deps[i] = append(m.deps[i], opIndex[p])
			}
			if c, ok := classOf[t]; ok {
				m.classes[c].readers = appendUnique(m.classes[c].readers, i)
				if !seenClass[c] {
					seenClass[c] = true
					m.touch[i] = append(m.touch[i], c)
				}
			}
		}
		for _, t := range op.Outputs {
			if c, ok := classOf[t]; ok {
				m.classes[c].writers = appendUnique(m.classes[c].writers, i)
				m.outs[i] = appendUnique(m.outs[i], c)
				if !seenClass[c] {
					seenClass[c] = true
					m.touch[i] = append(m.touch[i], c)
				}
			}
		}
		if opts.Aliasing == AliasAll && opts.InPlace != nil && len(op.Outputs) == 1 {
			for _, k := range opts.InPlace(op) {
				if k < 0 || k >= len(op.Inputs) || op.Inputs[k] == nil {
					continue
				}
				in, out := op.Inputs[k], op.Outputs[0]
				ci, okIn := classOf[in]
				_, okOut := classOf[out]
				if okIn && okOut && in.NumBytes() == out.NumBytes() && !m.classes[ci].immortal && !m.classes[ci].preloaded {
					m.inPlace[i] = append(m.inPlace[i], ci)
				}
			}
		}
		if opts.Scratch != nil {
			if s := opts.Scratch(op); s > 0 {
				m.scratch[i] = AlignUp(s, align)
			}
		}
	}
	return m, nil
}

func appendUnique(s []int, v int) []int {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// bitset is a set of op indices.
type bitset []uint64

func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) with(i int) bitset {
	c := append(bitset(nil), b...)
	c[i/64] |= 1 << (i % 64)
	return c
}
func (b bitset) key() string {
	buf := make([]byte, 8*len(b))
	for i, w := range b {
		for j := 0; j < 8; j++ {
			buf[8*i+j] = byte(w >> (8 * j))
		}
	}
	return string(buf)
}

func (m *scheduleModel) allIn(ops []int, done bitset) bool {
	for _, o := range ops {
		if !done.has(o) {
			return false
		}
	}
	return true
}

// ready reports whether every op o depends on has run.
func (m *scheduleModel) ready(o int, done bitset) bool {
	return !done.has(o) && m.allIn(m.deps[o], done)
}

// started reports whether a class holds bytes once the ops in done ran.
func (m *scheduleModel) started(c int, done bitset) bool {
	if m.classes[c].preloaded {
		return true
	}
	for _, w := range m.classes[c].writers {
		if done.has(w) {
			return true
		}
	}
	return false
}

// dead reports whether a class's bytes are free once the ops in done ran.
func (m *scheduleModel) dead(c int, done bitset) bool {
	cl := m.classes[c]
	return !cl.immortal && m.allIn(cl.writers, done) && m.allIn(cl.readers, done)
}

// step runs op o after the ops in done, with live bytes in use: it
// returns the step's peak and the live bytes afterwards.
func (m *scheduleModel) step(o int, done bitset, live int) (peak, after int) {
	next := done.with(o)
	newBytes := 0
	var fresh []int
	for _, c := range m.outs[o] {
		if !m.started(c, done) {
			fresh = append(fresh, c)
			newBytes += m.classes[c].size
		}
	}
	// In place: an input class that dies at o lends its bytes to one
	// fresh output class of the same size.
	lent := -1
	if len(fresh) == 1 {
		for _, ci := range m.inPlace[o] {
			if m.started(ci, done) && m.dead(ci, next) && m.classes[ci].size == m.classes[fresh[0]].size {
				newBytes, lent = 0, ci
				break
			}
		}
	}
	peak = live + newBytes + m.scratch[o]
	after = live + newBytes
	for _, c := range m.touch[o] {
		if c != lent && m.started(c, next) && m.dead(c, next) {
			after -= m.classes[c].size
		}
	}
	return peak, after
}

func (m *scheduleModel) initialLive() int {
	live := 0
	for _, c := range m.classes {
		if c.preloaded {
			live += c.size
		}
	}
	return live
}

// peakOf returns the modelled peak of an order.
func (m *scheduleModel) peakOf(order []int) (int, error) {
	done := make(bitset, (m.n+63)/64)
	live := m.initialLive()
	peak := live
	for _, o := range order {
		if !m.ready(o, done) {
			return 0, fmt.Errorf("plan: op %d runs before an op it depends on", o)
		}
		p, after := m.step(o, done, live)
		peak = max(peak, p)
		live = after
		done = done.with(o)
	}
	return peak, nil
}

// search runs the exact dynamic programme, or the greedy rule when the
// state space is too large.
func (m *scheduleModel) search() (order []int, peak int, exact bool, states int) {
	type state struct {
		done       bitset
		live, peak int
		parent     *state
		op         int
	}
	start := &state{done: make(bitset, (m.n+63)/64), live: m.initialLive(), op: -1}
	start.peak = start.live
	layer := []*state{start}
	for k := 0; k < m.n; k++ {
		index := map[string]int{}
		var next []*state
		for _, s := range layer {
			for o := 0; o < m.n; o++ {
				if !m.ready(o, s.done) {
					continue
				}
				p, after := m.step(o, s.done, s.live)
				p = max(p, s.peak)
				d := s.done.with(o)
				key := d.key()
				if j, ok := index[key]; ok {
					if p < next[j].peak {
						next[j] = &state{done: d, live: after, peak: p, parent: s, op: o}
					}
					continue
				}
				index[key] = len(next)
				next = append(next, &state{done: d, live: after, peak: p, parent: s, op: o})
				states++
				if states > maxScheduleStates {
					order, peak = m.greedy()
					return order, peak, false, states
				}
			}
		}
		layer = next
	}
	if len(layer) != 1 {
		order, peak = m.greedy()
		return order, peak, false, states
	}
	end := layer[0]
	for s := end; s.parent != nil; s = s.parent {
		order = append(order, s.op)
	}
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	return order, end.peak, true, states
}

// greedy runs, at every step, the ready op with the lowest step peak.
func (m *scheduleModel) greedy() ([]int, int) {
	done := make(bitset, (m.n+63)/64)
	live := m.initialLive()
	peak := live
	var order []int
	for len(order) < m.n {
		best, bestPeak, bestAfter := -1, 0, 0
		for o := 0; o < m.n; o++ {
			if !m.ready(o, done) {
				continue
			}
			p, after := m.step(o, done, live)
			if best < 0 || p < bestPeak || (p == bestPeak && after < bestAfter) {
				best, bestPeak, bestAfter = o, p, after
			}
		}
		if best < 0 {
			break // a cycle: Verify rejects such graphs before this
		}
		order = append(order, best)
		peak = max(peak, bestPeak)
		live = bestAfter
		done = done.with(best)
	}
	return order, peak
}
