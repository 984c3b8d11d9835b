package kernels

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
)

// Kernel is one C entry point of the kernel library, as every kernel set
// implements it.
type Kernel struct {
	// Symbol is the C function, tg_<op>_<dtype> (tg_conv2d_s8) in the
	// reference set; a specialised set's kernels have symbols of their
	// own (tg_conv2d_s8_1x1_armv7em), unique in a Library.
	Symbol string
	// Set is the kernel set the kernel belongs to.
	Set string
	// Ops are the operators the kernel implements.
	Ops []ir.OpKind
	// Types describes the element types it accepts, for listings.
	Types string
	// ParamsType is the C parameter struct the kernel takes first.
	ParamsType string
	// Libm is set when the kernel calls <math.h> functions (link with -lm).
	Libm bool
	// InPlace is set when the output may be the buffer of an input with
	// the output's shape and element size: the kernel reads element i of
	// such an input before it writes element i of the output, and never
	// reads an element after writing it (see InPlaceInputs).
	InPlace bool
	// Scratch returns the bytes of scratch memory the kernel needs for op,
	// planned in the arena beside the tensors and passed as the Call's
	// Scratch argument; nil means none. No reference kernel needs scratch
	// memory.
	Scratch func(op *ir.Op) int
	// Specialises is the reference kernel a specialised kernel can
	// replace (empty in the reference set).
	Specialises string
	// Specialise decides whether the kernel runs op, which Lower gave to
	// the reference kernel ref, and returns its call: its own parameters
	// (or ref's) and arguments, a Scratch argument if it takes scratch
	// memory. ok false leaves op to the next set. Select checks the
	// call's parameters and tensor sizes against their C types; the
	// kernel's own index arithmetic is Specialise's to bound (refuse
	// geometries it cannot hold).
	Specialise func(op *ir.Op, ref Call) (c Call, ok bool, err error)
}

// Source returns the kernel's source file name in its set.
func (k *Kernel) Source() string { return k.Symbol + ".c" }

// manifest lists every kernel. It is built by a function, not held in a
// package variable, so that callers cannot change what other callers see.
func manifest() []Kernel {
	ops := func(k ...ir.OpKind) []ir.OpKind { return k }
	conv := ops(ir.Conv2D)
	dw := ops(ir.DepthwiseConv2D)
	fc := ops(ir.FullyConnected)
	lut := ops(ir.Logistic, ir.Tanh, ir.Relu, ir.Relu6, ir.LeakyRelu, ir.HardSwish, ir.Quantize)
	data := "any (bytes)"
	ks := []Kernel{
		{Symbol: "tg_conv2d_s8", Ops: conv, Types: "int8", ParamsType: "tg_conv2d_s8_params_t"},
		{Symbol: "tg_conv2d_f32", Ops: conv, Types: "float32", ParamsType: "tg_conv2d_f32_params_t"},
		{Symbol: "tg_depthwise_conv2d_s8", Ops: dw, Types: "int8", ParamsType: "tg_depthwise_conv2d_s8_params_t"},
		{Symbol: "tg_depthwise_conv2d_f32", Ops: dw, Types: "float32", ParamsType: "tg_depthwise_conv2d_f32_params_t"},
		{Symbol: "tg_fully_connected_s8", Ops: fc, Types: "int8", ParamsType: "tg_fully_connected_s8_params_t"},
		{Symbol: "tg_fully_connected_f32", Ops: fc, Types: "float32", ParamsType: "tg_fully_connected_f32_params_t"},
		{Symbol: "tg_average_pool2d_s8", Ops: ops(ir.AveragePool2D), Types: "int8", ParamsType: "tg_pool_s8_params_t"},
		{Symbol: "tg_max_pool2d_s8", Ops: ops(ir.MaxPool2D), Types: "int8", ParamsType: "tg_pool_s8_params_t"},
		{Symbol: "tg_average_pool2d_f32", Ops: ops(ir.AveragePool2D), Types: "float32", ParamsType: "tg_pool_f32_params_t"},
		{Symbol: "tg_max_pool2d_f32", Ops: ops(ir.MaxPool2D), Types: "float32", ParamsType: "tg_pool_f32_params_t"},
		{Symbol: "tg_average_pool2d_ext_s8", Ops: ops(ir.AveragePool2D), Types: "int8", ParamsType: "tg_pool_ext_s8_params_t"},
		{Symbol: "tg_max_pool2d_ext_s8", Ops: ops(ir.MaxPool2D), Types: "int8", ParamsType: "tg_pool_ext_s8_params_t"},
		{Symbol: "tg_average_pool2d_ext_f32", Ops: ops(ir.AveragePool2D), Types: "float32", ParamsType: "tg_pool_ext_f32_params_t"},
		{Symbol: "tg_max_pool2d_ext_f32", Ops: ops(ir.MaxPool2D), Types: "float32", ParamsType: "tg_pool_ext_f32_params_t"},
		{Symbol: "tg_add_s8", Ops: ops(ir.Add), Types: "int8", ParamsType: "tg_add_s8_params_t", InPlace: true},
		{Symbol: "tg_sub_s8", Ops: ops(ir.Sub), Types: "int8", ParamsType: "tg_add_s8_params_t", InPlace: true},
		{Symbol: "tg_mul_s8", Ops: ops(ir.Mul), Types: "int8", ParamsType: "tg_mul_s8_params_t", InPlace: true},
		{Symbol: "tg_add_f32", Ops: ops(ir.Add), Types: "float32", ParamsType: "tg_binary_f32_params_t", InPlace: true},
		{Symbol: "tg_sub_f32", Ops: ops(ir.Sub), Types: "float32", ParamsType: "tg_binary_f32_params_t", InPlace: true},
		{Symbol: "tg_mul_f32", Ops: ops(ir.Mul), Types: "float32", ParamsType: "tg_binary_f32_params_t", InPlace: true},
		{Symbol: "tg_div_f32", Ops: ops(ir.Div), Types: "float32", ParamsType: "tg_binary_f32_params_t", InPlace: true},
		{Symbol: "tg_prelu_s8", Ops: ops(ir.Prelu), Types: "int8", ParamsType: "tg_prelu_s8_params_t", InPlace: true},
		{Symbol: "tg_prelu_f32", Ops: ops(ir.Prelu), Types: "float32", ParamsType: "tg_prelu_f32_params_t", InPlace: true},
		{Symbol: "tg_int_binary", Ops: ops(ir.Add, ir.Sub, ir.Mul, ir.Div, ir.Maximum, ir.Minimum), Types: "uint8/int8/int16/int32 unquantised",
			ParamsType: "tg_int_binary_params_t", InPlace: true},
		{Symbol: "tg_conv2d_int_s32", Ops: conv, Types: "uint8/int8 → int32 (ConvInteger)", ParamsType: "tg_conv2d_int_s32_params_t"},
		{Symbol: "tg_batch_matmul_int_s32", Ops: ops(ir.BatchMatMul), Types: "uint8/int8 → int32 (MatMulInteger)", ParamsType: "tg_batch_matmul_int_s32_params_t"},
		{Symbol: "tg_batch_matmul_f32", Ops: ops(ir.BatchMatMul), Types: "float32", ParamsType: "tg_batch_matmul_f32_params_t"},
		{Symbol: "tg_maximum_s8", Ops: ops(ir.Maximum), Types: "int8", ParamsType: "tg_minmax_params_t", InPlace: true},
		{Symbol: "tg_minimum_s8", Ops: ops(ir.Minimum), Types: "int8", ParamsType: "tg_minmax_params_t", InPlace: true},
		{Symbol: "tg_maximum_f32", Ops: ops(ir.Maximum), Types: "float32", ParamsType: "tg_minmax_params_t", InPlace: true},
		{Symbol: "tg_minimum_f32", Ops: ops(ir.Minimum), Types: "float32", ParamsType: "tg_minmax_params_t", InPlace: true},
		{Symbol: "tg_lut_s8", Ops: lut, Types: "int8/uint8 → int8/uint8", ParamsType: "tg_lut_s8_params_t", InPlace: true},
		{Symbol: "tg_lut_s8_f32", Ops: ops(ir.Dequantize), Types: "int8/uint8 → float32", ParamsType: "tg_lut_s8_f32_params_t"},
		{Symbol: "tg_logistic_f32", Ops: ops(ir.Logistic), Types: "float32", ParamsType: "tg_unary_f32_params_t", Libm: true, InPlace: true},
		{Symbol: "tg_tanh_f32", Ops: ops(ir.Tanh), Types: "float32", ParamsType: "tg_unary_f32_params_t", Libm: true, InPlace: true},
		{Symbol: "tg_relu_f32", Ops: ops(ir.Relu), Types: "float32", ParamsType: "tg_unary_f32_params_t", InPlace: true},
		{Symbol: "tg_relu6_f32", Ops: ops(ir.Relu6), Types: "float32", ParamsType: "tg_unary_f32_params_t", InPlace: true},
		{Symbol: "tg_leaky_relu_f32", Ops: ops(ir.LeakyRelu), Types: "float32", ParamsType: "tg_unary_f32_params_t", InPlace: true},
		{Symbol: "tg_hard_swish_f32", Ops: ops(ir.HardSwish), Types: "float32", ParamsType: "tg_unary_f32_params_t", InPlace: true},
		{Symbol: "tg_quantize_f32_s8", Ops: ops(ir.Quantize), Types: "float32 → int8", ParamsType: "tg_quantize_f32_params_t", Libm: true},
		{Symbol: "tg_quantize_f32_u8", Ops: ops(ir.Quantize), Types: "float32 → uint8", ParamsType: "tg_quantize_f32_params_t", Libm: true},
		{Symbol: "tg_quantize_f32_axis", Ops: ops(ir.Quantize), Types: "float32 → uint8/int8/int16, per axis", ParamsType: "tg_quantize_f32_axis_params_t", Libm: true},
		{Symbol: "tg_quantize_f32_blocked", Ops: ops(ir.Quantize), Types: "float32 → uint8/int8/int16, per tensor/axis/block, ties to even (ONNX)", ParamsType: "tg_quantize_f32_blocked_params_t", Libm: true},
		{Symbol: "tg_dequantize_axis", Ops: ops(ir.Dequantize), Types: "uint8/int8/int16 → float32, per axis", ParamsType: "tg_dequantize_axis_params_t"},
		{Symbol: "tg_requantize_s32_s8", Ops: ops(ir.Quantize), Types: "int32 → int8 (input zero point 0)", ParamsType: "tg_requantize_s32_s8_params_t"},
		{Symbol: "tg_softmax_s8", Ops: ops(ir.Softmax), Types: "int8", ParamsType: "tg_softmax_s8_params_t"},
		{Symbol: "tg_softmax_f32", Ops: ops(ir.Softmax), Types: "float32", ParamsType: "tg_softmax_f32_params_t", Libm: true},
		{Symbol: "tg_mean_s8", Ops: ops(ir.Mean), Types: "int8", ParamsType: "tg_mean_s8_params_t"},
		{Symbol: "tg_mean_f32", Ops: ops(ir.Mean), Types: "float32", ParamsType: "tg_mean_f32_params_t"},
		{Symbol: "tg_copy", Ops: ops(ir.Reshape, ir.Squeeze), Types: data, ParamsType: "tg_copy_params_t"},
		{Symbol: "tg_gather", Ops: ops(ir.Transpose, ir.StridedSlice, ir.DepthToSpace), Types: data, ParamsType: "tg_gather_params_t"},
		{Symbol: "tg_table_gather", Ops: ops(ir.ResizeNearestNeighbor, ir.Pad), Types: data, ParamsType: "tg_table_gather_params_t"},
		{Symbol: "tg_pad", Ops: ops(ir.Pad), Types: data, ParamsType: "tg_pad_params_t"},
		{Symbol: "tg_concatenation", Ops: ops(ir.Concatenation), Types: data, ParamsType: "tg_concatenation_params_t"},
	}
	for i := range ks {
		ks[i].Set = Reference
	}
	return ks
}

// Manifest returns every kernel of the reference set, in a fixed order.
func Manifest() []Kernel { return manifest() }

// lookup returns the manifest entry of a symbol.
func lookup(symbol string) (Kernel, error) {
	for _, k := range manifest() {
		if k.Symbol == symbol {
			return k, nil
		}
	}
	return Kernel{}, fmt.Errorf("kernels: no kernel %s in the manifest", symbol)
}
