package plan

import (
	"fmt"
	"slices"

	"github.com/tinygen/tinygen/ir"
)

// Bounds of MemoryOrder's work. maxScheduleStates bounds the states of
// the exact search and maxScheduleWords its memory and time in words: per
// state its op set (⌈n/64⌉ words) and its ready list, which never binds
// before the state bound below about 2,000 ops of narrow graphs; beyond
// either the greedy order is used. maxGreedyWork bounds the greedy rule's
// candidate evaluations (steps × ready ops); beyond it the model order is
// kept.
const (
	maxScheduleStates = 200_000
	maxScheduleWords  = 8_000_000
	maxGreedyWork     = 20_000_000
)

// The search methods of a Schedule.
const (
	// MethodExact: the exact dynamic programme over sets of executed ops
	// (or a graph with a single topological order).
	MethodExact = "exact"
	// MethodGreedy: the greedy rule, the exact search being too large.
	MethodGreedy = "greedy"
	// MethodModel: the model order, both searches being too large.
	MethodModel = "model order"
)

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
	// Method is how Ops was found: MethodExact, MethodGreedy or
	// MethodModel; Reason says why the exact search was not used (empty
	// when it was).
	Method, Reason string
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
// dynamic programme over |S| = 0, 1, …, n computes exactly. A graph with a
// single topological order (a chain) is recognised first in O(n + edges)
// and needs no search. Otherwise the programme costs O(S · (n/64 + r·d))
// for S states, r ready ops per state and d the ops a class check scans;
// when more than maxScheduleStates sets are reachable or the states'
// op sets exceed maxScheduleWords words, the order instead comes from the
// greedy rule "run the ready op whose step peak is lowest, earliest model
// op first on ties", O(n · r) with a ready list and per-class counters;
// when that would take more than maxGreedyWork evaluations, the model
// order is kept. Method and Reason record which and why. Ties always
// favour the graph's own order, so an order that cannot be improved comes
// back unchanged.
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
	s := &Schedule{OriginalPeak: origPeak, Method: MethodExact}
	var order []int
	var peak int
	if m.forced() {
		// One topological order: the search would visit one state per
		// op and return the model order.
		order, peak, s.Exact, s.States = orig, origPeak, true, m.n
	} else {
		order, peak, s.Exact, s.States = m.search()
		if !s.Exact {
			s.Method = MethodGreedy
			s.Reason = fmt.Sprintf("the exact search needs more than %d states or %d words", maxScheduleStates, maxScheduleWords)
			var ok bool
			if order, peak, ok = m.greedy(); !ok {
				s.Method = MethodModel
				s.Reason += fmt.Sprintf(", and more than %d candidate steps in the greedy order", maxGreedyWork)
				order, peak = orig, origPeak
			}
		}
	}
	s.Peak = peak
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
	users   [][]int // users[o]: ops that depend on o, ascending
	words   int     // 64-bit words of an op set
}

type schedClass struct {
	size      int
	writers   []int // ascending
	readers   []int // ascending
	ops       int   // distinct ops in writers and readers
	immortal  bool  // a graph output in the arena: never dies
	preloaded bool  // a graph input in the arena: live from the start
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
				m.classes[c].readers = appendLast(m.classes[c].readers, i)
				if !seenClass[c] {
					seenClass[c] = true
					m.touch[i] = append(m.touch[i], c)
				}
			}
		}
		for _, t := range op.Outputs {
			if c, ok := classOf[t]; ok {
				m.classes[c].writers = appendLast(m.classes[c].writers, i)
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
	m.users = make([][]int, m.n)
	for o, ds := range m.deps {
		for _, d := range ds {
			m.users[d] = append(m.users[d], o)
		}
	}
	for o := range m.touch {
		for _, c := range m.touch[o] {
			m.classes[c].ops++
		}
	}
	m.words = (m.n + 63) / 64
	return m, nil
}

// appendLast appends v unless it is s's last element (ops are added in
// ascending order, so that keeps s free of duplicates in O(1)).
func appendLast(s []int, v int) []int {
	if len(s) > 0 && s[len(s)-1] == v {
		return s
	}
	return append(s, v)
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

// progress answers step's questions about the classes for one set of
// executed ops: a bitset in the exact search, counters on a single path.
type progress interface {
	// started reports whether class c holds bytes once the executed ops
	// ran.
	started(c int) bool
	// deadWith reports whether c's bytes are free once the executed ops
	// and op o ran.
	deadWith(c, o int) bool
}

// setProgress is the progress of a set of executed ops.
type setProgress struct {
	m    *scheduleModel
	done bitset
}

func (p setProgress) started(c int) bool {
	if p.m.classes[c].preloaded {
		return true
	}
	for _, w := range p.m.classes[c].writers {
		if p.done.has(w) {
			return true
		}
	}
	return false
}

func (p setProgress) deadWith(c, o int) bool {
	cl := p.m.classes[c]
	return !cl.immortal && p.allWith(cl.writers, o) && p.allWith(cl.readers, o)
}

// allWith reports whether every op of ops (ascending) is o or executed,
// scanning from the end, where an unexecuted op usually is.
func (p setProgress) allWith(ops []int, o int) bool {
	for k := len(ops) - 1; k >= 0; k-- {
		if ops[k] != o && !p.done.has(ops[k]) {
			return false
		}
	}
	return true
}

// pathProgress is the progress along one order, with per-class counters:
// every question is O(1) but the ops of touch[o] and outs[o].
type pathProgress struct {
	m       *scheduleModel
	written []int // written[c]: executed writers of c
	pending []int // pending[c]: unexecuted ops among c's writers and readers
}

func newPathProgress(m *scheduleModel) *pathProgress {
	p := &pathProgress{m: m, written: make([]int, len(m.classes)), pending: make([]int, len(m.classes))}
	for c, cl := range m.classes {
		p.pending[c] = cl.ops
	}
	return p
}

func (p *pathProgress) started(c int) bool { return p.m.classes[c].preloaded || p.written[c] > 0 }

func (p *pathProgress) deadWith(c, o int) bool {
	left := p.pending[c]
	if slices.Contains(p.m.touch[o], c) {
		left--
	}
	return !p.m.classes[c].immortal && left == 0
}

// run records that op o executed.
func (p *pathProgress) run(o int) {
	for _, c := range p.m.touch[o] {
		p.pending[c]--
	}
	for _, c := range p.m.outs[o] {
		p.written[c]++
	}
}

// step runs op o after the executed ops of pr, with live bytes in use: it
// returns the step's peak and the live bytes afterwards.
func (m *scheduleModel) step(o int, pr progress, live int) (peak, after int) {
	newBytes := 0
	var fresh []int
	for _, c := range m.outs[o] {
		if !pr.started(c) {
			fresh = append(fresh, c)
			newBytes += m.classes[c].size
		}
	}
	// In place: an input class that dies at o lends its bytes to one
	// fresh output class of the same size.
	lent := -1
	if len(fresh) == 1 {
		for _, ci := range m.inPlace[o] {
			if pr.started(ci) && pr.deadWith(ci, o) && m.classes[ci].size == m.classes[fresh[0]].size {
				newBytes, lent = 0, ci
				break
			}
		}
	}
	peak = live + newBytes + m.scratch[o]
	after = live + newBytes
	for _, c := range m.touch[o] {
		startedNext := pr.started(c) || slices.Contains(m.outs[o], c)
		if c != lent && startedNext && pr.deadWith(c, o) {
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

// peakOf returns the modelled peak of an order. O(n + Σ touch + Σ outs).
func (m *scheduleModel) peakOf(order []int) (int, error) {
	pr := newPathProgress(m)
	done := make([]bool, m.n)
	waiting := make([]int, m.n)
	for o := range m.deps {
		waiting[o] = len(m.deps[o])
	}
	live := m.initialLive()
	peak := live
	for _, o := range order {
		if done[o] || waiting[o] > 0 {
			return 0, fmt.Errorf("plan: op %d runs before an op it depends on", o)
		}
		p, after := m.step(o, pr, live)
		peak = max(peak, p)
		live = after
		done[o] = true
		pr.run(o)
		for _, u := range m.users[o] {
			waiting[u]--
		}
	}
	return peak, nil
}

// forced reports whether the graph has a single topological order (at
// every step of Kahn's algorithm exactly one op is ready), which is then
// the model order. O(n + edges).
func (m *scheduleModel) forced() bool {
	waiting := make([]int, m.n)
	ready := 0
	for o := range m.deps {
		waiting[o] = len(m.deps[o])
		if waiting[o] == 0 {
			ready++
		}
	}
	for o := 0; o < m.n; o++ {
		if ready != 1 || waiting[o] != 0 {
			return false
		}
		ready--
		for _, u := range m.users[o] {
			if waiting[u]--; waiting[u] == 0 {
				ready++
			}
		}
	}
	return true
}

// insertSorted inserts v into the ascending slice s.
func insertSorted(s []int, v int) []int {
	i, _ := slices.BinarySearch(s, v)
	return slices.Insert(s, i, v)
}

// search runs the exact dynamic programme. Each state keeps its ready
// ops (ascending), so expanding it costs O(r) step evaluations plus the
// O(n/64) op set copy of each successor; the op sets of a layer are
// dropped once the next layer is built. exact is false when the search
// gave up: more than maxScheduleStates states, more than
// maxScheduleWords words of op sets, ready lists and evaluations, or no
// single final state.
func (m *scheduleModel) search() (order []int, peak int, exact bool, states int) {
	type state struct {
		done       bitset
		ready      []int
		live, peak int
		parent     *state
		op         int
	}
	// Every path visits n states: give up at once if those alone exceed
	// the budget.
	if m.n*(m.words+1) > maxScheduleWords {
		return nil, 0, false, 0
	}
	used := 0
	start := &state{done: make(bitset, m.words), live: m.initialLive(), op: -1}
	start.peak = start.live
	for o := range m.deps {
		if len(m.deps[o]) == 0 {
			start.ready = append(start.ready, o)
		}
	}
	layer := []*state{start}
	for k := 0; k < m.n; k++ {
		index := map[string]int{}
		var next []*state
		for _, s := range layer {
			pr := setProgress{m: m, done: s.done}
			if used += len(s.ready); used > maxScheduleWords {
				return nil, 0, false, states
			}
			for _, o := range s.ready {
				p, after := m.step(o, pr, s.live)
				p = max(p, s.peak)
				d := s.done.with(o)
				key := d.key()
				if j, ok := index[key]; ok {
					if p < next[j].peak {
						next[j] = &state{done: d, ready: next[j].ready, live: after, peak: p, parent: s, op: o}
					}
					continue
				}
				states++
				if used += m.words + len(s.ready); states > maxScheduleStates || used > maxScheduleWords {
					return nil, 0, false, states
				}
				ready := make([]int, 0, len(s.ready))
				for _, r := range s.ready {
					if r != o {
						ready = append(ready, r)
					}
				}
				for _, u := range m.users[o] {
					if m.allDone(m.deps[u], d) {
						ready = insertSorted(ready, u)
					}
				}
				index[key] = len(next)
				next = append(next, &state{done: d, ready: ready, live: after, peak: p, parent: s, op: o})
			}
		}
		for _, s := range layer {
			s.done, s.ready = nil, nil // only parent and op are needed now
		}
		layer = next
	}
	if len(layer) != 1 {
		return nil, 0, false, states
	}
	end := layer[0]
	for s := end; s.parent != nil; s = s.parent {
		order = append(order, s.op)
	}
	slices.Reverse(order)
	return order, end.peak, true, states
}

// allDone reports whether every op of ops is in done.
func (m *scheduleModel) allDone(ops []int, done bitset) bool {
	for _, o := range ops {
		if !done.has(o) {
			return false
		}
	}
	return true
}

// greedy runs, at every step, the ready op with the lowest step peak
// (ties: the lower live bytes after it, then the earlier model op). It
// keeps a ready list and per-class counters, so it costs O(Σ r) step
// evaluations for r ready ops per step; ok is false when that exceeds
// maxGreedyWork.
func (m *scheduleModel) greedy() (order []int, peak int, ok bool) {
	pr := newPathProgress(m)
	waiting := make([]int, m.n)
	var ready []int
	for o := range m.deps {
		if waiting[o] = len(m.deps[o]); waiting[o] == 0 {
			ready = append(ready, o)
		}
	}
	live := m.initialLive()
	peak = live
	work := 0
	for len(order) < m.n {
		if work += len(ready); work > maxGreedyWork {
			return nil, 0, false
		}
		best, bestPeak, bestAfter := -1, 0, 0
		for _, o := range ready {
			p, after := m.step(o, pr, live)
			if best < 0 || p < bestPeak || (p == bestPeak && after < bestAfter) {
				best, bestPeak, bestAfter = o, p, after
			}
		}
		if best < 0 {
			break // a cycle: Verify rejects such graphs before this
		}
		i, _ := slices.BinarySearch(ready, best)
		ready = slices.Delete(ready, i, i+1)
		order = append(order, best)
		peak = max(peak, bestPeak)
		live = bestAfter
		pr.run(best)
		for _, u := range m.users[best] {
			if waiting[u]--; waiting[u] == 0 {
				ready = insertSorted(ready, u)
			}
		}
	}
	return order, peak, true
}
