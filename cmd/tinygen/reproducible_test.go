// Generated files carry no path of the machine that made them: the same
// model and options give the same bytes wherever the model, the output
// folder and the working directory are.
package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/internal/testmodels"
)

// TestCompileReproducible compiles one model from different folders, by
// absolute and relative paths, into different output folders, with the
// defaults left out or spelled out, and requires identical files that
// mention none of the folders.
func TestCompileReproducible(t *testing.T) {
	data, err := testmodels.TFLite("kws_tiny")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	runs := []struct {
		dir, model, out string // dir: working directory ("" keeps it)
		extra           []string
	}{
		{"", filepath.Join(root, "zqa", "kws.tflite"), filepath.Join(root, "zqa", "zqout"), nil},
		{"", filepath.Join(root, "zqb", "zqdeep", "kws.tflite"), filepath.Join(root, "zqelsewhere", "zqgen"), []string{"--align", "16", "--planner", "best"}},
		{filepath.Join(root, "zqc"), "kws.tflite", "zqout", []string{"--aliasing=all"}},
		{filepath.Join(root, "zqd", "zqx"), filepath.Join("..", "kws.tflite"), filepath.Join("..", "..", "zqdout"), nil},
	}
	var first map[string][]byte
	for i, r := range runs {
		model := r.model
		if r.dir != "" {
			model = filepath.Join(r.dir, r.model)
		}
		if err := os.MkdirAll(filepath.Dir(model), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(model, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out := r.out
		if r.dir != "" {
			if err := os.MkdirAll(r.dir, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Chdir(r.dir)
			out = filepath.Join(r.dir, r.out)
		}
		var stdout, stderr bytes.Buffer
		args := append([]string{"compile", r.model, "-o", r.out}, r.extra...)
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("run %d: exit status %d: %s", i, code, stderr.String())
		}
		files := readFolder(t, out)
		for name, b := range files {
			// Folder names start with "zq", which no generated file holds.
			for _, bad := range []string{root, "zq", "-o ", "Command:"} {
				if bytes.Contains(b, []byte(bad)) {
					t.Errorf("run %d: %s contains %q", i, name, bad)
				}
			}
		}
		if first == nil {
			first = files
			continue
		}
		if len(files) != len(first) {
			t.Fatalf("run %d wrote %d files, run 0 %d", i, len(files), len(first))
		}
		for name, b := range first {
			if !bytes.Equal(files[name], b) {
				t.Errorf("run %d: %s differs from run 0", i, name)
			}
		}
	}
}

// readFolder returns the files of dir by name.
func readFolder(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}
