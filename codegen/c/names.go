package c

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// cKeywords are the C99 keywords (and common macros) a sanitised name must
// not equal.
var cKeywords = map[string]bool{
	"auto": true, "break": true, "case": true, "char": true, "const": true, "continue": true,
	"default": true, "do": true, "double": true, "else": true, "enum": true, "extern": true,
	"float": true, "for": true, "goto": true, "if": true, "inline": true, "int": true,
	"long": true, "register": true, "restrict": true, "return": true, "short": true,
	"signed": true, "sizeof": true, "static": true, "struct": true, "switch": true,
	"typedef": true, "union": true, "unsigned": true, "void": true, "volatile": true,
	"while": true, "bool": true, "true": true, "false": true, "asm": true, "main": true,
	"errno": true, "assert": true, "in": true, "out": true, "arena": true,
}

// Identifier turns a model, file or tensor name into a lower-case C
// identifier: ASCII letters, digits and single underscores, never empty,
// never starting with a digit or an underscore, never a C keyword, at most
// 40 characters. Different names can map to the same identifier; callers
// that need unique names use a uniquifier.
func Identifier(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
		}
	}
	out := strings.TrimSuffix(b.String(), "_")
	if len(out) > 40 {
		out = strings.TrimSuffix(out[:40], "_")
	}
	if out == "" || (out[0] >= '0' && out[0] <= '9') || cKeywords[out] {
		out = "m_" + out
		out = strings.TrimSuffix(out, "_")
	}
	return out
}

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

// commentText makes s safe inside a /* */ comment on one line: printable
// ASCII only, no comment delimiters, no trigraph sequences, at most max
// bytes (0: no limit).
func commentText(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			b.WriteByte('?')
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	for _, bad := range []struct{ from, to string }{{"*/", "*_/"}, {"/*", "/_*"}, {"??", "?_?"}, {"\\", "/"}} {
		for strings.Contains(out, bad.from) {
			out = strings.ReplaceAll(out, bad.from, bad.to)
		}
	}
	if max > 0 && len(out) > max {
		out = out[:max-3] + "..."
	}
	return out
}

// quoted returns a name for a comment, in double quotes.
func quoted(s string) string { return `"` + commentText(s, 80) + `"` }

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
