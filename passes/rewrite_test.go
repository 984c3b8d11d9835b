// rewrite_test.go: the ONNX graph passes on IR text (testdata/rewrite),
// each checked against the evaluator on random inputs.

package passes

import (
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/ir"
)

var update = flag.Bool("update", false, "rewrite the out.ir sections of testdata/rewrite")

// TestRewritePasses runs each testdata/rewrite/*.txtar: the pass named in
// its "pass" section (or "all": every rewriting pass, as RewriteGraph
// runs them) on "in.ir" must print as "out.ir", and both graphs must give
// the same outputs on random inputs (bit for bit, or within "tolerance"
// relative when the section says so: folding a MUL into weights rounds
// differently).
func TestRewritePasses(t *testing.T) {
	files, err := filepath.Glob("testdata/rewrite/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sec := map[string]string{}
			for _, f := range ar.Files {
				sec[f.Name] = string(f.Data)
			}
			in, err := ir.ParseString(sec["in.ir"])
			if err != nil {
				t.Fatalf("in.ir: %v", err)
			}
			if err := in.Verify(); err != nil {
				t.Fatalf("in.ir does not verify: %v", err)
			}
			name := strings.TrimSpace(sec["pass"])
			out := cloneGraph(in)
			if name == "all" {
				if out, err = RewriteGraph(in); err != nil {
					t.Fatal(err)
				}
			} else {
				var run graphPass
				for _, p := range rewritePasses() {
					if p.name == name {
						run = p.run
					}
				}
				if run == nil {
					t.Fatalf("no rewriting pass %q", name)
				}
				if _, err := run(out); err != nil {
					t.Fatal(err)
				}
			}
			if err := out.Verify(); err != nil {
				t.Fatalf("the result does not verify: %v\n%s", err, out.String())
			}
			got := out.String()
			if *update {
				for i, f := range ar.Files {
					if f.Name == "out.ir" {
						ar.Files[i].Data = []byte(got)
					}
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if want := sec["out.ir"]; strings.TrimSpace(got) != strings.TrimSpace(want) {
				t.Errorf("after %s:\n%s\nwant:\n%s", name, got, want)
			}
			tol := 0.0
			if s := strings.TrimSpace(sec["tolerance"]); s != "" {
				tol = 1e-5
			}
			checkSameOutputs(t, in, out, tol)
		})
	}
}

// checkSameOutputs runs both graphs on four random inputs.
func checkSameOutputs(t *testing.T, a, b *ir.Graph, tol float64) {
	t.Helper()
	ea, err := eval.New(a)
	if err != nil {
		t.Fatal(err)
	}
	eb, err := eval.New(b)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 5))
	for k := 0; k < 4; k++ {
		var ins [][]byte
		for _, in := range a.Inputs {
			buf := make([]byte, in.NumBytes())
			if in.DType == ir.Float32 {
				v := make([]float32, in.Shape.Elements())
				for i := range v {
					v[i] = float32(r.Float64()*4 - 2)
				}
				buf = ir.Float32Data(v)
			} else {
				for i := range buf {
					buf[i] = byte(r.IntN(256))
				}
			}
			ins = append(ins, buf)
		}
		oa, err := ea.Run(ins)
		if err != nil {
			t.Fatal(err)
		}
		ob, err := eb.Run(ins)
		if err != nil {
			t.Fatal(err)
		}
		for i := range oa {
			if tol == 0 || a.Outputs[i].DType != ir.Float32 {
				if string(oa[i]) != string(ob[i]) {
					t.Fatalf("vector %d output %d differs after the pass", k, i)
				}
				continue
			}
			x, y := (&ir.Tensor{Data: oa[i]}).Float32s(), (&ir.Tensor{Data: ob[i]}).Float32s()
			for j := range x {
				if d := math.Abs(float64(x[j] - y[j])); d > tol*(1+math.Abs(float64(x[j]))) {
					t.Fatalf("vector %d output %d element %d: %g before, %g after", k, i, j, x[j], y[j])
				}
			}
		}
	}
}

// TestRewriteOnlyONNX checks that TFLite graphs never go through the
// rewriting passes.
func TestRewriteOnlyONNX(t *testing.T) {
	g, err := ir.ParseString(`tinygen-ir 1
graph "t" source "tflite v3" description ""
tensor %0 "x" f32[1,2,2,3]
tensor %1 "a" f32[1,3,2,2]
tensor %2 "b" f32[1,2,2,3]
input %0
op 0 TRANSPOSE (%0) -> (%1) {Perm=[0,3,1,2]}
op 1 TRANSPOSE (%1) -> (%2) {Perm=[0,2,3,1]}
output %2
`)
	if err != nil {
		t.Fatal(err)
	}
	h, err := RewriteGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	if h != g || len(h.Ops) != 2 {
		t.Errorf("a TFLite graph was rewritten")
	}
}

// TestRewriteBounded checks the size bound of layout: a chain of
// TRANSPOSE/RELU pairs loses its transposes (all but the last, which
// leaves the graph in NCHW) within maxRewriteOps and keeps them beyond it.
func TestRewriteBounded(t *testing.T) {
	for _, tc := range []struct {
		pairs    int
		wantKept bool
	}{{pairs: 100}, {pairs: maxRewriteOps/2 + 1, wantKept: true}} {
		g := transposeChain(tc.pairs)
		h, err := RewriteGraph(g)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Verify(); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, o := range h.Ops {
			if o.Kind == ir.Transpose {
				n++
			}
		}
		if kept := n == tc.pairs; kept != tc.wantKept || !kept && n > 1 {
			t.Errorf("%d pairs: %d transposes left", tc.pairs, n)
		}
	}
}

// transposeChain is x → (TRANSPOSE, RELU) × pairs, alternating the NCHW →
// NHWC and NHWC → NCHW permutations.
func transposeChain(pairs int) *ir.Graph {
	g := &ir.Graph{Source: "onnx opset 13"}
	x := g.AddTensor(&ir.Tensor{Name: "x", DType: ir.Float32, Shape: ir.Shape{1, 2, 3, 4}})
	g.Inputs = []*ir.Tensor{x}
	perms := [][]int{{0, 2, 3, 1}, {0, 3, 1, 2}}
	for i := 0; i < pairs; i++ {
		p := perms[i%2]
		y := g.AddTensor(&ir.Tensor{Name: "t", DType: ir.Float32, Shape: ir.PermuteShape(x.Shape, p)})
		g.AddOp(&ir.Op{Kind: ir.Transpose, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{y}, Attrs: ir.TransposeAttrs{Perm: p}, SourceIndex: -1})
		y2 := g.AddTensor(&ir.Tensor{Name: "r", DType: ir.Float32, Shape: y.Shape.Clone()})
		g.AddOp(&ir.Op{Kind: ir.Relu, Inputs: []*ir.Tensor{y}, Outputs: []*ir.Tensor{y2}, SourceIndex: -1})
		x = y2
	}
	g.Outputs = []*ir.Tensor{x}
	return g
}
