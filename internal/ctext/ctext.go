// Package ctext is the one place where foreign text (from a model file or
// the command line) becomes part of generated C: text for a comment, a name
// in quotes for a comment, or an identifier. Nothing it returns can end a
// comment, open one, form a trigraph or splice a line, whatever sits
// around it in the template.
package ctext

import "strings"

// Ellipsis marks text that Comment shortened.
const Ellipsis = "..."

// Comment makes s safe inside a /* ... */ comment on one line and returns
// at most max bytes of it (0: no limit). The result holds printable ASCII
// only: control characters, non-ASCII runes, invalid UTF-8 bytes and the
// backslash become '_'. An underscore breaks every "*/", "/*" and "??"
// (so no comment end, nested comment or trigraph), and the result neither
// starts nor ends with '/', '*' or '?', so it cannot combine with the
// delimiters or text the template puts next to it. Truncation keeps all of
// this: a shortened result ends in Ellipsis.
func Comment(s string, max int) string {
	b := make([]byte, 0, len(s)+2)
	for _, r := range s {
		c := byte('_')
		if r >= 0x20 && r <= 0x7e && r != '\\' {
			c = byte(r)
		}
		if n := len(b); n > 0 && joins(b[n-1], c) {
			b = append(b, '_')
		}
		b = append(b, c)
	}
	if len(b) > 0 && edge(b[0]) {
		b = append([]byte{'_'}, b...)
	}
	if n := len(b); n > 0 && edge(b[n-1]) {
		b = append(b, '_')
	}
	if max > 0 && len(b) > max {
		if max > len(Ellipsis) {
			b = append(b[:max-len(Ellipsis)], Ellipsis...)
		} else {
			// b[0] is never an edge character, so only the last one
			// can be.
			b = b[:max]
			if edge(b[max-1]) {
				b[max-1] = '_'
			}
		}
	}
	return string(b)
}

// joins reports whether two adjacent characters form a comment delimiter
// or the start of a trigraph.
func joins(a, b byte) bool {
	return (a == '*' && b == '/') || (a == '/' && b == '*') || (a == '?' && b == '?')
}

// edge reports whether c must not be the first or last character of
// comment text: it could form "*/", "/*" or "??" with its neighbour.
func edge(c byte) bool { return c == '/' || c == '*' || c == '?' }

// QuotedMax is the longest text Quoted keeps between its quotes.
const QuotedMax = 80

// Quoted returns a name for a comment: Comment(s, QuotedMax) in double
// quotes.
func Quoted(s string) string { return `"` + Comment(s, QuotedMax) + `"` }

// IdentifierMax bounds the length of what Identifier returns (its
// "m_" prefix included).
const IdentifierMax = 42

// keywords are the C99 keywords, the common macros and the names of the
// generated code a sanitised name must not equal.
var keywords = map[string]bool{
	"auto": true, "break": true, "case": true, "char": true, "const": true, "continue": true,
	"default": true, "do": true, "double": true, "else": true, "enum": true, "extern": true,
	"float": true, "for": true, "goto": true, "if": true, "inline": true, "int": true,
	"long": true, "register": true, "restrict": true, "return": true, "short": true,
	"signed": true, "sizeof": true, "static": true, "struct": true, "switch": true,
	"typedef": true, "union": true, "unsigned": true, "void": true, "volatile": true,
	"while": true, "bool": true, "true": true, "false": true, "asm": true, "main": true,
	"errno": true, "assert": true, "in": true, "out": true, "arena": true,
	// Object-like macros of <stdio.h> (picolibc defines stdout as an
	// expression, which breaks in.stdout).
	"stdin": true, "stdout": true, "stderr": true,
}

// Identifier turns a model, file or tensor name into a lower-case C
// identifier: ASCII letters, digits and single underscores, never empty,
// never starting with a digit or an underscore, never a C keyword, at most
// IdentifierMax characters. Different names can map to the same
// identifier; callers that need unique names make them unique.
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
	if out == "" || (out[0] >= '0' && out[0] <= '9') || keywords[out] {
		out = "m_" + out
		out = strings.TrimSuffix(out, "_")
	}
	return out
}
