// Names and literals of the generated C: unique identifiers and numeric
// constants. Foreign text becomes C only through internal/ctext.
package c

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// uniquifier hands out identifiers that differ from every one handed out
// before, by appending _2, _3, ….
type uniquifier map[string]bool

func (u uniquifier) get(base string) string {
	name := base
	for i := 2; u[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	u[name] = true
	return name
}

// intLit prints an integer constant of a type of the given bit width so
// that it has that type's value without warnings on 32- and 64-bit
// compilers.
func intLit(v int64, bits int) string {
	switch {
	case bits <= 32 && v == math.MinInt32:
		return "INT32_MIN"
	case bits <= 32:
		return strconv.FormatInt(v, 10)
	case v == math.MinInt64:
		return "INT64_MIN"
	}
	return "INT64_C(" + strconv.FormatInt(v, 10) + ")"
}

// floatLit prints a float32 constant that reads back as the same value:
// the shortest round-tripping decimal with an f suffix, HUGE_VALF for
// infinities and NAN for NaN (both from <math.h>; usesMath reports them).
func floatLit(v float32) (lit string, usesMath bool) {
	switch {
	case math.IsNaN(float64(v)):
		return "NAN", true
	case math.IsInf(float64(v), 1):
		return "HUGE_VALF", true
	case math.IsInf(float64(v), -1):
		return "(-HUGE_VALF)", true
	}
	s := strconv.FormatFloat(float64(v), 'g', -1, 32)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s + "f", false
}
