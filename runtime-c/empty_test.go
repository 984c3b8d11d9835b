// empty_test.go: interpreter blobs of graphs with zero-element inputs and
// outputs.

package runtimec_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/ir"
)

// TestEmptyTensors runs graphs with empty inputs and outputs through the
// interpreter (built with the sanitizers): the outputs are the
// evaluator's, and a model whose inputs have no bytes runs once.
func TestEmptyTensors(t *testing.T) {
	bin := hostRuntime(t)
	for _, tc := range []struct{ name, text string }{
		{"all_empty", `tinygen-ir 1
graph "all_empty" source "onnx opset 18" description ""
tensor %0 "x" f32[0]
tensor %1 "a" f32[0]
input %0
op 0 RESHAPE (%0) -> (%1) {NewShape=[0]}
output %1
`},
		{"mixed", `tinygen-ir 1
graph "mixed" source "onnx opset 13" description ""
tensor %0 "x" f32[0,3]
tensor %1 "y" f32[2,3]
tensor %2 "cat" f32[2,3]
tensor %3 "r" f32[3,0]
tensor %4 "s" f32[2,3]
input %0
input %1
op 0 CONCATENATION (%0, %1) -> (%2) {Axis=0 Activation=NONE}
op 1 RESHAPE (%0) -> (%3) {NewShape=[3,0]}
op 2 ADD (%2, %1) -> (%4) {Activation=NONE}
output %3
output %4
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ir.ParseString(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			m := &driver.Model{Path: tc.name + ".onnx", Graph: g}
			path := filepath.Join(t.TempDir(), "model.tgb")
			if err := os.WriteFile(path, compileBlob(t, m), 0o644); err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(7, 9))
			var ins [][]byte
			for _, in := range g.Inputs {
				ins = append(ins, randomInput(r, in))
			}
			want, err := driver.Run(m, ins)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, path)
			cmd.Stdin = bytes.NewReader(bytes.Join(ins, nil))
			var out, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			if msg := golden.CompareFloat32(out.Bytes(), bytes.Join(want, nil), golden.FloatRelTol, golden.FloatAbsTol); msg != "" {
				t.Error(msg)
			}
		})
	}
}
