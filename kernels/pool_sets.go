// pool_sets.go: the selection of the specialised pooling kernels (int8 in
// the armv7em and rv32 sets, float32 in the fpu set), which take the
// reference kernels' own parameters (tg_pool_s8_params_t,
// tg_pool_f32_params_t).

package kernels

import "github.com/tinygen/tinygen/ir"

// specialisePool accepts every op that Lower gave to tg_average_pool2d_s8,
// tg_max_pool2d_s8, tg_average_pool2d_f32 or tg_max_pool2d_f32 (TFLite
// geometry: dilation 1, padding taps not counted, half-away rounding; the
// ONNX extensions have kernels of their own that no set specialises) and
// runs it with the reference call's parameters and arguments: the
// specialised kernels compute everything else from the window at run time
// (a reciprocal per output pixel for int8), so they add no constant data
// and share the reference kernels' bounds rule. Select only offers a
// kernel the ops whose reference kernel it Specialises, so the int8 and
// float32 kernels share this function.
func specialisePool(_ *ir.Op, ref Call) (Call, bool, error) {
	want := map[string]string{
		"tg_average_pool2d_s8": "tg_pool_s8_params_t", "tg_max_pool2d_s8": "tg_pool_s8_params_t",
		"tg_average_pool2d_f32": "tg_pool_f32_params_t", "tg_max_pool2d_f32": "tg_pool_f32_params_t",
	}[ref.Kernel.Symbol]
	if want == "" || ref.Params.Type != want {
		return Call{}, false, nil
	}
	return Call{Params: ref.Params, Args: ref.Args}, true, nil
}
