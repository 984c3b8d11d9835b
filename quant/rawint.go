// Unquantised integer arithmetic (ONNX integer Add/Sub/Mul/Div/Max/Min).

package quant

import "fmt"

// RawIntKind is an elementwise operation on raw integers. Its value is the
// op code of the C kernel tg_int_binary.
type RawIntKind int32

// Raw integer operations.
const (
	RawAdd RawIntKind = iota
	RawSub
	RawMul
	RawDiv
	RawMax
	RawMin
)

// RawIntOp returns the operation of an IR operator name (ADD, SUB, MUL,
// DIV, MAXIMUM, MINIMUM).
func RawIntOp(name string) (RawIntKind, error) {
	switch name {
	case "ADD":
		return RawAdd, nil
	case "SUB":
		return RawSub, nil
	case "MUL":
		return RawMul, nil
	case "DIV":
		return RawDiv, nil
	case "MAXIMUM":
		return RawMax, nil
	case "MINIMUM":
		return RawMin, nil
	}
	return 0, fmt.Errorf("no raw integer arithmetic for %s", name)
}

// RawIntBinary returns the exact result of k on a and b, values of an
// integer type of at most 32 bits (so no int64 operation overflows). DIV
// truncates toward zero and gives 0 for b = 0. The caller wraps the result
// to its type (WrapInt).
func RawIntBinary(k RawIntKind, a, b int64) int64 {
	switch k {
	case RawAdd:
		return a + b
	case RawSub:
		return a - b
	case RawMul:
		return a * b
	case RawDiv:
		if b == 0 {
			return 0
		}
		return a / b
	case RawMax:
		return max(a, b)
	case RawMin:
		return min(a, b)
	}
	return 0
}

// WrapInt returns v modulo 2^32 as an int32; storing its low 8 or 16 bits
// wraps it to an 8- or 16-bit type (two's complement).
func WrapInt(v int64) int32 { return int32(v) }
