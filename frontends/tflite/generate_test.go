package tflite

import (
	"bytes"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

// TestGeneratedSchemaUpToDate regenerates internal/schema with flatc from
// the shared schema (what go:generate does) and requires the committed
// files to match it. Skipped without flatc (Debian package
// flatbuffers-compiler), except under CI=true.
func TestGeneratedSchemaUpToDate(t *testing.T) {
	flatc := sharedtest.RequireTool(t, "flatc", "flatbuffers-compiler")
	fbs := filepath.Join(sharedtest.Require(t), "schemas", "tflite", "schema.fbs")
	tmp := t.TempDir()
	out, err := exec.Command(flatc, "--go", "--gen-object-api", "--go-namespace", "schema", "-o", tmp, fbs).CombinedOutput()
	if err != nil {
		t.Fatalf("flatc: %v\n%s", err, out)
	}
	if out, err := exec.Command("go", "run", "./internal/lazyenums", filepath.Join(tmp, "schema")).CombinedOutput(); err != nil {
		t.Fatalf("lazyenums: %v\n%s", err, out)
	}
	generated, _ := filepath.Glob(filepath.Join(tmp, "schema", "*.go"))
	committed, _ := filepath.Glob(filepath.Join("internal", "schema", "*.go"))
	if len(generated) == 0 || len(generated) != len(committed) {
		t.Fatalf("flatc wrote %d files, internal/schema has %d; run go generate ./frontends/tflite", len(generated), len(committed))
	}
	for _, g := range generated {
		src, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		want, err := format.Source(src)
		if err != nil {
			t.Fatalf("%s: %v", g, err)
		}
		got, err := os.ReadFile(filepath.Join("internal", "schema", filepath.Base(g)))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("internal/schema/%s differs from flatc's output; run go generate ./frontends/tflite", filepath.Base(g))
		}
	}
}
