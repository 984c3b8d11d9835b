// onnx.go: crafted ONNX models: names that try to inject C through node,
// value and producer text, and files whose declared sizes, counts or
// nesting try to exhaust the ONNX frontend.
package hostile

import (
	"fmt"
	"strings"

	b "github.com/tinygen/tinygen/frontends/onnx/onnxbuild"
)

// onnxRelu is a one-node float model with the given names.
func onnxRelu(in, node, out, producer string) b.Model {
	return b.Model{Producer: producer,
		Inputs:  []b.Value{{Name: in, DType: b.Float, Dims: []int64{1, 8}}},
		Outputs: []b.Value{{Name: out, DType: b.Float, Dims: []int64{1, 8}}},
		Nodes:   []b.Node{{Op: "Relu", Name: node, In: []string{in}, Out: []string{out}}}}
}

// onnxTextCases puts every comment-escape payload into the input, node,
// output and producer names of an ONNX model: the compile must succeed and
// no injected token may appear outside comments.
func onnxTextCases() ([]Case, error) {
	var cases []Case
	for _, p := range textPayloads {
		if strings.ContainsRune(p.text, 0xfffd) || !validUTF8(p.text) {
			// Protocol buffer strings are UTF-8; the payloads with raw
			// bytes are covered through the other frontends.
			continue
		}
		m := onnxRelu("in"+p.text, "node"+p.text, "out"+p.text, p.text)
		cases = append(cases, Case{Name: "text/onnx-" + p.name, File: "m.onnx", Data: m.Encode(), Forbidden: injectedTokens})
	}
	return cases, nil
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\ufffd") == s }

// onnxResourceCases are ONNX files that declare more than they hold or
// more than tinygen compiles.
func onnxResourceCases() ([]Case, error) {
	relu := onnxRelu("x", "r", "y", "")
	huge := relu
	huge.Nodes = []b.Node{{Op: "Add", In: []string{"x", "c"}, Out: []string{"y"}}}
	huge.Inits = []b.Tensor{{Name: "c", DType: b.Float, Dims: []int64{1 << 20, 1 << 20}, Raw: []byte{1, 2, 3, 4}}}
	short := relu
	short.Nodes = huge.Nodes
	short.Inits = []b.Tensor{{Name: "c", DType: b.Float, Dims: []int64{1 << 27}, Floats: []float32{1}}}
	wide := relu
	wide.Inputs = []b.Value{{Name: "x", DType: b.Float, Dims: []int64{1 << 40, 8}}}
	many := relu
	many.Nodes = nil
	prev := "x"
	for i := 0; i <= 100_000; i++ {
		out := fmt.Sprintf("t%d", i)
		many.Nodes = append(many.Nodes, b.Node{Op: "Relu", In: []string{prev}, Out: []string{out}})
		prev = out
	}
	many.Outputs = []b.Value{{Name: prev, DType: b.Float, Dims: []int64{1, 8}}}
	return []Case{
		{Name: "resources/onnx-huge-initializer", File: "huge.onnx", Data: huge.Encode(), WantError: "more than 268435456 elements"},
		{Name: "resources/onnx-short-initializer", File: "short.onnx", Data: short.Encode(), WantError: `tensor "c" has 1 values, its shape 134217728 needs 134217728`},
		{Name: "resources/onnx-huge-input", File: "wide.onnx", Data: wide.Encode(), WantError: `value "x": dimension 0 is 1099511627776`},
		{Name: "resources/onnx-too-many-nodes", File: "many.onnx", Data: many.Encode(), WantError: "100001 nodes is more than the 100000 tinygen compiles"},
		{Name: "resources/onnx-deep-nesting", File: "deep.onnx", Data: deepNesting(200), WantError: "not a valid ONNX model (protocol buffer decoding failed"},
	}, nil
}

// deepNesting returns a ModelProto whose graph holds a node whose graph
// attribute holds a graph ... depth levels deep: the decoder's recursion
// limit must refuse it without exhausting the stack.
func deepNesting(depth int) []byte {
	// GraphProto field 1 (node), NodeProto field 5 (attribute),
	// AttributeProto field 6 (g).
	msg := []byte{}
	for i := 0; i < depth; i++ {
		attr := field(6, msg)
		node := field(5, attr)
		msg = field(1, node)
	}
	return append([]byte{0x08, 0x08}, field(7, msg)...) // ir_version 8, graph
}

// field encodes a length-delimited protocol buffer field.
func field(num int, data []byte) []byte {
	out := []byte{byte(num<<3 | 2)}
	n := len(data)
	for n >= 0x80 {
		out = append(out, byte(n)|0x80)
		n >>= 7
	}
	out = append(out, byte(n))
	return append(out, data...)
}
