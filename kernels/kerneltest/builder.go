// Random graph builder of the conformance suite: graphs of many small ops
// of every kind, each checked alone by the evaluator before it joins.

package kerneltest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
)

// randomKinds are the op kinds the random graphs draw from.
var randomKinds = []ir.OpKind{
	ir.Conv2D, ir.DepthwiseConv2D, ir.FullyConnected, ir.AveragePool2D, ir.MaxPool2D,
	ir.Add, ir.Sub, ir.Mul, ir.Maximum, ir.Minimum,
	ir.Logistic, ir.Tanh, ir.Relu, ir.Relu6, ir.LeakyRelu, ir.HardSwish,
	ir.Quantize, ir.Dequantize, ir.Softmax, ir.Mean,
	ir.Pad, ir.Transpose, ir.StridedSlice, ir.Concatenation, ir.Reshape, ir.Squeeze,
	ir.Div, ir.Prelu, ir.BatchMatMul, ir.DepthToSpace, ir.ResizeNearestNeighbor,
}

// extraKinds fill each graph up after every kind had its turn: every
// kind again, and the ops with the most parameters several times.
var extraKinds = append(append([]ir.OpKind{}, randomKinds...),
	ir.Conv2D, ir.Conv2D, ir.Conv2D, ir.DepthwiseConv2D, ir.DepthwiseConv2D, ir.FullyConnected, ir.FullyConnected,
	ir.AveragePool2D, ir.MaxPool2D, ir.Add, ir.Sub, ir.Mul, ir.StridedSlice, ir.StridedSlice, ir.Mean,
	ir.Concatenation, ir.Pad, ir.Transpose, ir.Softmax, ir.Pad, ir.BatchMatMul, ir.ResizeNearestNeighbor,
)

// randomBuilder assembles one random graph op by op. Every op is checked
// on its own by the evaluator (a one-op graph) before it joins the graph.
type randomBuilder struct {
	t   *testing.T
	r   *rand.Rand
	g   *ir.Graph
	f32 bool
	dt  ir.DType // the compute type: int8 or float32
	// lib and prefer select each candidate's kernel, as the compile will.
	lib    *kernels.Library
	prefer []string
	// pool holds the non-constant tensors later ops may read.
	pool []*ir.Tensor
	// staged are the graph inputs and constants of the op being built.
	staged []*ir.Tensor
	// vals holds each pool tensor's value for one sample input, to
	// recognise degenerate candidates (constant or saturated outputs).
	vals map[*ir.Tensor][]byte
	// desc describes the op behind each graph output.
	desc     []string
	checked  map[ir.OpKind]int
	rejected map[ir.OpKind]int
	redrawn  map[ir.OpKind]int
	reasons  map[ir.OpKind]string
	// unwanted counts candidates another kernel than the wanted one
	// would have run.
	unwanted map[ir.OpKind]int
	// quantizedU8 is set once a float graph has a QUANTIZE to uint8 (see
	// buildONNX).
	quantizedU8 bool
	// quantizeDraws counts a float graph's QUANTIZE draws after the one
	// to uint8; the first three are, rotated by quantizeRot (from the
	// seed, so that consecutive graphs start differently), TFLite's
	// (mostly tg_quantize_f32_s8), ONNX's (tg_quantize_f32_blocked) and
	// per axis (tg_quantize_f32_axis): none is left to chance.
	quantizeDraws, quantizeRot int
}

func newRandomBuilder(t *testing.T, name string, f32 bool, seed uint64, lib *kernels.Library, prefer []string) *randomBuilder {
	b := &randomBuilder{
		t: t, r: rand.New(rand.NewPCG(0x7a11_6e4e, seed)), g: &ir.Graph{Name: name, Source: "random"},
		f32: f32, dt: ir.Int8, vals: map[*ir.Tensor][]byte{}, lib: lib, prefer: prefer,
		checked: map[ir.OpKind]int{}, rejected: map[ir.OpKind]int{}, redrawn: map[ir.OpKind]int{}, reasons: map[ir.OpKind]string{},
		unwanted: map[ir.OpKind]int{}, quantizeRot: int(seed / 2 % 3),
	}
	if f32 {
		b.dt = ir.Float32
	}
	// A few inputs to start from; ops add more as they need them.
	for i := 0; i < 2; i++ {
		b.commitInput(b.input(b.dt, b.shape4()))
		b.commitInput(b.input(b.dt, b.shapeN(1, 4)))
	}
	return b
}

// rndMaxElems bounds every tensor of a random graph (keeps the sanitizer
// build and the evaluator fast).
const rndMaxElems = 2048

func (b *randomBuilder) intn(lo, hi int) int   { return lo + b.r.IntN(hi-lo+1) }
func (b *randomBuilder) chance(p float64) bool { return b.r.Float64() < p }

// logUniform returns a value between lo and hi, uniform in log scale.
func (b *randomBuilder) logUniform(lo, hi float64) float64 {
	return math.Exp(math.Log(lo) + b.r.Float64()*(math.Log(hi)-math.Log(lo)))
}

// quant returns per-tensor parameters with the given scale (jittered by
// up to a factor 2 either way) and a random zero point.
func (b *randomBuilder) quant(scale float64) *ir.Quant {
	s := scale * b.logUniform(0.5, 2)
	return &ir.Quant{Scale: []float32{float32(s)}, ZeroPoint: []int64{int64(b.intn(-128, 127))}}
}

// randQuant returns random per-tensor parameters for dt (nil for float32).
func (b *randomBuilder) randQuant(dt ir.DType) *ir.Quant {
	if dt == ir.Float32 {
		return nil
	}
	return &ir.Quant{Scale: []float32{float32(b.logUniform(0.005, 0.5))}, ZeroPoint: []int64{b.zeroPoint(dt)}}
}

// zeroPoint returns a random zero point for int8 or uint8.
func (b *randomBuilder) zeroPoint(dt ir.DType) int64 {
	if dt == ir.UInt8 {
		return int64(b.intn(0, 255))
	}
	return int64(b.intn(-128, 127))
}

// int8or returns int8, or with probability p uint8 (QUANTIZE and
// DEQUANTIZE also take uint8).
func (b *randomBuilder) int8or(p float64) ir.DType {
	if b.chance(p) {
		return ir.UInt8
	}
	return ir.Int8
}

// outQuant returns output parameters near scale for the compute type.
func (b *randomBuilder) outQuant(scale float64) *ir.Quant {
	if b.f32 {
		return nil
	}
	return b.quant(scale)
}

// shape4 is a random NHWC shape.
func (b *randomBuilder) shape4() ir.Shape {
	return ir.Shape{b.intn(1, 2), b.intn(2, 9), b.intn(2, 9), b.intn(1, 6)}
}

// shapeN is a random shape of rank lo..hi with small dimensions.
func (b *randomBuilder) shapeN(lo, hi int) ir.Shape {
	for {
		s := make(ir.Shape, b.intn(lo, hi))
		for i := range s {
			s[i] = b.intn(1, 6)
			if b.chance(0.2) {
				s[i] = 1
			}
		}
		if s.Elements() <= 600 {
			return s
		}
	}
}

// input stages a new graph input.
func (b *randomBuilder) input(dt ir.DType, shape ir.Shape) *ir.Tensor {
	return b.inputQ(dt, shape, b.randQuant(dt))
}

func (b *randomBuilder) inputQ(dt ir.DType, shape ir.Shape, q *ir.Quant) *ir.Tensor {
	t := &ir.Tensor{Name: fmt.Sprintf("in%d", len(b.g.Inputs)+len(b.staged)), DType: dt, Shape: shape.Clone(), Quant: q.Clone()}
	b.staged = append(b.staged, t)
	v := make([]byte, t.NumBytes())
	if dt == ir.Float32 {
		for k := 0; k < len(v); k += 4 {
			binary.LittleEndian.PutUint32(v[k:], math.Float32bits(float32(b.r.Float64()*8-4)))
		}
	} else {
		for k := range v {
			v[k] = byte(b.r.UintN(256))
		}
	}
	b.vals[t] = v
	return t
}

func (b *randomBuilder) commitInput(t *ir.Tensor) {
	b.g.AddTensor(t)
	b.g.Inputs = append(b.g.Inputs, t)
	b.pool = append(b.pool, t)
	b.staged = nil
}

// src returns a tensor of type dt whose shape satisfies ok: usually one
// from the pool, sometimes (or if none fits) a new graph input of shape
// mk().
func (b *randomBuilder) src(dt ir.DType, ok func(ir.Shape) bool, mk func() ir.Shape) *ir.Tensor {
	var cands, big []*ir.Tensor
	for _, t := range b.pool {
		if t.DType == dt && ok(t.Shape) {
			cands = append(cands, t)
			if t.Shape.Elements() >= 8 {
				big = append(big, t)
			}
		}
	}
	if len(big) > 0 && b.chance(0.8) {
		cands = big
	}
	if len(cands) > 0 && !b.chance(0.15) {
		return cands[b.r.IntN(len(cands))]
	}
	return b.input(dt, mk())
}

func rndRank4(s ir.Shape) bool   { return len(s) == 4 && s.Elements() <= 1200 && s[3] <= 12 }
func rndAnyRank(s ir.Shape) bool { return len(s) >= 1 && len(s) <= 4 && s.Elements() <= 1200 }

func (b *randomBuilder) src4() *ir.Tensor { return b.src(b.dt, rndRank4, b.shape4) }
func (b *randomBuilder) srcAny(dt ir.DType) *ir.Tensor {
	return b.src(dt, rndAnyRank, func() ir.Shape { return b.shapeN(1, 4) })
}

func rndInt8Bytes(v []int8) []byte {
	out := make([]byte, len(v))
	for i, x := range v {
		out[i] = byte(x)
	}
	return out
}

// constant stages a constant tensor.
func (b *randomBuilder) constant(name string, dt ir.DType, shape ir.Shape, q *ir.Quant, data []byte) *ir.Tensor {
	t := &ir.Tensor{Name: name, DType: dt, Shape: shape.Clone(), Quant: q, Data: data}
	b.staged = append(b.staged, t)
	return t
}

// weights stages a filter of the given shape: float32 values within
// ±1/sqrt(fanIn), or int8 codes with one scale per index of axis (or one
// scale if axis < 0) and zero point zp. It returns the tensor and the
// mean scale.
func (b *randomBuilder) weights(shape ir.Shape, axis, fanIn int, zp int64) (*ir.Tensor, float64) {
	n := shape.Elements()
	if b.f32 {
		v := make([]float32, n)
		lim := 1 / math.Sqrt(float64(fanIn))
		for i := range v {
			v[i] = float32((b.r.Float64()*2 - 1) * lim)
		}
		return b.constant("weights", ir.Float32, shape, nil, ir.Float32Data(v)), 0
	}
	channels := 1
	q := &ir.Quant{}
	if axis >= 0 {
		channels, q.Axis = shape[axis], axis
	}
	mean := 0.0
	for c := 0; c < channels; c++ {
		s := b.logUniform(0.002, 0.05)
		q.Scale = append(q.Scale, float32(s))
		q.ZeroPoint = append(q.ZeroPoint, zp)
		mean += s / float64(channels)
	}
	v := make([]int8, n)
	lo := -127
	if zp != 0 {
		lo = -128
	}
	for i := range v {
		v[i] = int8(b.intn(lo, 127))
	}
	return b.constant("weights", ir.Int8, shape, q, rndInt8Bytes(v)), mean
}

// bias stages a bias for a convolution-like op: float32, or int32 with
// scale input scale × filter scale per channel and values about one
// accumulator standard deviation.
func (b *randomBuilder) bias(x, w *ir.Tensor, channels, fanIn int) *ir.Tensor {
	if b.f32 {
		v := make([]float32, channels)
		for i := range v {
			v[i] = float32(b.r.Float64() - 0.5)
		}
		return b.constant("bias", ir.Float32, ir.Shape{channels}, nil, ir.Float32Data(v))
	}
	q := &ir.Quant{Axis: 0}
	for _, s := range w.Quant.Scale {
		q.Scale = append(q.Scale, x.Scale()*s)
		q.ZeroPoint = append(q.ZeroPoint, 0)
	}
	lim := int(math.Sqrt(float64(fanIn)) * 74 * 73)
	v := make([]int32, channels)
	for i := range v {
		v[i] = int32(b.intn(-lim, lim))
	}
	return b.constant("bias", ir.Int32, ir.Shape{channels}, q, ir.Int32Data(v))
}

// rndAccScale is the output scale that maps one accumulator standard
// deviation (fanIn products of roughly uniform codes) to about 40 codes.
func rndAccScale(inScale float32, wScale float64, fanIn int) float64 {
	return math.Sqrt(float64(fanIn)) * float64(inScale) * wScale * 74 * 73 / 40
}

var rndFusedActs = []ir.Activation{ir.ActNone, ir.ActRelu, ir.ActRelu6, ir.ActReluN1To1}

func (b *randomBuilder) act() ir.Activation { return rndFusedActs[b.r.IntN(len(rndFusedActs))] }

// fitAct shrinks an int8 output scale too coarse for the fused
// activation's range to matter (RELU_N1_TO_1 over a scale of 0.1 leaves
// a few codes).
func (b *randomBuilder) fitAct(q *ir.Quant, act ir.Activation) *ir.Quant {
	switch {
	case q == nil:
	case act == ir.ActReluN1To1 && q.Scale[0] > 0.02:
		q.Scale[0] = float32(b.logUniform(0.004, 0.02))
	case act == ir.ActRelu6 && q.Scale[0] > 0.1:
		q.Scale[0] = float32(b.logUniform(0.01, 0.1))
	}
	return q
}

// geometry picks a padding that fits an input of size in with the
// effective filter size eff: VALID only if the filter fits.
func (b *randomBuilder) padding(inH, inW, effH, effW int) ir.Padding {
	if b.chance(0.5) && inH >= effH && inW >= effW {
		return ir.PadValid
	}
	return ir.PadSame
}

// explicitPadding sometimes replaces a SAME/VALID padding with explicit,
// possibly asymmetric pads of up to eff−1 per side (ONNX's pads).
func (b *randomBuilder) explicitPadding(p ir.Padding, effH, effW int) (ir.Padding, ir.ExplicitPads) {
	if !b.chance(0.3) {
		return p, ir.ExplicitPads{}
	}
	return ir.PadExplicit, ir.ExplicitPads{PadTop: b.intn(0, effH-1), PadLeft: b.intn(0, effW-1),
		PadBottom: b.intn(0, effH-1), PadRight: b.intn(0, effW-1)}
}

func rndDivisors(n int) []int {
	var d []int
	for i := 1; i <= n; i++ {
		if n%i == 0 {
			d = append(d, i)
		}
	}
	return d
}

// errRndSkip marks a candidate the builder itself discards (a shape rule
// fails, or a binary op would pair a tensor with itself); it is redrawn
// without counting as an evaluator rejection.
var errRndSkip = errors.New("skip")

// addAttempts is how many candidates add draws for one op.
const addAttempts = 40

// add builds an op of kind k, retrying with new random parameters while
// the candidate is degenerate, the evaluator rejects it or (want not nil)
// the kernel the library selects for it is not one want accepts. It
// reports whether an op joined the graph.
func (b *randomBuilder) add(k ir.OpKind, want func(kernels.Call) bool) bool {
	attempts := addAttempts
	if want != nil {
		attempts *= 2
	}
	for attempt := 0; attempt < attempts; attempt++ {
		b.staged = nil
		op, err := b.build(k)
		if err == errRndSkip {
			continue
		}
		if err != nil {
			b.t.Fatalf("building %v: %v", k, err)
		}
		out := op.Outputs[0]
		if n := out.Shape.Elements(); n == 0 || n > rndMaxElems || len(out.Shape) > 6 {
			continue
		}
		val, err := rndCheckOne(op, b.vals)
		if err != nil {
			b.rejected[k]++
			if b.reasons[k] == "" {
				b.reasons[k] = err.Error()
			}
			continue
		}
		if attempt < attempts*3/4 && rndDegenerate(out, val) {
			b.redrawn[k]++
			continue
		}
		call, err := b.lib.Select(op, b.prefer)
		if err != nil {
			b.t.Errorf("the evaluator accepts %s but kernel selection rejects it: %v", rndDescribeOp(op), err)
			continue
		}
		if want != nil && !want(call) {
			b.unwanted[k]++
			continue
		}
		for _, t := range b.staged {
			b.g.AddTensor(t)
			if !t.IsConst() {
				b.g.Inputs = append(b.g.Inputs, t)
				b.pool = append(b.pool, t)
			}
		}
		b.staged = nil
		out.Name = fmt.Sprintf("op%d_%s", len(b.g.Ops), strings.ToLower(k.String()))
		b.g.AddTensor(out)
		op.SourceIndex = -1
		b.g.AddOp(op)
		b.g.Outputs = append(b.g.Outputs, out)
		b.desc = append(b.desc, rndDescribeOp(op))
		if len(out.Shape) > 0 {
			b.pool = append(b.pool, out)
			b.vals[out] = val
		}
		b.checked[k]++
		return true
	}
	if want == nil {
		b.t.Logf("gave up on a %v after %d candidates", k, attempts)
	}
	return false
}

// rndDegenerate reports whether a sample output of t is too uniform to tell
// a correct kernel from a wrong one: all elements equal, or (from 8
// elements on) more than three quarters of them.
func rndDegenerate(t *ir.Tensor, data []byte) bool {
	n := t.Shape.Elements()
	if n < 4 {
		return false
	}
	esz := t.DType.Size()
	counts := map[string]int{}
	top := 0
	for i := 0; i < n; i++ {
		k := string(data[i*esz : (i+1)*esz])
		counts[k]++
		top = max(top, counts[k])
	}
	return len(counts) == 1 || (n >= 8 && 4*top > 3*n)
}

// rndCheckOne runs the evaluator's Prepare checks on op alone (a graph of
// copies of its operands whose non-constant inputs are graph inputs) and
// evaluates it on the sample values vals of its inputs.
func rndCheckOne(op *ir.Op, vals map[*ir.Tensor][]byte) ([]byte, error) {
	m := &ir.Graph{Name: "check"}
	copies := map[*ir.Tensor]*ir.Tensor{}
	cp := func(t *ir.Tensor) *ir.Tensor {
		if t == nil {
			return nil
		}
		if c, ok := copies[t]; ok {
			return c
		}
		c := *t
		copies[t] = m.AddTensor(&c)
		return copies[t]
	}
	o := &ir.Op{Kind: op.Kind, Attrs: op.Attrs, SourceIndex: 0}
	var in [][]byte
	for _, t := range op.Inputs {
		_, seen := copies[t]
		c := cp(t)
		o.Inputs = append(o.Inputs, c)
		if c != nil && !seen && !c.IsConst() {
			m.Inputs = append(m.Inputs, c)
			in = append(in, vals[t])
		}
	}
	o.Outputs = []*ir.Tensor{cp(op.Outputs[0])}
	m.AddOp(o)
	m.Outputs = o.Outputs
	e, err := eval.New(m)
	if err != nil {
		return nil, err
	}
	out, err := e.Run(in)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// rndDescribeOp names an op with its attributes and operands for messages.
func rndDescribeOp(op *ir.Op) string {
	var ins []string
	for _, t := range op.Inputs {
		ins = append(ins, rndDescribeTensor(t))
	}
	return fmt.Sprintf("%v {%s} (%s) -> %s", op, ir.FormatAttrs(op.Attrs), strings.Join(ins, ", "), rndDescribeTensor(op.Outputs[0]))
}

func rndDescribeTensor(t *ir.Tensor) string {
	if t == nil {
		return "none"
	}
	s := fmt.Sprintf("%v[%v]", t.DType, t.Shape)
	if t.IsConst() {
		s = "const " + s
	}
	if q := t.Quant; q != nil && len(q.Scale) == 1 {
		s += fmt.Sprintf(" q(%g, %d)", q.Scale[0], q.ZeroPoint[0])
	} else if q != nil {
		s += fmt.Sprintf(" q(%d scales along %d)", len(q.Scale), q.Axis)
	}
	return s
}

// build makes one candidate op of kind k with its output tensor (not yet
// in the graph); new inputs and constants are staged.
func (b *randomBuilder) build(k ir.OpKind) (*ir.Op, error) {
	if op, ok, err := b.buildONNX(k); ok {
		return op, err
	}
	switch k {
	case ir.Conv2D:
		return b.conv()
	case ir.DepthwiseConv2D:
		return b.depthwise()
	case ir.FullyConnected:
		return b.fullyConnected()
	case ir.AveragePool2D, ir.MaxPool2D:
		return b.pool2D(k)
	case ir.Add, ir.Sub, ir.Mul, ir.Maximum, ir.Minimum:
		return b.binary(k)
	case ir.Logistic, ir.Tanh, ir.Relu, ir.Relu6, ir.LeakyRelu, ir.HardSwish:
		return b.activation(k)
	case ir.Quantize:
		return b.quantize()
	case ir.Dequantize:
		return b.dequantize()
	case ir.Softmax:
		return b.softmax()
	case ir.Mean:
		return b.mean()
	case ir.Pad:
		return b.pad()
	case ir.Transpose:
		return b.transpose()
	case ir.StridedSlice:
		return b.stridedSlice()
	case ir.Concatenation:
		return b.concat()
	case ir.Reshape:
		return b.reshape()
	case ir.Squeeze:
		return b.squeeze()
	}
	return nil, fmt.Errorf("no builder for %v", k)
}

// rndFinish completes op with an output whose shape ir.InferShape computes.
func rndFinish(op *ir.Op, dt ir.DType, q *ir.Quant) (*ir.Op, error) {
	shape, err := ir.InferShape(op)
	if err != nil {
		return nil, errRndSkip
	}
	op.Outputs = []*ir.Tensor{{DType: dt, Shape: shape, Quant: q}}
	return op, nil
}

func (b *randomBuilder) conv() (*ir.Op, error) {
	x := b.src4()
	inC := x.Shape[3]
	a := ir.Conv2DAttrs{StrideH: b.intn(1, 3), StrideW: b.intn(1, 3), DilationH: 1, DilationW: 1, Activation: b.act()}
	if b.chance(0.3) {
		a.DilationH = 2
	}
	if b.chance(0.3) {
		a.DilationW = 2
	}
	kh, kw := b.intn(1, 5), b.intn(1, 5)
	a.Padding = b.padding(x.Shape[1], x.Shape[2], (kh-1)*a.DilationH+1, (kw-1)*a.DilationW+1)
	a.Padding, a.ExplicitPads = b.explicitPadding(a.Padding, (kh-1)*a.DilationH+1, (kw-1)*a.DilationW+1)
	groups := 1
	if d := rndDivisors(inC); len(d) > 1 && b.chance(0.3) {
		groups = d[1+b.r.IntN(len(d)-1)]
	}
	fc := inC / groups
	outC := groups * b.intn(1, max(1, 8/groups))
	fanIn := kh * kw * fc
	axis := 0
	if b.chance(0.3) {
		axis = -1
	}
	w, ws := b.weights(ir.Shape{outC, kh, kw, fc}, axis, fanIn, 0)
	op := &ir.Op{Kind: ir.Conv2D, Attrs: a, Inputs: []*ir.Tensor{x, w}}
	if b.chance(0.75) {
		op.Inputs = append(op.Inputs, b.bias(x, w, outC, fanIn))
	}
	return rndFinish(op, b.dt, b.fitAct(b.outQuant(rndAccScale(x.Scale(), ws, fanIn)), a.Activation))
}

func (b *randomBuilder) depthwise() (*ir.Op, error) {
	x := b.src4()
	m := b.intn(1, 3)
	a := ir.DepthwiseConv2DAttrs{StrideH: b.intn(1, 3), StrideW: b.intn(1, 3), DilationH: 1, DilationW: 1,
		DepthMultiplier: m, Activation: b.act()}
	if b.chance(0.3) {
		a.DilationH = 2
	}
	if b.chance(0.3) {
		a.DilationW = 2
	}
	kh, kw := b.intn(1, 5), b.intn(1, 5)
	a.Padding = b.padding(x.Shape[1], x.Shape[2], (kh-1)*a.DilationH+1, (kw-1)*a.DilationW+1)
	a.Padding, a.ExplicitPads = b.explicitPadding(a.Padding, (kh-1)*a.DilationH+1, (kw-1)*a.DilationW+1)
	outC := x.Shape[3] * m
	axis := 3
	if b.chance(0.3) {
		axis = -1
	}
	w, ws := b.weights(ir.Shape{1, kh, kw, outC}, axis, kh*kw, 0)
	op := &ir.Op{Kind: ir.DepthwiseConv2D, Attrs: a, Inputs: []*ir.Tensor{x, w}}
	if b.chance(0.75) {
		op.Inputs = append(op.Inputs, b.bias(x, w, outC, kh*kw))
	}
	return rndFinish(op, b.dt, b.fitAct(b.outQuant(rndAccScale(x.Scale(), ws, kh*kw)), a.Activation))
}

func (b *randomBuilder) fullyConnected() (*ir.Op, error) {
	x := b.src(b.dt, func(s ir.Shape) bool { return len(s) >= 1 && s.Elements() <= 512 }, func() ir.Shape { return b.shapeN(1, 4) })
	a := ir.FullyConnectedAttrs{Activation: b.act()}
	depth := x.Shape[len(x.Shape)-1]
	if b.chance(0.4) {
		d := rndDivisors(x.Shape.Elements())
		depth = d[b.r.IntN(len(d))]
	} else {
		a.KeepNumDims = b.chance(0.3)
	}
	if depth > 256 {
		return nil, errRndSkip
	}
	units := b.intn(1, 12)
	axis, zp := 0, int64(0)
	if b.chance(0.5) {
		axis = -1
		if b.chance(0.8) {
			zp = int64(b.intn(-30, 30))
		}
	}
	w, ws := b.weights(ir.Shape{units, depth}, axis, depth, zp)
	op := &ir.Op{Kind: ir.FullyConnected, Attrs: a, Inputs: []*ir.Tensor{x, w}}
	if b.chance(0.75) {
		op.Inputs = append(op.Inputs, b.bias(x, w, units, depth))
	}
	return rndFinish(op, b.dt, b.fitAct(b.outQuant(rndAccScale(x.Scale(), ws, depth)), a.Activation))
}

func (b *randomBuilder) pool2D(k ir.OpKind) (*ir.Op, error) {
	x := b.src4()
	a := ir.Pool2DAttrs{FilterH: b.intn(1, 4), FilterW: b.intn(1, 4), StrideH: b.intn(1, 3), StrideW: b.intn(1, 3), Activation: b.act()}
	a.Padding = b.padding(x.Shape[1], x.Shape[2], a.FilterH, a.FilterW)
	if b.chance(0.4) {
		a.DilationH, a.DilationW = b.intn(1, 2), b.intn(1, 2)
	}
	dh, dw := a.Dilations()
	effH, effW := (a.FilterH-1)*dh+1, (a.FilterW-1)*dw+1
	a.Padding, a.ExplicitPads = b.explicitPadding(a.Padding, effH, effW)
	if a.Padding == ir.PadExplicit {
		// ONNX ceil_mode: extra bottom/right padding not counted.
		if b.chance(0.3) {
			a.CeilPadBottom, a.CeilPadRight = b.intn(0, a.PadBottom), b.intn(0, a.PadRight)
		}
		a.CountIncludePad = k == ir.AveragePool2D && b.chance(0.5)
	}
	// ONNX Runtime's rounding (ties to even) on about half the quantised
	// average pools, chosen from the drawn geometry so that the random
	// stream (and with it the rest of the suite's coverage) is unchanged.
	if k == ir.AveragePool2D && b.dt != ir.Float32 && (a.FilterH+a.FilterW+a.StrideW)%2 == 0 {
		a.Rounding = ir.PoolRoundHalfEven
	}
	return rndFinish(&ir.Op{Kind: k, Attrs: a, Inputs: []*ir.Tensor{x}}, b.dt, x.Quant.Clone())
}

// broadcastPartner returns a shape that broadcasts with s: a random rank
// up to 4, each aligned dimension either s's or 1 (or anything where s
// has 1).
func (b *randomBuilder) broadcastPartner(s ir.Shape) ir.Shape {
	r := b.intn(1, 4)
	if b.chance(0.3) {
		r = len(s)
	}
	out := make(ir.Shape, r)
	for i := range out {
		j := len(s) - r + i
		switch {
		case j < 0 || s[j] == 1:
			out[i] = b.intn(1, 4)
		case b.chance(0.4):
			out[i] = 1
		default:
			out[i] = s[j]
		}
	}
	return out
}

func (b *randomBuilder) binary(k ir.OpKind) (*ir.Op, error) {
	x := b.srcAny(b.dt)
	var y *ir.Tensor
	if b.chance(0.2) {
		// A pool tensor of the same shape (or x itself).
		y = b.src(b.dt, func(s ir.Shape) bool { return s.Equal(x.Shape) }, func() ir.Shape { return x.Shape })
		if y == x && k != ir.Mul {
			return nil, errRndSkip
		}
	} else {
		shape := b.broadcastPartner(x.Shape)
		if b.chance(0.15) {
			// A constant operand.
			q := b.randQuant(b.dt)
			n := shape.Elements()
			if b.f32 {
				v := make([]float32, n)
				for i := range v {
					v[i] = float32(b.r.Float64()*4 - 2)
				}
				y = b.constant("operand", ir.Float32, shape, nil, ir.Float32Data(v))
			} else {
				v := make([]int8, n)
				for i := range v {
					v[i] = int8(b.intn(-128, 127))
				}
				y = b.constant("operand", ir.Int8, shape, q, rndInt8Bytes(v))
			}
		} else {
			y = b.input(b.dt, shape)
		}
	}
	if b.chance(0.5) {
		x, y = y, x
	}
	op := &ir.Op{Kind: k, Inputs: []*ir.Tensor{x, y}, Attrs: ir.NoAttrs{}}
	var q *ir.Quant
	if !b.f32 {
		s1, s2 := float64(x.Scale()), float64(y.Scale())
		switch k {
		case ir.Add, ir.Sub:
			q = b.quant(max(s1, s2) * 1.5)
		case ir.Mul:
			q = b.quant(s1 * s2 * 74 * 74 / 50)
		default:
			q = x.Quant.Clone()
		}
	}
	if k == ir.Add || k == ir.Sub || k == ir.Mul {
		a := ir.BinaryAttrs{Activation: b.act()}
		op.Attrs = a
		q = b.fitAct(q, a.Activation)
	}
	return rndFinish(op, b.dt, q)
}

func (b *randomBuilder) activation(k ir.OpKind) (*ir.Op, error) {
	x := b.srcAny(b.dt)
	op := &ir.Op{Kind: k, Inputs: []*ir.Tensor{x}, Attrs: ir.NoAttrs{}}
	if k == ir.LeakyRelu {
		alpha := float32(b.logUniform(0.01, 0.9))
		if b.chance(0.15) {
			alpha = float32(b.logUniform(1.1, 3))
		}
		op.Attrs = ir.LeakyReluAttrs{Alpha: alpha}
	}
	var q *ir.Quant
	if !b.f32 {
		s := float64(x.Scale())
		switch k {
		case ir.Logistic:
			q = &ir.Quant{Scale: []float32{1.0 / 256}, ZeroPoint: []int64{-128}}
		case ir.Tanh:
			q = &ir.Quant{Scale: []float32{1.0 / 128}, ZeroPoint: []int64{0}}
		case ir.Relu6:
			q = x.Quant.Clone()
			if b.chance(0.5) {
				q = b.quant(s)
			}
		default:
			q = b.quant(s)
		}
	}
	return rndFinish(op, b.dt, q)
}

// quantize makes a float32 → int8 (float graphs) or int8 → int8
// (int8 graphs) QUANTIZE; a quarter of them involve uint8 instead.
func (b *randomBuilder) quantize() (*ir.Op, error) {
	odt := b.int8or(0.25)
	if b.f32 {
		x := b.srcAny(ir.Float32)
		q := &ir.Quant{Scale: []float32{float32(b.logUniform(0.005, 0.1))}, ZeroPoint: []int64{b.zeroPoint(odt)}}
		return rndFinish(&ir.Op{Kind: ir.Quantize, Inputs: []*ir.Tensor{x}, Attrs: ir.QuantizeAttrs{}}, odt, q)
	}
	idt := ir.Int8
	if odt == ir.Int8 {
		idt = b.int8or(0.3)
	}
	x := b.srcAny(idt)
	q := &ir.Quant{Scale: []float32{float32(float64(x.Scale()) * b.logUniform(0.2, 5))}, ZeroPoint: []int64{b.zeroPoint(odt)}}
	return rndFinish(&ir.Op{Kind: ir.Quantize, Inputs: []*ir.Tensor{x}, Attrs: ir.QuantizeAttrs{}}, odt, q)
}

func (b *randomBuilder) dequantize() (*ir.Op, error) {
	x := b.srcAny(b.int8or(0.25))
	return rndFinish(&ir.Op{Kind: ir.Dequantize, Inputs: []*ir.Tensor{x}, Attrs: ir.NoAttrs{}}, ir.Float32, nil)
}

func (b *randomBuilder) softmax() (*ir.Op, error) {
	x := b.srcAny(b.dt)
	beta := float32(1)
	if b.chance(0.5) {
		beta = float32(b.logUniform(0.2, 3))
	}
	var q *ir.Quant
	if !b.f32 {
		q = &ir.Quant{Scale: []float32{1.0 / 256}, ZeroPoint: []int64{-128}}
	}
	return rndFinish(&ir.Op{Kind: ir.Softmax, Inputs: []*ir.Tensor{x}, Attrs: ir.SoftmaxAttrs{Beta: beta}}, b.dt, q)
}

func (b *randomBuilder) mean() (*ir.Op, error) {
	x := b.srcAny(b.dt)
	var axes []int
	for len(axes) == 0 {
		for i := range x.Shape {
			if b.chance(0.5) {
				axes = append(axes, i)
			}
		}
	}
	a := ir.MeanAttrs{Axes: axes, KeepDims: b.chance(0.5)}
	var q *ir.Quant
	if !b.f32 {
		q = b.quant(float64(x.Scale()) * 0.7)
	}
	return rndFinish(&ir.Op{Kind: ir.Mean, Inputs: []*ir.Tensor{x}, Attrs: a}, b.dt, q)
}

// moveSrc is the source of a data-movement op: any type in the pool.
func (b *randomBuilder) moveSrc() *ir.Tensor {
	dt := b.dt
	if b.chance(0.2) {
		dt = ir.Int8
		if !b.f32 {
			dt = ir.Float32
		}
	}
	return b.srcAny(dt)
}

func (b *randomBuilder) pad() (*ir.Op, error) {
	x := b.moveSrc()
	a := ir.PadAttrs{Before: make([]int, len(x.Shape)), After: make([]int, len(x.Shape))}
	for i := range x.Shape {
		if b.chance(0.6) {
			a.Before[i], a.After[i] = b.intn(0, 2), b.intn(0, 2)
		}
	}
	q := x.Quant.Clone()
	if b.chance(0.4) {
		b.padMode(&a, x.Shape)
	} else if q != nil && b.chance(0.3) {
		q.ZeroPoint[0] = int64(b.intn(-128, 127))
	}
	return rndFinish(&ir.Op{Kind: ir.Pad, Inputs: []*ir.Tensor{x}, Attrs: a}, x.DType, q)
}

func (b *randomBuilder) transpose() (*ir.Op, error) {
	x := b.moveSrc()
	a := ir.TransposeAttrs{Perm: b.r.Perm(len(x.Shape))}
	return rndFinish(&ir.Op{Kind: ir.Transpose, Inputs: []*ir.Tensor{x}, Attrs: a}, x.DType, x.Quant.Clone())
}

// stridedSlice picks, per axis, a stride in ±1..3 and a begin and end that
// select at least one element, written in a random form: negative
// (counting from the end), out of range (clamped) or masked; some axes
// with a positive stride are shrunk.
func (b *randomBuilder) stridedSlice() (*ir.Op, error) {
	x := b.moveSrc()
	r := len(x.Shape)
	a := ir.StridedSliceAttrs{Begin: make([]int, r), End: make([]int, r), Strides: make([]int, r)}
	for i, d := range x.Shape {
		s := b.intn(1, 3)
		if b.chance(0.4) {
			s = -s
		}
		first := b.intn(0, d-1)
		a.Strides[i] = s
		if b.chance(0.2) {
			a.ShrinkAxisMask |= 1 << i
			a.Strides[i] = b.intn(1, 3)
			a.Begin[i] = first
			if b.chance(0.5) {
				a.Begin[i] = first - d
			}
			a.End[i] = b.intn(-d, d) // ignored
			continue
		}
		var last int // exclusive
		if s > 0 {
			last = b.intn(first+1, d)
		} else {
			last = b.intn(-1, first-1)
		}
		switch {
		case b.chance(0.3):
			a.Begin[i] = first - d
		case b.chance(0.2) && s > 0 && first == 0:
			a.Begin[i] = -d - b.intn(1, 3) // clamped to 0
		case b.chance(0.2) && s < 0 && first == d-1:
			a.Begin[i] = d + b.intn(0, 3) // clamped to d-1
		default:
			a.Begin[i] = first
		}
		switch {
		case s > 0 && last == d && b.chance(0.5):
			a.End[i] = d + b.intn(0, 3)
		case s < 0 && last == -1:
			a.End[i] = -d - b.intn(1, 3) // clamped to -1
		case last >= 0 && last < d && b.chance(0.3):
			a.End[i] = last - d
		default:
			a.End[i] = last
		}
		if b.chance(0.15) {
			a.BeginMask |= 1 << i
		}
		if b.chance(0.15) {
			a.EndMask |= 1 << i
		}
	}
	_, _, count, _, shape, err := ir.StridedSliceRegion(a, x.Shape)
	if err != nil {
		return nil, fmt.Errorf("slice %+v of %v: %v", a, x.Shape, err)
	}
	for _, c := range count {
		if c == 0 {
			return nil, fmt.Errorf("slice %+v of %v selects nothing", a, x.Shape)
		}
	}
	op := &ir.Op{Kind: ir.StridedSlice, Inputs: []*ir.Tensor{x}, Attrs: a}
	op.Outputs = []*ir.Tensor{{DType: x.DType, Shape: shape, Quant: x.Quant.Clone()}}
	return op, nil
}

func (b *randomBuilder) concat() (*ir.Op, error) {
	x := b.moveSrc()
	axis := b.r.IntN(len(x.Shape))
	ins := []*ir.Tensor{x}
	for n := b.intn(1, 3); n > 0; n-- {
		if b.chance(0.15) {
			ins = append(ins, x)
			continue
		}
		shape := x.Shape.Clone()
		shape[axis] = b.intn(1, 4)
		ins = append(ins, b.inputQ(x.DType, shape, x.Quant))
	}
	b.r.Shuffle(len(ins), func(i, j int) { ins[i], ins[j] = ins[j], ins[i] })
	return rndFinish(&ir.Op{Kind: ir.Concatenation, Inputs: ins, Attrs: ir.ConcatenationAttrs{Axis: axis}}, x.DType, x.Quant.Clone())
}

func (b *randomBuilder) reshape() (*ir.Op, error) {
	x := b.moveSrc()
	n := x.Shape.Elements()
	var factors []int
	for p, m := 2, n; m > 1; {
		if m%p == 0 {
			factors = append(factors, p)
			m /= p
		} else {
			p++
		}
	}
	shape := make(ir.Shape, b.intn(1, 4))
	for i := range shape {
		shape[i] = 1
	}
	for _, f := range factors {
		shape[b.r.IntN(len(shape))] *= f
	}
	a := ir.ReshapeAttrs{NewShape: []int(shape)}
	return rndFinish(&ir.Op{Kind: ir.Reshape, Inputs: []*ir.Tensor{x}, Attrs: a}, x.DType, x.Quant.Clone())
}

func (b *randomBuilder) squeeze() (*ir.Op, error) {
	hasOne := func(s ir.Shape) bool {
		if !rndAnyRank(s) {
			return false
		}
		for _, d := range s {
			if d == 1 {
				return true
			}
		}
		return false
	}
	x := b.src(b.dt, hasOne, func() ir.Shape {
		s := b.shapeN(2, 4)
		s[b.r.IntN(len(s))] = 1
		return s
	})
	var axes []int
	if b.chance(0.7) {
		for i, d := range x.Shape {
			if d == 1 && b.chance(0.6) {
				ax := i
				if b.chance(0.3) {
					ax = i - len(x.Shape)
				}
				axes = append(axes, ax)
			}
		}
	}
	return rndFinish(&ir.Op{Kind: ir.Squeeze, Inputs: []*ir.Tensor{x}, Attrs: ir.SqueezeAttrs{Axes: axes}}, x.DType, x.Quant.Clone())
}
