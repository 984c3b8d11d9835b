// conformance_interp_test.go: the ONNX node tests on the interp-host
// engine (one interpreter runtime under ASan/UBSan, every test a blob).

package driver

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

// interpMinPass is how many of the shared ONNX node tests must pass on
// interp-host: every test of the shared suite (as eval and aot-host).
const interpMinPass = 169

// TestONNXConformanceInterp runs the shared ONNX node tests on interp-host
// with the runtime built under AddressSanitizer and
// UndefinedBehaviorSanitizer: no wrong answer, no refused blob, at least
// interpMinPass passes.
func TestONNXConformanceInterp(t *testing.T) {
	dir := filepath.Join(sharedtest.Require(t), "conformance", "onnx-node")
	sharedtest.RequireTool(t, "cc", "gcc")
	if testing.Short() {
		t.Skip("builds a runtime and runs every node test as a blob; skipped with -short")
	}
	rep, err := Conformance(dir, ConformanceOptions{Engines: []string{interpHostEngine}, Jobs: 2, Sanitize: true, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := WriteConformanceTable(&table, rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("ONNX node tests on %s:\n%s", interpHostEngine, table.String())
	for _, r := range rep.Results {
		if r.Status == "FAIL" {
			t.Errorf("%s on %s: %s", r.Test, r.Engine, r.Detail)
		}
		// A blob the validator refuses is a rule too strict for a
		// legal model.
		if strings.Contains(r.Detail, "tg_rt_init") {
			t.Errorf("%s: the runtime refuses the blob: %s", r.Test, r.Detail)
		}
	}
	if p, _, _ := rep.Totals(interpHostEngine); p < interpMinPass {
		t.Errorf("%s: %d tests pass, want at least %d", interpHostEngine, p, interpMinPass)
	}
}

// TestConformanceInterpUnknownCC names the missing compiler before any
// test runs.
func TestConformanceInterpUnknownCC(t *testing.T) {
	dir := t.TempDir()
	writeNodeTest(t, filepath.Join(dir, "test_good"), "Relu", []float32{-1, 2}, []float32{0, 2})
	_, err := Conformance(dir, ConformanceOptions{Engines: []string{interpHostEngine}, CC: "no-such-cc-tinygen"})
	if err == nil || !strings.Contains(err.Error(), "no-such-cc-tinygen") || !strings.Contains(err.Error(), interpHostEngine) {
		t.Errorf("error %v, want one naming the engine and the compiler", err)
	}
}

// TestConformanceInterpStatuses runs a right and a wrong expected output
// through interp-host: pass and FAIL, as on the other engines.
func TestConformanceInterpStatuses(t *testing.T) {
	sharedtest.RequireTool(t, "cc", "gcc")
	dir := t.TempDir()
	writeNodeTest(t, filepath.Join(dir, "test_good"), "Relu", []float32{-1, 2}, []float32{0, 2})
	writeNodeTest(t, filepath.Join(dir, "test_wrong"), "Relu", []float32{-1, 2}, []float32{-1, 2})
	rep, err := Conformance(dir, ConformanceOptions{Engines: []string{interpHostEngine}, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"test_good": "pass", "test_wrong": "FAIL"}
	for _, r := range rep.Results {
		if r.Status != want[r.Test] || r.Engine != interpHostEngine {
			t.Errorf("%s on %s: %s (%s), want %s", r.Test, r.Engine, r.Status, r.Detail, want[r.Test])
		}
	}
	if p, f, u := rep.Totals(interpHostEngine); p != 1 || f != 1 || u != 0 {
		t.Errorf("totals %d/%d/%d, want 1/1/0", p, f, u)
	}
}
