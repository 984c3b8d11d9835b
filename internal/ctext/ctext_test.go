// Tests of ctext: the known bypasses of the old comment scrubber, the
// identifier rule kept from codegen/c, and fast property fuzzing.
package ctext

import (
	"regexp"
	"strings"
	"testing"
)

// bypasses are the known ways to leave, nest or splice a comment; they
// seed every fuzz target.
var bypasses = []string{
	"*/ int tg_pwned = 1; /*",
	"\\\nint tg_pwned = 1;",
	"x \\\n system(\"id\"); //",
	"*\\\n/ int tg_pwned; /*",
	"*\\/ int tg_pwned; /*",
	"??/\nint tg_pwned;",
	"*??/\n/ int tg_pwned; /*",
	"??)??(??<??>??=??'??!??-",
	"/* nested",
	"a\rb\r\nint tg_pwned;",
	"a\x00b\x01\x7f",
	"caf\u00e9 \u2028 \xff\xfe",
	"/leading slash",
	"*leading star",
	"trailing star *",
	"trailing slash /",
	"trailing question ?",
	"?",
	"**//**",
	"\\",
	"",
	"///***???\\\\\\",
}

func TestCommentTable(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"tinygen synthetic keyword spotter (4 classes)", 100, "tinygen synthetic keyword spotter (4 classes)"},
		{"sequential/conv2d/Conv2D", 80, "sequential/conv2d/Conv2D"},
		{"*/ int tg_pwned = 1; /*", 0, "_*_/ int tg_pwned = 1; /_*_"},
		{"*\\/ x", 0, "_*_/ x"},
		{"*\\\n/", 0, "_*__/_"},
		{"??/", 0, "_?_?/_"},
		{"a??b", 0, "a?_?b"},
		{"/x*", 0, "_/x*_"},
		{"caf\u00e9", 0, "caf_"},
		{"a\x00b", 0, "a_b"},
		{"abcdefgh", 6, "abc..."},
		{"a*/bcdefgh", 6, "a*_..."},
		{"ab*", 2, "ab"},
		{"a*b", 2, "a_"},
		{"*b", 1, "_"},
	} {
		if got := Comment(c.in, c.max); got != c.want {
			t.Errorf("Comment(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

// TestIdentifierCompatible pins the output codegen/c's Identifier gave, so
// that golden files do not change.
func TestIdentifierCompatible(t *testing.T) {
	for in, want := range map[string]string{
		"kws_tiny":                "kws_tiny",
		"serving_default_input:0": "serving_default_input_0",
		"StatefulPartitionedCall": "statefulpartitionedcall",
		"":                        "m",
		"123":                     "m_123",
		"int":                     "m_int",
		"__x__":                   "x",
		"*/ int tg_pwned; /*":     "int_tg_pwned",
		"a\\\nb":                  "a_b",
		strings.Repeat("ab", 30):  strings.Repeat("ab", 20),
		"stdout":                  "m_stdout",
	} {
		if got := Identifier(in); got != want {
			t.Errorf("Identifier(%q) = %q, want %q", in, got, want)
		}
	}
}

var identRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// checkComment reports what is wrong with out = Comment(in, max).
func checkComment(t *testing.T, in string, max int, out string) {
	t.Helper()
	if max > 0 && len(out) > max {
		t.Fatalf("Comment(%q, %d) = %q: longer than %d", in, max, out, max)
	}
	for i := 0; i < len(out); i++ {
		if c := out[i]; c < 0x20 || c > 0x7e || c == '\\' {
			t.Fatalf("Comment(%q, %d) = %q: byte %#x", in, max, out, c)
		}
	}
	for _, bad := range []string{"*/", "/*", "??"} {
		if strings.Contains(out, bad) {
			t.Fatalf("Comment(%q, %d) = %q: contains %q", in, max, out, bad)
		}
	}
	if out != "" && (strings.ContainsAny(out[:1], "/*?") || strings.ContainsAny(out[len(out)-1:], "/*?")) {
		t.Fatalf("Comment(%q, %d) = %q: starts or ends with '/', '*' or '?'", in, max, out)
	}
	if in != "" && out == "" && max >= 0 {
		t.Fatalf("Comment(%q, %d) is empty", in, max)
	}
}

// FuzzComment checks the properties of Comment, Quoted and Identifier
// without a compiler: printable ASCII, no delimiter or trigraph anywhere
// or at the edges, bounded length, idempotence of Comment, identifier
// syntax.
func FuzzComment(f *testing.F) {
	for _, s := range bypasses {
		f.Add(s, 0)
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 300 {
			max %= 300
			if max < 0 {
				max = -max
			}
		}
		out := Comment(s, max)
		checkComment(t, s, max, out)
		if max == 0 || len(out) < max {
			if again := Comment(out, max); again != out {
				t.Fatalf("Comment not idempotent: %q -> %q -> %q", s, out, again)
			}
		}
		q := Quoted(s)
		if len(q) > QuotedMax+2 || q[0] != '"' || q[len(q)-1] != '"' {
			t.Fatalf("Quoted(%q) = %q", s, q)
		}
		checkComment(t, s, QuotedMax, q[1:len(q)-1])
		id := Identifier(s)
		if !identRE.MatchString(id) || len(id) > IdentifierMax || keywords[id] {
			t.Fatalf("Identifier(%q) = %q", s, id)
		}
	})
}
