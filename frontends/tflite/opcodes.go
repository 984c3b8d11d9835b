// This file lists the operator codes a model declares, for backends that
// register operators by name (the TFLM bench backend's op resolver).
package tflite

import (
	"fmt"

	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
)

// OperatorCode is one entry of a model's operator_codes table.
type OperatorCode struct {
	// Builtin is the builtin operator's schema name (CONV_2D), or
	// "CUSTOM" for a custom operator.
	Builtin string
	// Code is the builtin operator code (the larger of the deprecated and
	// the current field, as TFLite reads it).
	Code int32
	// Custom is a custom operator's name ("" for builtins).
	Custom string
}

// OperatorCodes returns the operator codes of a .tflite model, in table
// order, after verifying the flatbuffer. It never panics on bad input.
func OperatorCodes(model []byte) (codes []OperatorCode, err error) {
	defer func() {
		if r := recover(); r != nil {
			codes, err = nil, fmt.Errorf("internal error while reading the operator codes (a bug in the tflite frontend; please report it with the file): %v", r)
		}
	}()
	if err := verifyFlatbuffer(model); err != nil {
		return nil, err
	}
	m := schema.GetRootAsModel(model, 0)
	names := schema.EnumNamesBuiltinOperator()
	var oc schema.OperatorCode
	for i, n := 0, m.OperatorCodesLength(); i < n; i++ {
		m.OperatorCodes(&oc, i)
		code := max(int32(oc.DeprecatedBuiltinCode()), int32(oc.BuiltinCode()))
		name, ok := names[schema.BuiltinOperator(code)]
		if !ok {
			name = fmt.Sprintf("BUILTIN_%d", code)
		}
		c := OperatorCode{Builtin: name, Code: code}
		if schema.BuiltinOperator(code) == schema.BuiltinOperatorCUSTOM {
			c.Custom = string(oc.CustomCode())
		}
		codes = append(codes, c)
	}
	return codes, nil
}
