// Tests of the near-linear algorithms and the bounded order search.
package plan

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// bruteOverlap is CheckLayout's overlap rule checked over all pairs.
func bruteOverlap(reqs []Request, offsets []int) bool {
	for i := range reqs {
		for j := i + 1; j < len(reqs); j++ {
			if reqs[i].Size > 0 && reqs[j].Size > 0 && reqs[i].Conflicts(reqs[j]) &&
				offsets[i] < offsets[j]+reqs[j].Size && offsets[j] < offsets[i]+reqs[i].Size {
				return true
			}
		}
	}
	return false
}

// TestCheckLayoutSweep compares CheckLayout's sweep with the all-pairs
// rule on random layouts, valid and not.
func TestCheckLayoutSweep(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 3000 {
		n := 1 + rng.IntN(12)
		reqs := make([]Request, n)
		offsets := make([]int, n)
		for i := range reqs {
			f := rng.IntN(8)
			reqs[i] = Request{Size: rng.IntN(5) * 4, First: f, Last: f + rng.IntN(4), Key: i}
			offsets[i] = rng.IntN(6) * 4
		}
		if trial%2 == 0 { // half of them from a planner: valid
			offsets = GreedySize(reqs, 4)
		}
		err := CheckLayout(reqs, offsets, 4, 1<<20)
		if want := bruteOverlap(reqs, offsets); (err != nil) != want {
			t.Fatalf("trial %d: CheckLayout %v, all pairs overlap %v\nreqs %v\noffsets %v", trial, err, want, reqs, offsets)
		}
	}
}

// chainGraph is a chain of n RELUs on float32 [1, 8].
func chainGraph(n int) *ir.Graph {
	g := &ir.Graph{Name: "chain"}
	x := g.AddTensor(&ir.Tensor{Name: "x", DType: ir.Float32, Shape: ir.Shape{1, 8}})
	g.Inputs = []*ir.Tensor{x}
	for i := range n {
		y := g.AddTensor(&ir.Tensor{Name: fmt.Sprint("t", i), DType: ir.Float32, Shape: ir.Shape{1, 8}})
		g.AddOp(&ir.Op{Kind: ir.Relu, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{y}, SourceIndex: -1})
		x = y
	}
	g.Outputs = []*ir.Tensor{x}
	return g
}

// fanGraph feeds one input to w RELUs and sums them in a chain of ADDs.
func fanGraph(w int) *ir.Graph {
	g := &ir.Graph{Name: "fan"}
	act := func(name string) *ir.Tensor {
		return g.AddTensor(&ir.Tensor{Name: name, DType: ir.Float32, Shape: ir.Shape{1, 8}})
	}
	x := act("x")
	g.Inputs = []*ir.Tensor{x}
	var ys []*ir.Tensor
	for i := range w {
		y := act(fmt.Sprint("b", i))
		g.AddOp(&ir.Op{Kind: ir.Relu, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{y}, SourceIndex: -1})
		ys = append(ys, y)
	}
	acc := ys[0]
	for i, y := range ys[1:] {
		s := act(fmt.Sprint("s", i))
		g.AddOp(&ir.Op{Kind: ir.Add, Attrs: ir.BinaryAttrs{}, Inputs: []*ir.Tensor{acc, y}, Outputs: []*ir.Tensor{s}, SourceIndex: -1})
		acc = s
	}
	g.Outputs = []*ir.Tensor{acc}
	return g
}

// TestMemoryOrderBounded checks the order search's methods: a chain has a
// single order (exact, one state per op, no search), a small fan-out is
// searched exactly, a wide one falls back with the reason recorded.
func TestMemoryOrderBounded(t *testing.T) {
	for _, c := range []struct {
		name   string
		g      *ir.Graph
		method string
	}{
		{"chain", chainGraph(30_000), MethodExact},
		{"small-fan", fanGraph(6), MethodExact},
		{"wide-fan", fanGraph(3_000), MethodGreedy},
		{"wider-fan", fanGraph(12_000), MethodModel},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := MemoryOrder(c.g, Options{IncludeIO: true})
			if err != nil {
				t.Fatal(err)
			}
			if s.Method != c.method || s.Exact != (c.method == MethodExact) || (s.Reason == "") != (c.method == MethodExact) {
				t.Fatalf("method %q exact %v reason %q, want %q", s.Method, s.Exact, s.Reason, c.method)
			}
			if c.name == "chain" && s.States != len(c.g.Ops) {
				t.Fatalf("chain: %d states, want %d", s.States, len(c.g.Ops))
			}
			if c.method == MethodModel && !strings.Contains(s.Reason, "greedy") {
				t.Fatalf("reason %q does not say why the greedy order was skipped", s.Reason)
			}
			if len(s.Ops) != len(c.g.Ops) {
				t.Fatalf("%d ops in the order, want %d", len(s.Ops), len(c.g.Ops))
			}
		})
	}
}

// TestHillClimbBudget checks that HillClimb stops once its work crosses
// the budget: on a problem where greedy-size misses the lower bound, with
// a budget of a bit more than two layouts it lays out at most three.
func TestHillClimbBudget(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 1_500
	reqs := make([]Request, n)
	for i := range reqs {
		f := rng.IntN(200)
		reqs[i] = Request{Size: 16 * (1 + rng.IntN(9)), First: f, Last: f + 20 + rng.IntN(100), Key: i}
	}
	f := newFitter(reqs, 16)
	ext := f.place(f.bySize(), make([]int, n))
	if ext <= LowerBound(reqs, 16) {
		t.Fatal("greedy-size reaches the lower bound: no search to bound")
	}
	one := f.work
	_, full := hillClimb(reqs, 16, 1<<62)
	offsets, work := hillClimb(reqs, 16, 2*one+one/2)
	if err := CheckLayout(reqs, offsets, 16, Extent(reqs, offsets, 16)); err != nil {
		t.Fatal(err)
	}
	t.Logf("one layout %d visits; unbounded %d; bounded %d", one, full, work)
	if work > 3*one+3*3*n || full <= work {
		t.Fatalf("bounded search spent %d (one layout %d, unbounded %d)", work, one, full)
	}
}
