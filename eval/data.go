package eval

import (
	"encoding/binary"
	"math"

	"github.com/tinygen/tinygen/ir"
)

// Conversions between raw little-endian tensor bytes and Go values. They
// allocate once per op evaluation, never per element.

// isIntType reports whether dt is one of the integer types whose values fit
// in an int32 (the types the quantized kernels compute on).
func isIntType(dt ir.DType) bool {
	switch dt {
	case ir.Int8, ir.UInt8, ir.Int16, ir.Int32:
		return true
	}
	return false
}

// intAt returns element i of an integer tensor of type dt as int32.
func intAt(b []byte, dt ir.DType, i int) int32 {
	switch dt {
	case ir.Int8:
		return int32(int8(b[i]))
	case ir.UInt8:
		return int32(b[i])
	case ir.Int16:
		return int32(int16(binary.LittleEndian.Uint16(b[2*i:])))
	case ir.Int32:
		return int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	panic("eval: intAt on " + dt.String())
}

// setIntAt stores v (already in range) as element i of type dt.
func setIntAt(b []byte, dt ir.DType, i int, v int32) {
	switch dt {
	case ir.Int8, ir.UInt8:
		b[i] = byte(v)
	case ir.Int16:
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	case ir.Int32:
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	default:
		panic("eval: setIntAt on " + dt.String())
	}
}

// decodeInts returns the elements of an integer tensor of type dt, plus
// offset, as int32.
func decodeInts(b []byte, dt ir.DType, offset int32) []int32 {
	n := len(b) / dt.Size()
	out := make([]int32, n)
	switch dt {
	case ir.Int8:
		for i, v := range b {
			out[i] = int32(int8(v)) + offset
		}
	case ir.UInt8:
		for i, v := range b {
			out[i] = int32(v) + offset
		}
	default:
		for i := range out {
			out[i] = intAt(b, dt, i) + offset
		}
	}
	return out
}

// decodeInt64s returns the elements of an int64 tensor.
func decodeInt64s(b []byte) []int64 {
	out := make([]int64, len(b)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

// decodeF32 returns the elements of a float32 tensor.
func decodeF32(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// f32At returns element i of a float32 tensor.
func f32At(b []byte, i int) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
}

// setF32At stores v as element i of a float32 tensor.
func setF32At(b []byte, i int, v float32) {
	binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
}

// encodeF32 stores vs into a float32 tensor.
func encodeF32(b []byte, vs []float32) {
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
}

// cachedInts returns a decoder for an integer operand: constants are decoded
// once at Prepare time, other tensors at every evaluation.
func cachedInts(t *ir.Tensor, offset int32) func(b []byte) []int32 {
	if t.IsConst() {
		v := decodeInts(t.Data, t.DType, offset)
		return func([]byte) []int32 { return v }
	}
	dt := t.DType
	return func(b []byte) []int32 { return decodeInts(b, dt, offset) }
}

// cachedF32 is cachedInts for float32 operands.
func cachedF32(t *ir.Tensor) func(b []byte) []float32 {
	if t.IsConst() {
		v := decodeF32(t.Data)
		return func([]byte) []float32 { return v }
	}
	return decodeF32
}

// cachedInt64 is cachedInts for int64 operands (int16 bias).
func cachedInt64(t *ir.Tensor) func(b []byte) []int64 {
	if t.IsConst() {
		v := decodeInt64s(t.Data)
		return func([]byte) []int64 { return v }
	}
	return decodeInt64s
}
