// ids.go: the stable kernel ids of the blob format.

package blob

// kernelIDs returns every kernel symbol the blob format knows; a kernel's id
// is its position plus one (id 0 is the runtime's own byte copy). The list
// only grows: never reorder or remove an entry, because blobs already
// written name kernels by these numbers (docs/blob-format.md lists them).
// A kernel set that adds a kernel appends its symbol here; a Program that
// calls a kernel missing from the list cannot be written as a blob.
func kernelIDs() []string {
	return []string{
		// 1-38: the reference set.
		"tg_conv2d_s8", "tg_conv2d_f32", "tg_depthwise_conv2d_s8", "tg_depthwise_conv2d_f32",
		"tg_fully_connected_s8", "tg_fully_connected_f32", "tg_average_pool2d_s8", "tg_max_pool2d_s8",
		"tg_average_pool2d_f32", "tg_max_pool2d_f32", "tg_add_s8", "tg_sub_s8", "tg_mul_s8", "tg_add_f32",
		"tg_sub_f32", "tg_mul_f32", "tg_maximum_s8", "tg_minimum_s8", "tg_maximum_f32", "tg_minimum_f32",
		"tg_lut_s8", "tg_lut_s8_f32", "tg_logistic_f32", "tg_tanh_f32", "tg_relu_f32", "tg_relu6_f32",
		"tg_leaky_relu_f32", "tg_hard_swish_f32", "tg_quantize_f32_s8", "tg_quantize_f32_u8", "tg_softmax_s8",
		"tg_softmax_f32", "tg_mean_s8", "tg_mean_f32", "tg_copy", "tg_gather", "tg_pad", "tg_concatenation",
		// 39-52: reference kernels added after format version 1's first list.
		"tg_average_pool2d_ext_s8", "tg_max_pool2d_ext_s8", "tg_average_pool2d_ext_f32", "tg_max_pool2d_ext_f32",
		"tg_div_f32", "tg_prelu_s8", "tg_prelu_f32", "tg_int_binary", "tg_conv2d_int_s32",
		"tg_batch_matmul_int_s32", "tg_batch_matmul_f32", "tg_quantize_f32_axis", "tg_dequantize_axis",
		"tg_table_gather",
		// 53-58: the armv7em set.
		"tg_conv2d_s8_pw_armv7em", "tg_conv2d_s8_im2col_armv7em", "tg_depthwise_conv2d_s8_c1_armv7em",
		"tg_add_s8_armv7em", "tg_depthwise_conv2d_s8_armv7em", "tg_fully_connected_s8_armv7em",
		// 59-61: the fpu set.
		"tg_conv2d_f32_fpu", "tg_fully_connected_f32_fpu", "tg_depthwise_conv2d_f32_fpu",
		// 62-64: the rv32 set.
		"tg_conv2d_s8_rv32", "tg_depthwise_conv2d_s8_rv32", "tg_fully_connected_s8_rv32",
		// 65: the avr set.
		"tg_fully_connected_s8_avr",
		// 66: reference, added with the ONNX integer QLinear route.
		"tg_requantize_s32_s8",
		// 67-70: the pooling kernels of the armv7em and rv32 sets (issue 12).
		"tg_average_pool2d_s8_armv7em", "tg_max_pool2d_s8_armv7em",
		"tg_average_pool2d_s8_rv32", "tg_max_pool2d_s8_rv32",
		// 71-72: the fpu set's pooling kernels (issue 12).
		"tg_average_pool2d_f32_fpu", "tg_max_pool2d_f32_fpu",
		// 73: reference, ONNX QuantizeLinear (ties to even, blocked).
		"tg_quantize_f32_blocked",
	}
}

// CopyID is the id of the runtime's byte copy (graph outputs stored
// elsewhere).
const CopyID = 0

// KernelID returns the blob id of a kernel symbol.
func KernelID(symbol string) (int, bool) {
	for i, s := range kernelIDs() {
		if s == symbol {
			return i + 1, true
		}
	}
	return 0, false
}

// KernelSymbols returns the symbols in id order (id = index + 1).
func KernelSymbols() []string { return kernelIDs() }
