// Lowering of the operators added for ONNX: DIV, PRELU, BATCH_MATMUL,
// DEPTH_TO_SPACE, RESIZE_NEAREST_NEIGHBOR and the PAD modes.

package kernels

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

func lowerDiv(op *ir.Op) (Call, error) {
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if !all(op, ir.Float32) {
		return Call{}, noKernel(op)
	}
	bc, err := broadcast(x.Shape, w.Shape, y.Shape)
	if err != nil {
		return Call{}, err
	}
	lo, hi := quant.FloatActivationRange(op.Attrs.(ir.BinaryAttrs).Activation)
	return newCall("tg_div_f32", []Field{f("bc", bc), f("act_min", Float(lo)), f("act_max", Float(hi))},
		in("a", x, "float"), in("b", w, "float"), out(y, "float"))
}

func lowerPrelu(op *ir.Op) (Call, error) {
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if !all(op, ir.Float32) {
		return Call{}, noKernel(op)
	}
	bc, err := broadcast(x.Shape, w.Shape, y.Shape)
	if err != nil {
		return Call{}, err
	}
	return newCall("tg_prelu_f32", []Field{f("bc", bc)}, in("a", x, "float"), in("b", w, "float"), out(y, "float"))
}

// maxMatMulBatchDims is the number of batch dimensions tg_batch_matmul_f32
// walks.
const maxMatMulBatchDims = 4

func lowerBatchMatMul(op *ir.Op) (Call, error) {
	a := op.Attrs.(ir.BatchMatMulAttrs)
	x, w, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if !all(op, ir.Float32) {
		return Call{}, noKernel(op)
	}
	xs, ws, ys := x.Shape, w.Shape, y.Shape
	if len(xs) < 2 || len(ws) < 2 || len(ys) < 2 || len(ys)-2 > maxMatMulBatchDims {
		return Call{}, fmt.Errorf("shapes %v, %v → %v: the kernel takes rank 2 to %d", xs, ws, ys, maxMatMulBatchDims+2)
	}
	xr, xc := xs[len(xs)-2], xs[len(xs)-1]
	wr, wc := ws[len(ws)-2], ws[len(ws)-1]
	batch := ys[:len(ys)-2]
	// Batch strides in elements: a matrix per index of the input's own
	// batch dimensions, 0 where it repeats.
	stridesFor := func(s ir.Shape, matrix int) []int {
		b := s[:len(s)-2]
		st := make([]int, len(batch))
		bst := b.Strides()
		for i := range batch {
			j := i - (len(batch) - len(b))
			if j >= 0 && b[j] != 1 {
				st[i] = bst[j] * matrix
			}
		}
		return st
	}
	pad := func(vs []int, fill int) []int {
		out := make([]int, maxMatMulBatchDims-len(vs), maxMatMulBatchDims)
		for i := range out {
			out[i] = fill
		}
		return append(out, vs...)
	}
	xRow, xDepth, depth := xc, 1, xc
	if a.AdjX {
		xRow, xDepth, depth = 1, xc, xr
	}
	wDepth, wCol := wc, 1
	if a.AdjY {
		wDepth, wCol = 1, wc
	}
	return newCall("tg_batch_matmul_f32", []Field{
		f("batch_dims", inline(pad(batch, 1), "int32_t")),
		f("x_batch_strides", inline(pad(stridesFor(xs, xr*xc), 0), "int32_t")),
		f("y_batch_strides", inline(pad(stridesFor(ws, wr*wc), 0), "int32_t")),
		fi("rows", ys[len(ys)-2]), fi("cols", ys[len(ys)-1]), fi("depth", depth),
		fi("x_row", xRow), fi("x_depth", xDepth), fi("y_depth", wDepth), fi("y_col", wCol)},
		in("x", x, "float"), in("y", w, "float"), out(y, "float"))
}

func lowerDepthToSpace(op *ir.Op) (Call, error) {
	if err := sameType(op); err != nil {
		return Call{}, err
	}
	x, y := op.Inputs[0], op.Outputs[0]
	if len(x.Shape) != 4 {
		return Call{}, fmt.Errorf("input %v must be 4-D", x.Shape)
	}
	dims, st := ir.DepthToSpaceWalk(op.Attrs.(ir.DepthToSpaceAttrs), x.Shape)
	return newCall("tg_gather", []Field{fi("elem_bytes", y.DType.Size()), fi("base", 0),
		f("dims", inline(dims, "int32_t")), f("strides", inline(st, "int32_t"))},
		in("input", x, "void"), out(y, "void"))
}

// lowerTableGather lowers RESIZE_NEAREST_NEIGHBOR and the PAD modes other
// than CONSTANT to tg_table_gather with the tables of ir.GatherTables.
func lowerTableGather(op *ir.Op) (Call, error) {
	if err := sameType(op); err != nil {
		return Call{}, err
	}
	x, y := op.Inputs[0], op.Outputs[0]
	tables, err := ir.GatherTables(op)
	if err != nil {
		return Call{}, err
	}
	if len(tables) > maxDims {
		return Call{}, fmt.Errorf("rank %d exceeds the kernels' limit of %d", len(tables), maxDims)
	}
	for len(tables) < maxDims {
		tables = append([][]int{{0}}, tables...)
	}
	var offsets, starts, dims []int
	for _, t := range tables {
		starts = append(starts, len(offsets))
		dims = append(dims, len(t))
		offsets = append(offsets, t...)
	}
	return newCall("tg_table_gather", []Field{fi("elem_bytes", y.DType.Size()),
		f("out_dims", inline(dims, "int32_t")), f("starts", inline(starts, "int32_t")),
		f("offsets", ints(offsets, "int32_t"))},
		in("input", x, "void"), out(y, "void"))
}
