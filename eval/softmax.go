package eval

import (
	"math"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// prepareSoftmax prepares SOFTMAX along the last axis: int8 → int8 and
// int8 → int16 through quant.PrepareSoftmaxInt8 (which enforces TFLM's output
// scale 1/256 and zero point −128, or 1/65536 and −32768) and
// quant.SoftmaxInt8/SoftmaxInt8ToInt16, reproducing CalculateSoftmaxParams in
// tensorflow/lite/micro/kernels/softmax_common.cc and Softmax<int8_t, T> in
// tensorflow/lite/kernels/internal/reference/softmax.h (§9); and float32,
// reproducing the float Softmax of the same file (§14.3). int16 → int16 (the
// LUT path) is not supported.
func prepareSoftmax(op *ir.Op) (kernel, error) {
	in, out := op.Inputs[0], op.Outputs[0]
	beta := op.Attrs.(ir.SoftmaxAttrs).Beta
	depth := 1
	if len(in.Shape) > 0 {
		depth = in.Shape[len(in.Shape)-1]
	}
	switch {
	case in.DType == ir.Float32 && out.DType == ir.Float32:
		return func(ins [][]byte, o []byte) error {
			x := decodeF32(ins[0])
			softmaxFloat(x, depth, beta)
			encodeF32(o, x)
			return nil
		}, nil
	case in.DType == ir.Int8 && (out.DType == ir.Int8 || out.DType == ir.Int16):
		inS, _, err := tensorQuant(op, in, "input")
		if err != nil {
			return nil, err
		}
		outS, outZ, err := tensorQuant(op, out, "output")
		if err != nil {
			return nil, err
		}
		p, err := quant.PrepareSoftmaxInt8(beta, inS, outS, outZ, out.DType)
		if err != nil {
			return nil, err
		}
		outDT := out.DType
		return func(ins [][]byte, o []byte) error {
			n := len(ins[0])
			x := make([]int8, n)
			for i, b := range ins[0] {
				x[i] = int8(b)
			}
			if depth == 0 {
				return nil
			}
			if outDT == ir.Int8 {
				y := make([]int8, n)
				for r := 0; r+depth <= n; r += depth {
					quant.SoftmaxInt8(p, x[r:r+depth], y[r:r+depth])
				}
				for i, v := range y {
					o[i] = byte(v)
				}
				return nil
			}
			y := make([]int16, n)
			for r := 0; r+depth <= n; r += depth {
				quant.SoftmaxInt8ToInt16(p, x[r:r+depth], y[r:r+depth])
			}
			for i, v := range y {
				setIntAt(o, ir.Int16, i, int32(v))
			}
			return nil
		}, nil
	}
	return nil, unsupportedTypes(op)
}

// softmaxFloat replaces every row of depth elements of x by its softmax, in
// TFLM's float32 order (§14.3): max folded with std::max from −FLT_MAX; e =
// expf((x − max)·beta) stored and summed in order; then a division per
// element.
func softmaxFloat(x []float32, depth int, beta float32) {
	if depth == 0 {
		return
	}
	for r := 0; r+depth <= len(x); r += depth {
		row := x[r : r+depth]
		m := float32(-math.MaxFloat32)
		for _, v := range row {
			if m < v {
				m = v
			}
		}
		var sum float32
		for c, v := range row {
			e := quant.Expf(float32(float32(v-m) * beta))
			row[c] = e
			sum += e
		}
		for c := range row {
			row[c] = row[c] / sum
		}
	}
}
