// Package eval is tinygen's reference evaluator: a pure-Go interpreter of an
// ir.Graph that reproduces the TensorFlow Lite Micro reference kernels
// (tensorflow/tflite-micro at commit 90b983c2), bit for bit on the integer
// paths and with the same float32 operation order on the float paths. It is
// the numeric oracle the passes, emitters and conformance tests compare
// against.
//
// The specification is docs/numerics.md in the shared folder ("numerics.md", §n
// below). Every piece of quantisation arithmetic (multipliers, rounding,
// saturation, fixed-point transcendental functions) comes from package quant;
// this package only moves data, loops over windows and broadcasts, and calls
// quant per element. Float kernels accumulate in float32 in the reference
// order, with explicit float32 conversions so that the Go compiler cannot fuse
// a multiply and an add (§14.6), and clamp with std::min/std::max semantics
// (quant.ClampFloat, §14.1).
//
// New is the Prepare step: it validates what TFLM's Prepare functions
// validate and computes every per-op integer parameter once. Run then
// evaluates the graph on raw little-endian tensor bytes. An Evaluator holds no
// mutable state after New, so one Evaluator may run several inferences
// concurrently.
//
// Supported operators and types (one file per family):
//
//	conv.go         CONV_2D (groups, dilation), DEPTHWISE_CONV_2D (depth
//	                multiplier, dilation), FULLY_CONNECTED (per-tensor and
//	                per-channel, keep_num_dims, batches): int8, 16x8, float32
//	pool.go         AVERAGE_POOL_2D, MAX_POOL_2D: int8, int16, float32
//	elementwise.go  ADD, SUB, MUL (broadcast up to rank 6): int8, int16,
//	                float32; MAXIMUM, MINIMUM (broadcast): float32, int8,
//	                uint8, int16, int32, int64 on raw values
//	softmax.go      SOFTMAX: int8 → int8, int8 → int16, float32
//	activations.go  LOGISTIC, TANH: int8, int16, float32; RELU, RELU6,
//	                LEAKY_RELU: int8, int16, float32; HARD_SWISH: int8, float32
//	quantize.go     QUANTIZE (float32 → int8/uint8/int16/int32, per tensor or
//	                per axis, and integer requantization), DEQUANTIZE
//	                (int8/uint8/int16 → float32, per tensor or per axis)
//	shape.go        RESHAPE, SQUEEZE, CONCATENATION, PAD, TRANSPOSE,
//	                STRIDED_SLICE: any element type, byte copies
//	reduce.go       MEAN: int8, int16, float32
//	onnxops.go      DIV, BATCH_MATMUL: float32; PRELU: float32, int8;
//	                BATCH_MATMUL and CONV_2D with 8-bit operands and an
//	                int32 output (MatMulInteger, ConvInteger);
//	                DEPTH_TO_SPACE, RESIZE_NEAREST_NEIGHBOR, PAD modes other
//	                than CONSTANT: any element type (docs/operators.md)
//	intarith.go     ADD, SUB, MUL, DIV on unquantised uint8/int8/int16/int32
package eval

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tinygen/tinygen/ir"
)

// kernel computes one op's output from its inputs. ins has one entry per op
// input (nil for an absent optional input); out is the zeroed output buffer
// of the right size.
type kernel func(ins [][]byte, out []byte) error

// step is one prepared op.
type step struct {
	op   *ir.Op
	ins  []int // buffer slot of each input, -1 if absent
	out  int   // buffer slot of the output
	size int   // output size in bytes
	run  kernel
}

// Evaluator runs one graph. Create it with New.
type Evaluator struct {
	g        *ir.Graph
	nslots   int
	consts   map[int][]byte // slot → constant data
	inSlots  []int
	inSizes  []int
	outSlots []int
	steps    []step
}

// TraceFunc receives every op with its outputs (raw little-endian bytes)
// right after the op ran. The slices belong to the evaluation: read them or
// copy them, but do not modify them.
type TraceFunc func(op *ir.Op, outputs [][]byte)

// New prepares g for evaluation: it verifies the graph (ir.Graph.Verify),
// checks every op the way TFLM's Prepare does (supported type combinations,
// quantisation constraints such as SOFTMAX int8 output scale 1/256 and zero
// point −128, equal pooling input and output quantisation, concatenation
// inputs sharing the output quantisation, filter scale counts) and computes
// the per-op integer parameters through package quant. Errors name the op;
// all failing ops are reported together. The graph must not be modified
// while the Evaluator is in use.
func New(g *ir.Graph) (*Evaluator, error) {
	if g == nil {
		return nil, errors.New("eval: nil graph")
	}
	if err := g.Verify(); err != nil {
		return nil, fmt.Errorf("eval: graph does not verify: %w", err)
	}
	e := &Evaluator{g: g, consts: map[int][]byte{}}
	slots := map[*ir.Tensor]int{}
	slot := func(t *ir.Tensor) int {
		if s, ok := slots[t]; ok {
			return s
		}
		s := e.nslots
		e.nslots++
		slots[t] = s
		if t.IsConst() {
			e.consts[s] = t.Data
		}
		return s
	}
	for _, t := range g.Inputs {
		e.inSlots = append(e.inSlots, slot(t))
		e.inSizes = append(e.inSizes, t.NumBytes())
	}
	var errs []error
	for _, op := range g.Ops {
		run, err := prepareOp(op)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st := step{op: op, run: run, out: slot(op.Outputs[0]), size: op.Outputs[0].NumBytes()}
		for _, t := range op.Inputs {
			if t == nil {
				st.ins = append(st.ins, -1)
			} else {
				st.ins = append(st.ins, slot(t))
			}
		}
		e.steps = append(e.steps, st)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("eval: %w", errors.Join(errs...))
	}
	for _, t := range g.Outputs {
		e.outSlots = append(e.outSlots, slot(t))
	}
	return e, nil
}

// Graph returns the graph the evaluator was prepared for.
func (e *Evaluator) Graph() *ir.Graph { return e.g }

// Run evaluates the graph on one set of inputs, given as raw little-endian
// bytes per graph input in g.Inputs order, and returns fresh byte slices per
// graph output in g.Outputs order.
func (e *Evaluator) Run(inputs [][]byte) ([][]byte, error) {
	return e.RunTrace(inputs, nil)
}

// RunTrace is Run that also calls fn (if not nil) after every op with the
// op's outputs, for debugging and for comparing intermediate tensors.
func (e *Evaluator) RunTrace(inputs [][]byte, fn TraceFunc) ([][]byte, error) {
	if len(inputs) != len(e.inSlots) {
		return nil, fmt.Errorf("eval: graph has %d inputs, got %d", len(e.inSlots), len(inputs))
	}
	bufs := make([][]byte, e.nslots)
	for s, d := range e.consts {
		bufs[s] = d
	}
	for i, b := range inputs {
		if len(b) != e.inSizes[i] {
			t := e.g.Inputs[i]
			return nil, fmt.Errorf("eval: input %d %v (%v %v) needs %d bytes, got %d",
				i, t, t.DType, t.Shape, e.inSizes[i], len(b))
		}
		bufs[e.inSlots[i]] = b
	}
	ins := make([][]byte, 0, 8)
	for i := range e.steps {
		st := &e.steps[i]
		ins = ins[:0]
		for _, s := range st.ins {
			if s < 0 {
				ins = append(ins, nil)
			} else {
				ins = append(ins, bufs[s])
			}
		}
		out := make([]byte, st.size)
		if err := runStep(st, ins, out); err != nil {
			return nil, err
		}
		bufs[st.out] = out
		if fn != nil {
			fn(st.op, [][]byte{out})
		}
	}
	outs := make([][]byte, len(e.outSlots))
	for i, s := range e.outSlots {
		outs[i] = append([]byte(nil), bufs[s]...)
	}
	return outs, nil
}

// runStep runs one kernel and turns a panic (a bug in this package, since
// New validated the op) into an error naming the op.
func runStep(st *step, ins [][]byte, out []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("eval: %v: internal error: %v", st.op, r)
		}
	}()
	if err := st.run(ins, out); err != nil {
		return fmt.Errorf("eval: %v: %w", st.op, err)
	}
	return nil
}

// prepareOp validates one op and returns its kernel.
func prepareOp(op *ir.Op) (kernel, error) {
	var k kernel
	var err error
	switch op.Kind {
	case ir.Conv2D:
		k, err = prepareConv(op)
	case ir.DepthwiseConv2D:
		k, err = prepareDepthwise(op)
	case ir.FullyConnected:
		k, err = prepareFullyConnected(op)
	case ir.AveragePool2D, ir.MaxPool2D:
		k, err = preparePool(op)
	case ir.Add, ir.Sub, ir.Mul:
		k, err = prepareArith(op)
	case ir.Maximum, ir.Minimum:
		k, err = prepareMinMax(op)
	case ir.Reshape, ir.Squeeze:
		k, err = prepareCopy(op)
	case ir.Softmax:
		k, err = prepareSoftmax(op)
	case ir.Logistic, ir.Tanh:
		k, err = prepareLogisticTanh(op)
	case ir.Relu, ir.Relu6:
		k, err = prepareRelu(op)
	case ir.LeakyRelu:
		k, err = prepareLeakyRelu(op)
	case ir.HardSwish:
		k, err = prepareHardSwish(op)
	case ir.Quantize:
		k, err = prepareQuantize(op)
	case ir.Dequantize:
		k, err = prepareDequantize(op)
	case ir.Concatenation:
		k, err = prepareConcat(op)
	case ir.Pad:
		if op.Attrs.(ir.PadAttrs).Mode != ir.PadConstant {
			k, err = prepareTableGather(op)
		} else {
			k, err = preparePad(op)
		}
	case ir.ResizeNearestNeighbor:
		k, err = prepareTableGather(op)
	case ir.DepthToSpace:
		k, err = prepareDepthToSpace(op)
	case ir.Div:
		k, err = prepareDiv(op)
	case ir.Prelu:
		k, err = preparePrelu(op)
	case ir.BatchMatMul:
		k, err = prepareBatchMatMul(op)
	case ir.Mean:
		k, err = prepareMean(op)
	case ir.Transpose:
		k, err = prepareTranspose(op)
	case ir.StridedSlice:
		k, err = prepareStridedSlice(op)
	default:
		return nil, fmt.Errorf("%v: operator not supported by the evaluator", op)
	}
	if err != nil {
		if strings.HasPrefix(err.Error(), op.String()) {
			return nil, err
		}
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	return k, nil
}

// unsupportedTypes is the error for a type combination the reference kernels
// do not implement; it lists every operand's type.
func unsupportedTypes(op *ir.Op) error {
	var parts []string
	for i, t := range op.Inputs {
		if t != nil {
			parts = append(parts, fmt.Sprintf("input %d %v", i, t.DType))
		}
	}
	for i, t := range op.Outputs {
		parts = append(parts, fmt.Sprintf("output %d %v", i, t.DType))
	}
	hint := ""
	if w := op.Input(1); len(op.Inputs) > 1 && w != nil && op.Inputs[0].DType == ir.Float32 && w.DType != ir.Float32 &&
		(op.Kind == ir.Conv2D || op.Kind == ir.DepthwiseConv2D || op.Kind == ir.FullyConnected) {
		hint = "; a hybrid model (float activations, integer weights), which TFLM does not run either"
	}
	return fmt.Errorf("%v: unsupported type combination (%s)%s", op, strings.Join(parts, ", "), hint)
}

// tensorQuant returns a tensor's per-tensor scale and zero point, failing if
// it has no quantisation parameters or more than one scale.
func tensorQuant(op *ir.Op, t *ir.Tensor, what string) (scale float32, zp int32, err error) {
	if t.Quant == nil || len(t.Quant.Scale) == 0 {
		return 0, 0, fmt.Errorf("%v: %s %v (%v) has no quantisation parameters", op, what, t, t.DType)
	}
	if len(t.Quant.Scale) != 1 {
		return 0, 0, fmt.Errorf("%v: %s %v must be quantised per tensor, has %d scales", op, what, t, len(t.Quant.Scale))
	}
	return t.Quant.Scale[0], int32(t.Quant.ZeroPoint[0]), nil
}
