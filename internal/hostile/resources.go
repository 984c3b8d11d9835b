package hostile

import (
	"bytes"
	"fmt"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/ir"
)

// Shapes of the large graphs that Chain, FanOut and ReshapeChain build.
const (
	// ChainRelu is a chain of RELU ops on a float32 [1, 8] tensor.
	ChainRelu = "relu"
	// ChainAdd is a chain of ADD ops, each adding the previous value to
	// itself.
	ChainAdd = "add"
)

// Chain returns a graph of n ops in one chain: the input goes through n
// elementwise ops (kind ChainRelu or ChainAdd) to the one output. Every
// intermediate value dies at the next op, so the arena holds two buffers
// at any step.
func Chain(n int, kind string) (*ir.Graph, error) {
	if n < 1 {
		return nil, fmt.Errorf("hostile: chain of %d ops", n)
	}
	g := &ir.Graph{Name: fmt.Sprintf("chain%d", n), Source: "hostile"}
	act := func(name string) *ir.Tensor {
		return g.AddTensor(&ir.Tensor{Name: name, DType: ir.Float32, Shape: ir.Shape{1, 8}})
	}
	x := act("x")
	g.Inputs = []*ir.Tensor{x}
	for i := range n {
		y := act(fmt.Sprintf("t%d", i))
		op := &ir.Op{Kind: ir.Relu, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{y}, SourceIndex: -1}
		switch kind {
		case ChainRelu:
		case ChainAdd:
			op.Kind = ir.Add
			op.Attrs = ir.BinaryAttrs{}
			op.Inputs = []*ir.Tensor{x, x}
		default:
			return nil, fmt.Errorf("hostile: unknown chain kind %q", kind)
		}
		g.AddOp(op)
		x = y
	}
	g.Outputs = []*ir.Tensor{x}
	return g, nil
}

// FanOut returns a graph of n ops where one input feeds n-1 independent
// RELUs whose results are summed pairwise by ADDs into the one output, so
// up to about n/2 values are live at once.
func FanOut(n int) (*ir.Graph, error) {
	if n < 3 {
		return nil, fmt.Errorf("hostile: fan-out of %d ops", n)
	}
	g := &ir.Graph{Name: fmt.Sprintf("fanout%d", n), Source: "hostile"}
	act := func(name string) *ir.Tensor {
		return g.AddTensor(&ir.Tensor{Name: name, DType: ir.Float32, Shape: ir.Shape{1, 8}})
	}
	x := act("x")
	g.Inputs = []*ir.Tensor{x}
	branches := (n + 1) / 2
	var ys []*ir.Tensor
	for i := range branches {
		y := act(fmt.Sprintf("b%d", i))
		g.AddOp(&ir.Op{Kind: ir.Relu, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{y}, SourceIndex: -1})
		ys = append(ys, y)
	}
	acc := ys[0]
	for i, y := range ys[1:] {
		if len(g.Ops) == n {
			break
		}
		s := act(fmt.Sprintf("s%d", i))
		g.AddOp(&ir.Op{Kind: ir.Add, Attrs: ir.BinaryAttrs{}, Inputs: []*ir.Tensor{acc, y}, Outputs: []*ir.Tensor{s}, SourceIndex: -1})
		acc = s
	}
	g.Outputs = []*ir.Tensor{acc}
	return g, nil
}

// ReshapeChain returns a graph of n RESHAPE ops alternating between the
// shapes [1, 8] and [2, 4]: every tensor is a view of the input.
func ReshapeChain(n int) (*ir.Graph, error) {
	if n < 1 {
		return nil, fmt.Errorf("hostile: reshape chain of %d ops", n)
	}
	g := &ir.Graph{Name: fmt.Sprintf("reshapes%d", n), Source: "hostile"}
	shapes := []ir.Shape{{1, 8}, {2, 4}}
	x := g.AddTensor(&ir.Tensor{Name: "x", DType: ir.Float32, Shape: shapes[0]})
	g.Inputs = []*ir.Tensor{x}
	for i := range n {
		s := shapes[(i+1)%2]
		y := g.AddTensor(&ir.Tensor{Name: fmt.Sprintf("r%d", i), DType: ir.Float32, Shape: s})
		g.AddOp(&ir.Op{Kind: ir.Reshape, Attrs: ir.ReshapeAttrs{NewShape: []int{s[0], s[1]}}, Inputs: []*ir.Tensor{x}, Outputs: []*ir.Tensor{y}, SourceIndex: -1})
		x = y
	}
	g.Outputs = []*ir.Tensor{x}
	return g, nil
}

// ChainTFLite encodes Chain(n, kind) as .tflite bytes.
func ChainTFLite(n int, kind string) ([]byte, error) {
	g, err := Chain(n, kind)
	if err != nil {
		return nil, err
	}
	return tflite.Encode(g)
}

// MaxOps is the operator limit tinygen enforces at load time
// (driver.MaxOps; hostile cannot import driver).
const MaxOps = 100_000

// resourceCases returns the crafted models of class Resources: graphs one
// operator over the limit, as a .tflite flatbuffer and as textual IR, each
// refused at load time with the count and the limit. (Named pipes and
// devices given as the model are in cmd/tinygen/testdata/script/limits.txtar;
// large graphs under the limit in driver's TestCompileChain40k.)
func resourceCases() ([]Case, error) {
	over := MaxOps + 1
	want := fmt.Sprintf("%d operators is more than the %d tinygen compiles", over, MaxOps)
	tfl, err := ChainTFLite(over, ChainRelu)
	if err != nil {
		return nil, err
	}
	g, err := Chain(over, ChainRelu)
	if err != nil {
		return nil, err
	}
	var text bytes.Buffer
	if err := ir.Print(&text, g); err != nil {
		return nil, err
	}
	return []Case{
		{Name: "resources/ops-over-limit-tflite", File: "many_ops.tflite", Data: tfl, WantError: want},
		{Name: "resources/ops-over-limit-ir", File: "many_ops.ir", Data: text.Bytes(), WantError: want},
		{Name: "resources/huge-activations", File: "huge_activations.ir", Data: hugeActivations(8),
			WantError: "more than the 1073741824 tinygen evaluates or plans"},
		{Name: "resources/huge-pool-window", File: "huge_pool.ir", Data: hugePoolWindow(),
			WantError: "multiply-accumulates and pooling reads, more than tinygen evaluates"},
	}, nil
}

// hugeActivations is a few hundred bytes of textual IR declaring a chain
// of n RELUs over int8 tensors of 2^28 elements each (every one within the
// per-tensor limit): (n+1) × 256 MiB of activations, which the evaluator
// and the planner would have to hold.
func hugeActivations(n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\ngraph \"huge\" source \"hostile\" description \"\"\n", ir.TextHeader)
	for i := 0; i <= n; i++ {
		fmt.Fprintf(&b, "tensor %%%d \"t%d\" i8[16384,16384] quant(scale=[0.1] zp=[0])\n", i, i)
	}
	b.WriteString("input %0\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "op %d RELU (%%%d) -> (%%%d) {}\n", i, i, i+1)
	}
	fmt.Fprintf(&b, "output %%%d\n", n)
	return b.Bytes()
}

// hugePoolWindow is textual IR of one MAX_POOL_2D whose window covers a
// row of 4096 positions for each of 2^23 outputs (SAME padding, stride 1):
// 2^35 reads for one inference, from 64 MiB of activations.
func hugePoolWindow() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\ngraph \"pool\" source \"hostile\" description \"\"\n", ir.TextHeader)
	b.WriteString("tensor %0 \"x\" f32[1,1,4096,2048]\n")
	b.WriteString("tensor %1 \"y\" f32[1,1,4096,2048]\n")
	b.WriteString("input %0\n")
	b.WriteString("op 0 MAX_POOL_2D (%0) -> (%1) {Padding=SAME StrideH=1 StrideW=1 FilterH=1 FilterW=4096 Activation=NONE}\n")
	b.WriteString("output %1\n")
	return b.Bytes()
}
