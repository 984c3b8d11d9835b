// passes_test.go: the pass table, the checker, dumps, configuration errors
// and the Program's layout.

package passes

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/program"
	"github.com/tinygen/tinygen/targets"
)

func target(t *testing.T, name string) *targets.Target {
	t.Helper()
	tg, err := targets.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestPipelineTable checks the table: unique names, every requirement
// provided by an earlier pass whichever optional passes are disabled, and
// a doc line for every pass.
func TestPipelineTable(t *testing.T) {
	seen := map[string]bool{}
	var optional []string
	for _, p := range Pipeline() {
		if seen[p.Name] {
			t.Errorf("pass %s listed twice", p.Name)
		}
		seen[p.Name] = true
		if p.Doc == "" || p.Run == nil {
			t.Errorf("pass %s lacks a doc line or a function", p.Name)
		}
		if !p.Required {
			optional = append(optional, p.Name)
		}
	}
	// Every subset of the optional passes disabled.
	for mask := 0; mask < 1<<len(optional); mask++ {
		facts := map[Fact]bool{}
		for _, p := range Pipeline() {
			if i := slices.Index(optional, p.Name); i >= 0 && mask&(1<<i) != 0 {
				continue
			}
			for _, f := range p.Requires {
				if !facts[f] {
					t.Errorf("with optional passes %b disabled, %s requires %s, which no earlier pass provides", mask, p.Name, f)
				}
			}
			for _, f := range p.Provides {
				facts[f] = true
			}
		}
		if !facts[Built] {
			t.Errorf("with optional passes %b disabled, the pipeline does not build a Program", mask)
		}
	}
}

// TestRunEveryModelChecked runs the pipeline with the checker after every
// pass on every synthetic model, for two targets, and checks the Program.
func TestRunEveryModelChecked(t *testing.T) {
	for _, tname := range []string{"host", "cortex-m4", "rv32imc"} {
		for _, m := range testmodels.All() {
			g := m.Graph()
			s, err := Run(g, Config{Target: target(t, tname), Name: "m", Controls: Controls{Check: true}})
			if err != nil {
				t.Fatalf("%s on %s: %v", m.Name, tname, err)
			}
			p := s.Program
			if p.Target.Name != tname || p.Arena.Align != target(t, tname).ArenaAlign {
				t.Errorf("%s: program target %q align %d", m.Name, p.Target.Name, p.Arena.Align)
			}
			if len(p.Steps) < len(g.Ops) {
				t.Errorf("%s: %d steps for %d ops", m.Name, len(p.Steps), len(g.Ops))
			}
			for _, c := range p.Constants {
				if !strings.HasPrefix(c.Symbol, "op") && !strings.HasPrefix(c.Symbol, "out_") {
					t.Errorf("%s: constant %q is not named by its step", m.Name, c.Symbol)
				}
				if c.Align != p.Arena.Align {
					t.Errorf("%s: constant %s aligned to %d, want the target's %d", m.Name, c.Symbol, c.Align, p.Arena.Align)
				}
			}
			// The model's graph is never changed.
			if !slices.Equal(g.Ops, m.Graph().Ops) && len(g.Ops) != len(m.Graph().Ops) {
				t.Errorf("%s: the input graph changed", m.Name)
			}
		}
	}
}

// TestParametersBecomeConstants checks that every out-of-line parameter
// array (per-channel multipliers and shifts) is a named constant, shifts
// as int8_t, and that no Array that is not inline is left in a step.
func TestParametersBecomeConstants(t *testing.T) {
	m, _ := testmodels.Get("kws_tiny")
	s, err := Run(m.Graph(), Config{Target: target(t, "host"), Name: "kws"})
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, c := range s.Program.Constants {
		roles[c.Symbol] = c.Elem
	}
	for sym, elem := range map[string]string{"op0_filter": "int8_t", "op0_bias": "int32_t", "op0_multiplier": "int32_t", "op0_shift": "int8_t"} {
		if roles[sym] != elem {
			t.Errorf("constant %s: element type %q, want %q (have %v)", sym, roles[sym], elem, roles)
		}
	}
	var walk func(v program.Value)
	walk = func(v program.Value) {
		switch x := v.(type) {
		case program.Array:
			if !x.Inline {
				t.Errorf("an out-of-line array stayed in the parameters")
			}
		case program.Struct:
			for _, f := range x.Fields {
				walk(f.Value)
			}
		}
	}
	for _, st := range s.Program.Steps {
		walk(st.Params)
	}
}

// TestConfigErrors checks that bad configurations are refused by name.
func TestConfigErrors(t *testing.T) {
	host := target(t, "host")
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "no target"},
		{Config{Target: host, Controls: Controls{Disabled: []string{"plan-memory"}}}, "pass plan-memory is required"},
		{Config{Target: host, Controls: Controls{Disabled: []string{"fold"}}}, `unknown pass "fold"`},
		{Config{Target: host, Controls: Controls{DumpAfter: "nope", Dump: &bytes.Buffer{}}}, `--dump-after: unknown pass "nope"`},
		{Config{Target: host, KernelSets: []string{"dsp"}}, `unknown kernel set "dsp"`},
		{Config{Target: host, Memory: MemoryOptions{Align: 12}}, "--align 12"},
		{Config{Target: host, Memory: MemoryOptions{Align: 8192}}, "--align 8192"},
	} {
		m, _ := testmodels.Get("kws_tiny")
		_, err := Run(m.Graph(), c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg.Disabled, err, c.want)
		}
	}
}

// TestDumpAfterParses dumps the IR after every pass and parses it back:
// the dump is tinygen's textual IR with '#' annotations.
func TestDumpAfterParses(t *testing.T) {
	m, _ := testmodels.Get("kws_tiny")
	for _, name := range PassNames() {
		var buf bytes.Buffer
		if _, err := Run(m.Graph(), Config{Target: target(t, "cortex-m4"), Name: "m", Controls: Controls{DumpAfter: name, Dump: &buf}}); err != nil {
			t.Fatal(err)
		}
		text := buf.String()
		g, err := ir.ParseString(text)
		if err != nil {
			t.Fatalf("after %s: the dump does not parse: %v\n%s", name, err, text)
		}
		if len(g.Ops) != len(m.Graph().Ops) {
			t.Errorf("after %s: %d ops, want %d", name, len(g.Ops), len(m.Graph().Ops))
		}
		if name == "plan-memory" && !strings.Contains(text, "# arena ") {
			t.Errorf("the dump after plan-memory shows no arena")
		}
	}
}

// TestMemoryOrderDisabled keeps the model's order when the pass is off.
func TestMemoryOrderDisabled(t *testing.T) {
	for _, m := range testmodels.All() {
		g := m.Graph()
		s, err := Run(g, Config{Target: target(t, "host"), Name: "m", Controls: Controls{Disabled: []string{"memory-order"}}})
		if err != nil {
			t.Fatal(err)
		}
		if s.Reordered || !slices.Equal(s.Graph.Ops, g.Ops) || s.Schedule != nil {
			t.Errorf("%s: reordered with memory-order disabled", m.Name)
		}
	}
}

// TestStopAfter ends the pipeline after a pass.
func TestStopAfter(t *testing.T) {
	m, _ := testmodels.Get("kws_tiny")
	s, err := Run(m.Graph(), Config{Target: target(t, "host"), Name: "m", Controls: Controls{StopAfter: "plan-memory"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Plan == nil || s.Program != nil || s.Has(Built) {
		t.Errorf("StopAfter plan-memory: plan %v, program %v", s.Plan != nil, s.Program != nil)
	}
}

// TestStructureRefused checks the structures generated code cannot
// express: no outputs, no inputs.
func TestStructureRefused(t *testing.T) {
	m, _ := testmodels.Get("kws_tiny")
	g := m.Graph()
	g.Outputs = nil
	if _, err := Run(g, Config{Target: target(t, "host"), Name: "m"}); err == nil || !strings.Contains(err.Error(), "no outputs") {
		t.Errorf("no outputs: %v", err)
	}
}

// TestConstantBytesBounded refuses to build a Program whose constants
// exceed MaxConstantBytes (the C text would be about five times larger).
func TestConstantBytesBounded(t *testing.T) {
	g := &ir.Graph{Name: "big"}
	x := g.AddTensor(&ir.Tensor{Name: "x", DType: ir.Float32, Shape: ir.Shape{1}})
	w := g.AddTensor(&ir.Tensor{Name: "w", DType: ir.Float32, Shape: ir.Shape{MaxConstantBytes/4 + 1},
		Data: make([]byte, MaxConstantBytes+4)})
	y := g.AddTensor(&ir.Tensor{Name: "y", DType: ir.Float32, Shape: ir.Shape{MaxConstantBytes/4 + 1}})
	g.AddOp(&ir.Op{Kind: ir.Add, Attrs: ir.BinaryAttrs{}, Inputs: []*ir.Tensor{x, w}, Outputs: []*ir.Tensor{y}})
	g.Inputs, g.Outputs = []*ir.Tensor{x}, []*ir.Tensor{y}
	_, err := Run(g, Config{Target: target(t, "host"), Name: "big"})
	if err == nil || !strings.Contains(err.Error(), "bytes of constants is more than") {
		t.Fatalf("error %v", err)
	}
}

// TestViewOfConstant compiles a RESHAPE whose input is a constant (a view
// that shares the constant's bytes) feeding an ADD: the constant gets its
// array at the view, and the ADD reads it through the view.
func TestViewOfConstant(t *testing.T) {
	g := &ir.Graph{Name: "viewconst"}
	x := g.AddTensor(&ir.Tensor{Name: "x", DType: ir.Float32, Shape: ir.Shape{2, 2}})
	c := g.AddTensor(&ir.Tensor{Name: "c", DType: ir.Float32, Shape: ir.Shape{4}, Data: make([]byte, 16)})
	r := g.AddTensor(&ir.Tensor{Name: "r", DType: ir.Float32, Shape: ir.Shape{2, 2}})
	y := g.AddTensor(&ir.Tensor{Name: "y", DType: ir.Float32, Shape: ir.Shape{2, 2}})
	g.AddOp(&ir.Op{Kind: ir.Reshape, Attrs: ir.ReshapeAttrs{NewShape: []int{2, 2}}, Inputs: []*ir.Tensor{c}, Outputs: []*ir.Tensor{r}})
	g.AddOp(&ir.Op{Kind: ir.Add, Attrs: ir.BinaryAttrs{}, Inputs: []*ir.Tensor{x, r}, Outputs: []*ir.Tensor{y}})
	g.Inputs, g.Outputs = []*ir.Tensor{x}, []*ir.Tensor{y}
	s, err := Run(g, Config{Target: target(t, "host"), Name: "viewconst", Controls: Controls{Check: true}})
	if err != nil {
		t.Fatal(err)
	}
	st := s.Program.Steps
	if st[0].Kind != program.ViewStep || st[1].Args[1].Loc.Kind != program.LocConst {
		t.Errorf("steps %+v", st)
	}
}
