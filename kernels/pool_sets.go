// pool_sets.go: the selection of the specialised int8 pooling kernels of
// the armv7em and rv32 sets, which take the reference kernels' own
// parameters (tg_pool_s8_params_t).

package kernels

import "github.com/tinygen/tinygen/ir"

// specialisePool accepts every op that Lower gave to tg_average_pool2d_s8
// or tg_max_pool2d_s8 (TFLite geometry: dilation 1, padding taps not
// counted, half-away rounding; the ONNX extensions have kernels of their
// own that no set specialises) and runs it with the reference call's
// parameters and arguments: the specialised kernels compute everything
// else from the window at run time (a reciprocal per output pixel), so
// they add no constant data and share the reference kernels' bounds rule.
func specialisePool(_ *ir.Op, ref Call) (Call, bool, error) {
	switch ref.Kernel.Symbol {
	case "tg_average_pool2d_s8", "tg_max_pool2d_s8":
	default:
		return Call{}, false, nil
	}
	if ref.Params.Type != "tg_pool_s8_params_t" {
		return Call{}, false, nil
	}
	return Call{Params: ref.Params, Args: ref.Args}, true, nil
}
