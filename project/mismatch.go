// Typed rendering of the harness's TINYGEN-MISMATCH lines.
package project

import (
	"math"
	"strconv"
	"strings"
)

// FormatMismatch rewrites a TINYGEN-MISMATCH line's got= and want= fields,
// which carry the element's bits as unsigned decimals, as values of the
// line's dtype: int8 and int16 and int32 signed, uint8 unsigned, float32
// in the shortest decimal that reads back to the same float (with the
// bits in hex beside it for NaN). A line without a dtype field (an older
// or foreign firmware) or with a value it cannot read is returned as it
// is.
func FormatMismatch(line string) string {
	fields := strings.Fields(line)
	dtype := ""
	for _, f := range fields {
		if v, ok := strings.CutPrefix(f, "dtype="); ok {
			dtype = v
		}
	}
	if _, ok := MismatchTypes[dtype]; !ok {
		return line
	}
	for i, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || (k != "got" && k != "want") {
			continue
		}
		bits, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return line
		}
		typed, ok := typedValue(dtype, uint32(bits))
		if !ok {
			return line
		}
		fields[i] = k + "=" + typed
	}
	return strings.Join(fields, " ")
}

// typedValue renders an element's bits as a value of dtype; false when
// the bits do not fit the type.
func typedValue(dtype string, bits uint32) (string, bool) {
	switch dtype {
	case "int8":
		return strconv.Itoa(int(int8(bits))), bits <= math.MaxUint8
	case "uint8":
		return strconv.Itoa(int(bits)), bits <= math.MaxUint8
	case "int16":
		return strconv.Itoa(int(int16(bits))), bits <= math.MaxUint16
	case "int32":
		return strconv.Itoa(int(int32(bits))), true
	case "float32":
		f := math.Float32frombits(bits)
		s := strconv.FormatFloat(float64(f), 'g', -1, 32)
		if f != f {
			s += "(0x" + strconv.FormatUint(uint64(bits), 16) + ")"
		}
		return s, true
	}
	return "", false
}
