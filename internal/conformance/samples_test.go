package conformance_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// sampleSet is one model's sample folder in the shared models tree, with
// what models/MANIFEST.md says its reference produced.
type sampleSet struct {
	model string // under models/
	input string // printf pattern under the model's folder
	n     int
	// how the sample file becomes the model's input tensor
	convert string // "quantize" (float32 -> input quantisation), "pixel" (uint8 - 128), "raw"
	// argmax of the reference output per sample (MANIFEST.md), if given
	argmax []int
	// reference outputs (float32, dequantised, or float for float models)
	// and how far tinygen's may be from them: in output LSB for int8
	// models, relative for float models.
	ref    string
	maxLSB int
	relTol float64
}

var samples = []sampleSet{
	{model: "aww/aww.tflite", input: "aww/samples/input/%d.bin", n: 10, convert: "quantize",
		argmax: []int{3, 11, 10, 11, 2, 7, 3, 8, 6, 11}},
	{model: "vww/vww_96_int8.tflite", input: "vww/samples/input/%d.bin", n: 10, convert: "quantize",
		argmax: []int{1, 0, 0, 0, 0, 0, 0, 1, 0, 1}},
	{model: "resnet/pretrainedResnet_quant.tflite", input: "resnet/samples/input/%d.bin", n: 10, convert: "pixel",
		argmax: []int{9, 8, 9, 1, 0, 1, 2, 4, 7, 3}},
	// The repo's toycar reference was not made with TFLM reference kernels;
	// golden/README.md measured it within 3 LSB of TFLM's.
	{model: "toycar/ad01_int8.tflite", input: "toycar/samples/input/%d.bin", n: 10, convert: "quantize",
		ref: "toycar/samples/output_tflite/%d.bin", maxLSB: 3},
	{model: "micro_speech/micro_speech.tflite", input: "micro_speech/samples/mlonmcu_input/%d.bin", n: 3, convert: "raw",
		argmax: []int{3, 2, 1}},
	{model: "person_detect/person_detect.tflite", input: "person_detect/samples/mlonmcu_input/%d.bin", n: 2, convert: "raw",
		argmax: []int{1, 0}},
	{model: "hello_world/sine_model.tflite", input: "hello_world/samples/input/%d.bin", n: 4, convert: "raw",
		ref: "hello_world/samples/output/%d.bin", relTol: 1e-4},
}

func float32s(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func toInput(t *testing.T, kind string, raw []byte, in *ir.Tensor) []byte {
	switch kind {
	case "raw":
		return raw
	case "pixel":
		out := make([]byte, len(raw))
		for i, p := range raw {
			out[i] = byte(int8(int(p) - 128))
		}
		return out
	case "quantize":
		lo, hi := in.DType.Range()
		out := make([]byte, 0, len(raw)/4)
		for _, x := range float32s(raw) {
			out = append(out, byte(int8(quant.QuantizeFloat(x, in.Scale(), in.ZeroPoint(), int32(lo), int32(hi)))))
		}
		return out
	}
	t.Fatalf("unknown conversion %q", kind)
	return nil
}

func argmax(out []byte, dt ir.DType) int {
	best := 0
	for i := range out {
		if int8(out[i]) > int8(out[best]) {
			best = i
		}
	}
	if dt == ir.Float32 {
		f := float32s(out)
		best = 0
		for i := range f {
			if f[i] > f[best] {
				best = i
			}
		}
	}
	return best
}

// TestSamples runs the real sample inputs shipped with the shared models
// and checks the labels and reference outputs models/MANIFEST.md gives.
func TestSamples(t *testing.T) {
	dir := filepath.Join(sharedtest.Require(t), "models")
	for _, s := range samples {
		t.Run(s.model, func(t *testing.T) {
			m, err := driver.Load(filepath.Join(dir, s.model))
			if err != nil {
				t.Fatal(err)
			}
			e, err := eval.New(m.Graph)
			if err != nil {
				t.Fatal(err)
			}
			in, out := m.Graph.Inputs[0], m.Graph.Outputs[0]
			for i := 0; i < s.n; i++ {
				raw, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf(s.input, i)))
				if err != nil {
					t.Fatal(err)
				}
				res, err := e.Run([][]byte{toInput(t, s.convert, raw, in)})
				if err != nil {
					t.Fatalf("sample %d: %v", i, err)
				}
				got := res[0]
				if s.argmax != nil {
					if a := argmax(got, out.DType); a != s.argmax[i] {
						t.Errorf("sample %d: argmax %d, reference %d", i, a, s.argmax[i])
					}
				}
				if s.ref == "" {
					continue
				}
				refRaw, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf(s.ref, i)))
				if err != nil {
					t.Fatal(err)
				}
				ref := float32s(refRaw)
				for j, r := range ref {
					if out.DType == ir.Float32 {
						g := float32s(got)[j]
						if math.Abs(float64(g-r)) > s.relTol*math.Max(1, math.Abs(float64(r))) {
							t.Errorf("sample %d element %d: %g, reference %g", i, j, g, r)
						}
						continue
					}
					want := quant.QuantizeFloat(r, out.Scale(), out.ZeroPoint(), -128, 127)
					if d := int32(int8(got[j])) - want; d > int32(s.maxLSB) || d < -int32(s.maxLSB) {
						t.Errorf("sample %d element %d: %d, reference %d (more than %d LSB apart)", i, j, int8(got[j]), want, s.maxLSB)
					}
				}
			}
		})
	}
}
