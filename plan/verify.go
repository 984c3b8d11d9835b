package plan

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/tinygen/tinygen/ir"
)

// region is a byte range of one memory object: the arena (space nil) or
// the storage of a graph input, output or constant (space = that tensor).
type region struct {
	space  *ir.Tensor
	lo, hi int
}

func (a region) overlaps(b region) bool {
	return a.space == b.space && a.lo < b.hi && b.lo < a.hi
}

// Verify checks p against g by replaying the schedule, independently of
// how the plan was made. Every value (a tensor written by an op, or a graph
// input) must stay untouched from the step that writes it to the last step
// that reads it, and graph outputs to the end. A step writes its outputs
// and its scratch buffer; a view whose output shares its input's storage
// writes nothing. The only allowed overwrite of a live value is an
// in-place op: an output taking exactly the bytes of an input listed by
// inPlace whose last read is that step. Verify also checks that arena
// ranges lie inside the arena, that read-only storage (graph inputs,
// constants) is never written, and that one step's writes are disjoint.
//
// The live values are kept in a segment tree ordered by storage, so each
// write visits only the live values it overlaps: O(n log n) for n values
// when values do not share bytes, plus O(log n) per overlapping pair (views
// share their input's bytes).
func Verify(g *ir.Graph, p *Plan, inPlace func(*ir.Op) []int) error {
	isInput, isOutput := map[*ir.Tensor]bool{}, map[*ir.Tensor]bool{}
	for _, t := range g.Inputs {
		isInput[t] = true
	}
	for _, t := range g.Outputs {
		isOutput[t] = true
	}
	where := func(t *ir.Tensor) (region, error) {
		if off, ok := p.Offset(t); ok {
			r := region{lo: off, hi: off + t.NumBytes()}
			if off < 0 || r.hi > p.Size {
				return r, fmt.Errorf("plan: %v at [%d, %d) lies outside the arena of %d bytes", t, r.lo, r.hi, p.Size)
			}
			if p.Align > 0 && off%p.Align != 0 {
				return r, fmt.Errorf("plan: %v at offset %d is not %d-byte aligned", t, off, p.Align)
			}
			return r, nil
		}
		root := p.Root(t)
		if !root.IsConst() && !isInput[root] && !isOutput[root] {
			return region{}, fmt.Errorf("plan: %v has no storage (neither in the arena nor in a graph input, output or constant)", t)
		}
		if _, inArena := p.Offset(root); inArena {
			return region{}, fmt.Errorf("plan: %v shares the storage of %v but has no arena offset", t, root)
		}
		return region{space: root, lo: 0, hi: t.NumBytes()}, nil
	}

	// Values and their lifetimes: written at w, last needed at r.
	type value struct {
		t    *ir.Tensor
		w, r int
		reg  region
	}
	n := len(g.Ops)
	var values []value
	index := map[*ir.Tensor]int{}
	add := func(t *ir.Tensor, w int) error {
		reg, err := where(t)
		if err != nil {
			return err
		}
		index[t] = len(values)
		values = append(values, value{t: t, w: w, r: w, reg: reg})
		if isOutput[t] {
			values[len(values)-1].r = n
		}
		return nil
	}
	for _, t := range g.Inputs {
		if _, ok := index[t]; !ok {
			if err := add(t, -1); err != nil {
				return err
			}
		}
	}
	for i, op := range g.Ops {
		for _, t := range op.Inputs {
			if t == nil || t.IsConst() {
				continue
			}
			k, ok := index[t]
			if !ok {
				return fmt.Errorf("plan: step %d (%v) reads %v before it is written", i, op, t)
			}
			values[k].r = max(values[k].r, i)
		}
		for _, t := range op.Outputs {
			if err := add(t, i); err != nil {
				return err
			}
		}
	}

	// Index the values by storage: sorted by (space, lo), with hi as the
	// value of a value's leaf while it is live (steps w+1 … r). A write
	// then finds the live values it overlaps in O((k+1) log n).
	spaceID := map[*ir.Tensor]int{nil: 0}
	for _, v := range values {
		if _, ok := spaceID[v.reg.space]; !ok {
			spaceID[v.reg.space] = len(spaceID)
		}
	}
	type key struct{ space, lo int }
	keyOf := func(r region) key { return key{spaceID[r.space], r.lo} }
	cmpKey := func(a, b key) int { return cmp.Or(cmp.Compare(a.space, b.space), cmp.Compare(a.lo, b.lo)) }
	byReg := identity(len(values))
	slices.SortStableFunc(byReg, func(a, b int) int { return cmpKey(keyOf(values[a].reg), keyOf(values[b].reg)) })
	keys := make([]key, len(byReg))
	leaf := make([]int, len(values))
	for k, vi := range byReg {
		keys[k], leaf[vi] = keyOf(values[vi].reg), k
	}
	born := make([][]int, n+2) // born[s]: values live from step s
	died := make([][]int, n+2) // died[s]: values dead from step s
	for vi, v := range values {
		if v.w+1 <= v.r {
			born[v.w+1] = append(born[v.w+1], vi)
			died[min(v.r+1, n+1)] = append(died[min(v.r+1, n+1)], vi)
		}
	}
	live := newMaxTree(len(values))

	for i, op := range g.Ops {
		for _, vi := range died[i] {
			live.set(leaf[vi], math.MinInt)
		}
		for _, vi := range born[i] {
			live.set(leaf[vi], values[vi].reg.hi)
		}
		type write struct {
			reg  region
			what string
			out  *ir.Tensor
		}
		var writes []write
		view := p.IsView(op)
		for _, t := range op.Outputs {
			if view && p.SameStorage(t, op.Inputs[0]) {
				continue
			}
			reg := values[index[t]].reg
			if root := p.Root(t); reg.space != nil && (root.IsConst() || isInput[root]) {
				return fmt.Errorf("plan: step %d (%v) writes %v into read-only %v", i, op, t, root)
			}
			writes = append(writes, write{reg, t.String(), t})
		}
		if off, size, ok := p.ScratchOffset(i); ok {
			if off < 0 || off+size > p.Size {
				return fmt.Errorf("plan: scratch of step %d at [%d, %d) lies outside the arena of %d bytes", i, off, off+size, p.Size)
			}
			writes = append(writes, write{region{lo: off, hi: off + size}, fmt.Sprintf("scratch of step %d", i), nil})
		}
		for a := range writes {
			for b := a + 1; b < len(writes); b++ {
				if writes[a].reg.overlaps(writes[b].reg) {
					return fmt.Errorf("plan: step %d (%v) writes %s and %s to overlapping bytes", i, op, writes[a].what, writes[b].what)
				}
			}
		}
		allowed := map[*ir.Tensor]bool{}
		if inPlace != nil {
			for _, k := range inPlace(op) {
				if k >= 0 && k < len(op.Inputs) && op.Inputs[k] != nil {
					allowed[op.Inputs[k]] = true
				}
			}
		}
		for _, w := range writes {
			// The live values of the same space that start below the
			// write's end and end above its start; report the first in
			// value order, as a scan of every value would.
			sp := spaceID[w.reg.space]
			lo, _ := slices.BinarySearchFunc(keys, key{sp, math.MinInt}, cmpKey)
			hi, _ := slices.BinarySearchFunc(keys, key{sp, w.reg.hi}, cmpKey)
			bad := -1
			live.each(lo, hi, w.reg.lo, func(k int) bool {
				vi := byReg[k]
				v := values[vi]
				if v.t == w.out || !(v.w < i && i <= v.r) || !w.reg.overlaps(v.reg) {
					return true
				}
				if w.out != nil && v.r == i && allowed[v.t] && w.reg == v.reg {
					return true // in place: the input dies here and is read first
				}
				if bad < 0 || vi < bad {
					bad = vi
				}
				return true
			})
			if bad >= 0 {
				v := values[bad]
				return fmt.Errorf("plan: step %d (%v) writes %s over %v [%d, %d), which steps %d–%d still need",
					i, op, w.what, v.t, v.reg.lo, v.reg.hi, v.w+1, v.r)
			}
		}
	}
	return nil
}
