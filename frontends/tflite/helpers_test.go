package tflite_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/ir"
)

// sharedDir returns the shared data folder (see internal/shared).
func sharedDir(t testing.TB) string { return sharedtest.Require(t) }

// realModels returns every .tflite file under shared/models, relative to
// the models directory, and that directory.
func realModels(t testing.TB) (dir string, rel []string) {
	t.Helper()
	dir = filepath.Join(sharedDir(t), "models")
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".tflite") {
			r, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			rel = append(rel, filepath.ToSlash(r))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rel) == 0 {
		t.Skipf("no .tflite files under %s", dir)
	}
	return dir, rel
}

// isPreprocessor reports whether a real model is one of the audio front
// ends built from TFLM Signal custom ops, which the frontend must refuse.
func isPreprocessor(rel string) bool {
	return strings.HasPrefix(filepath.Base(rel), "audio_preprocessor")
}

// parseNoPanic parses data and fails the test if Parse reported an
// internal error (a recovered panic).
func parseNoPanic(t testing.TB, data []byte) (*ir.Graph, error) {
	t.Helper()
	g, err := tflite.Parse(data)
	if err != nil && strings.Contains(err.Error(), "internal error") {
		t.Fatalf("Parse panicked: %v", err)
	}
	if err == nil && g == nil {
		t.Fatal("Parse returned neither a graph nor an error")
	}
	return g, err
}

// checkSameGraph checks that got (parsed from Encode(want)) is want plus
// the attribute tensors Encode appends: the first len(want.Tensors)
// tensors, the ops, inputs and outputs print identically, and the extra
// tensors are unused. Name and Source are not stored and not compared.
func checkSameGraph(t testing.TB, want, got *ir.Graph) {
	t.Helper()
	n := len(want.Tensors)
	if len(got.Tensors) < n {
		t.Fatalf("round trip has %d tensors, want at least %d", len(got.Tensors), n)
	}
	used := map[*ir.Tensor]bool{}
	for _, o := range got.Ops {
		for _, x := range append(append([]*ir.Tensor{}, o.Inputs...), o.Outputs...) {
			used[x] = true
		}
	}
	for _, x := range append(append([]*ir.Tensor{}, got.Inputs...), got.Outputs...) {
		used[x] = true
	}
	for _, x := range got.Tensors[n:] {
		if used[x] {
			t.Errorf("extra tensor %v is used", x)
		}
	}
	trimmed := *got
	trimmed.Tensors = got.Tensors[:n]
	trimmed.Name, trimmed.Source = want.Name, want.Source
	if w, g := want.String(), trimmed.String(); w != g {
		t.Fatalf("round trip differs:\n%s", firstDiff(w, g))
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			cut := func(s string) string {
				if len(s) > 300 {
					return s[:300] + "..."
				}
				return s
			}
			return "line " + strconv.Itoa(i+1) + ":\n- " + cut(x) + "\n+ " + cut(y)
		}
	}
	return "(no difference)"
}
