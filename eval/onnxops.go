// Operators added for ONNX (docs/operators.md): DIV, BATCH_MATMUL, PRELU,
// DEPTH_TO_SPACE, RESIZE_NEAREST_NEIGHBOR and the PAD modes.

package eval

import (
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
