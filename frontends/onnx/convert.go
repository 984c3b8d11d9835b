// The converter: graph inputs, initializers and nodes in order, with the
// helpers the operator converters share (attributes, constants, emitting
// IR ops with inferred shapes, layout transposes).
package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/tinygen/tinygen/frontends/onnx/internal/onnxpb"
	"github.com/tinygen/tinygen/ir"
)

// converter holds one conversion's state.
type converter struct {
	g     *ir.Graph
	opset int64
	vals  map[string]*ir.Tensor
	// node being converted, its index, and its attributes by name.
	node  *onnxpb.NodeProto
	index int
	attrs map[string]*onnxpb.AttributeProto
	// bound are graph inputs given as constants (ParseWith).
	bound map[string]*ir.Tensor
	// nodes are the graph's nodes; qdq what is known of its Q/DQ groups.
	nodes []*onnxpb.NodeProto
	qdq   qdqState
	// override replaces inputs of the current node (QDQ lowering).
	override map[int]*ir.Tensor
}

func newConverter(opset int64) *converter {
	return &converter{g: &ir.Graph{}, opset: opset, vals: map[string]*ir.Tensor{}}
}

// convert fills c.g from the graph.
func (c *converter) convert(gp *onnxpb.GraphProto) error {
	if n := len(gp.Node); n > ir.MaxOps {
		return ir.CountError("nodes", n, ir.MaxOps)
	}
	if n := len(gp.Initializer) + len(gp.Input) + len(gp.Node); n > ir.MaxTensors {
		return ir.CountError("tensors", n, ir.MaxTensors)
	}
	if len(gp.SparseInitializer) > 0 {
		return &UnsupportedError{Msg: "the graph has sparse initializers, which tinygen does not read"}
	}
	for i, tp := range gp.Initializer {
		t, err := tensorFromProto(tp)
		if err != nil {
			return fmt.Errorf("initializer %d: %w", i, err)
		}
		if tp.GetName() == "" {
			return fmt.Errorf("initializer %d has no name", i)
		}
		c.vals[tp.GetName()] = c.g.AddTensor(t)
	}
	for i, vi := range gp.Input {
		if _, isInit := c.vals[vi.GetName()]; isInit {
			continue // an initializer listed as an input (IR version < 4): a constant
		}
		if vi.GetName() == "" {
			return fmt.Errorf("graph input %d has no name", i)
		}
		dt, shape, err := valueShape(vi)
		if err != nil {
			return fmt.Errorf("graph input %d: %w", i, err)
		}
		if b, ok := c.bound[vi.GetName()]; ok {
			if b.DType != dt || b.Shape.Elements() != shape.Elements() || len(b.Data) != shape.Elements()*dt.Size() {
				return fmt.Errorf("graph input %d %q is %v %v, the value bound to it %v %v", i, clip(vi.GetName()), dt.LongName(), shape, b.DType.LongName(), b.Shape)
			}
			c.vals[vi.GetName()] = c.g.AddTensor(&ir.Tensor{Name: vi.GetName(), DType: dt, Shape: shape, Data: b.Data})
			continue
		}
		t := c.g.AddTensor(&ir.Tensor{Name: vi.GetName(), DType: dt, Shape: shape})
		c.vals[vi.GetName()] = t
		c.g.Inputs = append(c.g.Inputs, t)
	}
	if err := c.checkOps(gp.Node); err != nil {
		return err
	}
	c.nodes = gp.Node
	c.qdq = qdqState{consumers: map[string][]int{}, outputs: map[string]bool{}, qconst: map[string]*ir.Tensor{},
		dqSrc: map[string]*ir.Tensor{}, skip: map[int]bool{}}
	for i, n := range gp.Node {
		for _, in := range n.Input {
			if in != "" {
				c.qdq.consumers[in] = append(c.qdq.consumers[in], i)
			}
		}
	}
	for _, vi := range gp.Output {
		c.qdq.outputs[vi.GetName()] = true
	}
	for i, n := range gp.Node {
		if err := c.convertNode(i, n); err != nil {
			return err
		}
		if len(c.g.Ops) > ir.MaxOps || len(c.g.Tensors) > ir.MaxTensors {
			return ir.CountError("operators and tensors (after conversion)", len(c.g.Ops)+len(c.g.Tensors), ir.MaxOps)
		}
	}
	if len(gp.Output) == 0 {
		return fmt.Errorf("the graph has no outputs")
	}
	for i, vi := range gp.Output {
		t, ok := c.vals[vi.GetName()]
		if !ok {
			return fmt.Errorf("graph output %d %q is not computed by any node", i, clip(vi.GetName()))
		}
		if t.IsConst() || slices.Contains(c.g.Inputs, t) {
			// The IR's outputs are op results: copy through a RESHAPE.
			t = c.emit(ir.Reshape, ir.ReshapeAttrs{NewShape: slices.Clone(t.Shape)}, t)
			t.Name = vi.GetName()
		}
		if slices.Contains(c.g.Outputs, t) {
			t = c.emit(ir.Reshape, ir.ReshapeAttrs{NewShape: slices.Clone(t.Shape)}, t)
			t.Name = vi.GetName()
		}
		if dt, shape, err := valueShape(vi); err == nil && (dt != t.DType || !shape.Equal(t.Shape)) {
			return fmt.Errorf("graph output %d %q is declared %v %v, but the graph computes %v %v",
				i, clip(vi.GetName()), dt.LongName(), shape, t.DType.LongName(), t.Shape)
		}
		c.g.Outputs = append(c.g.Outputs, t)
	}
	removeDeadOps(c.g)
	c.g.Renumber()
	return nil
}

// removeDeadOps drops ops whose outputs nothing reads (DEQUANTIZE ops a
// lowered QDQ group made unnecessary), repeatedly.
func removeDeadOps(g *ir.Graph) {
	for {
		used := map[*ir.Tensor]bool{}
		for _, t := range g.Outputs {
			used[t] = true
		}
		for _, o := range g.Ops {
			for _, t := range o.Inputs {
				used[t] = true
			}
		}
		kept := g.Ops[:0]
		for _, o := range g.Ops {
			if used[o.Outputs[0]] {
				kept = append(kept, o)
			}
		}
		if len(kept) == len(g.Ops) {
			return
		}
		g.Ops = kept
	}
}

// checkOps refuses, in one error, every node whose operator tinygen does
// not convert at all (each listed with its index).
func (c *converter) checkOps(nodes []*onnxpb.NodeProto) error {
	var bad []string
	for i, n := range nodes {
		if msg := unknownOp(n); msg != "" {
			bad = append(bad, fmt.Sprintf("%s: %s", nodeName(i, n), msg))
			if len(bad) == 20 {
				bad = append(bad, "...")
				break
			}
		}
	}
	if len(bad) > 0 {
		return &UnsupportedError{Msg: "unsupported operators:\n  " + strings.Join(bad, "\n  ")}
	}
	return nil
}

// nodeName names a node for messages: `node 3 "conv1" (Conv)`.
func nodeName(i int, n *onnxpb.NodeProto) string {
	op := clip(n.GetOpType())
	if d := n.GetDomain(); d != "" && d != "ai.onnx" {
		op = clip(d) + "." + op
	}
	if n.GetName() == "" {
		return fmt.Sprintf("node %d (%s)", i, op)
	}
	return fmt.Sprintf("node %d %q (%s)", i, clip(n.GetName()), op)
}

// convertNode converts one node.
func (c *converter) convertNode(i int, n *onnxpb.NodeProto) error {
	if c.qdq.skip[i] {
		return nil // a QuantizeLinear a lowered QDQ group absorbed
	}
	c.node, c.index = n, i
	c.attrs = map[string]*onnxpb.AttributeProto{}
	for _, a := range n.Attribute {
		if a.GetRefAttrName() != "" {
			return fmt.Errorf("%s: attribute %q refers to a function attribute, which tinygen does not read", nodeName(i, n), clip(a.GetName()))
		}
		c.attrs[a.GetName()] = a
	}
	for k, in := range n.Input {
		if in != "" {
			if _, ok := c.vals[in]; !ok {
				return fmt.Errorf("%s: input %d %q is not defined before the node (not a graph input, initializer or earlier output)", nodeName(i, n), k, clip(in))
			}
		}
	}
	conv := lookupOp(n)
	var done bool
	err := guard(func() (err error) {
		done, err = c.tryQDQ()
		return err
	})
	if !done {
		err = conv(c)
	}
	if err != nil {
		if IsUnsupported(err) {
			return &UnsupportedError{Msg: fmt.Sprintf("%s: %v", nodeName(i, n), err)}
		}
		return fmt.Errorf("%s: %w", nodeName(i, n), err)
	}
	return nil
}

// unsupported returns an UnsupportedError for the current node.
func unsupported(format string, args ...any) error {
	return &UnsupportedError{Msg: fmt.Sprintf(format, args...)}
}

// in returns input k of the current node, or nil if absent.
func (c *converter) in(k int) *ir.Tensor {
	if t, ok := c.override[k]; ok {
		return t
	}
	if k >= len(c.node.Input) || c.node.Input[k] == "" {
		return nil
	}
	return c.vals[c.node.Input[k]]
}

// mustIn returns input k or an error naming it.
func (c *converter) mustIn(k int) (*ir.Tensor, error) {
	t := c.in(k)
	if t == nil {
		return nil, fmt.Errorf("input %d is missing", k)
	}
	return t, nil
}

// setOut binds output k of the current node to t and names t after it.
func (c *converter) setOut(k int, t *ir.Tensor) error {
	if k >= len(c.node.Output) {
		return fmt.Errorf("has %d outputs, want at least %d", len(c.node.Output), k+1)
	}
	name := c.node.Output[k]
	if name == "" {
		return nil
	}
	if _, dup := c.vals[name]; dup {
		return fmt.Errorf("output %q is already defined", clip(name))
	}
	if !t.IsConst() && !slices.Contains(c.g.Inputs, t) && strings.HasPrefix(t.Name, "onnx:") {
		t.Name = name
	}
	c.vals[name] = t
	return nil
}

// constInts returns the values of constant integer input k.
func (c *converter) constInts(k int) ([]int, error) {
	t := c.in(k)
	if t == nil {
		return nil, nil
	}
	if !t.IsConst() {
		return nil, unsupported("input %d must be a constant (an initializer or a Constant node's output): tinygen compiles static shapes", k)
	}
	return t.Ints()
}

// constFloats returns the values of constant float input k.
func (c *converter) constFloats(k int) ([]float32, error) {
	t := c.in(k)
	if t == nil {
		return nil, nil
	}
	if !t.IsConst() {
		return nil, unsupported("input %d must be a constant", k)
	}
	if t.DType != ir.Float32 {
		return nil, unsupported("input %d is %v, want float32", k, t.DType.LongName())
	}
	return t.Float32s(), nil
}

// Attribute access. Each checks the attribute's declared type.

func (c *converter) attr(name string, want onnxpb.AttributeProto_AttributeType) (*onnxpb.AttributeProto, error) {
	a, ok := c.attrs[name]
	if !ok {
		return nil, nil
	}
	if t := a.GetType(); t != want && t != onnxpb.AttributeProto_UNDEFINED {
		return nil, fmt.Errorf("attribute %q has type %v, want %v", name, t, want)
	}
	return a, nil
}

func (c *converter) attrInt(name string, def int64) (int64, error) {
	a, err := c.attr(name, onnxpb.AttributeProto_INT)
	if a == nil || err != nil {
		return def, err
	}
	return a.GetI(), nil
}

func (c *converter) attrFloat(name string, def float32) (float32, error) {
	a, err := c.attr(name, onnxpb.AttributeProto_FLOAT)
	if a == nil || err != nil {
		return def, err
	}
	return a.GetF(), nil
}

func (c *converter) attrString(name, def string) (string, error) {
	a, err := c.attr(name, onnxpb.AttributeProto_STRING)
	if a == nil || err != nil {
		return def, err
	}
	return string(a.GetS()), nil
}

// attrInts returns an INTS attribute (nil if absent), each value bounded.
func (c *converter) attrInts(name string) ([]int, error) {
	a, err := c.attr(name, onnxpb.AttributeProto_INTS)
	if a == nil || err != nil {
		return nil, err
	}
	if len(a.Ints) > ir.MaxElements {
		return nil, fmt.Errorf("attribute %q has %d values", name, len(a.Ints))
	}
	out := make([]int, len(a.Ints))
	for i, v := range a.Ints {
		if v > math.MaxInt32 || v < math.MinInt32 {
			// Slice ends use INT64_MAX for "to the end": clamp, the
			// converters clamp again against the real dimension.
			if v > 0 {
				v = math.MaxInt32
			} else {
				v = math.MinInt32
			}
		}
		out[i] = int(v)
	}
	return out, nil
}

func (c *converter) attrFloats(name string) ([]float32, error) {
	a, err := c.attr(name, onnxpb.AttributeProto_FLOATS)
	if a == nil || err != nil {
		return nil, err
	}
	return a.Floats, nil
}

// attrTensor decodes a TENSOR attribute (nil if absent).
func (c *converter) attrTensor(name string) (*ir.Tensor, error) {
	a, err := c.attr(name, onnxpb.AttributeProto_TENSOR)
	if a == nil || err != nil {
		return nil, err
	}
	if a.T == nil {
		return nil, fmt.Errorf("attribute %q has no tensor", name)
	}
	return tensorFromProto(a.T)
}

// IR building.

// emit appends an op of kind with attrs on the inputs and returns its
// output, whose shape ir.InferShape computes and whose type is the first
// input's. Errors from shape inference are kept in c.err by the caller's
// check (emitChecked).
func (c *converter) emit(kind ir.OpKind, attrs ir.Attrs, ins ...*ir.Tensor) *ir.Tensor {
	out, err := c.emitChecked(kind, attrs, ins...)
	if err != nil {
		panic(emitPanic{err})
	}
	return out
}

// emitPanic carries a shape error out of emit; lookupOp's wrapper turns it
// back into an error, so that converters can chain emits.
type emitPanic struct{ err error }

// emitChecked is emit returning the shape error.
func (c *converter) emitChecked(kind ir.OpKind, attrs ir.Attrs, ins ...*ir.Tensor) (*ir.Tensor, error) {
	if len(ins) == 0 || ins[0] == nil {
		return nil, fmt.Errorf("%v without input", kind)
	}
	out := &ir.Tensor{Name: fmt.Sprintf("onnx:%s/%d", clip(c.outName()), len(c.g.Ops)), DType: ins[0].DType}
	switch kind {
	case ir.Transpose, ir.Reshape, ir.Squeeze, ir.Pad, ir.StridedSlice, ir.Concatenation, ir.MaxPool2D, ir.AveragePool2D:
		// Data movement keeps the quantisation (per-tensor only).
		if q := ins[0].Quant; q != nil && !q.PerChannel() {
			out.Quant = q.Clone()
		}
	}
	op := &ir.Op{Kind: kind, Inputs: ins, Outputs: []*ir.Tensor{out}, Attrs: attrs, SourceIndex: c.index, Name: c.nodeName()}
	var shape ir.Shape
	var err error
	if a, ok := attrs.(ir.StridedSliceAttrs); ok {
		_, _, _, _, shape, err = ir.StridedSliceRegion(a, ins[0].Shape)
	} else {
		shape, err = ir.InferShape(op)
	}
	if err != nil {
		return nil, fmt.Errorf("%v: %w", kind, err)
	}
	if _, err := shape.NumElements(); err != nil {
		return nil, fmt.Errorf("%v: %w", kind, err)
	}
	out.Shape = shape
	c.g.AddTensor(out)
	c.g.AddOp(op)
	return out, nil
}

// nodeName is the current node's name for ir.Op.Name (clipped; untrusted
// text, which reaches C only through internal/ctext).
func (c *converter) nodeName() string {
	if c.node == nil {
		return ""
	}
	return clip(c.node.GetName())
}

func (c *converter) outName() string {
	if len(c.node.Output) > 0 && c.node.Output[0] != "" {
		return c.node.Output[0]
	}
	return c.node.GetName()
}

// constant adds a constant tensor.
func (c *converter) constant(dt ir.DType, shape ir.Shape, data []byte) *ir.Tensor {
	return c.g.AddTensor(&ir.Tensor{Name: fmt.Sprintf("onnx:%s/const%d", clip(c.outName()), len(c.g.Tensors)), DType: dt, Shape: shape, Data: data})
}

// scalarF adds a float32 scalar constant.
func (c *converter) scalarF(v float32) *ir.Tensor {
	return c.constant(ir.Float32, ir.Shape{}, ir.Float32Data([]float32{v}))
}

// scalarLike adds a scalar constant of t's type holding v (clamped to the
// type's range for integers).
func (c *converter) scalarLike(t *ir.Tensor, v float64) *ir.Tensor {
	if t.DType == ir.Float32 {
		return c.scalarF(float32(v))
	}
	return c.constant(t.DType, ir.Shape{}, scalarBytes(t.DType, v))
}

// scalarBytes is the little-endian encoding of v in type dt (float32, or
// an integer clamped to the type's range).
func scalarBytes(dt ir.DType, v float64) []byte {
	if dt == ir.Float32 {
		return ir.Float32Data([]float32{float32(v)})
	}
	lo, hi := dt.Range()
	iv := int64(math.Max(math.Min(v, float64(hi)), float64(lo)))
	data := make([]byte, dt.Size())
	switch dt.Size() {
	case 1:
		data[0] = byte(iv)
	case 2:
		binary.LittleEndian.PutUint16(data, uint16(iv))
	case 4:
		binary.LittleEndian.PutUint32(data, uint32(iv))
	case 8:
		binary.LittleEndian.PutUint64(data, uint64(iv))
	}
	return data
}

// permute transposes t by perm: a constant is permuted now, anything else
// gets a TRANSPOSE op.
func (c *converter) permute(t *ir.Tensor, perm []int) *ir.Tensor {
	if isIdentity(perm) {
		return t
	}
	if t.IsConst() {
		p := c.constant(t.DType, ir.PermuteShape(t.Shape, perm), ir.PermuteData(t.Data, t.Shape, perm, t.DType.Size()))
		if q := t.Quant.Clone(); q != nil {
			q.Axis = slices.Index(perm, q.Axis)
			p.Quant = q
		}
		return p
	}
	return c.emit(ir.Transpose, ir.TransposeAttrs{Perm: slices.Clone(perm)}, t)
}

// reshape gives t a new shape: a constant gets a new tensor sharing its
// data, anything else a RESHAPE op.
func (c *converter) reshape(t *ir.Tensor, shape ir.Shape) *ir.Tensor {
	if t.Shape.Equal(shape) {
		return t
	}
	if t.IsConst() {
		r := c.constant(t.DType, shape.Clone(), t.Data)
		if t.Quant != nil && !t.Quant.PerChannel() {
			r.Quant = t.Quant.Clone()
		}
		return r
	}
	return c.emit(ir.Reshape, ir.ReshapeAttrs{NewShape: slices.Clone(shape)}, t)
}

// NCHW ↔ NHWC permutations.
var (
	toNHWC = []int{0, 2, 3, 1}
	toNCHW = []int{0, 3, 1, 2}
)

func isIdentity(perm []int) bool {
	for i, p := range perm {
		if p != i {
			return false
		}
	}
	return true
}

// normAxis normalises a possibly negative axis for rank r.
func normAxis(ax, r int) (int, error) {
	if ax < -r || ax >= max(r, 1) {
		return 0, fmt.Errorf("axis %d out of range for rank %d", ax, r)
	}
	if ax < 0 {
		ax += r
	}
	return ax, nil
}

// normAxes normalises and sorts axes, refusing duplicates.
func normAxes(axes []int, r int) ([]int, error) {
	out := make([]int, len(axes))
	for i, a := range axes {
		n, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	sort.Ints(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fmt.Errorf("axis %d repeated", out[i])
		}
	}
	return out, nil
}
