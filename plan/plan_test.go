package plan

import (
	"math/rand/v2"
	"testing"

	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/ir"
)

// randomGraph builds a chain of n ops with random output sizes; each op
// reads the previous tensor and sometimes a random earlier one, which
// stretches lifetimes.
func randomGraph(r *rand.Rand, n int) *ir.Graph {
	g := &ir.Graph{Name: "random"}
	in := g.AddTensor(&ir.Tensor{Name: "in", DType: ir.Int8, Shape: ir.Shape{1}})
	g.Inputs = []*ir.Tensor{in}
	ts := []*ir.Tensor{in}
	for i := 0; i < n; i++ {
		t := g.AddTensor(&ir.Tensor{Name: "t", DType: ir.Int8, Shape: ir.Shape{1 + r.IntN(100)}})
		// Read one or two earlier tensors, so lifetimes vary.
		ins := []*ir.Tensor{ts[len(ts)-1]}
		if len(ts) > 1 && r.IntN(2) == 0 {
			ins = append(ins, ts[r.IntN(len(ts))])
		}
		g.AddOp(&ir.Op{Kind: ir.Concatenation, Inputs: ins, Outputs: []*ir.Tensor{t}})
		ts = append(ts, t)
	}
	g.Outputs = []*ir.Tensor{ts[len(ts)-1]}
	return g
}

// TestGreedyRandom checks Greedy's plans with Check on random lifetimes and
// that the arena is at least the largest simultaneously live total (the
// lower bound).
func TestGreedyRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		g := randomGraph(r, 1+r.IntN(30))
		for _, align := range []int{1, 4, 16} {
			p, err := Greedy(g, align)
			if err != nil {
				t.Fatalf("trial %d align %d: %v", trial, align, err)
			}
			if err := p.Check(); err != nil {
				t.Fatal(err)
			}
			lower := 0
			for i := range g.Ops {
				live := 0
				for _, b := range p.Buffers {
					if b.First <= i && i <= b.Last {
						live += b.Size
					}
				}
				lower = max(lower, live)
			}
			if p.Size < lower {
				t.Fatalf("arena %d below the live maximum %d", p.Size, lower)
			}
			if p.Size%align != 0 {
				t.Fatalf("arena %d not aligned to %d", p.Size, align)
			}
		}
	}
}

// TestCheckFindsOverlap makes sure the checker is not vacuous.
func TestCheckFindsOverlap(t *testing.T) {
	a := &ir.Tensor{Name: "a"}
	b := &ir.Tensor{Name: "b"}
	p := &Plan{Align: 1, Size: 10, Buffers: []Buffer{
		{Tensor: a, Size: 6, First: 0, Last: 2, Offset: 0},
		{Tensor: b, Size: 6, First: 2, Last: 3, Offset: 4},
	}}
	if err := p.Check(); err == nil {
		t.Fatal("Check accepted overlapping live buffers")
	}
	p.Buffers[1].First = 3 // lifetimes no longer intersect
	if err := p.Check(); err != nil {
		t.Fatalf("Check rejected disjoint lifetimes: %v", err)
	}
	p.Buffers[1].Offset = 5
	if err := p.Check(); err == nil {
		t.Fatal("Check accepted a buffer past the arena end")
	}
}

// TestTestModels plans every synthetic model.
func TestTestModels(t *testing.T) {
	for _, m := range testmodels.All() {
		p, err := Greedy(m.Graph(), DefaultAlign)
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		if err := p.Check(); err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
	}
}
