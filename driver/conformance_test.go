package driver

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	b "github.com/tinygen/tinygen/frontends/onnx/onnxbuild"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

// writeNodeTest writes a node-test folder: a Relu model, its input and
// the given expected output.
func writeNodeTest(t *testing.T, dir, op string, in, want []float32) {
	t.Helper()
	m := b.Model{Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: []int64{int64(len(in))}}},
		Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: []int64{int64(len(in))}}},
		Nodes:   []b.Node{{Op: op, In: []string{"x"}, Out: []string{"y"}}}}
	set := filepath.Join(dir, "test_data_set_0")
	if err := os.MkdirAll(set, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		filepath.Join(dir, "model.onnx"):  m.Encode(),
		filepath.Join(set, "input_0.pb"):  b.EncodeTensor(b.Tensor{DType: b.Float, Dims: []int64{int64(len(in))}, Floats: in}),
		filepath.Join(set, "output_0.pb"): b.EncodeTensor(b.Tensor{DType: b.Float, Dims: []int64{int64(len(in))}, Floats: want}),
	}
	for p, data := range files {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConformanceStatuses runs a pass, a wrong answer and an unsupported
// operator: the table, the totals and Failed say so, and the JSON and
// Markdown reports carry them.
func TestConformanceStatuses(t *testing.T) {
	dir := t.TempDir()
	writeNodeTest(t, filepath.Join(dir, "test_good"), "Relu", []float32{-1, 2}, []float32{0, 2})
	writeNodeTest(t, filepath.Join(dir, "test_wrong"), "Relu", []float32{-1, 2}, []float32{-1, 2})
	writeNodeTest(t, filepath.Join(dir, "test_close"), "Relu", []float32{-1, 2}, []float32{0, 2.0019})
	writeNodeTest(t, filepath.Join(dir, "test_unsupported"), "Erf", []float32{1}, []float32{0.8427})
	rep, err := Conformance(dir, ConformanceOptions{Engines: []string{"eval"}, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"test_good": "pass", "test_wrong": "FAIL", "test_close": "pass", "test_unsupported": "unsupported"}
	for _, r := range rep.Results {
		if r.Status != want[r.Test] {
			t.Errorf("%s: %s (%s), want %s", r.Test, r.Status, r.Detail, want[r.Test])
		}
	}
	if p, f, u := rep.Totals("eval"); p != 2 || f != 1 || u != 1 || !rep.Failed() {
		t.Errorf("totals %d/%d/%d, failed %v", p, f, u, rep.Failed())
	}
	var js, md, table bytes.Buffer
	if err := WriteConformanceJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var back ConformanceReport
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Results) != 4 {
		t.Errorf("JSON report: %v, %d results", err, len(back.Results))
	}
	if err := WriteConformanceMarkdown(&md, rep); err != nil || !strings.Contains(md.String(), "| eval | 2 | 1 | 1 |") {
		t.Errorf("Markdown report (%v):\n%s", err, md.String())
	}
	if err := WriteConformanceTable(&table, rep); err != nil || !strings.Contains(table.String(), "operator Erf is not supported") {
		t.Errorf("table (%v):\n%s", err, table.String())
	}
}

// conformanceMinPass are the passes the shared ONNX node tests
// (conformance/onnx-node, 169 tests) must keep per engine: every test of
// an operator the IR expresses. A change that makes fewer pass, or any
// test give a wrong answer, fails.
var conformanceMinPass = map[string]int{"eval": 169, "aot-host": 169}

// TestONNXConformance runs the shared ONNX node tests on both engines
// (aot-host: generated C built with the host compiler): no test may give
// a wrong answer, and at least conformanceMinPass must pass.
func TestONNXConformance(t *testing.T) {
	dir := filepath.Join(sharedtest.Require(t), "conformance", "onnx-node")
	engines := []string{"eval"}
	if !testing.Short() {
		sharedtest.RequireTool(t, "cc", "gcc")
		engines = append(engines, "aot-host")
	}
	rep, err := Conformance(dir, ConformanceOptions{Engines: engines, Jobs: 2, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := WriteConformanceTable(&table, rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("ONNX node tests:\n%s", table.String())
	for _, r := range rep.Results {
		if r.Status == "FAIL" {
			t.Errorf("%s on %s gives a wrong answer: %s", r.Test, r.Engine, r.Detail)
		}
	}
	for _, e := range engines {
		if p, _, _ := rep.Totals(e); p < conformanceMinPass[e] {
			t.Errorf("%s: %d tests pass, want at least %d", e, p, conformanceMinPass[e])
		}
	}
}
