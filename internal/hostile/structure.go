// structure.go: crafted graphs whose inputs and outputs the generated C
// cannot express as they are, and memory flags it cannot honour.
package hostile

import (
	"fmt"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/ir"
)

// structureCases returns the crafted models of class Structure.
func structureCases() ([]Case, error) {
	var cases []Case
	for _, c := range StructureGraphs() {
		data, err := tflite.Encode(c.Graph)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		cases = append(cases, Case{Name: "structure/" + c.Name, File: c.Name + ".tflite", Data: data, WantError: c.WantError})
	}
	ok, err := tflite.Encode(relu("align", false, false, false))
	if err != nil {
		return nil, err
	}
	for _, a := range []string{"3", "1048576", "0", "-16", "2", "8192"} {
		cases = append(cases, Case{Name: "structure/align-" + a, File: "align.tflite", Data: ok, Args: []string{"--align", a},
			WantError: "--align must be a power of two from 4 to 4096, got " + a, Usage: true})
	}
	for _, a := range []string{"4", "4096"} {
		cases = append(cases, Case{Name: "structure/align-" + a, File: "align.tflite", Data: ok, Args: []string{"--align", a}})
	}
	return cases, nil
}

// StructureGraph is a crafted graph of class Structure and the error its
// compile must report (empty: it compiles, and the C agrees with the
// evaluator; codegen/c's TestHostileStructureMatchesEval checks that).
type StructureGraph struct {
	Name      string
	WantError string
	Graph     *ir.Graph
}

// relu is an int8 x -> RELU -> y graph, varied: repeatIn lists x twice
// among the inputs, repeatOut lists y twice among the outputs, inAsOut
// also lists x as an output.
func relu(name string, repeatIn, repeatOut, inAsOut bool) *ir.Graph {
	b := newGB(name)
	x := b.input("x", ir.Int8, ir.Shape{1, 4, 4, 3}, qt(0.05, -3))
	if repeatIn {
		b.g.Inputs = append(b.g.Inputs, x)
	}
	y := b.op(ir.Relu, ir.NoAttrs{}, ir.Int8, qt(0.05, -3), nil, x)
	b.output(y)
	if repeatOut {
		b.output(y)
	}
	if inAsOut {
		b.output(x)
	}
	return b.g
}

// StructureGraphs returns the crafted graphs of class Structure.
func StructureGraphs() []StructureGraph {
	noOutputs := relu("no-outputs", false, false, false)
	noOutputs.Outputs = nil
	// No inputs: a constant through RELU.
	b := newGB("no-inputs")
	c := b.tensor("c", ir.Int8, ir.Shape{4}, qt(0.05, 0), []byte{1, 0xff, 7, 0x80})
	noInputs := b.output(b.op(ir.Relu, ir.NoAttrs{}, ir.Int8, qt(0.05, 0), nil, c))
	// Only an input, which is also the output: no op at all.
	b = newGB("identity")
	x := b.input("x", ir.Int8, ir.Shape{5}, qt(0.05, 0))
	identity := b.output(x)
	return []StructureGraph{
		{"no-outputs", "the graph has no outputs; nothing to compute", noOutputs},
		{"no-inputs", "the graph has no inputs", noInputs},
		{"repeated-input", `graph input %0 "x" is listed twice`, relu("repeated-input", true, false, false)},
		{"repeated-output", "", relu("repeated-output", false, true, false)},
		{"input-is-output", "", relu("input-is-output", false, false, true)},
		{"repeated-everything-out", "", relu("repeated-everything-out", false, true, true)},
		{"identity", "", identity},
	}
}
