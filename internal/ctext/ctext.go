// Package ctext is a placeholder until the text-path branch lands.
package ctext

import "strings"

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

