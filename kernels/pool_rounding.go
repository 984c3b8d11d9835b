// Package kernels: the Rounding attribute of int8 AVERAGE_POOL_2D in the
// kernel library.
package kernels

import "github.com/tinygen/tinygen/ir"

// halfEven is the round_half_even field of tg_pool_ext_s8_params_t.
func halfEven(r ir.PoolRounding) int {
	if r == ir.PoolRoundHalfEven {
		return 1
	}
	return 0
}

// referenceOnly reports whether op must run on its reference kernel
// whatever the preferred sets: an AVERAGE_POOL_2D with a non-default
// rounding, which no specialised kernel implements (they reproduce TFLM's
// half-away-from-zero rounding), so Select never hands it to one.
func referenceOnly(op *ir.Op) bool {
	a, ok := op.Attrs.(ir.Pool2DAttrs)
	return ok && a.Rounding != ir.PoolRoundHalfAway
}
