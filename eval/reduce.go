package eval

import (
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// reduceIndex maps every input element (row-major) to the output element it
// is reduced into, and returns n, the number of input elements per output.
func reduceIndex(in ir.Shape, axes []int) (idx []int32, n int) {
	red := make([]bool, len(in))
	for _, a := range axes {
		red[a] = true
	}
	// Output strides over the kept axes, laid out as the kept axes in order
	// (keep_dims only inserts size-1 axes, which does not change offsets).
	st := make([]int, len(in))
	s := 1
	n = 1
	for d := len(in) - 1; d >= 0; d-- {
		if red[d] {
			n *= in[d]
			continue
		}
		st[d] = s
		s *= in[d]
	}
	return walk(in, st, 0), n
}

// prepareMean prepares MEAN over any set of axes, with or without
// keep_dims. int8/int16 sum the raw codes of each output's n inputs in int32
// and rescale with quant.PrepareMean/MeanElement, reproducing
// PrepareMeanOrSumHelper/EvalMeanHelper in tensorflow/lite/micro/kernels/
// reduce_common.cc and QuantizedMeanOrSum in tensorflow/lite/kernels/
// internal/reference/reduce.h (§12.1). float32 sums in input memory order in
// float32 and divides by float32(n) (reference_ops::Mean, §14.2).
func prepareMean(op *ir.Op) (kernel, error) {
	a := op.Attrs.(ir.MeanAttrs)
	in, out := op.Inputs[0], op.Outputs[0]
	if in.DType != out.DType {
		return nil, unsupportedTypes(op)
	}
	idx, n := reduceIndex(in.Shape, a.Axes)
	nOut := out.Shape.Elements()
	switch in.DType {
	case ir.Float32:
		return func(ins [][]byte, o []byte) error {
			x := decodeF32(ins[0])
			sum := make([]float32, nOut)
			for i, v := range x {
				sum[idx[i]] += v
			}
			if n > 0 {
				for j := range sum {
					sum[j] = sum[j] / float32(n)
				}
			}
			encodeF32(o, sum)
			return nil
		}, nil
	case ir.Int8, ir.Int16:
		inS, inZ, outS, outZ, err := inOutQuant(op)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			// TFLM leaves the output untouched when nothing is reduced.
			return func([][]byte, []byte) error { return nil }, nil
		}
		p, err := quant.PrepareMean(inS, outS, inZ, outZ, n, in.DType)
		if err != nil {
			return nil, err
		}
		dt := in.DType
		return func(ins [][]byte, o []byte) error {
			x := decodeInts(ins[0], dt, 0)
			sum := make([]int32, nOut)
			for i, v := range x {
				sum[idx[i]] += v
			}
			for j, s := range sum {
				setIntAt(o, dt, j, quant.MeanElement(p, s))
			}
			return nil
		}, nil
	}
	return nil, unsupportedTypes(op)
}
