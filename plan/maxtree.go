// maxTree: the interval index behind first fit, CheckLayout and Verify.
package plan

import "math"

// maxTree is a segment tree over n leaves, each holding an int (initially
// "absent", math.MinInt), that finds the leaves of an index range whose
// value exceeds a threshold. The planners keep buffers in it sorted by one
// coordinate (first step, offset) with the other (last step, end offset)
// as the value, so that "the buffers with first ≤ x and last ≥ y" is one
// range query. Set is O(log n); Each is O((k+1) log n) for k leaves found.
type maxTree struct {
	size int   // leaves, a power of two ≥ n
	v    []int // v[1] is the root; leaf i is v[size+i]
}

func newMaxTree(n int) *maxTree {
	size := 1
	for size < n {
		size *= 2
	}
	t := &maxTree{size: size, v: make([]int, 2*size)}
	t.reset()
	return t
}

// reset makes every leaf absent again. O(n).
func (t *maxTree) reset() {
	for i := range t.v {
		t.v[i] = math.MinInt
	}
}

// set gives leaf i the value val (math.MinInt removes it).
func (t *maxTree) set(i, val int) {
	n := t.size + i
	t.v[n] = val
	for n > 1 {
		n /= 2
		t.v[n] = max(t.v[2*n], t.v[2*n+1])
	}
}

// each calls fn, in increasing index order, for every leaf i in [lo, hi)
// whose value is greater than thr, until fn returns false.
func (t *maxTree) each(lo, hi, thr int, fn func(i int) bool) {
	t.visit(1, 0, t.size, lo, hi, thr, fn)
}

func (t *maxTree) visit(n, nlo, nhi, lo, hi, thr int, fn func(int) bool) bool {
	if nhi <= lo || hi <= nlo || t.v[n] <= thr {
		return true
	}
	if n >= t.size {
		return fn(n - t.size)
	}
	mid := (nlo + nhi) / 2
	return t.visit(2*n, nlo, mid, lo, hi, thr, fn) && t.visit(2*n+1, mid, nhi, lo, hi, thr, fn)
}
