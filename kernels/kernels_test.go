package kernels_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
)

// TestManifestMatchesSources checks that every manifest kernel has its
// source file, its declaration in tg_kernels.h with its parameter struct,
// and a definition; and that every source file of the set is in the
// manifest.
func TestManifestMatchesSources(t *testing.T) {
	header, err := kernels.File(kernels.Reference, "tg_kernels.h")
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := kernels.SourceFiles(kernels.Reference)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, k := range kernels.Manifest() {
		if seen[k.Symbol] {
			t.Errorf("%s listed twice", k.Symbol)
		}
		seen[k.Symbol] = true
		if !slices.Contains(srcs, k.Source()) {
			t.Errorf("%s: no source file %s in set %s", k.Symbol, k.Source(), kernels.Reference)
			continue
		}
		decl := regexp.MustCompile(`void\s+` + k.Symbol + `\(const\s+` + k.ParamsType + `\s+\*p,`)
		if !decl.Match(header) {
			t.Errorf("%s: tg_kernels.h does not declare void %s(const %s *p, ...)", k.Symbol, k.Symbol, k.ParamsType)
		}
		if !regexp.MustCompile(`\}\s*` + k.ParamsType + `;`).Match(header) {
			t.Errorf("%s: tg_kernels.h does not define %s", k.Symbol, k.ParamsType)
		}
		src, err := kernels.File(kernels.Reference, k.Source())
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m)^void\s+` + k.Symbol + `\(`).Match(src) {
			t.Errorf("%s: %s does not define it", k.Symbol, k.Source())
		}
		usesMath := regexp.MustCompile(`\b(expf|tanhf|roundf|logf|sqrtf)\(`).Match(src)
		if usesMath != k.Libm {
			t.Errorf("%s: manifest says Libm=%v, the source calls math functions: %v", k.Symbol, k.Libm, usesMath)
		}
	}
	for _, s := range srcs {
		if !seen[strings.TrimSuffix(s, ".c")] {
			t.Errorf("%s is in the kernel set but not in the manifest", s)
		}
	}
	for _, h := range []string{"tg_port.h", "tg_kernels.h", "tg_fixedpoint.h"} {
		if !slices.Contains(kernels.Headers(), h) {
			t.Errorf("Headers() misses %s", h)
		}
	}
}

// TestLowerEverySyntheticOp lowers every op of every synthetic model and
// checks that the chosen kernel claims the op and takes the struct the
// parameters describe, and that every tensor argument is an operand of the
// op.
func TestLowerEverySyntheticOp(t *testing.T) {
	covered := map[string]bool{}
	for _, m := range testmodels.All() {
		for _, op := range m.Graph().Ops {
			c, err := kernels.Lower(op)
			if err != nil {
				t.Errorf("%s: %v", m.Name, err)
				continue
			}
			covered[c.Kernel.Symbol] = true
			if !slices.Contains(c.Kernel.Ops, op.Kind) {
				t.Errorf("%s: %v lowered to %s, which does not list %v", m.Name, op, c.Kernel.Symbol, op.Kind)
			}
			if c.Params.Type != c.Kernel.ParamsType {
				t.Errorf("%s: %v: parameters of type %s for %s, which takes %s", m.Name, op, c.Params.Type, c.Kernel.Symbol, c.Kernel.ParamsType)
			}
			outputs := 0
			for _, a := range c.Args {
				if a.Output {
					outputs++
					if a.Tensor != op.Outputs[0] {
						t.Errorf("%s: %v: output argument is not the op's output", m.Name, op)
					}
				} else if a.Tensor != nil && !slices.Contains(op.Inputs, a.Tensor) {
					t.Errorf("%s: %v: argument %s is not an operand", m.Name, op, a.Name)
				}
			}
			if outputs != 1 {
				t.Errorf("%s: %v: %d output arguments", m.Name, op, outputs)
			}
		}
	}
	t.Logf("the synthetic models use %d of %d kernels", len(covered), len(kernels.Manifest()))
	for _, k := range kernels.Manifest() {
		if !covered[k.Symbol] {
			t.Logf("not used by a synthetic model: %s", k.Symbol)
		}
	}
}

// TestLowerErrorsNameTheOp checks the error for a type combination without
// a kernel.
func TestLowerErrorsNameTheOp(t *testing.T) {
	x := &ir.Tensor{Name: "x", DType: ir.Int16, Shape: ir.Shape{1, 4, 4, 2}}
	y := &ir.Tensor{Name: "y", DType: ir.Int16, Shape: ir.Shape{1, 2, 2, 2}}
	op := &ir.Op{Kind: ir.MaxPool2D, SourceIndex: 4, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{y},
		Attrs: ir.Pool2DAttrs{Padding: ir.PadValid, StrideH: 2, StrideW: 2, FilterH: 2, FilterW: 2}}
	_, err := kernels.Lower(op)
	if err == nil || !strings.Contains(err.Error(), "op 4 (MAX_POOL_2D): no C kernel for MAX_POOL_2D with input 0 int16, output int16") {
		t.Fatalf("got %v", err)
	}
}

// TestNoRecursion compiles every kernel of the set with gcc's call-graph
// dump (-fcallgraph-info, at -O0 so that static helpers keep their nodes)
// and fails on any cycle in the combined call graph: the kernels must not
// recurse, directly or through each other.
func TestNoRecursion(t *testing.T) {
	gcc := sharedtest.RequireTool(t, "gcc", "gcc")
	dir := t.TempDir()
	srcs, err := kernels.SourceFiles(kernels.Reference)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range append(kernels.Headers(), srcs...) {
		b, err := kernels.File(kernels.Reference, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edges := map[string][]string{}
	edgeRE := regexp.MustCompile(`edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"`)
	for _, s := range srcs {
		base := strings.TrimSuffix(s, ".c")
		cmd := exec.Command(gcc, "-std=c99", "-O0", "-fcallgraph-info", "-I", dir, "-c", s,
			"-o", base+".o", "-dumpbase", base)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gcc %s: %v\n%s", s, err, out)
		}
		ci, err := os.ReadFile(filepath.Join(dir, base+".ci"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range edgeRE.FindAllStringSubmatch(string(ci), -1) {
			edges[m[1]] = append(edges[m[1]], m[2])
		}
	}
	if len(edges) == 0 {
		t.Fatal("no call edges found: the call-graph dump format changed?")
	}
	if cycle := findCycle(edges); cycle != nil {
		t.Fatalf("recursion in the kernels: %s", strings.Join(cycle, " -> "))
	}
}

// findCycle returns one cycle of the directed graph, or nil.
func findCycle(edges map[string][]string) []string {
	const (
		unvisited = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(n string) []string
	visit = func(n string) []string {
		state[n] = active
		stack = append(stack, n)
		for _, m := range edges[n] {
			switch state[m] {
			case active:
				i := slices.Index(stack, m)
				return append(slices.Clone(stack[i:]), m)
			case unvisited:
				if c := visit(m); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		return nil
	}
	keys := make([]string, 0, len(edges))
	for k := range edges {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if state[k] == unvisited {
			if c := visit(k); c != nil {
				return c
			}
		}
	}
	return nil
}

// TestFindCycle makes sure the cycle finder is not vacuous.
func TestFindCycle(t *testing.T) {
	if c := findCycle(map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}}); fmt.Sprint(c) != "[a b c a]" {
		t.Fatalf("got %v", c)
	}
	if c := findCycle(map[string][]string{"a": {"b", "c"}, "b": {"c"}}); c != nil {
		t.Fatalf("acyclic graph reported %v", c)
	}
}
