package testmodels

import (
	"fmt"
	"hash/fnv"
	"math"

	"github.com/tinygen/tinygen/ir"
)

// rng is a tiny xorshift64 generator. Each model seeds its own from its
// name, so weights are deterministic and independent of other models.
type rng struct{ s uint64 }

func newRNG(seed string) *rng {
	h := fnv.New64a()
	h.Write([]byte(seed))
	s := h.Sum64()
	if s == 0 {
		s = 0x9e3779b97f4a7c15
	}
	return &rng{s: s}
}

func (r *rng) next() uint64 {
	x := r.s
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	r.s = x
	return x
}

// uniform returns a float in [lo, hi).
func (r *rng) uniform(lo, hi float64) float64 {
	return lo + (hi-lo)*float64(r.next()>>11)/(1<<53)
}

// intn returns an int in [lo, hi].
func (r *rng) intIn(lo, hi int) int {
	return lo + int(r.next()%uint64(hi-lo+1))
}

// builder assembles one synthetic graph. In float mode (f32) activations
// and weights are float32 and quantisation parameters are ignored.
type builder struct {
	g   *ir.Graph
	r   *rng
	f32 bool
}

func newBuilder(name, description string, f32 bool) *builder {
	return &builder{
		g:   &ir.Graph{Name: name, Description: description, Source: "testmodels"},
		r:   newRNG(name),
		f32: f32,
	}
}

// q returns a per-tensor quantisation.
func q(scale float32, zp int64) *ir.Quant {
	return &ir.Quant{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
}

// act makes an activation tensor: int8 with quantisation q, or float32.
func (b *builder) act(name string, shape ir.Shape, quant *ir.Quant) *ir.Tensor {
	t := &ir.Tensor{Name: name, DType: ir.Int8, Shape: shape, Quant: quant}
	if b.f32 {
		t.DType, t.Quant = ir.Float32, nil
	}
	return b.g.AddTensor(t)
}

// input adds a graph input.
func (b *builder) input(name string, shape ir.Shape, quant *ir.Quant) *ir.Tensor {
	t := b.act(name, shape, quant)
	b.g.Inputs = append(b.g.Inputs, t)
	return t
}

func (b *builder) output(ts ...*ir.Tensor) *ir.Graph {
	b.g.Outputs = append(b.g.Outputs, ts...)
	return b.g
}

// floats returns n uniform floats in [-r, r).
func (b *builder) floats(n int, r float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(b.r.uniform(-r, r))
	}
	return out
}

// int8s returns n uniform int8 values in [-127, 127] (symmetric weights).
func (b *builder) int8s(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(int8(b.r.intIn(-127, 127)))
	}
	return out
}

// weights adds a constant weight tensor. Int8 weights are symmetric
// (zero point 0) with one scale per index of axis perAxis, or one scale
// if perAxis < 0. Float weights are scaled by 1/sqrt(fanIn).
func (b *builder) weights(name string, shape ir.Shape, perAxis, fanIn int) *ir.Tensor {
	n := shape.Elements()
	if b.f32 {
		return b.g.AddTensor(&ir.Tensor{Name: name, DType: ir.Float32, Shape: shape,
			Data: ir.Float32Data(b.floats(n, 1/math.Sqrt(float64(fanIn))))})
	}
	channels := 1
	if perAxis >= 0 {
		channels = shape[perAxis]
	}
	qq := &ir.Quant{Scale: make([]float32, channels), ZeroPoint: make([]int64, channels)}
	if perAxis >= 0 {
		qq.Axis = perAxis
	}
	for i := range qq.Scale {
		qq.Scale[i] = float32(b.r.uniform(0.002, 0.02))
	}
	return b.g.AddTensor(&ir.Tensor{Name: name, DType: ir.Int8, Shape: shape, Quant: qq, Data: b.int8s(n)})
}

// bias adds the bias of a conv/depthwise/FC op: int32 with scale
// input scale × weight scale per channel (zero point 0), or float32.
func (b *builder) bias(name string, in, w *ir.Tensor, channels int) *ir.Tensor {
	shape := ir.Shape{channels}
	if b.f32 {
		return b.g.AddTensor(&ir.Tensor{Name: name, DType: ir.Float32, Shape: shape, Data: ir.Float32Data(b.floats(channels, 0.1))})
	}
	qq := &ir.Quant{Scale: make([]float32, len(w.Quant.Scale)), ZeroPoint: make([]int64, len(w.Quant.Scale))}
	for i := range qq.Scale {
		qq.Scale[i] = in.Scale() * w.Quant.Scale[i]
	}
	v := make([]int32, channels)
	for i := range v {
		v[i] = int32(b.r.intIn(-1000, 1000))
	}
	return b.g.AddTensor(&ir.Tensor{Name: name, DType: ir.Int32, Shape: shape, Quant: qq, Data: ir.Int32Data(v)})
}

// constAct adds a constant operand shaped like an activation (for
// broadcasting binary ops): int8 data with quantisation quant, or float.
func (b *builder) constAct(name string, shape ir.Shape, quant *ir.Quant) *ir.Tensor {
	n := shape.Elements()
	if b.f32 {
		return b.g.AddTensor(&ir.Tensor{Name: name, DType: ir.Float32, Shape: shape, Data: ir.Float32Data(b.floats(n, 1))})
	}
	return b.g.AddTensor(&ir.Tensor{Name: name, DType: ir.Int8, Shape: shape, Quant: quant, Data: b.int8s(n)})
}

// op adds an op whose output shape follows from its inputs and attributes
// (ir.InferShape), creating the output tensor.
func (b *builder) op(kind ir.OpKind, attrs ir.Attrs, out string, outQ *ir.Quant, ins ...*ir.Tensor) *ir.Tensor {
	o := &ir.Op{Kind: kind, Attrs: attrs, Inputs: ins, SourceIndex: -1}
	shape, err := ir.InferShape(o)
	if err != nil {
		panic(fmt.Sprintf("testmodels: %s %v: %v", b.g.Name, kind, err))
	}
	return b.opShaped(o, out, shape, outQ)
}

// opShaped adds an op with an explicitly given output shape.
func (b *builder) opShaped(o *ir.Op, out string, shape ir.Shape, outQ *ir.Quant) *ir.Tensor {
	t := b.act(out, shape, outQ)
	o.Outputs = []*ir.Tensor{t}
	o.SourceIndex = -1
	b.g.AddOp(o)
	return t
}

// conv adds a CONV_2D with outC filters of kh×kw, per-channel int8
// weights and, if withBias, a bias.
func (b *builder) conv(name string, x *ir.Tensor, outC, kh, kw int, a ir.Conv2DAttrs, withBias bool, outQ *ir.Quant) *ir.Tensor {
	inC := x.Shape[3]
	w := b.weights(name+"/weights", ir.Shape{outC, kh, kw, inC}, 0, kh*kw*inC)
	ins := []*ir.Tensor{x, w}
	if withBias {
		ins = append(ins, b.bias(name+"/bias", x, w, outC))
	}
	return b.op(ir.Conv2D, a, name, outQ, ins...)
}

// dwconv adds a DEPTHWISE_CONV_2D with a kh×kw filter per output channel.
func (b *builder) dwconv(name string, x *ir.Tensor, kh, kw int, a ir.DepthwiseConv2DAttrs, outQ *ir.Quant) *ir.Tensor {
	outC := x.Shape[3] * a.DepthMultiplier
	w := b.weights(name+"/weights", ir.Shape{1, kh, kw, outC}, 3, kh*kw)
	return b.op(ir.DepthwiseConv2D, a, name, outQ, x, w, b.bias(name+"/bias", x, w, outC))
}

// fc adds a FULLY_CONNECTED with per-tensor int8 weights and a bias.
func (b *builder) fc(name string, x *ir.Tensor, units int, a ir.FullyConnectedAttrs, outQ *ir.Quant) *ir.Tensor {
	depth := x.Shape[len(x.Shape)-1]
	w := b.weights(name+"/weights", ir.Shape{units, depth}, -1, depth)
	return b.op(ir.FullyConnected, a, name, outQ, x, w, b.bias(name+"/bias", x, w, units))
}

// stridedSliceShape computes the output shape of a STRIDED_SLICE with
// positive strides and only begin/end masks.
func stridedSliceShape(in ir.Shape, a ir.StridedSliceAttrs) ir.Shape {
	out := make(ir.Shape, len(in))
	for i, d := range in {
		lo, hi := a.Begin[i], a.End[i]
		if a.BeginMask&(1<<i) != 0 {
			lo = 0
		}
		if a.EndMask&(1<<i) != 0 {
			hi = d
		}
		lo, hi = min(max(lo, 0), d), min(max(hi, 0), d)
		out[i] = max(0, (hi-lo+a.Strides[i]-1)/a.Strides[i])
	}
	return out
}
