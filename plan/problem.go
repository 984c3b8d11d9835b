package plan

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Request is one buffer of an interval placement problem: Size bytes that
// must stay intact from step First to step Last (both inclusive; steps are
// op indices of the schedule). Two requests conflict when their step
// intervals intersect; conflicting requests must get disjoint byte ranges.
type Request struct {
	Size        int
	First, Last int
	// Key is the request's registration order in TFLM terms (the tensor
	// index, scratch buffers after every tensor). The linear planner lays
	// requests out in Key order, as TFLM's LinearMemoryPlanner does; ties
	// keep slice order.
	Key int
}

// Conflicts reports whether the lifetimes of a and b intersect.
func (a Request) Conflicts(b Request) bool { return a.First <= b.Last && b.First <= a.Last }

// Algorithm is one placement algorithm: it returns an offset for every
// request, each a multiple of align (align ≥ 1), such that conflicting
// requests do not share a byte (CheckLayout). It must be deterministic: the
// same requests and alignment give the same offsets.
type Algorithm func(reqs []Request, align int) []int

// Planner is a named placement algorithm.
type Planner struct {
	// Name is what --planner takes: naive, linear, greedy-size,
	// greedy-conflicts, hill-climb.
	Name string
	// Summary says in one line what the algorithm does.
	Summary string
	Place   Algorithm
}

// Best is the name of the meta-planner that runs every planner and keeps
// the smallest arena.
const Best = "best"

// AlignUp rounds n up to a multiple of a (a ≥ 1).
func AlignUp(n, a int) int { return (n + a - 1) / a * a }

// Extent returns the arena size a layout needs: the highest end offset,
// rounded up to align.
func Extent(reqs []Request, offsets []int, align int) int {
	end := 0
	for i, r := range reqs {
		if r.Size > 0 {
			end = max(end, offsets[i]+r.Size)
		}
	}
	return AlignUp(end, align)
}

// LowerBound returns the largest total, over all steps, of the sizes
// (each rounded up to align) of the requests live at that step. No layout
// of reqs with align-aligned offsets fits in fewer bytes: the buffers live
// at the busiest step are disjoint, every one but the highest occupies a
// multiple of align, and the arena is rounded up to align.
func LowerBound(reqs []Request, align int) int {
	type event struct{ step, delta int }
	var ev []event
	for _, r := range reqs {
		if r.Size <= 0 {
			continue
		}
		s := AlignUp(r.Size, align)
		ev = append(ev, event{r.First, s}, event{r.Last + 1, -s})
	}
	// At equal steps, ends (negative deltas) come first: a buffer whose
	// last step is t-1 is dead at t.
	sort.Slice(ev, func(i, j int) bool {
		if ev[i].step != ev[j].step {
			return ev[i].step < ev[j].step
		}
		return ev[i].delta < ev[j].delta
	})
	live, peak := 0, 0
	for _, e := range ev {
		live += e.delta
		peak = max(peak, live)
	}
	return peak
}

// CheckLayout verifies a layout: one offset per request, every offset a
// non-negative multiple of align, every buffer inside size bytes, and no
// two conflicting requests sharing a byte. Zero-size requests occupy
// nothing. O(n log n).
func CheckLayout(reqs []Request, offsets []int, align, size int) error {
	if len(offsets) != len(reqs) {
		return fmt.Errorf("plan: %d offsets for %d buffers", len(offsets), len(reqs))
	}
	if align < 1 {
		return fmt.Errorf("plan: alignment %d must be positive", align)
	}
	for i, r := range reqs {
		o := offsets[i]
		if o < 0 || o%align != 0 {
			return fmt.Errorf("plan: buffer %d at offset %d is not a non-negative multiple of %d", i, o, align)
		}
		if r.Size > 0 && o+r.Size > size {
			return fmt.Errorf("plan: buffer %d at [%d, %d) exceeds the arena of %d bytes", i, o, o+r.Size, size)
		}
	}
	// Sweep over steps in order of First, keeping the live requests in a
	// segment tree indexed by offset order with their end offset as value:
	// a new request overlaps a live one exactly when some live request
	// with a lower offset than its end ends above its offset. O(n log n).
	idx := make([]int, 0, len(reqs))
	for i, r := range reqs {
		if r.Size > 0 {
			idx = append(idx, i)
		}
	}
	byOff := slices.Clone(idx)
	sort.SliceStable(byOff, func(a, b int) bool { return offsets[byOff[a]] < offsets[byOff[b]] })
	offs := make([]int, len(byOff))
	pos := make([]int, len(reqs))
	for k, i := range byOff {
		offs[k], pos[i] = offsets[i], k
	}
	sort.SliceStable(idx, func(a, b int) bool { return reqs[idx[a]].First < reqs[idx[b]].First })
	byLast := slices.Clone(idx)
	sort.SliceStable(byLast, func(a, b int) bool { return reqs[byLast[a]].Last < reqs[byLast[b]].Last })
	live := newMaxTree(len(byOff))
	dead := 0
	for _, i := range idx {
		for ; dead < len(byLast) && reqs[byLast[dead]].Last < reqs[i].First; dead++ {
			live.set(pos[byLast[dead]], math.MinInt)
		}
		end := offsets[i] + reqs[i].Size
		hi, _ := slices.BinarySearch(offs, end) // live requests below end
		j := -1
		live.each(0, hi, offsets[i], func(k int) bool { j = byOff[k]; return false })
		if j >= 0 {
			if offsets[j] > offsets[i] || (offsets[j] == offsets[i] && j > i) {
				i, j = j, i
			}
			return fmt.Errorf("plan: buffer %d [%d, %d) steps %d–%d and buffer %d [%d, %d) steps %d–%d overlap",
				j, offsets[j], offsets[j]+reqs[j].Size, reqs[j].First, reqs[j].Last,
				i, offsets[i], offsets[i]+reqs[i].Size, reqs[i].First, reqs[i].Last)
		}
		live.set(pos[i], end)
	}
	return nil
}
