package eval

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// builder assembles small graphs by hand.
type builder struct{ g *ir.Graph }

func newBuilder() *builder { return &builder{g: &ir.Graph{Name: "test"}} }

// qp is per-tensor quantisation.
func qp(scale float32, zp int64) *ir.Quant {
	return &ir.Quant{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
}

// qc is per-channel quantisation along axis.
func qc(axis int, scales ...float32) *ir.Quant {
	return &ir.Quant{Scale: scales, ZeroPoint: make([]int64, len(scales)), Axis: axis}
}

func (b *builder) tensor(dt ir.DType, shape ir.Shape, q *ir.Quant) *ir.Tensor {
	return b.g.AddTensor(&ir.Tensor{Name: "t", DType: dt, Shape: shape, Quant: q})
}

// input adds a graph input.
func (b *builder) input(dt ir.DType, shape ir.Shape, q *ir.Quant) *ir.Tensor {
	t := b.tensor(dt, shape, q)
	b.g.Inputs = append(b.g.Inputs, t)
	return t
}

// konst adds a constant with the given raw bytes.
func (b *builder) konst(dt ir.DType, shape ir.Shape, q *ir.Quant, data []byte) *ir.Tensor {
	t := b.tensor(dt, shape, q)
	t.Data = data
	return t
}

// op adds an op writing a new tensor of the given type and shape, which
// becomes a graph output, and returns that tensor.
func (b *builder) op(kind ir.OpKind, attrs ir.Attrs, dt ir.DType, shape ir.Shape, q *ir.Quant, ins ...*ir.Tensor) *ir.Tensor {
	out := b.tensor(dt, shape, q)
	b.g.AddOp(&ir.Op{Kind: kind, Attrs: attrs, Inputs: ins, Outputs: []*ir.Tensor{out}, SourceIndex: -1})
	return out
}

func (b *builder) output(t *ir.Tensor) { b.g.Outputs = append(b.g.Outputs, t) }

// run evaluates the graph (its last op's output is the graph output unless
// outputs were set) and returns the first output.
func (b *builder) run(t *testing.T, inputs ...[]byte) []byte {
	t.Helper()
	e := b.prepare(t)
	outs, err := e.Run(inputs)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return outs[0]
}

func (b *builder) prepare(t *testing.T) *Evaluator {
	t.Helper()
	if len(b.g.Outputs) == 0 {
		b.output(b.g.Ops[len(b.g.Ops)-1].Outputs[0])
	}
	e, err := New(b.g)
	if err != nil {
		t.Fatalf("New: %v\n%s", err, b.g)
	}
	return e
}

// prepareErr expects New to fail with a message containing every want.
func (b *builder) prepareErr(t *testing.T, want ...string) {
	t.Helper()
	if len(b.g.Outputs) == 0 {
		b.output(b.g.Ops[len(b.g.Ops)-1].Outputs[0])
	}
	_, err := New(b.g)
	if err == nil {
		t.Fatalf("New succeeded, want an error containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("New error %q does not contain %q", err, w)
		}
	}
}

func i8s(v ...int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

func u8s(v ...uint8) []byte { return append([]byte(nil), v...) }

func i16s(v ...int16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(x))
	}
	return b
}

func i32s(v ...int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

func i64s(v ...int64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return b
}

func f32s(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func asI8(b []byte) []int8 {
	out := make([]int8, len(b))
	for i, x := range b {
		out[i] = int8(x)
	}
	return out
}

func asI16(b []byte) []int16 {
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out
}

func asF32(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func seq8(n int, from int8) []int8 {
	v := make([]int8, n)
	for i := range v {
		v[i] = from + int8(i)
	}
	return v
}

func seqF(n int, from float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = from + float32(i)
	}
	return v
}

func equalI8(t *testing.T, got []byte, want ...int8) {
	t.Helper()
	g := asI8(got)
	if len(g) != len(want) {
		t.Fatalf("got %d values %v, want %d values %v", len(g), g, len(want), want)
	}
	for i := range g {
		if g[i] != want[i] {
			t.Fatalf("got %v, want %v (first difference at %d)", g, want, i)
		}
	}
}

// equalF32 compares float32 values bit for bit (so −0 ≠ +0); any NaN
// equals any NaN.
func equalF32(t *testing.T, got []byte, want ...float32) {
	t.Helper()
	g := asF32(got)
	if len(g) != len(want) {
		t.Fatalf("got %d values %v, want %d values %v", len(g), g, len(want), want)
	}
	for i := range g {
		if g[i] != g[i] && want[i] != want[i] {
			continue
		}
		if math.Float32bits(g[i]) != math.Float32bits(want[i]) {
			t.Fatalf("got %v, want %v (first difference at %d: %v vs %v)", g, want, i, g[i], want[i])
		}
	}
}

var negZero = float32(math.Copysign(0, -1))

var nan32 = float32(math.NaN())

// runKernel prepares and runs one op directly, bypassing ir.Verify, for
// type combinations TFLM supports but the IR's checker does not accept yet.
func runKernel(t *testing.T, op *ir.Op, inputs ...[]byte) []byte {
	t.Helper()
	if op.Attrs == nil {
		op.Attrs = ir.NoAttrs{}
	}
	k, err := prepareOp(op)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	out := make([]byte, op.Outputs[0].NumBytes())
	if err := k(inputs, out); err != nil {
		t.Fatalf("run: %v", err)
	}
	return out
}
