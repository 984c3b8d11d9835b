// The compiling fuzz test: fuzzed text goes through Comment, Quoted and
// Identifier into a C file that gcc must build with the warning flags, and
// whose text outside comments must be exactly the expected tokens.
package ctext

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hostGCC returns the host gcc, skipping the test when it is missing
// (failing under CI=true).
func hostGCC(t testing.TB) string {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gcc missing (Debian package gcc)")
		}
		t.Skip("gcc missing (Debian package gcc)")
	}
	return cc
}

// cFile places s in every position generated code uses: comment text
// with and without spaces around it, a continuation line of a block
// comment, next to itself, shortened, quoted, and as an identifier.
func cFile(s string) (src, wantTokens string) {
	c, short, q, id := Comment(s, 0), Comment(s, 7), Quoted(s), Identifier(s)
	var b strings.Builder
	b.WriteString("/* " + c + " */\n")
	b.WriteString("/*" + c + "*/\n")
	b.WriteString("/**" + c + "**/\n")
	b.WriteString("/* a\n *" + c + "\n * " + c + c + "\n */\n")
	b.WriteString("/*" + short + "*/ /* " + q + " */\n")
	b.WriteString("int " + id + " = 1; /*" + c + "*/\n")
	b.WriteString("int tg_end_; /* " + c + "?*/\n")
	return b.String(), "int " + id + " = 1 ; int tg_end_ ;"
}

// checkCompiles writes cFile(s), compiles it with the warning flags and
// compares its tokens outside comments with the expected ones.
func checkCompiles(t *testing.T, cc, dir, s string) {
	src, want := cFile(s)
	file := filepath.Join(dir, "t.c")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-trigraphs",
		"-c", "-o", filepath.Join(dir, "t.o"), file).CombinedOutput()
	if err != nil {
		t.Fatalf("input %q: gcc: %v\n%s\n%s", s, err, out, src)
	}
	pp, err := exec.CommandContext(ctx, cc, "-fpreprocessed", "-dD", "-E", "-P", "-trigraphs", file).Output()
	if err != nil {
		t.Fatalf("input %q: preprocessing: %v\n%s", s, err, src)
	}
	if got := strings.Join(strings.Fields(strings.ReplaceAll(strings.ReplaceAll(string(pp), ";", " ; "), "=", " = ")), " "); got != want {
		t.Fatalf("input %q: outside comments\n got %q\nwant %q\n%s", s, got, want, src)
	}
}

// TestBypassesCompile runs the known bypasses through the compiler.
func TestBypassesCompile(t *testing.T) {
	cc := hostGCC(t)
	dir := t.TempDir()
	for _, s := range bypasses {
		checkCompiles(t, cc, dir, s)
	}
}

// FuzzCommentCompiles proves with the compiler that no fuzzed text leaves
// its comment or forms tokens outside it.
func FuzzCommentCompiles(f *testing.F) {
	for _, s := range bypasses {
		f.Add(s)
	}
	cc := hostGCC(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkCompiles(t, cc, t.TempDir(), s)
	})
}
