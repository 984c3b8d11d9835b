package testmodels

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

var update = flag.Bool("update", false, "rewrite golden files (testdata/kws_tiny.tflite)")

func TestModelsVerify(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range All() {
		t.Run(m.Name, func(t *testing.T) {
			if seen[m.Name] {
				t.Fatalf("duplicate model name %q", m.Name)
			}
			seen[m.Name] = true
			g := m.Graph()
			if g.Name != m.Name {
				t.Errorf("graph name %q, want %q", g.Name, m.Name)
			}
			if err := g.Verify(); err != nil {
				t.Fatalf("Verify: %v\n%s", err, g)
			}
			if len(g.Ops) == 0 || len(g.Inputs) == 0 || len(g.Outputs) == 0 {
				t.Fatalf("model has %d ops, %d inputs, %d outputs", len(g.Ops), len(g.Inputs), len(g.Outputs))
			}
		})
	}
}

// TestCoverage checks that the models use every op kind, and every kind
// except QUANTIZE/DEQUANTIZE in both an int8 and a float32 model.
func TestCoverage(t *testing.T) {
	int8Kinds, f32Kinds := map[ir.OpKind]bool{}, map[ir.OpKind]bool{}
	for _, m := range All() {
		for _, o := range m.Graph().Ops {
			if o.Output().DType == ir.Float32 {
				f32Kinds[o.Kind] = true
			} else {
				int8Kinds[o.Kind] = true
			}
		}
	}
	// The kinds added for ONNX are not in these models yet: the kernel
	// suite's random graphs (kernels/kerneltest), eval's tests, the ONNX
	// node tests and runtime-c's TestHostileParams cover them.
	notYet := map[ir.OpKind]bool{ir.Div: true, ir.BatchMatMul: true, ir.DepthToSpace: true,
		ir.ResizeNearestNeighbor: true, ir.Prelu: true}
	for _, k := range ir.OpKinds() {
		if notYet[k] {
			continue
		}
		if !int8Kinds[k] && !f32Kinds[k] {
			t.Errorf("no model uses %v", k)
			continue
		}
		if k == ir.Quantize || k == ir.Dequantize {
			continue
		}
		if !int8Kinds[k] {
			t.Errorf("no int8 model uses %v", k)
		}
		if !f32Kinds[k] {
			t.Errorf("no float32 model uses %v", k)
		}
	}
}

func TestDeterministic(t *testing.T) {
	for _, name := range Names() {
		m, _ := Get(name)
		if a, b := m.Graph().String(), m.Graph().String(); a != b {
			t.Errorf("%s: two builds differ", name)
		}
		b1, err := TFLite(name)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := TFLite(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1, b2) {
			t.Errorf("%s: two encodings differ", name)
		}
	}
	if _, err := TFLite("no_such_model"); err == nil {
		t.Error("TFLite of an unknown name must fail")
	}
}

// TestGoldenKWSTiny keeps testdata/kws_tiny.tflite (the README demo) in
// step with the generator; run with -update to rewrite it.
func TestGoldenKWSTiny(t *testing.T) {
	got, err := TFLite("kws_tiny")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "testdata", "kws_tiny.tflite")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/testmodels -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date (%d bytes, generator gives %d); run go test ./internal/testmodels -update", path, len(want), len(got))
	}
}
