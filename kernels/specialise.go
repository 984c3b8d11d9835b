// specialise.go: helpers the specialised kernel sets share when they turn
// a reference call into their own (constant filters and biases).

package kernels

import "github.com/tinygen/tinygen/ir"

// constInt8 returns the int8 values of a constant tensor, or false.
func constInt8(t *ir.Tensor) ([]int8, bool) {
	if t == nil || !t.IsConst() || t.DType != ir.Int8 || len(t.Data) != t.Shape.Elements() {
		return nil, false
	}
	out := make([]int8, len(t.Data))
	for i, b := range t.Data {
		out[i] = int8(b)
	}
	return out, true
}

// constBias returns the n int32 biases of a constant bias tensor (zeros
// when there is none), or false when the bias is not a constant of n
// values.
func constBias(t *ir.Tensor, n int) ([]int32, bool) {
	if t == nil {
		return make([]int32, n), true
	}
	if !t.IsConst() || t.DType != ir.Int32 || t.Shape.Elements() != n || len(t.Data) != 4*n {
		return nil, false
	}
	return t.Int32s(), true
}

// abs64 returns |v|.
func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
