// Operators added for ONNX (docs/operators.md): DIV, BATCH_MATMUL, PRELU,
// DEPTH_TO_SPACE, RESIZE_NEAREST_NEIGHBOR and the PAD modes.

package eval

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// prepareDiv prepares DIV, float32 with broadcasting: one float32 a/b per
// element and the fused activation clamp, as reference_ops::Div /
// BroadcastDivSlow (tensorflow/lite/kernels/internal/reference/div.h) called
// by TFLM's div.cc for float32.
func prepareDiv(op *ir.Op) (kernel, error) {
	if isRawInt(op) {
		return prepareRawInt(op)
	}
	x, y, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if !(x.DType == ir.Float32 && y.DType == ir.Float32 && out.DType == ir.Float32) {
		return nil, unsupportedTypes(op)
	}
	bc, err := newBroadcast(x.Shape, y.Shape, out.Shape)
	if err != nil {
		return nil, err
	}
	lo, hi := quant.FloatActivationRange(op.Attrs.(ir.BinaryAttrs).Activation)
	return func(ins [][]byte, o []byte) error {
		n := len(o) / 4
		for i := 0; i < n; i++ {
			ia, ib := bc.at(i)
			setF32At(o, i, quant.ClampFloat(f32At(ins[0], ia)/f32At(ins[1], ib), lo, hi))
		}
		return nil
	}, nil
}

// preparePrelu prepares PRELU, float32 with alpha broadcast against the
// input: x ≥ 0 ? x : x·alpha, as reference_ops::BroadcastPrelu4DSlow for
// float32 (tensorflow/lite/kernels/internal/reference/prelu.h) and ONNX
// PRelu.
func preparePrelu(op *ir.Op) (kernel, error) {
	x, al, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if x.DType == ir.Int8 && al.DType == ir.Int8 && out.DType == ir.Int8 {
		return preparePreluInt8(op)
	}
	if !(x.DType == ir.Float32 && al.DType == ir.Float32 && out.DType == ir.Float32) {
		return nil, unsupportedTypes(op)
	}
	bc, err := newBroadcast(x.Shape, al.Shape, out.Shape)
	if err != nil {
		return nil, err
	}
	return func(ins [][]byte, o []byte) error {
		n := len(o) / 4
		for i := 0; i < n; i++ {
			ia, ib := bc.at(i)
			v := f32At(ins[0], ia)
			if !(v >= 0) {
				v *= f32At(ins[1], ib)
			}
			setF32At(o, i, v)
		}
		return nil
	}, nil
}

// batchMatMulGeom is the geometry of a BATCH_MATMUL: element (i, k) of
// batch matrix bi of x is at xBase[bi] + i·xRow + k·xDepth, element (k, j) of
// y at yBase[bi] + k·yDepth + j·yCol.
type batchMatMulGeom struct {
	rows, cols, depth  int
	xRow, xDepth       int
	yDepth, yCol       int
	xBase, yBase       []int32
	batchDims          ir.Shape
	xBatchSt, yBatchSt []int
	matrixX, matrixY   int
}

// newBatchMatMulGeom computes the geometry from the shapes (already
// checked by Verify).
func newBatchMatMulGeom(a ir.BatchMatMulAttrs, xs, ys, out ir.Shape) batchMatMulGeom {
	var g batchMatMulGeom
	r := len(out)
	g.rows, g.cols = out[r-2], out[r-1]
	xr, xc := xs[len(xs)-2], xs[len(xs)-1]
	yr, yc := ys[len(ys)-2], ys[len(ys)-1]
	g.xRow, g.xDepth, g.depth = xc, 1, xc
	if a.AdjX {
		g.xRow, g.xDepth, g.depth = 1, xc, xr
	}
	g.yDepth, g.yCol = yc, 1
	if a.AdjY {
		g.yDepth, g.yCol = 1, yc
	}
	g.batchDims = out[:r-2]
	g.xBase = broadcastIndex(xs[:len(xs)-2], g.batchDims)
	g.yBase = broadcastIndex(ys[:len(ys)-2], g.batchDims)
	g.matrixX, g.matrixY = xr*xc, yr*yc
	return g
}

// prepareBatchMatMul prepares BATCH_MATMUL, float32: for every batch
// (broadcast NumPy style), row i and column j, a float32 sum from 0 over k in
// order of x[i,k]·y[k,j] (reference_ops::BatchMatMul, tensorflow/lite/
// kernels/internal/reference/batch_matmul.h, accumulates each output the
// same way; ONNX MatMul).
func prepareBatchMatMul(op *ir.Op) (kernel, error) {
	x, y, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if out.DType == ir.Int32 && out.Quant == nil && is8(x.DType) && is8(y.DType) {
		return prepareBatchMatMulInt(op)
	}
	if !(x.DType == ir.Float32 && y.DType == ir.Float32 && out.DType == ir.Float32) {
		return nil, unsupportedTypes(op)
	}
	g := newBatchMatMulGeom(op.Attrs.(ir.BatchMatMulAttrs), x.Shape, y.Shape, out.Shape)
	batches := g.batchDims.Elements()
	return func(ins [][]byte, o []byte) error {
		xv, yv := decodeF32(ins[0]), decodeF32(ins[1])
		oi := 0
		for b := 0; b < batches; b++ {
			xb, yb := b*g.matrixX, b*g.matrixY
			if g.xBase != nil {
				xb = int(g.xBase[b]) * g.matrixX
			}
			if g.yBase != nil {
				yb = int(g.yBase[b]) * g.matrixY
			}
			for i := 0; i < g.rows; i++ {
				for j := 0; j < g.cols; j++ {
					var total float32
					for k := 0; k < g.depth; k++ {
						total += float32(xv[xb+i*g.xRow+k*g.xDepth] * yv[yb+k*g.yDepth+j*g.yCol])
					}
					setF32At(o, oi, total)
					oi++
				}
			}
		}
		return nil
	}, nil
}

// prepareDepthToSpace prepares DEPTH_TO_SPACE (DCR as TFLite's
// reference_ops::DepthToSpace, CRD as ONNX), any element type: a byte
// gather (ir.DepthToSpaceWalk).
func prepareDepthToSpace(op *ir.Op) (kernel, error) {
	in, out := op.Inputs[0], op.Outputs[0]
	if in.DType != out.DType {
		return nil, unsupportedTypes(op)
	}
	dims, st := ir.DepthToSpaceWalk(op.Attrs.(ir.DepthToSpaceAttrs), in.Shape)
	return gather(walk(dims, st, 0), out.DType.Size()), nil
}

// prepareTableGather prepares RESIZE_NEAREST_NEIGHBOR and PAD with a mode
// other than CONSTANT, any element type: output element (i0, i1, ...) copies
// input element Σ_d tables[d][i_d] (ir.GatherTables, ir.ResizeSource,
// ir.PadSource).
func prepareTableGather(op *ir.Op) (kernel, error) {
	in, out := op.Inputs[0], op.Outputs[0]
	if in.DType != out.DType {
		return nil, unsupportedTypes(op)
	}
	tables, err := ir.GatherTables(op)
	if err != nil {
		return nil, err
	}
	n := out.Shape.Elements()
	idx := make([]int32, 0, n)
	var rec func(d, off int)
	rec = func(d, off int) {
		if d == len(tables) {
			idx = append(idx, int32(off))
			return
		}
		for _, t := range tables[d] {
			rec(d+1, off+t)
		}
	}
	if n > 0 {
		rec(0, 0)
	}
	return gather(idx, out.DType.Size()), nil
}

// zeroPoints returns the zero point of every index of dimension axis of an
// 8-bit operand of an integer matmul or convolution (all equal for a
// per-tensor one, 0 without quantisation parameters), or an error if the
// parameters run along another dimension.
func zeroPoints(op *ir.Op, t *ir.Tensor, axis, n int, what string) ([]int32, error) {
	zp := make([]int32, n)
	q := t.Quant
	if q == nil {
		return zp, nil
	}
	if len(q.ZeroPoint) > 1 && (q.Axis != axis || len(q.ZeroPoint) != n) {
		return nil, fmt.Errorf("%v: %s %v has %d zero points along dimension %d, want 1 or %d along %d", op, what, t, len(q.ZeroPoint), q.Axis, n, axis)
	}
	for i := range zp {
		zp[i] = int32(q.ZeroPointAt(i))
	}
	return zp, nil
}

// prepareBatchMatMulInt prepares BATCH_MATMUL with uint8/int8 operands and
// an unquantised int32 output (ONNX MatMulInteger): Σ_k (x[i,k] − x_zp)·
// (y[k,j] − y_zp[j]) in int32 (wrapping), no requantisation. x has one zero
// point; y one, or one per column (its last dimension).
func prepareBatchMatMulInt(op *ir.Op) (kernel, error) {
	x, y, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	a := op.Attrs.(ir.BatchMatMulAttrs)
	if a.AdjX || a.AdjY {
		return nil, fmt.Errorf("%v: integer BATCH_MATMUL does not transpose its operands", op)
	}
	xz, err := zeroPoints(op, x, len(x.Shape)-1, 1, "input x")
	if err != nil {
		return nil, err
	}
	yz, err := zeroPoints(op, y, len(y.Shape)-1, y.Shape[len(y.Shape)-1], "input y")
	if err != nil {
		return nil, err
	}
	g := newBatchMatMulGeom(a, x.Shape, y.Shape, out.Shape)
	batches := g.batchDims.Elements()
	xdt, ydt := x.DType, y.DType
	return func(ins [][]byte, o []byte) error {
		xv, yv := decodeInts(ins[0], xdt, -xz[0]), decodeInts(ins[1], ydt, 0)
		oi := 0
		for b := 0; b < batches; b++ {
			xb, yb := b*g.matrixX, b*g.matrixY
			if g.xBase != nil {
				xb = int(g.xBase[b]) * g.matrixX
			}
			if g.yBase != nil {
				yb = int(g.yBase[b]) * g.matrixY
			}
			for i := 0; i < g.rows; i++ {
				for j := 0; j < g.cols; j++ {
					var acc int32
					for k := 0; k < g.depth; k++ {
						acc += xv[xb+i*g.xRow+k*g.xDepth] * (yv[yb+k*g.yDepth+j*g.yCol] - yz[j])
					}
					setIntAt(o, ir.Int32, oi, acc)
					oi++
				}
			}
		}
		return nil
	}, nil
}

// is8 reports whether dt is uint8 or int8.
func is8(dt ir.DType) bool { return dt == ir.UInt8 || dt == ir.Int8 }

// isConvInteger reports whether a CONV_2D is ONNX ConvInteger: uint8/int8
// input and filter, no bias, unquantised int32 output.
func isConvInteger(op *ir.Op) bool {
	out := op.Outputs[0]
	return out.DType == ir.Int32 && out.Quant == nil && is8(op.Inputs[0].DType) && is8(op.Inputs[1].DType) && op.Input(2) == nil
}

// prepareConvInteger prepares CONV_2D as ONNX ConvInteger: Σ (x − x_zp)·
// (w − w_zp[oc]) over the in-image taps (padding contributes 0, as padding
// with the zero point does) in int32, wrapping, no bias and no
// requantisation; groups, dilation and explicit pads as CONV_2D. The filter
// has one zero point or one per output channel.
func prepareConvInteger(op *ir.Op) (kernel, error) {
	a := op.Attrs.(ir.Conv2DAttrs)
	in, f, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if a.Activation != ir.ActNone {
		return nil, fmt.Errorf("%v: fused activation %v with an int32 output is not supported", op, a.Activation)
	}
	g, err := newGeom(in, out, ir.Window{Padding: a.Padding, ExplicitPads: a.ExplicitPads}, f.Shape[1], f.Shape[2], a.StrideH, a.StrideW, a.DilationH, a.DilationW)
	if err != nil {
		return nil, err
	}
	g.fC = f.Shape[3]
	g.groups = g.inC / g.fC
	xz, err := zeroPoints(op, in, 3, 1, "input")
	if err != nil {
		return nil, err
	}
	wz, err := zeroPoints(op, f, 0, f.Shape[0], "filter")
	if err != nil {
		return nil, err
	}
	per := f.Shape.Elements() / max(f.Shape[0], 1)
	return func(ins [][]byte, o []byte) error {
		filter := make([]int32, f.Shape.Elements())
		for i, v := range decodeInts(ins[1], f.DType, 0) {
			filter[i] = v - wz[i/per]
		}
		acc := make([]int32, len(o)/4)
		convCore(&g, decodeInts(ins[0], in.DType, -xz[0]), filter, acc)
		for i, v := range acc {
			setIntAt(o, ir.Int32, i, v)
		}
		return nil
	}, nil
}

// preparePreluInt8 prepares int8 PRELU as TFLM: CalculatePreluParams
// (prelu_common.cc) through quant.PreparePrelu and the element arithmetic of
// BroadcastPrelu4DSlow through quant.PreluElement; input, alpha and output
// quantised per tensor.
func preparePreluInt8(op *ir.Op) (kernel, error) {
	x, al, out := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	inS, inZ, err := tensorQuant(op, x, "input")
	if err != nil {
		return nil, err
	}
	aS, aZ, err := tensorQuant(op, al, "alpha")
	if err != nil {
		return nil, err
	}
	oS, oZ, err := tensorQuant(op, out, "output")
	if err != nil {
		return nil, err
	}
	bc, err := newBroadcast(x.Shape, al.Shape, out.Shape)
	if err != nil {
		return nil, err
	}
	p := quant.PreparePrelu(inS, aS, oS, inZ, aZ, oZ)
	return func(ins [][]byte, o []byte) error {
		for i := range o {
			ia, ib := bc.at(i)
			o[i] = byte(quant.PreluElement(p, int32(int8(ins[0][ia])), int32(int8(ins[1][ib])), -128, 127))
		}
		return nil
	}, nil
}
