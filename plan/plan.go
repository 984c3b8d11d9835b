// Package plan assigns arena offsets to the intermediate tensors of a
// scheduled graph (static memory planning).
//
// The ops of an ir.Graph run in slice order. An intermediate tensor (one an
// op produces that is neither a graph input, a graph output nor a constant)
// lives from the op that produces it to the last op that reads it; two
// tensors whose lifetimes intersect must not share arena bytes. Graph inputs
// and outputs live in the caller's buffers, constants in flash, so neither
// takes arena space.
package plan

import (
	"fmt"
	"sort"

	"github.com/tinygen/tinygen/ir"
)

// DefaultAlign is the default alignment of every buffer offset, in bytes:
// enough for any element type and for 128-bit vector loads.
const DefaultAlign = 16

// Buffer is one intermediate tensor placed in the arena.
type Buffer struct {
	Tensor *ir.Tensor
	// Size is the tensor's size in bytes.
	Size int
	// First and Last are the indices (in graph op order) of the op that
	// produces the tensor and of the last op that reads it (First if
	// nothing reads it).
	First, Last int
	// Offset is the buffer's byte offset in the arena.
	Offset int
}

// Overlaps reports whether the lifetimes of a and b intersect.
func (a Buffer) Overlaps(b Buffer) bool { return a.First <= b.Last && b.First <= a.Last }

// Plan is an arena layout.
type Plan struct {
	// Planner names the algorithm that made the plan.
	Planner string
	// Align is the alignment of every offset and of the arena size.
	Align int
	// Size is the arena size in bytes.
	Size int
	// Buffers are the planned tensors, ordered by First, then tensor ID.
	Buffers []Buffer
}

// Offset returns the arena offset of t, and false if t is not in the arena.
func (p *Plan) Offset(t *ir.Tensor) (int, bool) {
	for _, b := range p.Buffers {
		if b.Tensor == t {
			return b.Offset, true
		}
	}
	return 0, false
}

// Liveness returns the intermediate tensors of g with their sizes and
// lifetimes, ordered by first use (then tensor ID). Offsets are zero.
func Liveness(g *ir.Graph) ([]Buffer, error) {
	external := map[*ir.Tensor]bool{}
	for _, t := range g.Inputs {
		external[t] = true
	}
	for _, t := range g.Outputs {
		external[t] = true
	}
	index := map[*ir.Tensor]int{}
	var bufs []Buffer
	for i, op := range g.Ops {
		for _, t := range op.Inputs {
			if t == nil {
				continue
			}
			if j, ok := index[t]; ok {
				bufs[j].Last = i
			} else if !t.IsConst() && !external[t] {
				return nil, fmt.Errorf("plan: %v reads %v before any op produces it", op, t)
			}
		}
		for _, t := range op.Outputs {
			if t.IsConst() || external[t] {
				continue
			}
			if _, ok := index[t]; ok {
				return nil, fmt.Errorf("plan: %v is produced twice (again by %v)", t, op)
			}
			index[t] = len(bufs)
			bufs = append(bufs, Buffer{Tensor: t, Size: t.NumBytes(), First: i, Last: i})
		}
	}
	return bufs, nil
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }

// Greedy plans g the way TFLM's GreedyMemoryPlanner does: buffers are
// placed largest first (ties: earlier first use, then lower tensor ID), each
// at the lowest aligned offset where it overlaps no already placed buffer
// whose lifetime intersects its own. The result is always valid (Check);
// it is not always optimal.
func Greedy(g *ir.Graph, align int) (*Plan, error) {
	if align < 1 {
		return nil, fmt.Errorf("plan: alignment %d must be positive", align)
	}
	bufs, err := Liveness(g)
	if err != nil {
		return nil, err
	}
	order := make([]int, len(bufs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := bufs[order[i]], bufs[order[j]]
		if a.Size != b.Size {
			return a.Size > b.Size
		}
		return a.First < b.First
	})
	var placed []int
	size := 0
	for _, i := range order {
		b := &bufs[i]
		// Candidate offsets: 0 and the aligned end of every live neighbour.
		var live []Buffer
		for _, j := range placed {
			if bufs[j].Overlaps(*b) {
				live = append(live, bufs[j])
			}
		}
		sort.Slice(live, func(x, y int) bool { return live[x].Offset < live[y].Offset })
		off := 0
		for _, n := range live {
			if off+b.Size <= n.Offset {
				break
			}
			off = max(off, alignUp(n.Offset+n.Size, align))
		}
		b.Offset = off
		size = max(size, off+b.Size)
		placed = append(placed, i)
	}
	p := &Plan{Planner: "greedy-size", Align: align, Size: alignUp(size, align), Buffers: bufs}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return p, nil
}

// Check verifies a plan: every offset is aligned, every buffer fits in the
// arena, and no two buffers with intersecting lifetimes share a byte.
func (p *Plan) Check() error {
	for i, a := range p.Buffers {
		if p.Align > 0 && a.Offset%p.Align != 0 {
			return fmt.Errorf("plan: %v at offset %d is not %d-byte aligned", a.Tensor, a.Offset, p.Align)
		}
		if a.Offset < 0 || a.Offset+a.Size > p.Size {
			return fmt.Errorf("plan: %v at [%d, %d) exceeds the arena of %d bytes", a.Tensor, a.Offset, a.Offset+a.Size, p.Size)
		}
		for _, b := range p.Buffers[i+1:] {
			if a.Overlaps(b) && a.Size > 0 && b.Size > 0 &&
				a.Offset < b.Offset+b.Size && b.Offset < a.Offset+a.Size {
				return fmt.Errorf("plan: %v [%d, %d) ops %d–%d and %v [%d, %d) ops %d–%d overlap",
					a.Tensor, a.Offset, a.Offset+a.Size, a.First, a.Last, b.Tensor, b.Offset, b.Offset+b.Size, b.First, b.Last)
			}
		}
	}
	return nil
}
