// QDQ lowering: DequantizeLinear → op → QuantizeLinear groups become the
// op on the quantised tensors (the int8 kernels TFLite models use), and
// the QOperator ops (QLinearConv, QLinearMatMul, QLinearAdd, ...) map onto
// the same ops.
//
// This happens in the frontend, not in a pass, because only the frontend
// still knows the groups' quantised constants: the IR has no per-channel
// DEQUANTIZE of a constant, so a dequantised weight is imported as the
// float constant ONNX defines, and a pass would have lost its int8 data
// and scales.
//
// Requantisation: the int8 kernels compute the output from the int32
// accumulator with TFLite's fixed-point multiplier (quant.QuantizeMultiplier,
// round half away from zero in SaturatingRoundingDoublingHighMul and
// RoundingDivideByPOT), while ONNX Runtime's QLinearConv/QLinearMatMul
// multiply the accumulator by the float scale sx·sw/sy and round half to
// even. The two agree except when the exact product lies within about
// 2^-31 relative of a .5 boundary or exactly on one (ties round away here,
// to even there): one output step, at most, per such element. The
// evaluated-as-written QDQ graph (float ops between the Q/DQ pairs, ONNX
// Runtime's no_graph_opt reading) differs from both by the rounding of
// float sums, again a step at most per layer; errors of a step can
// compound through layers, which is why the golden comparison allows three.
package onnx

import (
	"fmt"
	"math"

	"github.com/tinygen/tinygen/frontends/onnx/internal/onnxpb"
	"github.com/tinygen/tinygen/ir"
)

// qdqState is what the converter knows about the graph's Q/DQ structure.
type qdqState struct {
	// consumers lists, per value name, the nodes that read it.
	consumers map[string][]int
	// outputs are the graph output names.
	outputs map[string]bool
	// qconst maps a DequantizeLinear output of a constant to the
	// quantised constant (int8 or int32, with its Quant).
	qconst map[string]*ir.Tensor
	// dqSrc maps a DequantizeLinear output of a computed tensor to that
	// quantised tensor.
	dqSrc map[string]*ir.Tensor
	// skip marks QuantizeLinear nodes a lowered group has absorbed.
	skip map[int]bool
}

// quantConst returns the quantised constant of DequantizeLinear on the
// current node's input x (int8 per-tensor or per-axis, or int32 bias),
// or nil if it cannot be represented.
func (c *converter) quantConst(x *ir.Tensor) *ir.Tensor {
	st, zt := c.in(1), c.in(2)
	if st == nil || !st.IsConst() || st.DType != ir.Float32 || (x.DType != ir.Int8 && x.DType != ir.Int32) {
		return nil
	}
	scales := st.Float32s()
	zps := make([]int64, len(scales))
	if zt != nil {
		v, err := zt.Ints()
		if err != nil || len(v) != len(scales) {
			return nil
		}
		for i := range v {
			zps[i] = int64(v[i])
		}
	}
	axis, err := c.attrInt("axis", 1)
	if err != nil {
		return nil
	}
	q := &ir.Quant{Scale: scales, ZeroPoint: zps}
	if len(scales) > 1 {
		ax, err := normAxis(int(axis), len(x.Shape))
		if err != nil || x.Shape[ax] != len(scales) {
			return nil
		}
		q.Axis = ax
	}
	t := *x
	t.Quant = q
	return c.g.AddTensor(&t)
}

// qdqConsumer returns the QuantizeLinear node that is the only reader of
// the current node's output 0, and its parameters.
func (c *converter) qdqConsumer() (int, *convOutQuant, bool) {
	if len(c.node.Output) != 1 || c.qdq.outputs[c.node.Output[0]] {
		return 0, nil, false
	}
	cons := c.qdq.consumers[c.node.Output[0]]
	if len(cons) != 1 {
		return 0, nil, false
	}
	qn := c.nodes[cons[0]]
	if qn.GetOpType() != "QuantizeLinear" || qn.GetDomain() != "" && qn.GetDomain() != "ai.onnx" || len(qn.Output) != 1 {
		return 0, nil, false
	}
	var dt ir.DType
	var q *ir.Quant
	var err error
	c.withNode(qn, func() {
		// A blocked QuantizeLinear has no one output scale: not absorbed.
		var bs int64
		if bs, err = c.attrInt("block_size", 0); err == nil && bs != 0 {
			err = unsupported("blocked")
		}
		if err == nil {
			dt, q, err = c.quantParams(1, 2)
		}
	})
	if err != nil || dt != ir.Int8 {
		return 0, nil, false
	}
	return cons[0], &convOutQuant{dtype: dt, quant: q}, true
}

// withNode runs f with the converter looking at node n (its inputs and
// attributes), then restores the current node.
func (c *converter) withNode(n *onnxpb.NodeProto, f func()) {
	node, attrs := c.node, c.attrs
	defer func() { c.node, c.attrs = node, attrs }()
	c.node = n
	c.attrs = map[string]*onnxpb.AttributeProto{}
	for _, a := range n.Attribute {
		c.attrs[a.GetName()] = a
	}
	f()
}

// qin returns the quantised source of input k: the int8 tensor a
// DequantizeLinear read (activation) or its quantised constant.
func (c *converter) qin(k int) *ir.Tensor {
	if k >= len(c.node.Input) {
		return nil
	}
	name := c.node.Input[k]
	if t, ok := c.qdq.dqSrc[name]; ok {
		return t
	}
	return c.qdq.qconst[name]
}

// int8Act reports whether t is a per-tensor int8 quantised tensor.
func int8Act(t *ir.Tensor) bool {
	return t != nil && t.DType == ir.Int8 && t.Quant != nil && !t.Quant.PerChannel()
}

// tryQDQ lowers the current node with its QuantizeLinear consumer when its
// inputs come from DequantizeLinear; it reports whether it did.
func (c *converter) tryQDQ() (bool, error) {
	op := c.node.GetOpType()
	switch op {
	case "Conv", "MatMul", "Add", "Sub", "Mul", "MaxPool", "AveragePool", "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Concat":
	default:
		return false, nil
	}
	if d := c.node.GetDomain(); d != "" && d != "ai.onnx" {
		return false, nil
	}
	qi, oq, ok := c.qdqConsumer()
	if !ok {
		return false, nil
	}
	x := c.qin(0)
	if !int8Act(x) || x.IsConst() {
		return false, nil
	}
	var err error
	switch op {
	case "Conv":
		w := c.qin(1)
		if w == nil || !w.IsConst() || w.DType != ir.Int8 || len(w.Shape) != len(x.Shape) {
			return false, nil
		}
		if !zeroPoints(w.Quant) {
			return false, nil
		}
		bias, ok := c.int32Bias(2, x, w)
		if !ok {
			return false, nil
		}
		x4, oneD, e := c.spatialInput(x, "convolution")
		if e != nil {
			return false, nil
		}
		if oneD {
			w = c.reshape(w, ir.Shape{w.Shape[0], w.Shape[1], 1, w.Shape[2]})
		}
		err = c.conv(x4, w, bias, oneD, oq)
	case "MatMul":
		w := c.qin(1)
		if w == nil || !w.IsConst() || w.DType != ir.Int8 || len(w.Shape) != 2 || !zeroPoints(w.Quant) {
			return false, nil
		}
		if w.Quant.PerChannel() && w.Quant.Axis != 1 {
			return false, nil
		}
		err = c.matmul(x, w, nil, oq)
	case "Add", "Sub", "Mul":
		b := c.qin(1)
		if !int8Act(b) {
			return false, nil
		}
		y, e := c.emitQ(map[string]ir.OpKind{"Add": ir.Add, "Sub": ir.Sub, "Mul": ir.Mul}[op], ir.BinaryAttrs{}, oq, x, b)
		if e != nil {
			return false, nil
		}
		err = c.setOut(0, y)
	case "MaxPool", "AveragePool":
		kind := ir.MaxPool2D
		if op == "AveragePool" {
			kind = ir.AveragePool2D
		}
		err = c.pool(x, kind, &convOutQuant{dtype: x.DType, quant: x.Quant.Clone()})
	default:
		// Data movement: the float converter on the quantised input.
		c.override = map[int]*ir.Tensor{0: x}
		defer func() { c.override = nil }()
		err = lookupOp(c.node)(c)
	}
	if err != nil {
		return true, err
	}
	return true, c.bindQuantized(qi, oq)
}

// bindQuantized binds the absorbed QuantizeLinear node's output to the
// current node's (quantised) output 0, requantising when the parameters
// differ.
func (c *converter) bindQuantized(qi int, oq *convOutQuant) error {
	y := c.vals[c.node.Output[0]]
	if y == nil || y.DType != ir.Int8 {
		return fmt.Errorf("internal error: lowered QDQ group has no int8 output")
	}
	if y.Quant == nil || y.Scale() != oq.quant.Scale[0] || int64(y.ZeroPoint()) != oq.quant.ZeroPoint[0] {
		r := c.emit(ir.Quantize, ir.QuantizeAttrs{}, y)
		r.Quant = oq.quant.Clone()
		y = r
	}
	name := c.nodes[qi].Output[0]
	if _, dup := c.vals[name]; dup {
		return fmt.Errorf("output %q is already defined", clip(name))
	}
	c.vals[name] = y
	c.qdq.skip[qi] = true
	return nil
}

// zeroPoints reports whether a weight quantisation is symmetric (all zero
// points 0), as the int8 kernels require.
func zeroPoints(q *ir.Quant) bool {
	if q == nil {
		return false
	}
	for _, z := range q.ZeroPoint {
		if z != 0 {
			return false
		}
	}
	return true
}

// int32Bias returns input k (a float constant, or DequantizeLinear of an
// int32 or int8 constant) as the int32 bias of scale sx·sw[c] the int8
// kernels use: round(b / (sx·sw[c])). ok is false when there is a bias
// that cannot be read.
func (c *converter) int32Bias(k int, x, w *ir.Tensor) (*ir.Tensor, bool) {
	b := c.in(k)
	if b == nil {
		return nil, true
	}
	if !b.IsConst() || b.DType != ir.Float32 {
		return nil, false
	}
	vals := b.Float32s()
	out := make([]int32, len(vals))
	scales := make([]float32, len(vals))
	for i, v := range vals {
		s := float64(x.Scale()) * float64(w.Quant.ScaleAt(min(i, len(w.Quant.Scale)-1)))
		if s <= 0 {
			return nil, false
		}
		r := math.RoundToEven(float64(v) / s)
		if r > math.MaxInt32 || r < math.MinInt32 {
			return nil, false
		}
		out[i] = int32(r)
		scales[i] = float32(s)
	}
	t := c.constant(ir.Int32, ir.Shape{len(vals)}, ir.Int32Data(out))
	t.Quant = &ir.Quant{Scale: scales, ZeroPoint: make([]int64, len(vals))}
	if len(vals) == 1 {
		t.Quant = &ir.Quant{Scale: scales[:1], ZeroPoint: []int64{0}}
	}
	return t, true
}
