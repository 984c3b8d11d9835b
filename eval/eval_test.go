package eval

import (
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// chain builds input → RELU → ADD(relu, const) → RESHAPE, float32.
func chain() *builder {
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{1, 4}, nil)
	r := b.op(ir.Relu, ir.NoAttrs{}, ir.Float32, ir.Shape{1, 4}, nil, in)
	c := b.konst(ir.Float32, ir.Shape{4}, nil, f32s(1, 2, 3, 4))
	a := b.op(ir.Add, ir.BinaryAttrs{}, ir.Float32, ir.Shape{1, 4}, nil, r, c)
	b.op(ir.Reshape, ir.ReshapeAttrs{NewShape: []int{2, 2}}, ir.Float32, ir.Shape{2, 2}, nil, a)
	return b
}

func TestRunChainAndTrace(t *testing.T) {
	b := chain()
	e := b.prepare(t)
	var seen []string
	outs, err := e.RunTrace([][]byte{f32s(-1, 1, -2, 2)}, func(op *ir.Op, o [][]byte) {
		seen = append(seen, fmt.Sprintf("%v=%v", op.Kind, asF32(o[0])))
	})
	if err != nil {
		t.Fatal(err)
	}
	equalF32(t, outs[0], 1, 3, 3, 6)
	want := "RELU=[0 1 0 2] ADD=[1 3 3 6] RESHAPE=[1 3 3 6]"
	if got := strings.Join(seen, " "); got != want {
		t.Fatalf("trace %q, want %q", got, want)
	}
	if e.Graph() != b.g {
		t.Fatal("Graph() is not the prepared graph")
	}
}

func TestRunInputErrors(t *testing.T) {
	e := chain().prepare(t)
	if _, err := e.Run(nil); err == nil || !strings.Contains(err.Error(), "1 inputs, got 0") {
		t.Fatalf("missing input: %v", err)
	}
	if _, err := e.Run([][]byte{make([]byte, 15)}); err == nil || !strings.Contains(err.Error(), "needs 16 bytes, got 15") {
		t.Fatalf("short input: %v", err)
	}
}

func TestOutputsAreCopies(t *testing.T) {
	// A graph output that is a graph input, and an output read by a later
	// op: the caller gets fresh slices.
	b := newBuilder()
	in := b.input(ir.Int8, ir.Shape{2}, qp(1, 0))
	r := b.op(ir.Reshape, ir.ReshapeAttrs{NewShape: []int{1, 2}}, ir.Int8, ir.Shape{1, 2}, qp(1, 0), in)
	b.op(ir.Reshape, ir.ReshapeAttrs{NewShape: []int{2, 1}}, ir.Int8, ir.Shape{2, 1}, qp(1, 0), r)
	b.output(in)
	b.output(r)
	e := b.prepare(t)
	x := i8s(5, 6)
	outs, err := e.Run([][]byte{x})
	if err != nil {
		t.Fatal(err)
	}
	outs[0][0] = 99
	outs[1][0] = 98
	if x[0] != 5 {
		t.Fatal("output aliases the caller's input")
	}
	outs2, _ := e.Run([][]byte{x})
	equalI8(t, outs2[1], 5, 6)
}

func TestConcurrentRuns(t *testing.T) {
	e := chain().prepare(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v := float32(i)
			outs, err := e.Run([][]byte{f32s(v, v, v, v)})
			if err != nil {
				errs <- err
				return
			}
			if got := asF32(outs[0]); got[3] != v+4 {
				errs <- fmt.Errorf("run %d: got %v", i, got)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Fatal("New(nil) succeeded")
	}
	// A graph that does not verify.
	b := newBuilder()
	in := b.input(ir.Float32, ir.Shape{2}, nil)
	b.op(ir.Relu, ir.NoAttrs{}, ir.Float32, ir.Shape{3}, nil, in)
	b.prepareErr(t, "does not verify")
	// All op errors are reported together.
	b = newBuilder()
	x := b.input(ir.Int8, ir.Shape{4}, qp(0.1, 0))
	s := b.op(ir.Softmax, ir.SoftmaxAttrs{Beta: 1}, ir.Int8, ir.Shape{4}, qp(0.1, 0), x)
	b.op(ir.Logistic, ir.NoAttrs{}, ir.Int8, ir.Shape{4}, qp(1.0/256, 0), s)
	b.prepareErr(t, "op 0 (SOFTMAX)", "op 1 (LOGISTIC)")
}

// TestRandomGraphsDoNotPanic builds many small single-op graphs with random
// shapes, types, quantisation and attributes; every graph that passes
// ir.Verify must either be rejected by New with an error or run without
// panicking (Run turns panics into errors, so an "internal error" fails).
func TestRandomGraphsDoNotPanic(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	dts := []ir.DType{ir.Int8, ir.Int16, ir.Float32, ir.Int32, ir.UInt8}
	acts := []ir.Activation{ir.ActNone, ir.ActRelu, ir.ActRelu6, ir.ActReluN1To1, ir.ActTanh}
	shape := func(r int) ir.Shape {
		s := make(ir.Shape, r)
		for i := range s {
			s[i] = 1 + rng.Intn(3)
		}
		return s
	}
	quantFor := func(dt ir.DType) *ir.Quant {
		if dt == ir.Float32 {
			return nil
		}
		lo, hi := dt.Range()
		zp := lo + rng.Int63n(min(hi-lo+1, 256))
		if dt == ir.Int16 {
			zp = 0
		}
		return qp([]float32{1.0 / 256, 0.1, 0.5, 2, 1e-3}[rng.Intn(5)], zp)
	}
	ran, rejected := 0, 0
	for iter := 0; iter < 3000; iter++ {
		b := newBuilder()
		dt := dts[rng.Intn(len(dts))]
		odt := dt
		if rng.Intn(8) == 0 {
			odt = dts[rng.Intn(len(dts))]
		}
		kinds := ir.OpKinds()
		kind := kinds[rng.Intn(len(kinds))]
		act := acts[rng.Intn(len(acts))]
		var ins []*ir.Tensor
		var attrs ir.Attrs = ir.NoAttrs{}
		var in *ir.Tensor
		newIn := func(s ir.Shape) *ir.Tensor { return b.input(dt, s, quantFor(dt)) }
		switch kind {
		case ir.Conv2D, ir.DepthwiseConv2D:
			in = newIn(shape(4))
			wdt := dt
			if dt == ir.Int16 {
				wdt = ir.Int8
			}
			c := in.Shape[3]
			fs := ir.Shape{1 + rng.Intn(2), 1 + rng.Intn(3), 1 + rng.Intn(3), c}
			m := 1 + rng.Intn(2)
			if kind == ir.DepthwiseConv2D {
				fs = ir.Shape{1, fs[1], fs[2], c * m}
			}
			w := b.konst(wdt, fs, quantFor(wdt), make([]byte, fs.Elements()*wdt.Size()))
			ins = []*ir.Tensor{in, w}
			p := ir.Padding(rng.Intn(2))
			s, d := 1+rng.Intn(2), 1+rng.Intn(2)
			if kind == ir.Conv2D {
				attrs = ir.Conv2DAttrs{Padding: p, StrideH: s, StrideW: s, DilationH: d, DilationW: d, Activation: act}
			} else {
				attrs = ir.DepthwiseConv2DAttrs{Padding: p, StrideH: s, StrideW: s, DilationH: d, DilationW: d, DepthMultiplier: m, Activation: act}
			}
		case ir.FullyConnected:
			in = newIn(shape(2))
			wdt := dt
			if dt == ir.Int16 {
				wdt = ir.Int8
			}
			ws := ir.Shape{1 + rng.Intn(3), in.Shape[1]}
			w := b.konst(wdt, ws, quantFor(wdt), make([]byte, ws.Elements()*wdt.Size()))
			ins = []*ir.Tensor{in, w}
			attrs = ir.FullyConnectedAttrs{Activation: act}
		case ir.AveragePool2D, ir.MaxPool2D:
			in = newIn(shape(4))
			ins = []*ir.Tensor{in}
			attrs = ir.Pool2DAttrs{Padding: ir.Padding(rng.Intn(2)), FilterH: 1 + rng.Intn(3), FilterW: 1 + rng.Intn(3), StrideH: 1 + rng.Intn(2), StrideW: 1 + rng.Intn(2), Activation: act}
		case ir.Add, ir.Sub, ir.Mul, ir.Maximum, ir.Minimum:
			r := rng.Intn(4)
			ins = []*ir.Tensor{newIn(shape(r)), newIn(shape(rng.Intn(4)))}
			if kind != ir.Maximum && kind != ir.Minimum {
				attrs = ir.BinaryAttrs{Activation: act}
			}
		case ir.Reshape:
			in = newIn(shape(3))
			ins = []*ir.Tensor{in}
			attrs = ir.ReshapeAttrs{NewShape: []int{in.Shape.Elements()}}
		case ir.Squeeze:
			ins = []*ir.Tensor{newIn(shape(3))}
			attrs = ir.SqueezeAttrs{}
		case ir.Softmax:
			ins = []*ir.Tensor{newIn(shape(2))}
			attrs = ir.SoftmaxAttrs{Beta: 1}
		case ir.LeakyRelu:
			ins = []*ir.Tensor{newIn(shape(2))}
			attrs = ir.LeakyReluAttrs{Alpha: 0.2}
		case ir.Concatenation:
			x := newIn(shape(3))
			y := b.input(dt, x.Shape, x.Quant)
			ins = []*ir.Tensor{x, y}
			attrs = ir.ConcatenationAttrs{Axis: rng.Intn(3)}
		case ir.Pad:
			ins = []*ir.Tensor{newIn(shape(3))}
			attrs = ir.PadAttrs{Before: []int{rng.Intn(2), 0, rng.Intn(2)}, After: []int{0, rng.Intn(2), 1}}
		case ir.Mean:
			ins = []*ir.Tensor{newIn(shape(4))}
			attrs = ir.MeanAttrs{Axes: []int{1, 2}, KeepDims: rng.Intn(2) == 0}
		case ir.Transpose:
			ins = []*ir.Tensor{newIn(shape(3))}
			attrs = ir.TransposeAttrs{Perm: rng.Perm(3)}
		case ir.StridedSlice:
			ins = []*ir.Tensor{newIn(shape(3))}
			a := ir.StridedSliceAttrs{BeginMask: rng.Intn(8), EndMask: rng.Intn(8), ShrinkAxisMask: rng.Intn(8), EllipsisMask: rng.Intn(3), NewAxisMask: rng.Intn(3), Offset: rng.Intn(4) == 0}
			for i := 0; i < 3; i++ {
				a.Begin = append(a.Begin, rng.Intn(7)-3)
				a.End = append(a.End, rng.Intn(7)-3)
				a.Strides = append(a.Strides, []int{-2, -1, 1, 2}[rng.Intn(4)])
			}
			attrs = a
			// The output shape depends on the masks: take it from
			// StridedSliceRegion when it succeeds.
			if _, _, _, _, s, err := ir.StridedSliceRegion(a, ins[0].Shape); err == nil {
				b.op(kind, attrs, odt, s, quantFor(odt), ins...)
			}
		default:
			ins = []*ir.Tensor{newIn(shape(rng.Intn(4)))}
		}
		if len(b.g.Ops) == 0 {
			o := &ir.Op{Kind: kind, Attrs: attrs, Inputs: ins, Outputs: []*ir.Tensor{{DType: odt}}}
			s, err := ir.InferShape(o)
			if err != nil {
				continue
			}
			oq := quantFor(odt)
			if kind == ir.Softmax && odt == ir.Int8 && rng.Intn(2) == 0 {
				oq = qp(1.0/256, -128)
			}
			b.op(kind, attrs, odt, s, oq, ins...)
		}
		b.output(b.g.Ops[0].Outputs[0])
		if b.g.Verify() != nil {
			continue
		}
		e, err := New(b.g)
		if err != nil {
			rejected++
			continue
		}
		var inputs [][]byte
		for _, t := range b.g.Inputs {
			d := make([]byte, t.NumBytes())
			rng.Read(d)
			inputs = append(inputs, d)
		}
		if _, err := e.Run(inputs); err != nil {
			t.Fatalf("graph\n%s\nRun: %v", b.g, err)
		}
		ran++
	}
	t.Logf("%d random graphs ran, %d rejected by New", ran, rejected)
	if ran < 300 {
		t.Fatalf("only %d random graphs ran (%d rejected)", ran, rejected)
	}
}
