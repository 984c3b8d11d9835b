package plan

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// The planner names, in Planners order.
const (
	nameNaive           = "naive"
	nameLinear          = "linear"
	nameGreedySize      = "greedy-size"
	nameGreedyConflicts = "greedy-conflicts"
	nameHillClimb       = "hill-climb"
)

// Planners returns the placement algorithms, in the order Place(…, Best)
// prefers them on ties: naive, linear, greedy-size, greedy-conflicts,
// hill-climb. Every call builds a fresh slice.
func Planners() []Planner {
	return []Planner{
		{Name: nameNaive, Summary: "no reuse: back to back in order of first use", Place: Naive},
		{Name: nameLinear, Summary: "no reuse: back to back in registration (Key) order, as TFLM's LinearMemoryPlanner", Place: Linear},
		{Name: nameGreedySize, Summary: "largest first, first fit among live buffers, as TFLM's GreedyMemoryPlanner", Place: GreedySize},
		{Name: nameGreedyConflicts, Summary: "most conflicts first, first fit, after TVM USMP greedy_by_conflicts", Place: GreedyConflicts},
		{Name: nameHillClimb, Summary: "randomised swaps of the greedy-size order (fixed seed), after TVM USMP hill_climb", Place: HillClimb},
	}
}

// PlannerNames returns the names Choose and Place accept: every planner in
// Planners order, then Best.
func PlannerNames() []string {
	var names []string
	for _, p := range Planners() {
		names = append(names, p.Name)
	}
	return append(names, Best)
}

// Choose returns the planner called name. Best gives a planner whose Place
// runs every planner and keeps the smallest layout (Place with Best also
// reports which planner won). An unknown name is an error that lists the
// valid ones.
func Choose(name string) (Planner, error) {
	for _, p := range Planners() {
		if p.Name == name {
			return p, nil
		}
	}
	if name == Best {
		return Planner{
			Name:    Best,
			Summary: "run every planner and keep the smallest arena (ties: first in Planners order)",
			Place: func(reqs []Request, align int) []int {
				offsets, _ := placeBest(reqs, align)
				return offsets
			},
		}, nil
	}
	return Planner{}, fmt.Errorf("plan: unknown planner %q (valid: %s)", name, strings.Join(PlannerNames(), ", "))
}

// Place lays reqs out with the planner called name and returns the offsets
// and the name of the planner that made them. With name Best it runs every
// planner of Planners and keeps the layout with the smallest Extent (ties:
// the first in Planners order); used names the winner. It rejects align < 1,
// negative sizes, First > Last and unknown names, and verifies the layout
// with CheckLayout before returning it.
func Place(reqs []Request, align int, name string) (offsets []int, used string, err error) {
	if align < 1 {
		return nil, "", fmt.Errorf("plan: alignment %d must be positive", align)
	}
	for i, r := range reqs {
		if r.Size < 0 {
			return nil, "", fmt.Errorf("plan: buffer %d has negative size %d", i, r.Size)
		}
		if r.First > r.Last {
			return nil, "", fmt.Errorf("plan: buffer %d has first step %d after last step %d", i, r.First, r.Last)
		}
	}
	if name == Best {
		offsets, used = placeBest(reqs, align)
	} else {
		p, err := Choose(name)
		if err != nil {
			return nil, "", err
		}
		offsets, used = p.Place(reqs, align), p.Name
	}
	if err := CheckLayout(reqs, offsets, align, Extent(reqs, offsets, align)); err != nil {
		return nil, "", fmt.Errorf("plan: planner %s made an invalid layout: %w", used, err)
	}
	return offsets, used, nil
}

// placeBest runs every planner and returns the layout with the smallest
// Extent (ties: first in Planners order) and the winner's name.
func placeBest(reqs []Request, align int) ([]int, string) {
	align = max(align, 1)
	var best []int
	bestName, bestExt := "", 0
	for k, p := range Planners() {
		offsets := p.Place(reqs, align)
		if ext := Extent(reqs, offsets, align); k == 0 || ext < bestExt {
			best, bestName, bestExt = offsets, p.Name, ext
		}
	}
	return best, bestName
}

// Naive is the "naive" planner: no reuse. It visits the requests in order
// of First (ties: slice order) and gives each the next free offset, then
// moves the cursor past it rounded up to align, so every offset is a
// multiple of align and the arena is the sum of the aligned sizes.
//
// The layout is always valid, since no two buffers share a byte; it is
// optimal only when all requests are live at one common step.
// O(n log n). An align below 1 is treated as 1 (Place rejects it).
func Naive(reqs []Request, align int) []int {
	order := identity(len(reqs))
	sort.SliceStable(order, func(a, b int) bool { return reqs[order[a]].First < reqs[order[b]].First })
	return backToBack(reqs, order, max(align, 1))
}

// Linear is the "linear" planner, TFLM's LinearMemoryPlanner: no reuse,
// requests back to back in Key order (ties: slice order), each offset the
// previous one plus the previous size rounded up to align. TFLM
// (tensorflow/lite/micro/memory_planner/linear_memory_planner.cc) assigns
// each buffer the running total of the sizes added before it, in AddBuffer
// order, and the allocator passes sizes already rounded up to the arena
// alignment; Key is that registration order.
//
// The layout is always valid; the arena is the sum of the aligned sizes.
// O(n log n). An align below 1 is treated as 1 (Place rejects it).
func Linear(reqs []Request, align int) []int {
	order := identity(len(reqs))
	sort.SliceStable(order, func(a, b int) bool { return reqs[order[a]].Key < reqs[order[b]].Key })
	return backToBack(reqs, order, max(align, 1))
}

// backToBack places reqs in the given order without reuse. Zero-size
// requests get the cursor and do not move it.
func backToBack(reqs []Request, order []int, align int) []int {
	offsets := make([]int, len(reqs))
	next := 0
	for _, i := range order {
		offsets[i] = next
		next += AlignUp(max(reqs[i].Size, 0), align)
	}
	return offsets
}

// GreedySize is the "greedy-size" planner, TFLM's GreedyMemoryPlanner
// (tensorflow/lite/micro/memory_planner/greedy_memory_planner.cc) without
// offline offsets.
//
// Order: size rounded up to align, descending; ties by Key descending, then
// slice index descending. TFLM sorts the sizes the allocator registered,
// which are already rounded up to the arena alignment (CreatePlan in
// micro_allocator.cc); it fills its sort array from the tail (the last
// registered buffer first) and then runs a stable bubble sort
// (ReverseSortInPlace), so equal sizes end up in reverse registration order.
//
// Placement: first fit (see firstFit): each buffer goes at the lowest gap,
// among the already placed buffers whose lifetimes intersect its own, that
// holds its aligned size, else just above them. Zero-size requests get
// offset 0; TFLM sorts them last, where it also puts them at 0.
//
// The layout is always valid and every offset is a multiple of align. It is
// not optimal in general (optimal placement is NP-hard). O(n log n + C log
// n) for C pairs of requests with intersecting lifetimes (see place): near
// linear for a chain, O(n² log n) only when every buffer is live at once.
// An align below 1 is treated as 1 (Place rejects it).
func GreedySize(reqs []Request, align int) []int {
	align = max(align, 1)
	f := newFitter(reqs, align)
	offsets := make([]int, len(reqs))
	f.place(f.bySize(), offsets)
	return offsets
}

// GreedyConflicts is the "greedy-conflicts" planner, after TVM USMP's
// greedy_by_conflicts (apache/tvm src/tir/usmp/algo/greedy.cc).
//
// Order: the number of other non-empty requests whose lifetimes intersect
// the request's own, descending; ties by Size descending (TVM compares the
// unaligned size_bytes), then Key descending, then slice index descending
// (TVM's last tie-break is the buffer name, descending; Key stands in for
// it). Zero-size requests occupy nothing, are not counted as conflicts and
// get offset 0.
//
// Placement: the same first fit as GreedySize. TVM's PostSortAllocation
// differs here: it puts each buffer above the highest already placed
// conflicting buffer and never fills gaps below it; first fit never puts a
// buffer higher than that, given the same buffers already placed.
//
// The layout is always valid; not optimal in general. O(n log n + C log n)
// for C conflicting pairs, like GreedySize (the conflict counts take
// O(n log n)). An align below 1 is treated as 1.
func GreedyConflicts(reqs []Request, align int) []int {
	align = max(align, 1)
	f := newFitter(reqs, align)
	offsets := make([]int, len(reqs))
	f.place(f.byConflicts(), offsets)
	return offsets
}

// hillClimbSeed seeds HillClimb's PCG generator: a constant, so the result
// depends on the requests only.
const hillClimbSeed1, hillClimbSeed2 = 0x7469_6e79, 0x6765_6e21

// hillClimbMaxAttempts is TVM's _max_attempts; hillClimbWork caps
// attempts × n², the worst-case first-fit cost, so that large problems stay
// fast. hillClimbBudgetPerBuffer bounds the total work (conflicting
// buffers visited by first fit, plus the order scans of the move picker)
// to max(2·hillClimbWork, hillClimbBudgetPerBuffer·n) for n non-empty
// requests, so that a problem with many conflicts (every buffer live at
// once) cannot make even the minimum number of attempts quadratic many
// times over.
const (
	hillClimbMaxAttempts     = 500
	hillClimbMinAttempts     = 8
	hillClimbWork            = 20_000_000
	hillClimbBudgetPerBuffer = 1_000
)

// hillClimbAttempts returns how many layouts HillClimb evaluates for n
// non-empty requests: 500 (TVM's bound) up to n = 200, then fewer so that
// attempts × n² stays near 2·10⁷, but never fewer than 8.
func hillClimbAttempts(n int) int {
	if n == 0 {
		return 1
	}
	return max(hillClimbMinAttempts, min(hillClimbMaxAttempts, hillClimbWork/(n*n)))
}

// HillClimb is the "hill-climb" planner, after TVM USMP's hill climb
// (apache/tvm src/tir/usmp/algo/hill_climb.cc): a local search over the
// placement order, each order laid out with the first fit of GreedySize.
//
// It starts from the GreedySize order, so its first layout is exactly
// GreedySize's. Each attempt then picks, with a PCG generator of fixed
// seed, one buffer whose aligned end reaches the arena size in the current
// layout; a first buffer among that buffer's conflicts placed before it;
// and a second buffer, with probability 74% among the conflicts placed
// before a random conflict of the peak buffer (TVM's "second level"
// neighbours), else among the first-level ones. It swaps the two in the
// order and lays the new order out. The new layout is accepted when it is
// smaller, or, when it is larger, with TVM's probability
// ⌊50·(new−current)/new⌋/attempt percent (an equal size is rejected);
// otherwise the swap is undone. Unlike TVM, which returns the last accepted
// layout, it returns the smallest layout seen, so it is never worse than
// GreedySize. It stops early when the layout reaches LowerBound (then it is
// optimal), after hillClimbAttempts(n) layouts: 500 up to 200 non-empty
// requests, fewer beyond, and once its work (first-fit visits plus move
// scans) exceeds max(4·10⁷, 1000·n), always after the first layout.
//
// The layout is always valid and deterministic. O(n log n + C log n) per
// attempt (C conflicting pairs, see place) plus O(n) to pick a move, with
// the total bounded by the work budget: O(n log n) for a chain. An align
// below 1 is treated as 1.
func HillClimb(reqs []Request, align int) []int {
	offsets, _ := hillClimb(reqs, align, max(2*hillClimbWork, hillClimbBudgetPerBuffer*len(reqs)))
	return offsets
}

// hillClimb is HillClimb with a work budget, also returning the work it
// spent.
func hillClimb(reqs []Request, align, budget int) (offsets []int, work int) {
	align = max(align, 1)
	f := newFitter(reqs, align)
	order := f.bySize()
	cur := make([]int, len(reqs))
	ext := f.place(order, cur)
	lb := LowerBound(reqs, align)
	if ext <= lb || len(order) < 2 {
		return cur, f.work
	}
	best := slices.Clone(cur)
	bestExt := ext
	pos := make([]int, len(reqs))
	for p, i := range order {
		pos[i] = p
	}
	swap := func(p1, p2 int) {
		order[p1], order[p2] = order[p2], order[p1]
		pos[order[p1]], pos[order[p2]] = p1, p2
	}
	s := &climber{f: f, order: order, pos: pos, rng: rand.New(rand.NewPCG(hillClimbSeed1, hillClimbSeed2))}
	trial := make([]int, len(reqs))
	for attempt := 1; attempt < hillClimbAttempts(len(order)); attempt++ {
		if f.work > budget {
			break
		}
		f.work += 3 * len(order) // the scans of pickSwap
		p1, p2, ok := s.pickSwap(cur, ext)
		if !ok {
			continue
		}
		swap(p1, p2)
		t := f.place(order, trial)
		if t < ext || (t > ext && s.rng.IntN(100) < 50*(t-ext)/t/attempt) {
			cur, trial, ext = trial, cur, t
			if ext < bestExt {
				copy(best, cur)
				bestExt = ext
				if ext <= lb {
					break
				}
			}
		} else {
			swap(p1, p2)
		}
	}
	return best, f.work
}

// climber holds HillClimb's search state for picking moves.
type climber struct {
	f     *fitter
	order []int // the current placement order (request indices)
	pos   []int // pos[i] is the position of request i in order
	rng   *rand.Rand
	// scratch lists, reused between attempts
	peak, first, all, second []int
}

// earlier appends to dst the requests that conflict with i and come before
// it in the order.
func (s *climber) earlier(dst []int, i int) []int {
	for _, j := range s.order[:s.pos[i]] {
		if s.f.conflicts(i, j) {
			dst = append(dst, j)
		}
	}
	return dst
}

// pickSwap chooses two order positions to swap, given the current layout
// offsets and its extent ext; ok is false when it finds no move.
func (s *climber) pickSwap(offsets []int, ext int) (p1, p2 int, ok bool) {
	f := s.f
	s.peak = s.peak[:0]
	for _, i := range s.order {
		if AlignUp(offsets[i]+f.size[i], f.align) == ext {
			s.peak = append(s.peak, i)
		}
	}
	if len(s.peak) == 0 {
		return 0, 0, false
	}
	node := s.peak[s.rng.IntN(len(s.peak))]
	s.first = s.earlier(s.first[:0], node)
	if len(s.first) == 0 {
		// Only possible when node sits at offset 0, and then the layout
		// is already at the lower bound.
		return 0, 0, false
	}
	s.all = s.all[:0]
	for _, j := range s.order {
		if j != node && f.conflicts(node, j) {
			s.all = append(s.all, j)
		}
	}
	b1 := s.first[s.rng.IntN(len(s.first))]
	for range 4 {
		b2 := s.first[s.rng.IntN(len(s.first))]
		if s.rng.IntN(100) > 25 {
			c1 := s.all[s.rng.IntN(len(s.all))]
			if s.second = s.earlier(s.second[:0], c1); len(s.second) > 0 {
				b2 = s.second[s.rng.IntN(len(s.second))]
			}
		}
		if b2 != b1 {
			return s.pos[b1], s.pos[b2], true
		}
	}
	return 0, 0, false
}

// fitter is the first-fit placement shared by GreedySize, GreedyConflicts
// and HillClimb, with the requests' lifetimes and aligned sizes copied out
// and a reusable offset-ordered list of placed buffers.
type fitter struct {
	reqs        []Request
	align       int
	first, last []int
	size        []int // the size rounded up to align; 0 for empty requests
	// byFirst lists the requests by First (ties: index); firsts[k] is the
	// First of byFirst[k] and rank[i] the position of request i in it.
	byFirst, firsts, rank []int
	// live holds the placed requests at their rank, with Last as value.
	live *maxTree
	// hits is scratch for the placed requests one placement conflicts
	// with.
	hits []int
	// work counts the conflicting buffers first fit visited, for
	// HillClimb's budget.
	work int
}

func newFitter(reqs []Request, align int) *fitter {
	f := &fitter{
		reqs:  reqs,
		align: align,
		first: make([]int, len(reqs)),
		last:  make([]int, len(reqs)),
		size:  make([]int, len(reqs)),
	}
	for i, r := range reqs {
		f.first[i], f.last[i] = r.First, r.Last
		if r.Size > 0 {
			f.size[i] = AlignUp(r.Size, align)
		}
	}
	f.byFirst = identity(len(reqs))
	slices.SortStableFunc(f.byFirst, func(a, b int) int { return cmp.Compare(f.first[a], f.first[b]) })
	f.firsts = make([]int, len(reqs))
	f.rank = make([]int, len(reqs))
	for k, i := range f.byFirst {
		f.firsts[k], f.rank[i] = f.first[i], k
	}
	f.live = newMaxTree(len(reqs))
	return f
}

func (f *fitter) conflicts(i, j int) bool { return f.first[i] <= f.last[j] && f.first[j] <= f.last[i] }

// nonEmpty returns the indices of the requests with a positive size.
func (f *fitter) nonEmpty() []int {
	var idx []int
	for i, s := range f.size {
		if s > 0 {
			idx = append(idx, i)
		}
	}
	return idx
}

// bySize returns the non-empty requests in GreedySize order: aligned size
// descending, then Key descending, then index descending.
func (f *fitter) bySize() []int {
	order := f.nonEmpty()
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(
			cmp.Compare(f.size[b], f.size[a]),
			cmp.Compare(f.reqs[b].Key, f.reqs[a].Key),
			cmp.Compare(b, a))
	})
	return order
}

// byConflicts returns the non-empty requests in GreedyConflicts order:
// conflict count descending, then Size, Key and index descending.
func (f *fitter) byConflicts() []int {
	order := f.nonEmpty()
	// A request j does not conflict with i exactly when it starts after i
	// ends or ends before i starts; the two cases are disjoint.
	firsts := make([]int, 0, len(order))
	lasts := make([]int, 0, len(order))
	for _, i := range order {
		firsts = append(firsts, f.first[i])
		lasts = append(lasts, f.last[i])
	}
	slices.Sort(firsts)
	slices.Sort(lasts)
	count := make([]int, len(f.reqs))
	for _, i := range order {
		startAfter := len(firsts) - sort.SearchInts(firsts, f.last[i]+1)
		endBefore := sort.SearchInts(lasts, f.first[i])
		count[i] = len(order) - startAfter - endBefore - 1
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(
			cmp.Compare(count[b], count[a]),
			cmp.Compare(f.reqs[b].Size, f.reqs[a].Size),
			cmp.Compare(f.reqs[b].Key, f.reqs[a].Key),
			cmp.Compare(b, a))
	})
	return order
}

// place lays out the requests of order (non-empty ones) one by one with
// first fit, writes their offsets and returns the extent. Every other
// entry of offsets is left alone.
//
// First fit, as TFLM's GreedyMemoryPlanner::CalculateOffsetsIfNeeded: walk
// the placed buffers whose lifetimes intersect the new one's in offset
// order; the candidate offset starts at 0, and at each such buffer, if the
// gap between the candidate and that buffer's offset holds the new
// (aligned) size, stop; otherwise move the candidate up to that buffer's
// aligned end if it is higher. After the last conflicting buffer the
// candidate is above all of them. Since offsets and aligned sizes are
// multiples of align, so is every candidate. (TFLM walks every placed
// buffer and skips the others; the order among buffers at equal offsets
// does not change the result, since the candidate only grows.)
//
// The placed buffers with intersecting lifetimes either end at or below
// the candidate or start at or above its end, so the layout is valid.
//
// Only the conflicting placed buffers are visited: they are found with a
// segment tree over the requests sorted by First (those with First ≤ the
// new Last, and Last ≥ the new First). A placement costs O((k+1) log n)
// for k conflicting placed buffers, so a layout costs O(n log n + C log n)
// where C is the number of conflicting pairs (O(n log n) for a chain).
func (f *fitter) place(order []int, offsets []int) int {
	f.live.reset()
	extent := 0
	for _, i := range order {
		size, first, last := f.size[i], f.first[i], f.last[i]
		hi, _ := slices.BinarySearch(f.firsts, last+1) // requests with First ≤ last
		f.hits = f.hits[:0]
		f.live.each(0, hi, first-1, func(k int) bool {
			f.hits = append(f.hits, f.byFirst[k])
			return true
		})
		f.work += len(f.hits) + 1
		slices.SortFunc(f.hits, func(a, b int) int { return cmp.Compare(offsets[a], offsets[b]) })
		off := 0
		for _, j := range f.hits {
			if offsets[j] >= off+size {
				break
			}
			off = max(off, offsets[j]+f.size[j])
		}
		offsets[i] = off
		extent = max(extent, off+size)
		f.live.set(f.rank[i], last)
	}
	return extent
}

// identity returns 0, 1, …, n-1.
func identity(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
