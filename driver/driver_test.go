package driver

import (
	"bytes"
	"encoding/binary"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/internal/tensorio"
	"github.com/tinygen/tinygen/ir"
)

var update = flag.Bool("update", false, "rewrite the files under testdata/ that tests derive from the bundled model")

const tinyModel = "../testdata/kws_tiny.tflite"

// xorshiftBytes fills n bytes the way shared/golden's generator does
// (seed 1+k; x ^= x<<13; x ^= x>>17; x ^= x<<5; byte = low 8 bits).
func xorshiftBytes(seed uint32, n int) []byte {
	x := seed
	out := make([]byte, n)
	for i := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = byte(x)
	}
	return out
}

// TestTestdata keeps the derived files under testdata/ in step with the
// bundled model: its textual IR, an input vector and the evaluator's output
// for it (used by the CLI scripts), and a float .npy for type errors.
// Rewrite them with -update.
func TestTestdata(t *testing.T) {
	m, err := Load(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	in := xorshiftBytes(42, m.Graph.Inputs[0].NumBytes())
	out, err := Run(m, [][]byte{in})
	if err != nil {
		t.Fatal(err)
	}
	var npy bytes.Buffer
	f := make([]byte, 16)
	for i := 0; i < 4; i++ {
		binary.LittleEndian.PutUint32(f[4*i:], math.Float32bits(float32(i)/4))
	}
	if err := tensorio.WriteNPY(&npy, ir.Float32, ir.Shape{4}, f); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"kws_tiny.ir":         []byte(m.Graph.String()),
		"kws_tiny_input.bin":  in,
		"kws_tiny_output.bin": out[0],
		"float_vector.npy":    npy.Bytes(),
	}
	for name, want := range files {
		p := filepath.Join("..", "testdata", name)
		if *update {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test ./driver -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date; run go test ./driver -update", p)
		}
	}
}

func TestLoadTextIRMatchesFlatbuffer(t *testing.T) {
	a, err := Load(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load("../testdata/kws_tiny.ir")
	if err != nil {
		t.Fatal(err)
	}
	if a.Graph.String() != b.Graph.String() {
		t.Fatal("textual IR of the bundled model does not load to the same graph")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, err := os.ReadFile(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	badIR := strings.Replace(string(mustRead(t, "../testdata/kws_tiny.ir")), "i8[1,25,5,8]", "i8[1,26,5,8]", 1)
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "none.tflite"), "no such file"},
		{"folder", dir, "is a folder"},
		{"truncated", write("t.tflite", good[:len(good)/2]), "t.tflite: "},
		{"onnx", write("m.onnx", []byte("x")), "not an ONNX model: the file does not start like a serialised ModelProto"},
		{"text", write("m.txt", []byte("hello")), "not a model: this is a text file"},
		{"unknown", write("m.bin", []byte{0xde, 0xad, 0xbe, 0xef, 0, 1}), "unknown model format"},
		{"ir that fails Verify", write("bad.ir", []byte(badIR)), "invalid model"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{
		"aww":                    "aww",
		"vww_96_int8":            "vww_96_int8",
		"pretrainedResnet-quant": "pretrainedresnet_quant",
		"96x96 model":            "m_96x96_model",
		"*/ int x; /*":           "int_x",
		"":                       "m",
		"int":                    "m_int",
		"Float":                  "m_float",
		"__a..b__":               "a_b",
	} {
		if got := SanitizeName(in); got != want {
			t.Errorf("SanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestInspectSharedModels checks inspect on every .tflite in the shared
// models folder: each loads (the audio preprocessors fail naming their
// custom ops) and the MLPerf Tiny models report MAC counts that agree with
// the rounded figures published for them (DS-CNN 2.66 M, MobileNetV1-0.25
// 7.49 M, ResNet-8 12.5 M, FC autoencoder 0.264 M), pinned exactly here.
func TestInspectSharedModels(t *testing.T) {
	dir := filepath.Join(sharedtest.Require(t), "models")
	paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.tflite"))
	if len(paths) == 0 {
		t.Fatal("no models found")
	}
	published := map[string]int64{
		"aww.tflite": 2656768, "vww_96_int8.tflite": 7489664,
		"pretrainedResnet_quant.tflite": 12501632, "ad01_int8.tflite": 264192,
	}
	for _, p := range paths {
		base := filepath.Base(p)
		m, err := Load(p)
		if strings.HasPrefix(base, "audio_preprocessor") {
			if err == nil || !strings.Contains(err.Error(), "CUSTOM:Signal") {
				t.Errorf("%s: error %v, want unsupported CUSTOM:Signal ops", base, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		r := Inspect(m)
		var text, js bytes.Buffer
		if err := r.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		if r.TotalMACs <= 0 || r.ParamBytes <= 0 || len(r.Ops) == 0 {
			t.Errorf("%s: empty report %+v", base, r)
		}
		if want, ok := published[base]; ok && r.TotalMACs != want {
			t.Errorf("%s: %d MACs, want %d", base, r.TotalMACs, want)
		}
	}
}
