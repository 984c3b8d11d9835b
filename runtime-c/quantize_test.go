// quantize_test.go: ONNX's QUANTIZE (ties to even, blocked) through the
// interpreter: its bounds rule accepts the compiler's parameters and the
// outputs are the evaluator's, byte for byte.

package runtimec_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/ir"
)

func TestQuantizeBlocked(t *testing.T) {
	bin := hostRuntime(t)
	g, err := ir.ParseString(`tinygen-ir 1
graph "q" source "onnx opset 21" description ""
tensor %0 "x" f32[2,5,3]
tensor %1 "s" f32[2,3,3] data=hex"0000003f000000400000803f0000003f000000400000803f0000003f000000400000803f0000003f000000400000803f0000003f000000400000803f0000003f000000400000803f"
tensor %2 "z" i8[2,3,3] data=hex"000102030405060708090a0b0c0d0e0f10f1"
tensor %3 "y" i8[2,5,3]
tensor %4 "pq" u8[2,5,3] quant(scale=[0.5] zp=[3])
tensor %5 "aq" i16[2,5,3] quant(axis=1 scale=[0.25,0.5,1,2,4] zp=[0,1,-1,2,-2])
input %0
op 0 QUANTIZE (%0, %1, %2) -> (%3) {Rounding=HALF_EVEN Axis=1 BlockSize=2}
op 1 QUANTIZE (%0) -> (%4) {Rounding=HALF_EVEN}
op 2 QUANTIZE (%0) -> (%5) {Rounding=HALF_EVEN}
output %3
output %4
output %5
`)
	if err != nil {
		t.Fatal(err)
	}
	m := &driver.Model{Path: "q.onnx", Graph: g}
	path := filepath.Join(t.TempDir(), "model.tgb")
	if err := os.WriteFile(path, compileBlob(t, m), 0o644); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 30)
	for i := range x {
		x[i] = float32(r.IntN(41)-20) * 0.25 // exact ties after the divisions
	}
	in := ir.Float32Data(x)
	want, err := driver.Run(m, [][]byte{in})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, path)
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if got, w := out.Bytes(), bytes.Join(want, nil); !bytes.Equal(got, w) {
		t.Errorf("interpreter:\n% x\nevaluator:\n% x", got, w)
	}
}
