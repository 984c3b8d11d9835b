package plan

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/ir"
)

// testInPlace lets RELU overwrite its input and ADD either input, as the
// elementwise kernels do.
func testInPlace(op *ir.Op) []int {
	switch op.Kind {
	case ir.Relu:
		return []int{0}
	case ir.Add:
		return []int{0, 1}
	}
	return nil
}

// randomGraph builds n ops over int8 tensors: views (RESHAPE), in-place
// candidates (RELU, ADD of two same-size tensors) and CONCATENATION of
// earlier tensors, which stretches lifetimes and makes branches. Some
// tensors become graph outputs, some are never read.
func randomGraph(r *rand.Rand, n int) *ir.Graph {
	g := &ir.Graph{Name: "random"}
	mk := func(size int) *ir.Tensor {
		return g.AddTensor(&ir.Tensor{Name: "t", DType: ir.Int8, Shape: ir.Shape{size}})
	}
	in := mk(1 + r.IntN(64))
	g.Inputs = []*ir.Tensor{in}
	ts := []*ir.Tensor{in}
	if r.IntN(4) == 0 {
		c := mk(1 + r.IntN(32))
		c.Data = make([]byte, c.NumBytes())
		ts = append(ts, c)
	}
	pick := func() *ir.Tensor {
		if r.IntN(3) == 0 {
			return ts[r.IntN(len(ts))]
		}
		return ts[len(ts)-1]
	}
	for i := 0; i < n; i++ {
		var op *ir.Op
		switch x := pick(); r.IntN(4) {
		case 0:
			op = &ir.Op{Kind: ir.Reshape, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{mk(x.NumBytes())}}
		case 1:
			op = &ir.Op{Kind: ir.Relu, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{mk(x.NumBytes())}}
		case 2:
			var y *ir.Tensor
			for _, c := range ts {
				if c.NumBytes() == x.NumBytes() && r.IntN(2) == 0 {
					y = c
				}
			}
			if y == nil {
				y = x
			}
			op = &ir.Op{Kind: ir.Add, Inputs: []*ir.Tensor{x, y}, Outputs: []*ir.Tensor{mk(x.NumBytes())}}
		default:
			ins := []*ir.Tensor{x}
			if r.IntN(2) == 0 {
				ins = append(ins, pick())
			}
			op = &ir.Op{Kind: ir.Concatenation, Inputs: ins, Outputs: []*ir.Tensor{mk(1 + r.IntN(100))}}
		}
		g.AddOp(op)
		ts = append(ts, op.Outputs[0])
	}
	g.Outputs = []*ir.Tensor{ts[len(ts)-1]}
	if r.IntN(3) == 0 {
		extra := ts[len(ts)/2]
		if extra != g.Outputs[0] {
			g.Outputs = append(g.Outputs, extra)
		}
	}
	return g
}

// TestBuildRandomGraphs plans random graphs with every planner, aliasing
// mode and I/O placement. Build itself runs CheckLayout and Verify; the
// test also requires the arena to be at least the lower bound and best to
// be no worse than any planner.
func TestBuildRandomGraphs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		g := randomGraph(r, 1+r.IntN(25))
		for _, alias := range []Aliasing{AliasAll, AliasViews, AliasNone} {
			for _, io := range []bool{false, true} {
				opts := Options{Aliasing: alias, InPlace: testInPlace, IncludeIO: io, Align: []int{1, 4, 16}[trial%3]}
				best, err := Build(g, opts)
				if err != nil {
					t.Fatalf("trial %d %v io=%v: %v\n%s", trial, alias, io, err, g)
				}
				if best.Size < best.LowerBound {
					t.Fatalf("trial %d: arena %d below the lower bound %d", trial, best.Size, best.LowerBound)
				}
				for _, name := range PlannerNames() {
					opts.Planner = name
					p, err := Build(g, opts)
					if err != nil {
						t.Fatalf("trial %d %s: %v", trial, name, err)
					}
					if p.Size < best.Size {
						t.Fatalf("trial %d: %s gives %d bytes, best %d", trial, name, p.Size, best.Size)
					}
				}
			}
		}
	}
}

// chain builds in -> RESHAPE -> RELU -> RELU -> out, with 100-byte tensors,
// and an extra reader of the first RELU's output when keep is set.
func chain(keep bool) (*ir.Graph, []*ir.Tensor) {
	g := &ir.Graph{Name: "chain"}
	var ts []*ir.Tensor
	for i := 0; i < 4; i++ {
		ts = append(ts, g.AddTensor(&ir.Tensor{Name: "t", DType: ir.Int8, Shape: ir.Shape{100}}))
	}
	g.Inputs = []*ir.Tensor{ts[0]}
	g.AddOp(&ir.Op{Kind: ir.Relu, Inputs: []*ir.Tensor{ts[0]}, Outputs: []*ir.Tensor{ts[1]}})
	g.AddOp(&ir.Op{Kind: ir.Reshape, Inputs: []*ir.Tensor{ts[1]}, Outputs: []*ir.Tensor{ts[2]}})
	g.AddOp(&ir.Op{Kind: ir.Relu, Inputs: []*ir.Tensor{ts[2]}, Outputs: []*ir.Tensor{ts[3]}})
	last := ts[3]
	if keep {
		sum := g.AddTensor(&ir.Tensor{Name: "sum", DType: ir.Int8, Shape: ir.Shape{100}})
		g.AddOp(&ir.Op{Kind: ir.Add, Inputs: []*ir.Tensor{ts[3], ts[1]}, Outputs: []*ir.Tensor{sum}})
		last = sum
	}
	out := g.AddTensor(&ir.Tensor{Name: "out", DType: ir.Int8, Shape: ir.Shape{100}})
	g.AddOp(&ir.Op{Kind: ir.Relu, Inputs: []*ir.Tensor{last}, Outputs: []*ir.Tensor{out}})
	g.Outputs = []*ir.Tensor{out}
	return g, ts
}

// TestAliasing checks which tensors share storage in each mode.
func TestAliasing(t *testing.T) {
	cases := []struct {
		alias     Aliasing
		keep      bool
		shared    [][2]int // tensor IDs that must share storage
		separate  [][2]int // tensor IDs that must not
		arena, lb int
	}{
		// t1 -> view t2 -> in place t3 -> in place out: all one buffer,
		// which is the caller's output buffer.
		{alias: AliasAll, shared: [][2]int{{1, 2}, {2, 3}, {3, 4}}, arena: 0, lb: 0},
		// Views only: t1 = t2, then t3 in the arena beside them.
		{alias: AliasViews, shared: [][2]int{{1, 2}}, separate: [][2]int{{2, 3}}, arena: 224, lb: 224},
		{alias: AliasNone, separate: [][2]int{{1, 2}, {2, 3}}, arena: 224, lb: 224},
		// t1 is read again by ADD, so t3 cannot take its bytes; ADD's
		// result (%4) takes t3's bytes and the last RELU's output (%5)
		// those again: t3 lives in the caller's output buffer.
		{alias: AliasAll, keep: true, shared: [][2]int{{1, 2}, {3, 4}, {4, 5}}, separate: [][2]int{{1, 3}}, arena: 112, lb: 112},
	}
	for _, c := range cases {
		g, _ := chain(c.keep)
		p, err := Build(g, Options{Aliasing: c.alias, InPlace: testInPlace})
		if err != nil {
			t.Fatalf("%v keep=%v: %v", c.alias, c.keep, err)
		}
		for _, pair := range c.shared {
			if !p.SameStorage(g.Tensors[pair[0]], g.Tensors[pair[1]]) {
				t.Errorf("%v keep=%v: %%%d and %%%d do not share storage", c.alias, c.keep, pair[0], pair[1])
			}
		}
		for _, pair := range c.separate {
			if p.SameStorage(g.Tensors[pair[0]], g.Tensors[pair[1]]) {
				t.Errorf("%v keep=%v: %%%d and %%%d share storage", c.alias, c.keep, pair[0], pair[1])
			}
		}
		if p.Size != c.arena || p.LowerBound != c.lb {
			t.Errorf("%v keep=%v: arena %d, lower bound %d; want %d, %d", c.alias, c.keep, p.Size, p.LowerBound, c.arena, c.lb)
		}
	}
}

// TestIncludeIO puts the graph input and output in the arena: the input
// lives from step 0, the output to the end, and a view of the input shares
// its bytes.
func TestIncludeIO(t *testing.T) {
	g, ts := chain(false)
	p, err := Build(g, Options{Aliasing: AliasViews, IncludeIO: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Offset(ts[0]); !ok {
		t.Fatal("graph input not in the arena")
	}
	if _, ok := p.Offset(g.Outputs[0]); !ok {
		t.Fatal("graph output not in the arena")
	}
	// in(0-0), t1=t2 (0-2), t3 (2-3), out (3-3): at step 2, t1 and t3;
	// at step 3, t3 and out. Two 112-byte slots.
	if p.LowerBound != 224 || p.Size != 224 {
		t.Errorf("arena %d, lower bound %d; want 224, 224", p.Size, p.LowerBound)
	}
}

// TestVerifyCatchesErrors corrupts valid plans and requires Verify to
// notice: the checker is not vacuous.
func TestVerifyCatchesErrors(t *testing.T) {
	g, _ := chain(true)
	p, err := Build(g, Options{Aliasing: AliasNone, Planner: "greedy-size"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Buffers) < 2 {
		t.Fatalf("want at least two buffers, got %d", len(p.Buffers))
	}
	// Move every buffer to offset 0: live values now overlap.
	for i := range p.Buffers {
		p.Buffers[i].Offset = 0
	}
	if err := Verify(g, p, nil); err == nil || !strings.Contains(err.Error(), "still need") {
		t.Errorf("Verify accepted overlapping live buffers: %v", err)
	}
	// Misaligned and out-of-range offsets.
	p, _ = Build(g, Options{Aliasing: AliasNone})
	p.Buffers[len(p.Buffers)-1].Offset += 1
	if err := Verify(g, p, nil); err == nil {
		t.Error("Verify accepted a misaligned offset")
	}
	p, _ = Build(g, Options{Aliasing: AliasNone})
	p.Buffers[0].Offset = p.Size
	if err := Verify(g, p, nil); err == nil {
		t.Error("Verify accepted a buffer past the arena end")
	}
	// An in-place plan is only valid when the kernel allows it.
	p, err = Build(g, Options{InPlace: testInPlace})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(g, p, nil); err == nil {
		t.Error("Verify accepted in-place writes without permission")
	}
}

// TestTestModels plans every synthetic model with every planner.
func TestTestModels(t *testing.T) {
	for _, m := range testmodels.All() {
		for _, name := range PlannerNames() {
			if _, err := Build(m.Graph(), Options{Planner: name}); err != nil {
				t.Errorf("%s %s: %v", m.Name, name, err)
			}
		}
	}
}

// TestSharedModels plans every model in the shared folder that the
// frontend reads, with every planner and aliasing mode, in model order and
// in the memory-aware order.
func TestSharedModels(t *testing.T) {
	dir := sharedtest.Require(t)
	paths, err := filepath.Glob(filepath.Join(dir, "models", "*", "*.tflite"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no models under %s: %v", dir, err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		g, err := tflite.Parse(data)
		if err != nil {
			continue // models with unsupported ops are the frontend's business
		}
		name := filepath.Base(path)
		for _, alias := range []Aliasing{AliasAll, AliasNone} {
			for _, pl := range PlannerNames() {
				p, err := Build(g, Options{Planner: pl, Aliasing: alias, IncludeIO: pl == "greedy-size"})
				if err != nil {
					t.Errorf("%s %s %v: %v", name, pl, alias, err)
					continue
				}
				if p.Size < p.LowerBound {
					t.Errorf("%s %s: arena %d below the lower bound %d", name, pl, p.Size, p.LowerBound)
				}
			}
		}
		s, err := MemoryOrder(g, Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if s.Peak > s.OriginalPeak {
			t.Errorf("%s: memory order peak %d above the model order's %d", name, s.Peak, s.OriginalPeak)
		}
		h := *g
		h.Ops = s.Ops
		if _, err := Build(&h, Options{}); err != nil {
			t.Errorf("%s in memory order: %v", name, err)
		}
	}
}

// allOrders calls f with every topological order of g's ops (n ≤ 8).
func allOrders(g *ir.Graph, f func([]int)) {
	prod := g.Producers()
	idx := map[*ir.Op]int{}
	for i, op := range g.Ops {
		idx[op] = i
	}
	n := len(g.Ops)
	done := make([]bool, n)
	var order []int
	var rec func()
	rec = func() {
		if len(order) == n {
			f(append([]int(nil), order...))
			return
		}
		for o := 0; o < n; o++ {
			if done[o] {
				continue
			}
			ok := true
			for _, t := range g.Ops[o].Inputs {
				if p, has := prod[t]; t != nil && has && !done[idx[p]] {
					ok = false
				}
			}
			if !ok {
				continue
			}
			done[o] = true
			order = append(order, o)
			rec()
			order = order[:len(order)-1]
			done[o] = false
		}
	}
	rec()
}

// TestMemoryOrderIsOptimal compares the exact search with brute force over
// every topological order of small random graphs, under the same model.
func TestMemoryOrderIsOptimal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 200; trial++ {
		g := randomGraph(r, 2+r.IntN(6))
		opts := Options{InPlace: testInPlace, IncludeIO: trial%2 == 0}
		s, err := MemoryOrder(g, opts)
		if err != nil {
			t.Fatal(err)
		}
		m, err := newScheduleModel(g, opts)
		if err != nil {
			t.Fatal(err)
		}
		best := -1
		allOrders(g, func(order []int) {
			p, err := m.peakOf(order)
			if err != nil {
				t.Fatal(err)
			}
			if best < 0 || p < best {
				best = p
			}
		})
		if !s.Exact || s.Peak != best {
			t.Fatalf("trial %d: search peak %d (exact %v), brute force %d\n%s", trial, s.Peak, s.Exact, best, g)
		}
		if s.Peak > s.OriginalPeak {
			t.Fatalf("trial %d: peak %d worse than the original %d", trial, s.Peak, s.OriginalPeak)
		}
	}
}

// TestMemoryOrderBranches builds two branches that each expand the input
// to a big tensor and reduce it again, interleaved in the model order: the
// memory-aware order runs one branch after the other, so only one big
// tensor is live at a time.
func TestMemoryOrderBranches(t *testing.T) {
	g := &ir.Graph{Name: "branches"}
	mk := func(n int) *ir.Tensor { return g.AddTensor(&ir.Tensor{Name: "t", DType: ir.Int8, Shape: ir.Shape{n}}) }
	in := mk(16)
	g.Inputs = []*ir.Tensor{in}
	a1, b1, a2, b2, out := mk(1000), mk(1000), mk(16), mk(16), mk(32)
	op := func(ins []*ir.Tensor, o *ir.Tensor) {
		g.AddOp(&ir.Op{Kind: ir.Concatenation, Inputs: ins, Outputs: []*ir.Tensor{o}})
	}
	op([]*ir.Tensor{in}, a1)
	op([]*ir.Tensor{in}, b1)
	op([]*ir.Tensor{a1}, a2)
	op([]*ir.Tensor{b1}, b2)
	op([]*ir.Tensor{a2, b2}, out)
	g.Outputs = []*ir.Tensor{out}
	s, err := MemoryOrder(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Model order: a1, b1 and a2 live at step 2 (1008 + 1008 + 16).
	// Best: a1, a2, b1, b2: a2 (16) + b1 (1008) + b2 (16) at step 3.
	if s.OriginalPeak != 2032 || s.Peak != 1040 {
		t.Errorf("peaks: original %d, new %d; want 2032, 1040", s.OriginalPeak, s.Peak)
	}
	var got []*ir.Tensor
	for _, op := range s.Ops {
		got = append(got, op.Outputs[0])
	}
	want := []*ir.Tensor{a1, a2, b1, b2, out}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	h := *g
	h.Ops = s.Ops
	p, err := Build(&h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Size != 1040 {
		t.Errorf("arena in the new order: %d bytes, want 1040", p.Size)
	}
}
