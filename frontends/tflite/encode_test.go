package tflite_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/ir"
)

func model(t *testing.T, name string) *ir.Graph {
	t.Helper()
	m, ok := testmodels.Get(name)
	if !ok {
		t.Fatalf("no test model %q", name)
	}
	return m.Graph()
}

// TestEncodeLayout checks what Encode writes: schema version, buffer 0
// empty, one buffer per constant, attribute operands as constant tensors.
func TestEncodeLayout(t *testing.T) {
	g := model(t, "shape_ops")
	b, err := tflite.Encode(g)
	if err != nil {
		t.Fatal(err)
	}
	m := schema.GetRootAsModel(b, 0).UnPack()
	if m.Version != 3 || len(m.Subgraphs) != 1 {
		t.Fatalf("version %d, %d subgraphs", m.Version, len(m.Subgraphs))
	}
	if len(m.Buffers) == 0 || len(m.Buffers[0].Data) != 0 {
		t.Fatal("buffer 0 must exist and be empty")
	}
	sg := m.Subgraphs[0]
	consts := 0
	for _, x := range g.Tensors {
		if x.IsConst() {
			consts++
		}
	}
	// 8 attribute operands: paddings, perm, begin, end, strides, 2× axes, shape.
	if got, want := len(sg.Tensors), len(g.Tensors)+8; got != want {
		t.Errorf("%d tensors, want %d", got, want)
	}
	if got, want := len(m.Buffers), 1+consts+8; got != want {
		t.Errorf("%d buffers, want %d", got, want)
	}
	pad := sg.Operators[0]
	if len(pad.Inputs) != 2 || sg.Tensors[pad.Inputs[1]].Name != "pad/paddings" || sg.Tensors[pad.Inputs[1]].Type != schema.TensorTypeINT32 {
		t.Errorf("PAD inputs %v", pad.Inputs)
	}
	if ss := sg.Operators[2]; len(ss.Inputs) != 4 {
		t.Errorf("STRIDED_SLICE has %d inputs, want 4", len(ss.Inputs))
	}
	// Constant data starts on 16-byte boundaries (Buffer.data force_align).
	root := schema.GetRootAsModel(b, 0)
	for i := 0; i < root.BuffersLength(); i++ {
		var buf schema.Buffer
		root.Buffers(&buf, i)
		if d := buf.DataBytes(); len(d) > 0 {
			if off := cap(b) - cap(d); off%16 != 0 {
				t.Errorf("buffer %d data at file offset %d, not 16-byte aligned", i, off)
			}
		}
	}
	for _, oc := range m.OperatorCodes {
		if int32(oc.DeprecatedBuiltinCode) != int32(oc.BuiltinCode) {
			t.Errorf("opcode %v: deprecated code %d", oc.BuiltinCode, oc.DeprecatedBuiltinCode)
		}
	}
}

// TestEncodeInt64Attributes checks that attribute values beyond int32 are
// written as int64 operands and read back unchanged.
func TestEncodeInt64Attributes(t *testing.T) {
	g := model(t, "shape_ops")
	for _, o := range g.Ops {
		if a, ok := o.Attrs.(ir.StridedSliceAttrs); ok {
			a.Begin = append([]int{}, a.Begin...)
			a.Begin[0] = -1 << 40
			a.BeginMask &^= 1
			o.Attrs = a
		}
	}
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	b, err := tflite.Encode(g)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := tflite.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	checkSameGraph(t, g, g2)
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(g *ir.Graph)
		want   string
	}{
		{"foreign tensor", func(g *ir.Graph) { g.Ops[0].Inputs[0] = &ir.Tensor{Name: "stray", DType: ir.Int8} },
			`op 0 (CONV_2D): tensor %0 "stray" is not in the graph's tensor list`},
		{"attrs type", func(g *ir.Graph) { g.Ops[0].Attrs = &ir.Conv2DAttrs{} },
			"op 0 (CONV_2D): attributes are *ir.Conv2DAttrs, which does not match CONV_2D"},
		{"dtype", func(g *ir.Graph) { g.Tensors[0].DType = ir.InvalidDType }, `tensor 0 "input": dtype invalid cannot be written`},
		{"dimension", func(g *ir.Graph) { g.Tensors[0].Shape = ir.Shape{1 << 33} }, `tensor 0 "input": dimension 0 (8589934592) does not fit int32`},
		{"op kind", func(g *ir.Graph) { g.Ops[1].Kind = ir.InvalidOp }, "op 1 (INVALID): operator kind INVALID cannot be written"},
		{"stride", func(g *ir.Graph) {
			a := g.Ops[0].Attrs.(ir.Conv2DAttrs)
			a.StrideH = 1 << 40
			g.Ops[0].Attrs = a
		}, "stride or dilation 1099511627776 does not fit int32"},
		{"nil tensor", func(g *ir.Graph) { g.Tensors[2] = nil }, "tensor slot 2 is nil"},
		{"graph output", func(g *ir.Graph) { g.Outputs[0] = nil }, "graph output: missing tensor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := model(t, "kws_tiny")
			tc.mutate(g)
			_, err := tflite.Encode(g)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestFlatcReadsEncoded decodes Encode's output with the reference flatc
// compiler, an implementation independent of the Go flatbuffers library.
func TestFlatcReadsEncoded(t *testing.T) {
	flatc := sharedtest.RequireTool(t, "flatc", "flatbuffers-compiler")
	schemaPath := filepath.Join(sharedDir(t), "schemas", "tflite", "schema.fbs")
	dir := t.TempDir()
	for _, m := range testmodels.All() {
		b, err := tflite.Encode(m.Graph())
		if err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(dir, m.Name+".tflite")
		if err := os.WriteFile(bin, b, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(flatc, "--json", "--strict-json", "--raw-binary", "-o", dir, schemaPath, "--", bin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: flatc: %v\n%s", m.Name, err, out)
		}
		js, err := os.ReadFile(filepath.Join(dir, m.Name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var decoded struct {
			Version   int `json:"version"`
			Subgraphs []struct {
				Tensors   []json.RawMessage `json:"tensors"`
				Operators []json.RawMessage `json:"operators"`
			} `json:"subgraphs"`
		}
		if err := json.Unmarshal(js, &decoded); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		g := m.Graph()
		if decoded.Version != 3 || len(decoded.Subgraphs) != 1 || len(decoded.Subgraphs[0].Operators) != len(g.Ops) ||
			len(decoded.Subgraphs[0].Tensors) < len(g.Tensors) {
			t.Errorf("%s: flatc sees version %d, %d subgraphs", m.Name, decoded.Version, len(decoded.Subgraphs))
		}
	}
}
