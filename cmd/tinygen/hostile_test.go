package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/hostile"
)

// TestHostileModels runs every crafted model of internal/hostile through
// `tinygen compile`: a case that must be refused fails with exit status 1
// and its expected message naming the file, never a panic; a case that
// must compile gives C that builds with the warning flags and carries none
// of the attack's text outside comments.
func TestHostileModels(t *testing.T) {
	cases, err := hostile.All()
	if err != nil {
		t.Fatal(err)
	}
	cc, ccErr := exec.LookPath("gcc")
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			dir := t.TempDir()
			model := filepath.Join(dir, c.File)
			if err := os.WriteFile(model, c.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			args := append([]string{"compile", model, "-o", out, "--check"}, c.Args...)
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			if strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "goroutine ") {
				t.Fatalf("panic: %s", stderr.String())
			}
			if c.WantError != "" {
				want := 1
				if c.Usage {
					want = 2
				}
				if code != want {
					t.Fatalf("exit status %d, want %d (stderr %q)", code, want, stderr.String())
				}
				if !strings.Contains(stderr.String(), c.WantError) {
					t.Fatalf("stderr %q does not contain %q", stderr.String(), c.WantError)
				}
				if !c.Usage && !strings.Contains(stderr.String(), c.File) {
					t.Fatalf("stderr %q does not name the file %s", stderr.String(), c.File)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit status %d: %s", code, stderr.String())
			}
			if ccErr != nil {
				if os.Getenv("CI") == "true" {
					t.Fatal("gcc missing (Debian package gcc)")
				}
				t.Skip("gcc missing (Debian package gcc)")
			}
			files, err := hostcc.CFiles(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := hostcc.Compile(context.Background(), cc, out, files, hostcc.WarningFlags...); err != nil {
				t.Fatal(err)
			}
			ents, err := os.ReadDir(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if !strings.HasSuffix(e.Name(), ".c") && !strings.HasSuffix(e.Name(), ".h") {
					continue
				}
				code := withoutComments(t, cc, filepath.Join(out, e.Name()))
				for _, bad := range c.Forbidden {
					if strings.Contains(code, bad) {
						t.Errorf("%s: %q appears outside comments", e.Name(), bad)
					}
				}
			}
		})
	}
}

// withoutComments returns a C file's text with its comments removed by
// the compiler's own preprocessor (no macro expansion, no includes).
func withoutComments(t *testing.T, cc, file string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, cc, "-fpreprocessed", "-dD", "-E", "-P", "-trigraphs", file).Output()
	if err != nil {
		t.Fatalf("%s: preprocessing: %v", file, err)
	}
	return string(out)
}
