package eval

import (
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// unaryInt is the kernel of an elementwise integer op: out[i] = f(in[i])
// on raw codes (input type in, output type out).
func unaryInt(in, out ir.DType, f func(int32) int32) kernel {
	return func(ins [][]byte, o []byte) error {
		x := decodeInts(ins[0], in, 0)
		for i, v := range x {
			setIntAt(o, out, i, f(v))
		}
		return nil
	}
}

// unaryFloat is the kernel of an elementwise float32 op.
func unaryFloat(f func(float32) float32) kernel {
	return func(ins [][]byte, o []byte) error {
		x := decodeF32(ins[0])
		for i, v := range x {
			x[i] = f(v)
		}
		encodeF32(o, x)
		return nil
	}
}

// sameType reports whether the op's single input and output have type dt.
func sameType(op *ir.Op, dt ir.DType) bool {
	return op.Inputs[0].DType == dt && op.Outputs[0].DType == dt
}

// inOutQuant returns the per-tensor quantisation of the op's first input
// and its output.
func inOutQuant(op *ir.Op) (inS float32, inZ int32, outS float32, outZ int32, err error) {
	if inS, inZ, err = tensorQuant(op, op.Inputs[0], "input"); err != nil {
		return
	}
	outS, outZ, err = tensorQuant(op, op.Outputs[0], "output")
	return
}

// prepareLogisticTanh prepares LOGISTIC and TANH. int8 reproduces
// CalculateArithmeticOpDataLogistic (tensorflow/lite/micro/kernels/
// logistic_common.cc) and CalculateArithmeticOpData (tanh.cc) through
// quant.PrepareLogisticInt8/PrepareTanhInt8 (LOGISTIC requires output zero
// point −128; the kernels assume output scale 1/256, resp. 1/128 and zero
// point 0, unchecked, as in TFLM) and the gemmlowp fixed-point kernels of
// tensorflow/lite/kernels/internal/reference/integer_ops/logistic.h and
// tanh.h (§10). float32 uses quant.LogisticFloat/TanhFloat (reference/
// logistic.h, tanh.h; §14.4). int16 LOGISTIC/TANH (TFLM's table
// interpolation, §10.3) is not supported yet and is rejected.
func prepareLogisticTanh(op *ir.Op) (kernel, error) {
	logistic := op.Kind == ir.Logistic
	switch {
	case sameType(op, ir.Float32):
		if logistic {
			return unaryFloat(quant.LogisticFloat), nil
		}
		return unaryFloat(quant.TanhFloat), nil
	case sameType(op, ir.Int8):
		inS, inZ, _, outZ, err := inOutQuant(op)
		if err != nil {
			return nil, err
		}
		if logistic {
			p, err := quant.PrepareLogisticInt8(inS, inZ, outZ)
			if err != nil {
				return nil, err
			}
			return unaryInt(ir.Int8, ir.Int8, func(x int32) int32 { return int32(quant.LogisticInt8(p, int8(x))) }), nil
		}
		p, err := quant.PrepareTanhInt8(inS, inZ)
		if err != nil {
			return nil, err
		}
		return unaryInt(ir.Int8, ir.Int8, func(x int32) int32 { return int32(quant.TanhInt8(p, int8(x))) }), nil
	}
	return nil, unsupportedTypes(op)
}

// prepareRelu prepares RELU and RELU6. int8/int16 RELU requantizes from the
// input to the output scale (quant.PrepareRelu/ReluElement, CalculateReluOpData
// and ReluQuantized in tensorflow/lite/micro/kernels/activations_common.cc and
// activations.h); int8/int16 RELU6 clamps raw codes to [z_in, Q(6)] and
// ignores the output parameters (quant.PrepareRelu6/Relu6Element, Relu6Prepare
// and Relu6Quantized) (§13). float32 uses quant.ReluFloat/Relu6Float
// (ReluFloat, Relu6Float; §14.4).
func prepareRelu(op *ir.Op) (kernel, error) {
	six := op.Kind == ir.Relu6
	switch {
	case sameType(op, ir.Float32):
		if six {
			return unaryFloat(quant.Relu6Float), nil
		}
		return unaryFloat(quant.ReluFloat), nil
	case sameType(op, ir.Int8), sameType(op, ir.Int16):
		dt := op.Inputs[0].DType
		if six {
			inS, inZ, err := tensorQuant(op, op.Inputs[0], "input")
			if err != nil {
				return nil, err
			}
			p, err := quant.PrepareRelu6(inS, inZ, dt)
			if err != nil {
				return nil, err
			}
			return unaryInt(dt, dt, func(x int32) int32 { return quant.Relu6Element(p, x) }), nil
		}
		inS, inZ, outS, outZ, err := inOutQuant(op)
		if err != nil {
			return nil, err
		}
		p, err := quant.PrepareRelu(inS, outS, inZ, outZ, dt)
		if err != nil {
			return nil, err
		}
		return unaryInt(dt, dt, func(x int32) int32 { return quant.ReluElement(p, x) }), nil
	}
	return nil, unsupportedTypes(op)
}

// prepareLeakyRelu prepares LEAKY_RELU: int8/int16 through
// quant.PrepareLeakyRelu/LeakyReluElement (CalculateOpDataLeakyRelu in
// tensorflow/lite/micro/kernels/leaky_relu_common.cc and QuantizeLeakyRelu in
// tensorflow/lite/kernels/internal/reference/leaky_relu.h, §13); float32
// through quant.LeakyReluFloat (§14.4).
func prepareLeakyRelu(op *ir.Op) (kernel, error) {
	alpha := op.Attrs.(ir.LeakyReluAttrs).Alpha
	switch {
	case sameType(op, ir.Float32):
		return unaryFloat(func(x float32) float32 { return quant.LeakyReluFloat(x, alpha) }), nil
	case sameType(op, ir.Int8), sameType(op, ir.Int16):
		dt := op.Inputs[0].DType
		inS, inZ, outS, outZ, err := inOutQuant(op)
		if err != nil {
			return nil, err
		}
		p, err := quant.PrepareLeakyRelu(inS, outS, alpha, inZ, outZ, dt)
		if err != nil {
			return nil, err
		}
		return unaryInt(dt, dt, func(x int32) int32 { return quant.LeakyReluElement(p, x) }), nil
	}
	return nil, unsupportedTypes(op)
}

// prepareHardSwish prepares HARD_SWISH: int8 through
// quant.PrepareHardSwishInt8/HardSwishInt8 (HardSwishPrepare in
// tensorflow/lite/micro/kernels/hard_swish_common.cc and HardSwish in
// tensorflow/lite/kernels/internal/reference/hard_swish.h, §13); float32
// through quant.HardSwishFloat (§14.4).
func prepareHardSwish(op *ir.Op) (kernel, error) {
	switch {
	case sameType(op, ir.Float32):
		return unaryFloat(quant.HardSwishFloat), nil
	case sameType(op, ir.Int8):
		inS, inZ, outS, outZ, err := inOutQuant(op)
		if err != nil {
			return nil, err
		}
		p, err := quant.PrepareHardSwishInt8(inS, outS, inZ, outZ)
		if err != nil {
			return nil, err
		}
		return unaryInt(ir.Int8, ir.Int8, func(x int32) int32 { return int32(quant.HardSwishInt8(p, int8(x))) }), nil
	}
	return nil, unsupportedTypes(op)
}
