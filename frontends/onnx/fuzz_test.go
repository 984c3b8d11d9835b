package onnx_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/frontends/onnx"
	b "github.com/tinygen/tinygen/frontends/onnx/onnxbuild"
	"github.com/tinygen/tinygen/internal/shared"
)

// FuzzParse feeds the ONNX frontend arbitrary bytes: it must return a
// graph that verifies or an error, never panic, hang or allocate without
// bound. Seeds: the models of this package's tests, plus the shared
// conformance models and micro_kws_m variants when the shared folder is
// there (testdata/fuzz/FuzzParse holds crashers found so far, if any).
func FuzzParse(f *testing.F) {
	f.Add(convNet().Encode())
	f.Add(b.Model{Opsets: map[string]int64{"": 6}, Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: []int64{1, 3, 4, 4}}},
		Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: []int64{1, 3, 1, 1}}},
		Nodes:   []b.Node{{Op: "GlobalAveragePool", In: []string{"x"}, Out: []string{"y"}}}}.Encode())
	f.Add([]byte{0x08, 0x07, 0x3a, 0x00})
	if dir, err := shared.Dir(); err == nil {
		seeds, _ := filepath.Glob(filepath.Join(dir, "conformance", "onnx-node", "*", "model.onnx"))
		more, _ := filepath.Glob(filepath.Join(dir, "models", "*", "*.onnx"))
		for _, p := range append(seeds, more...) {
			if data, err := os.ReadFile(p); err == nil && len(data) < 1<<20 {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := onnx.Parse(data)
		if err != nil {
			return
		}
		if err := g.Verify(); err != nil {
			t.Fatalf("Parse returned a graph that does not verify: %v", err)
		}
	})
}

// FuzzDecodeTensor feeds the test-vector decoder arbitrary bytes: a
// tensor whose data matches its shape, or an error.
func FuzzDecodeTensor(f *testing.F) {
	f.Add(b.EncodeTensor(b.Tensor{Name: "t", DType: b.Float, Dims: []int64{2}, Floats: []float32{1, 2}}))
	f.Add(b.EncodeTensor(b.Tensor{Name: "r", DType: b.Int8, Dims: []int64{3}, Raw: []byte{1, 2, 3}}))
	f.Add(b.EncodeTensor(b.Tensor{Name: "i", DType: b.Int64, Dims: []int64{1, 1}, Ints: []int64{-7}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		tt, err := onnx.DecodeTensor(data)
		if err != nil {
			return
		}
		if n := tt.Shape.Elements() * tt.DType.Size(); n != len(tt.Data) {
			t.Fatalf("tensor %v %v has %d bytes, want %d", tt.DType, tt.Shape, len(tt.Data), n)
		}
	})
}
