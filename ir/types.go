// Package ir is tinygen's intermediate representation of a neural network:
// tensors with static shapes, element types and quantisation parameters,
// operators from a closed set of kinds with typed attributes, and a graph
// that orders them. It has a stable textual form (Print and Parse) and a
// checker (Verify). It imports only the standard library.
package ir

import (
	"fmt"
	"strings"
)

// DType is the element type of a tensor.
type DType uint8

// The element types tinygen understands.
const (
	InvalidDType DType = iota
	Int8
	UInt8
	Int16
	Int32
	Int64
	Float32
	Bool
)

var dtypeNames = [...]string{
	InvalidDType: "invalid",
	Int8:         "i8",
	UInt8:        "u8",
	Int16:        "i16",
	Int32:        "i32",
	Int64:        "i64",
	Float32:      "f32",
	Bool:         "bool",
}

// String returns the short textual name used by the IR text format
// ("i8", "f32", ...).
func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// LongName returns the conventional name of the type ("int8", "float32", ...).
func (d DType) LongName() string {
	switch d {
	case Int8:
		return "int8"
	case UInt8:
		return "uint8"
	case Int16:
		return "int16"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	case Float32:
		return "float32"
	case Bool:
		return "bool"
	}
	return d.String()
}

// ParseDType accepts the short ("i8") or long ("int8") name of a type.
func ParseDType(s string) (DType, error) {
	for d := range dtypeNames {
		dt := DType(d)
		if dt == InvalidDType {
			continue
		}
		if s == dt.String() || s == dt.LongName() {
			return dt, nil
		}
	}
	return InvalidDType, fmt.Errorf("unknown dtype %q", s)
}

// Size returns the size of one element in bytes (0 for InvalidDType).
func (d DType) Size() int {
	switch d {
	case Int8, UInt8, Bool:
		return 1
	case Int16:
		return 2
	case Int32, Float32:
		return 4
	case Int64:
		return 8
	}
	return 0
}

// IsQuantizable reports whether tensors of this type may carry affine
// quantisation parameters.
func (d DType) IsQuantizable() bool {
	switch d {
	case Int8, UInt8, Int16, Int32, Int64:
		return true
	}
	return false
}

// Range returns the smallest and largest value of an integer type.
func (d DType) Range() (lo, hi int64) {
	switch d {
	case Int8:
		return -128, 127
	case UInt8:
		return 0, 255
	case Int16:
		return -32768, 32767
	case Int32:
		return -1 << 31, 1<<31 - 1
	case Int64:
		return -1 << 63, 1<<63 - 1
	case Bool:
		return 0, 1
	}
	return 0, 0
}

// MaxElements bounds the element count of any one tensor. It keeps hostile
// model files from asking for absurd allocations; no model that fits a
// microcontroller comes near it.
const MaxElements = 1 << 28

// Shape is a static tensor shape; every dimension is known and ≥ 0.
// A nil or empty Shape is a scalar.
type Shape []int

// NumElements returns the product of the dimensions, or an error if a
// dimension is negative or the product of the non-zero dimensions exceeds
// MaxElements. Bounding the non-zero dimensions too (an empty shape such
// as 0x2^40x2^40 has no elements) keeps every stride and partial product
// of a valid shape within MaxElements, so the helpers that multiply
// dimensions (Strides, Elements) cannot overflow.
func (s Shape) NumElements() (int, error) {
	n, nz := 1, 1
	for i, d := range s {
		if d < 0 {
			return 0, fmt.Errorf("dimension %d of shape %v is negative", i, s)
		}
		if d == 0 {
			n = 0
			continue
		}
		if nz > MaxElements/d {
			return 0, fmt.Errorf("shape %v has more than %d elements", s, MaxElements)
		}
		nz *= d
	}
	if n != 0 {
		n = nz
	}
	return n, nil
}

// Elements returns the product of the dimensions of a shape already known to
// be valid (for example one that passed Verify).
func (s Shape) Elements() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Strides returns the row-major element strides of a shape: the last
// dimension has stride 1.
func (s Shape) Strides() []int {
	st := make([]int, len(s))
	n := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = n
		n *= s[i]
	}
	return st
}

// Equal reports whether two shapes are the same.
func (s Shape) Equal(t Shape) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy of the shape.
func (s Shape) Clone() Shape {
	if s == nil {
		return nil
	}
	return append(Shape{}, s...)
}

// String formats the shape as "1x49x10x1" ("scalar" for rank 0).
func (s Shape) String() string {
	if len(s) == 0 {
		return "scalar"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "x")
}

// Quant holds affine quantisation parameters: real = Scale * (q - ZeroPoint).
// Scales are kept as the float32 values stored in the model, because the
// reference kernels' integer parameters depend on their exact bits.
// A per-tensor quantisation has one scale and one zero point; a per-channel
// one has one per index of dimension Axis.
type Quant struct {
	Scale     []float32
	ZeroPoint []int64
	Axis      int
}

// PerChannel reports whether there is more than one scale.
func (q *Quant) PerChannel() bool { return q != nil && len(q.Scale) > 1 }

// ScaleAt returns the scale of channel c (the only scale if per-tensor).
func (q *Quant) ScaleAt(c int) float32 {
	if len(q.Scale) == 1 {
		return q.Scale[0]
	}
	return q.Scale[c]
}

// ZeroPointAt returns the zero point of channel c (the only one if per-tensor).
func (q *Quant) ZeroPointAt(c int) int64 {
	if len(q.ZeroPoint) == 1 {
		return q.ZeroPoint[0]
	}
	return q.ZeroPoint[c]
}

// Clone returns a deep copy (nil stays nil).
func (q *Quant) Clone() *Quant {
	if q == nil {
		return nil
	}
	return &Quant{Scale: append([]float32{}, q.Scale...), ZeroPoint: append([]int64{}, q.ZeroPoint...), Axis: q.Axis}
}

// Activation is a fused activation function applied to an op's output.
type Activation uint8

// Fused activations, as TFLite defines them.
const (
	ActNone Activation = iota
	ActRelu
	ActReluN1To1
	ActRelu6
	ActTanh
	ActSignBit
)

var activationNames = [...]string{
	ActNone:      "NONE",
	ActRelu:      "RELU",
	ActReluN1To1: "RELU_N1_TO_1",
	ActRelu6:     "RELU6",
	ActTanh:      "TANH",
	ActSignBit:   "SIGN_BIT",
}

// String returns the TFLite name of the activation ("RELU6").
func (a Activation) String() string {
	if int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("activation(%d)", uint8(a))
}

// ParseActivation is the inverse of Activation.String.
func ParseActivation(s string) (Activation, error) {
	for i, n := range activationNames {
		if n == s {
			return Activation(i), nil
		}
	}
	return ActNone, fmt.Errorf("unknown activation %q", s)
}

// Padding is the padding scheme of convolutions and pools.
type Padding uint8

// Padding schemes. SAME and VALID are TFLite's (the padding is computed
// from the sizes, see ConvOutSize); EXPLICIT takes the op's PadTop, PadLeft,
// PadBottom and PadRight attributes as given (ONNX's pads, which may be
// asymmetric).
const (
	PadSame Padding = iota
	PadValid
	PadExplicit
)

// String returns "SAME", "VALID" or "EXPLICIT".
func (p Padding) String() string {
	switch p {
	case PadSame:
		return "SAME"
	case PadValid:
		return "VALID"
	case PadExplicit:
		return "EXPLICIT"
	}
	return fmt.Sprintf("padding(%d)", uint8(p))
}

// ParsePadding is the inverse of Padding.String.
func ParsePadding(s string) (Padding, error) {
	switch s {
	case "SAME":
		return PadSame, nil
	case "VALID":
		return PadValid, nil
	case "EXPLICIT":
		return PadExplicit, nil
	}
	return PadSame, fmt.Errorf("unknown padding %q", s)
}
