// values.go: the kernel parameter values a Program carries (Int, Float,
// Array, Struct, ConstRef).

package program

// Value is a kernel parameter value: Int, Float, Array, Struct or
// ConstRef.
type Value interface{ isValue() }

// Int is an integer parameter (printed as a C integer constant).
type Int int64

// Float is a float32 parameter.
type Float float32

// Array is an array parameter of C element type Elem ("int32_t", "int8_t",
// "uint8_t" or "float"), holding Ints or Floats. An Inline array is a
// fixed-size member of its struct (dims[6], table[256]); any other array is
// a separate constant array the struct member points to, which the build
// pass turns into a Constant and a ConstRef.
type Array struct {
	Elem   string
	Ints   []int64
	Floats []float32
	Inline bool
}

// Len returns the number of elements.
func (a Array) Len() int {
	if a.Elem == "float" {
		return len(a.Floats)
	}
	return len(a.Ints)
}

// Struct is a C struct value: its type name and its fields in declaration
// order.
type Struct struct {
	Type   string
	Fields []Field
}

// Field is one named member of a Struct.
type Field struct {
	Name  string
	Value Value
}

// ConstRef is a pointer member that refers to Constants[Index].
type ConstRef struct {
	Index int
}

func (Int) isValue()      {}
func (Float) isValue()    {}
func (Array) isValue()    {}
func (Struct) isValue()   {}
func (ConstRef) isValue() {}
