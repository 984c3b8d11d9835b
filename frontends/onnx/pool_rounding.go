// Package onnx: the rounding of quantised average pools.
package onnx

import "github.com/tinygen/tinygen/ir"

// quantPoolRounding returns the rounding of a pool emitted by
// converter.pool: an int8/int16 AVERAGE_POOL_2D that comes from ONNX's
// quantised forms (QLinearAveragePool, or AveragePool between
// DequantizeLinear and QuantizeLinear, both of which arrive with oq set)
// rounds like ONNX Runtime's QLinearAveragePool, half to even on the
// centred mean; anything else keeps TFLite's rounding (float pools do not
// round, MAX_POOL_2D does not average).
func quantPoolRounding(kind ir.OpKind, x *ir.Tensor, oq *convOutQuant) ir.PoolRounding {
	if kind == ir.AveragePool2D && oq != nil && (x.DType == ir.Int8 || x.DType == ir.Int16) {
		return ir.PoolRoundHalfEven
	}
	return ir.PoolRoundHalfAway
}
