// arithmetic.go: crafted models whose shapes and parameters overflow the
// int32 constants and index arithmetic of the generated C.
package hostile

import (
	"fmt"
	"math"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/ir"
)

// arithmeticCases returns the crafted models of class Arithmetic.
func arithmeticCases() ([]Case, error) {
	var cases []Case
	for _, c := range arithmeticGraphs() {
		data, err := tflite.Encode(c.g)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		cases = append(cases, Case{Name: "arithmetic/" + c.name, File: c.name + ".tflite", Data: data, WantError: c.want})
	}
	return cases, nil
}

// graphCase is one crafted graph and the error its compile must report
// (empty: it must compile).
type graphCase struct {
	name, want string
	g          *ir.Graph
}

// gb builds small graphs for the crafted models.
type gb struct{ g *ir.Graph }

func newGB(name string) *gb { return &gb{g: &ir.Graph{Name: name, Source: "hostile"}} }

func qt(scale float32, zp int64) *ir.Quant {
	return &ir.Quant{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
}

func (b *gb) tensor(name string, dt ir.DType, shape ir.Shape, q *ir.Quant, data []byte) *ir.Tensor {
	return b.g.AddTensor(&ir.Tensor{Name: name, DType: dt, Shape: shape, Quant: q, Data: data})
}

func (b *gb) input(name string, dt ir.DType, shape ir.Shape, q *ir.Quant) *ir.Tensor {
	t := b.tensor(name, dt, shape, q, nil)
	b.g.Inputs = append(b.g.Inputs, t)
	return t
}

// op adds an op whose output shape InferShape gives (or shape, if not
// nil), with an output of type dt and quantisation q.
func (b *gb) op(kind ir.OpKind, attrs ir.Attrs, dt ir.DType, q *ir.Quant, shape ir.Shape, ins ...*ir.Tensor) *ir.Tensor {
	o := &ir.Op{Kind: kind, Attrs: attrs, Inputs: ins, SourceIndex: len(b.g.Ops)}
	if shape == nil {
		s, err := ir.InferShape(o)
		if err != nil {
			panic(fmt.Sprintf("hostile: %s: %v", b.g.Name, err))
		}
		shape = s
	}
	o.Outputs = []*ir.Tensor{b.tensor(fmt.Sprintf("t%d", len(b.g.Tensors)), dt, shape, q, nil)}
	b.g.AddOp(o)
	return o.Outputs[0]
}

func (b *gb) output(ts ...*ir.Tensor) *ir.Graph {
	b.g.Outputs = append(b.g.Outputs, ts...)
	return b.g
}

// weights8 returns an int8 constant of the shape, quantised per channel
// along axis with channels scales (per tensor if channels is 1).
func (b *gb) weights8(shape ir.Shape, axis, channels int) *ir.Tensor {
	n := shape.Elements()
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i*37 + 11)
	}
	q := &ir.Quant{Axis: axis}
	for c := 0; c < channels; c++ {
		q.Scale = append(q.Scale, 0.01+0.001*float32(c))
		q.ZeroPoint = append(q.ZeroPoint, 0)
	}
	return b.tensor(fmt.Sprintf("w%d", len(b.g.Tensors)), ir.Int8, shape, q, data)
}

// conv is an int8 1x5x5x1 -> CONV_2D 3x3 graph with the given attributes.
func conv(name string, a ir.Conv2DAttrs) *ir.Graph {
	b := newGB(name)
	x := b.input("x", ir.Int8, ir.Shape{1, 5, 5, 1}, qt(0.05, -3))
	return b.output(b.op(ir.Conv2D, a, ir.Int8, qt(0.1, 2), nil, x, b.weights8(ir.Shape{1, 3, 3, 1}, 0, 1)))
}

// depthwise is an int8 1x5x5x2 -> DEPTHWISE_CONV_2D 3x3 graph.
func depthwise(name string, a ir.DepthwiseConv2DAttrs) *ir.Graph {
	b := newGB(name)
	x := b.input("x", ir.Int8, ir.Shape{1, 5, 5, 2}, qt(0.05, -3))
	return b.output(b.op(ir.DepthwiseConv2D, a, ir.Int8, qt(0.1, 2), nil, x, b.weights8(ir.Shape{1, 3, 3, 2}, 3, 2)))
}

// HugeDilation is the dilation of the crafted convolutions: with a 3-tap
// filter, (k-1)*dilation = 2^31 overflows int32 in the kernels' tap
// coordinate dilation*fy.
const HugeDilation = 1 << 30

func arithmeticGraphs() []graphCase {
	var cs []graphCase
	add := func(name, want string, g *ir.Graph) { cs = append(cs, graphCase{name, want, g}) }

	add("conv-huge-dilation", "op 0 (CONV_2D): stride_h 1, dilation_h 1073741824 and pad_h 1073741824 make input row index (k-1)*dilation",
		conv("conv-huge-dilation", ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: HugeDilation, DilationW: 1}))
	add("conv-huge-dilation-w", "op 0 (CONV_2D): stride_w 1, dilation_w 1073741824",
		conv("conv-huge-dilation-w", ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: HugeDilation}))
	add("conv-max-dilation", "op 0 (CONV_2D): stride_h 1, dilation_h 2147483647",
		conv("conv-max-dilation", ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: math.MaxInt32, DilationW: math.MaxInt32}))
	add("depthwise-huge-dilation", "op 0 (DEPTHWISE_CONV_2D): stride_h 1, dilation_h 1073741824",
		depthwise("depthwise-huge-dilation", ir.DepthwiseConv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: HugeDilation, DilationW: 1, DepthMultiplier: 1}))
	// A huge stride gives one output per axis: the kernels never multiply
	// it by a non-zero coordinate, so it compiles (and runs correctly).
	add("conv-huge-stride", "",
		conv("conv-huge-stride", ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: math.MaxInt32, StrideW: math.MaxInt32, DilationH: 1, DilationW: 1}))
	add("depthwise-huge-stride", "",
		depthwise("depthwise-huge-stride", ir.DepthwiseConv2DAttrs{Padding: ir.PadValid, StrideH: math.MaxInt32, StrideW: math.MaxInt32, DilationH: 1, DilationW: 1, DepthMultiplier: 1}))
	// A pool window far larger than the image, its SAME padding near
	// 2^30: the pooling kernels clip the window without overflow.
	{
		b := newGB("pool-huge-filter")
		x := b.input("x", ir.Int8, ir.Shape{1, 5, 5, 1}, qt(0.05, -3))
		add("pool-huge-filter", "", b.output(b.op(ir.MaxPool2D, ir.Pool2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1,
			FilterH: math.MaxInt32, FilterW: math.MaxInt32}, ir.Int8, qt(0.05, -3), nil, x)))
	}
	// Huge padding: a PAD of int64 elements whose 2^28-element output is
	// 2^31 bytes, one more than the data-movement kernels' int32 byte
	// offsets (and the copy's byte count) hold. The activation limit
	// (1 GiB) refuses it at load, before the kernel bound (which
	// kernels' TestLowerLimits checks on its own) is reached.
	{
		b := newGB("pad-huge")
		x := b.input("x", ir.Int64, ir.Shape{1, 1}, nil)
		y := b.op(ir.Pad, ir.PadAttrs{Before: []int{0, 0}, After: []int{0, ir.MaxElements - 1}}, ir.Int64, nil, nil, x)
		add("pad-huge", "more than the 1073741824 tinygen evaluates or plans", b.output(y))
	}
	// Dimensions whose product overflows: refused when the model is read,
	// before any arithmetic on them.
	{
		b := newGB("dims-product")
		x := b.input("x", ir.Int8, ir.Shape{65536, 65536, 65536}, qt(0.05, 0))
		add("dims-product", "has more than 268435456 elements", b.output(b.op(ir.Relu, ir.NoAttrs{}, ir.Int8, qt(0.05, 0), nil, x)))
	}
	// An empty shape whose other dimensions are huge: it has no elements,
	// but its strides (2^62) fit neither int32 nor, multiplied once more,
	// int64.
	{
		b := newGB("dims-empty-huge")
		x := b.input("x", ir.Int8, ir.Shape{0, math.MaxInt32, math.MaxInt32}, qt(0.05, 0))
		add("dims-empty-huge", "has more than 268435456 elements", b.output(b.op(ir.Transpose, ir.TransposeAttrs{Perm: []int{2, 1, 0}}, ir.Int8, qt(0.05, 0), nil, x)))
	}
	// A FULLY_CONNECTED whose depth would need loop counters beyond int32:
	// the weights' element count is refused first (depth is at most 2^28
	// for any tensor tinygen accepts, so b*depth and u*depth fit int32).
	{
		b := newGB("fc-deep")
		x := b.input("x", ir.Int8, ir.Shape{0, math.MaxInt32}, qt(0.05, 0))
		w := b.input("w", ir.Int8, ir.Shape{1, math.MaxInt32}, qt(0.01, 0))
		add("fc-deep", "has more than 268435456 elements", b.output(b.op(ir.FullyConnected, ir.FullyConnectedAttrs{}, ir.Int8, qt(0.1, 0), ir.Shape{0, 1}, x, w)))
	}
	// Per-channel quantisation arrays that do not match the channels.
	{
		b := newGB("quant-axis-mismatch")
		x := b.input("x", ir.Int8, ir.Shape{1, 5, 5, 1}, qt(0.05, -3))
		w := b.weights8(ir.Shape{4, 3, 3, 1}, 0, 4)
		w.Quant.ZeroPoint = w.Quant.ZeroPoint[:3]
		add("quant-axis-mismatch", "4 scales but 3 zero points", b.output(b.op(ir.Conv2D, ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1},
			ir.Int8, qt(0.1, 2), nil, x, w)))
	}
	{
		// Scales along the filter's input-channel axis (3 of them) for a
		// convolution with 2 output channels.
		b := newGB("quant-wrong-axis")
		x := b.input("x", ir.Int8, ir.Shape{1, 5, 5, 3}, qt(0.05, -3))
		w := b.weights8(ir.Shape{2, 3, 3, 3}, 3, 3)
		add("quant-wrong-axis", "op 0 (CONV_2D)", b.output(b.op(ir.Conv2D, ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1},
			ir.Int8, qt(0.1, 2), nil, x, w)))
	}
	return cs
}
