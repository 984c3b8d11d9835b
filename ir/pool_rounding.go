// Package ir: the rounding mode of a quantised AVERAGE_POOL_2D.
package ir

import "fmt"

// PoolRounding is how an int8/int16 AVERAGE_POOL_2D rounds the average of
// its codes (sum / count).
type PoolRounding uint8

// The pool rounding modes.
const (
	// PoolRoundHalfAway rounds ties away from zero (TFLite/TFLM's
	// AveragePool, quant.AveragePoolRound); the default.
	PoolRoundHalfAway PoolRounding = iota
	// PoolRoundHalfEven rounds ties to the even integer (ONNX Runtime's
	// QLinearAveragePool and QDQ-fused average pool,
	// quant.AveragePoolRoundHalfEven).
	PoolRoundHalfEven
)

var poolRoundingNames = []string{"HALF_AWAY", "HALF_EVEN"}

// String returns the rounding mode's name in the IR text.
func (r PoolRounding) String() string { return enumName(poolRoundingNames, int(r), "pool rounding") }

// checkPoolRounding accepts a non-default rounding only on an int8/int16
// AVERAGE_POOL_2D, the one op whose result it changes.
func checkPoolRounding(k OpKind, r PoolRounding, dt DType) error {
	if int(r) >= len(poolRoundingNames) {
		return fmt.Errorf("unknown pool rounding %d", r)
	}
	if r == PoolRoundHalfAway {
		return nil
	}
	if k != AveragePool2D || (dt != Int8 && dt != Int16) {
		return fmt.Errorf("Rounding=%v applies to int8/int16 AVERAGE_POOL_2D only", r)
	}
	return nil
}
