// values.go: the parameter value types, which are the Program's.

package kernels

import "github.com/tinygen/tinygen/program"

// The parameter value types are the Program's (package program), so that
// what Lower computes is what every emitter prints or serialises.
type (
	// Value is a kernel parameter value.
	Value = program.Value
	// Int is an integer parameter.
	Int = program.Int
	// Float is a float32 parameter.
	Float = program.Float
	// Array is an array parameter.
	Array = program.Array
	// Struct is a C struct value.
	Struct = program.Struct
	// Field is one named member of a Struct.
	Field = program.Field
)
