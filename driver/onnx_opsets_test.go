// onnx_opsets_test.go: project-made ONNX models of older opsets (7, 9,
// 10, 11, 12 beside 13+) where operators changed between attributes and
// inputs or changed semantics, run as node tests on both engines, and
// the errors of what stays unsupported.

package driver

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	b "github.com/tinygen/tinygen/frontends/onnx/onnxbuild"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

// opsetCase is one single-input float model with its input and the
// output ONNX defines (computed by hand or by a formula here, never by
// tinygen).
type opsetCase struct {
	name    string
	opset   int64
	inDims  []int64
	outDims []int64
	in      []float32
	want    []float32
	nodes   []b.Node
	inits   []b.Tensor
}

func f32s(n int, f func(i int) float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// softmaxRows is the softmax of each row of n values.
func softmaxRows(x []float32, n int) []float32 {
	out := make([]float32, len(x))
	for r := 0; r < len(x); r += n {
		sum := 0.0
		for i := r; i < r+n; i++ {
			sum += math.Exp(float64(x[i]))
		}
		for i := r; i < r+n; i++ {
			out[i] = float32(math.Exp(float64(x[i])) / sum)
		}
	}
	return out
}

func opsetCases() []opsetCase {
	up := []float32{1, 2, 3, 4}
	// Nearest ×2 rows, ×3 columns: ONNX's test_upsample_nearest output.
	upWant := []float32{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}
	scales := b.Tensor{Name: "scales", DType: b.Float, Dims: []int64{4}, Floats: []float32{1, 1, 2, 3}}
	i64 := func(name string, v ...int64) b.Tensor {
		return b.Tensor{Name: name, DType: int32(7), Dims: []int64{int64(len(v))}, Ints: v}
	}
	clipIn := []float32{-3, -0.5, 1, 5}
	x8 := f32s(8, func(i int) float32 { return float32(i) / 4 })
	// BatchNormalization on [1,2,1,2]: y = (x − mean)/sqrt(var + eps)·scale + B.
	bnX := []float32{1, -2, 0.5, 3}
	bnScale, bnB, bnMean, bnVar := []float32{2, 0.5}, []float32{1, -1}, []float32{0.5, 1}, []float32{4, 0.25}
	bnWant := f32s(4, func(i int) float32 {
		c := i / 2
		return float32((float64(bnX[i])-float64(bnMean[c]))/math.Sqrt(float64(bnVar[c])+1e-5)*float64(bnScale[c]) + float64(bnB[c]))
	})
	bnInits := []b.Tensor{
		{Name: "s", DType: b.Float, Dims: []int64{2}, Floats: bnScale}, {Name: "bias", DType: b.Float, Dims: []int64{2}, Floats: bnB},
		{Name: "m", DType: b.Float, Dims: []int64{2}, Floats: bnMean}, {Name: "v", DType: b.Float, Dims: []int64{2}, Floats: bnVar},
	}
	bn := func(attrs ...b.Attr) []b.Node {
		return []b.Node{{Name: "bn", Op: "BatchNormalization", In: []string{"x", "s", "bias", "m", "v"}, Out: []string{"y"}, Attrs: attrs}}
	}
	one := func(op string, in []string, attrs ...b.Attr) []b.Node {
		return []b.Node{{Name: strings.ToLower(op), Op: op, In: in, Out: []string{"y"}, Attrs: attrs}}
	}
	return []opsetCase{
		{name: "upsample_opset7_attr", opset: 7, inDims: []int64{1, 1, 2, 2}, outDims: []int64{1, 1, 4, 6}, in: up, want: upWant,
			nodes: one("Upsample", []string{"x"}, b.AttrS("mode", "nearest"), b.AttrFloats("scales", 1, 1, 2, 3))},
		{name: "upsample_opset9_input", opset: 9, inDims: []int64{1, 1, 2, 2}, outDims: []int64{1, 1, 4, 6}, in: up, want: upWant,
			nodes: one("Upsample", []string{"x", "scales"}), inits: []b.Tensor{scales}},
		{name: "resize_opset10", opset: 10, inDims: []int64{1, 1, 2, 2}, outDims: []int64{1, 1, 4, 6}, in: up, want: upWant,
			nodes: one("Resize", []string{"x", "scales"}), inits: []b.Tensor{scales}},
		{name: "resize_opset11_sizes", opset: 11, inDims: []int64{1, 1, 2, 2}, outDims: []int64{1, 1, 4, 6}, in: up, want: upWant,
			nodes: one("Resize", []string{"x", "", "", "sizes"}, b.AttrS("coordinate_transformation_mode", "asymmetric"), b.AttrS("nearest_mode", "floor")),
			inits: []b.Tensor{i64("sizes", 1, 1, 4, 6)}},
		{name: "pad_opset2_attr", opset: 2, inDims: []int64{1, 3}, outDims: []int64{1, 6}, in: []float32{1, 2, 3}, want: []float32{0, 1, 2, 3, 0, 0},
			nodes: one("Pad", []string{"x"}, b.AttrInts("pads", 0, 1, 0, 2))},
		{name: "pad_opset2_edge", opset: 2, inDims: []int64{1, 3}, outDims: []int64{1, 6}, in: []float32{1, 2, 3}, want: []float32{1, 1, 2, 3, 3, 3},
			nodes: one("Pad", []string{"x"}, b.AttrInts("pads", 0, 1, 0, 2), b.AttrS("mode", "edge"))},
		{name: "pad_opset11_input", opset: 11, inDims: []int64{1, 3}, outDims: []int64{1, 6}, in: []float32{1, 2, 3}, want: []float32{0, 1, 2, 3, 0, 0},
			nodes: one("Pad", []string{"x", "pads"}), inits: []b.Tensor{i64("pads", 0, 1, 0, 2)}},
		{name: "slice_opset1_attr", opset: 1, inDims: []int64{2, 4}, outDims: []int64{2, 2}, in: f32s(8, func(i int) float32 { return float32(i) }), want: []float32{1, 2, 5, 6},
			nodes: one("Slice", []string{"x"}, b.AttrInts("starts", 0, 1), b.AttrInts("ends", 2, 3), b.AttrInts("axes", 0, 1))},
		{name: "slice_opset10_steps", opset: 10, inDims: []int64{2, 4}, outDims: []int64{2, 2}, in: f32s(8, func(i int) float32 { return float32(i) }), want: []float32{0, 2, 4, 6},
			nodes: one("Slice", []string{"x", "st", "en", "ax", "sp"}), inits: []b.Tensor{i64("st", 0), i64("en", 4), i64("ax", 1), i64("sp", 2)}},
		{name: "clip_opset6_attr", opset: 6, inDims: []int64{4}, outDims: []int64{4}, in: clipIn, want: []float32{-1, -0.5, 1, 2},
			nodes: one("Clip", []string{"x"}, b.AttrF("min", -1), b.AttrF("max", 2))},
		{name: "clip_opset11_input", opset: 11, inDims: []int64{4}, outDims: []int64{4}, in: clipIn, want: []float32{-1, -0.5, 1, 2},
			nodes: one("Clip", []string{"x", "lo", "hi"}),
			inits: []b.Tensor{{Name: "lo", DType: b.Float, Floats: []float32{-1}}, {Name: "hi", DType: b.Float, Floats: []float32{2}}}},
		{name: "clip_opset12_max_only", opset: 12, inDims: []int64{4}, outDims: []int64{4}, in: clipIn, want: []float32{-3, -0.5, 1, 2},
			nodes: one("Clip", []string{"x", "", "hi"}), inits: []b.Tensor{{Name: "hi", DType: b.Float, Floats: []float32{2}}}},
		{name: "squeeze_unsqueeze_opset11_attr", opset: 11, inDims: []int64{1, 3, 1}, outDims: []int64{3, 1}, in: []float32{1, 2, 3}, want: []float32{1, 2, 3},
			nodes: []b.Node{{Op: "Squeeze", In: []string{"x"}, Out: []string{"s"}, Attrs: []b.Attr{b.AttrInts("axes", 0, 2)}},
				{Op: "Unsqueeze", In: []string{"s"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrInts("axes", 1)}}}},
		{name: "squeeze_unsqueeze_opset13_input", opset: 13, inDims: []int64{1, 3, 1}, outDims: []int64{3, 1}, in: []float32{1, 2, 3}, want: []float32{1, 2, 3},
			nodes: []b.Node{{Op: "Squeeze", In: []string{"x", "sa"}, Out: []string{"s"}}, {Op: "Unsqueeze", In: []string{"s", "ua"}, Out: []string{"y"}}},
			inits: []b.Tensor{i64("sa", 0, 2), i64("ua", 1)}},
		// Before 13, Softmax(axis=1) of [2,2,2] is over the 4 values of
		// each batch (2-D coercion); from 13, over axis 1 only.
		{name: "softmax_opset11_coerced", opset: 11, inDims: []int64{2, 2, 2}, outDims: []int64{2, 2, 2}, in: x8, want: softmaxRows(x8, 4),
			nodes: one("Softmax", []string{"x"}, b.AttrI("axis", 1))},
		{name: "softmax_opset13_axis", opset: 13, inDims: []int64{2, 2, 2}, outDims: []int64{2, 2, 2}, in: x8,
			want: func() []float32 {
				// Pairs along axis 1: elements (n, 0, w) and (n, 1, w).
				out := make([]float32, 8)
				for n := 0; n < 2; n++ {
					for w := 0; w < 2; w++ {
						i, j := n*4+w, n*4+2+w
						p := softmaxRows([]float32{x8[i], x8[j]}, 2)
						out[i], out[j] = p[0], p[1]
					}
				}
				return out
			}(),
			nodes: one("Softmax", []string{"x"}, b.AttrI("axis", 1))},
		{name: "batchnorm_opset7_spatial", opset: 7, inDims: []int64{1, 2, 1, 2}, outDims: []int64{1, 2, 1, 2}, in: bnX, want: bnWant,
			nodes: bn(b.AttrI("spatial", 1)), inits: bnInits},
		{name: "batchnorm_opset9", opset: 9, inDims: []int64{1, 2, 1, 2}, outDims: []int64{1, 2, 1, 2}, in: bnX, want: bnWant,
			nodes: bn(), inits: bnInits},
		{name: "batchnorm_opset15", opset: 15, inDims: []int64{1, 2, 1, 2}, outDims: []int64{1, 2, 1, 2}, in: bnX, want: bnWant,
			nodes: bn(b.AttrF("epsilon", 1e-5)), inits: bnInits},
		{name: "dropout_opset7_identity", opset: 7, inDims: []int64{4}, outDims: []int64{4}, in: clipIn, want: []float32{0, 0, 1, 5},
			nodes: []b.Node{{Op: "Dropout", In: []string{"x"}, Out: []string{"d"}, Attrs: []b.Attr{b.AttrF("ratio", 0.5)}},
				{Op: "Identity", In: []string{"d"}, Out: []string{"i"}}, {Op: "Relu", In: []string{"i"}, Out: []string{"y"}}}},
		{name: "dropout_opset12_inputs_mask", opset: 12, inDims: []int64{4}, outDims: []int64{4}, in: clipIn, want: []float32{0, 0, 1, 5},
			nodes: []b.Node{{Op: "Dropout", In: []string{"x", "r", "tm"}, Out: []string{"d", "mask"}}, {Op: "Relu", In: []string{"d"}, Out: []string{"y"}}},
			inits: []b.Tensor{{Name: "r", DType: b.Float, Floats: []float32{0.3}}, {Name: "tm", DType: int32(9), I32: []int32{0}}}},
		{name: "reshape_opset1_attr", opset: 1, inDims: []int64{4}, outDims: []int64{2, 2}, in: clipIn, want: clipIn,
			nodes: one("Reshape", []string{"x"}, b.AttrInts("shape", 2, 2))},
		{name: "gemm_opset6_broadcast", opset: 6, inDims: []int64{1, 2}, outDims: []int64{1, 3}, in: []float32{1, 2},
			want:  []float32{1*1 + 2*4 + 0.5, 1*2 + 2*5 + 0.5, 1*3 + 2*6 + 0.5},
			nodes: one("Gemm", []string{"x", "w", "c"}, b.AttrI("broadcast", 1)),
			inits: []b.Tensor{{Name: "w", DType: b.Float, Dims: []int64{2, 3}, Floats: []float32{1, 2, 3, 4, 5, 6}},
				{Name: "c", DType: b.Float, Dims: []int64{1}, Floats: []float32{0.5}}}},
		{name: "reducemean_opset13_attr", opset: 13, inDims: []int64{2, 2}, outDims: []int64{2}, in: clipIn, want: []float32{-1.75, 3},
			nodes: one("ReduceMean", []string{"x"}, b.AttrInts("axes", 1), b.AttrI("keepdims", 0))},
		{name: "reducemean_opset18_input", opset: 18, inDims: []int64{2, 2}, outDims: []int64{2}, in: clipIn, want: []float32{-1.75, 3},
			nodes: one("ReduceMean", []string{"x", "axes"}, b.AttrI("keepdims", 0)), inits: []b.Tensor{i64("axes", 1)}},
		{name: "flatten_opset1_default_axis", opset: 1, inDims: []int64{2, 1, 2}, outDims: []int64{2, 2}, in: clipIn, want: clipIn,
			nodes: one("Flatten", []string{"x"})},
		// Split into [1,1] and [1,3], concatenated the other way round.
		{name: "split_opset2_attr", opset: 2, inDims: []int64{1, 4}, outDims: []int64{1, 4}, in: []float32{0, 1, 2, 3}, want: []float32{1, 2, 3, 0},
			nodes: []b.Node{{Op: "Split", In: []string{"x"}, Out: []string{"a", "b"}, Attrs: []b.Attr{b.AttrI("axis", 1), b.AttrInts("split", 1, 3)}},
				{Op: "Concat", In: []string{"b", "a"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrI("axis", 1)}}}},
		{name: "split_opset13_input", opset: 13, inDims: []int64{1, 4}, outDims: []int64{1, 4}, in: []float32{0, 1, 2, 3}, want: []float32{1, 2, 3, 0},
			nodes: []b.Node{{Op: "Split", In: []string{"x", "parts"}, Out: []string{"a", "b"}, Attrs: []b.Attr{b.AttrI("axis", 1)}},
				{Op: "Concat", In: []string{"b", "a"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrI("axis", 1)}}},
			inits: []b.Tensor{i64("parts", 1, 3)}},
		{name: "split_opset18_num_outputs", opset: 18, inDims: []int64{1, 4}, outDims: []int64{1, 4}, in: []float32{0, 1, 2, 3}, want: []float32{2, 3, 0, 1},
			nodes: []b.Node{{Op: "Split", In: []string{"x"}, Out: []string{"a", "b"}, Attrs: []b.Attr{b.AttrI("axis", 1), b.AttrI("num_outputs", 2)}},
				{Op: "Concat", In: []string{"b", "a"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrI("axis", 1)}}}},
		{name: "leakyrelu_opset6_hardsigmoid", opset: 6, inDims: []int64{4}, outDims: []int64{4}, in: clipIn,
			want: f32s(4, func(i int) float32 {
				v := clipIn[i]
				if v < 0 {
					v *= 0.1
				}
				return float32(math.Max(0, math.Min(1, float64(0.5*v+0.25))))
			}),
			nodes: []b.Node{{Op: "LeakyRelu", In: []string{"x"}, Out: []string{"l"}, Attrs: []b.Attr{b.AttrF("alpha", 0.1)}},
				{Op: "HardSigmoid", In: []string{"l"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrF("alpha", 0.5), b.AttrF("beta", 0.25)}}}},
		{name: "concat_opset1_default_axis", opset: 1, inDims: []int64{1, 2}, outDims: []int64{1, 4}, in: []float32{1, 2}, want: []float32{1, 2, 7, 8},
			nodes: one("Concat", []string{"x", "k"}), inits: []b.Tensor{{Name: "k", DType: b.Float, Dims: []int64{1, 2}, Floats: []float32{7, 8}}}},
	}
}

// TestONNXOldOpsets writes each case of opsetCases as an ONNX node test
// and runs them through tinygen conformance on both engines: every one
// must pass (the graph passes and the generated C agree with ONNX's
// definition, not only with each other).
func TestONNXOldOpsets(t *testing.T) {
	engines := []string{"eval"}
	if !testing.Short() {
		sharedtest.RequireTool(t, "cc", "gcc")
		engines = append(engines, "aot-host")
	}
	dir := t.TempDir()
	cases := opsetCases()
	for _, c := range cases {
		m := b.Model{Opsets: map[string]int64{"": c.opset}, Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: c.inDims}},
			Outputs: []b.Value{{Name: "y", DType: b.Float, Dims: c.outDims}}, Nodes: c.nodes, Inits: c.inits}
		set := filepath.Join(dir, c.name, "test_data_set_0")
		if err := os.MkdirAll(set, 0o755); err != nil {
			t.Fatal(err)
		}
		for path, data := range map[string][]byte{
			filepath.Join(dir, c.name, "model.onnx"): m.Encode(),
			filepath.Join(set, "input_0.pb"):         b.EncodeTensor(b.Tensor{DType: b.Float, Dims: c.inDims, Floats: c.in}),
			filepath.Join(set, "output_0.pb"):        b.EncodeTensor(b.Tensor{DType: b.Float, Dims: c.outDims, Floats: c.want}),
		} {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	rep, err := Conformance(dir, ConformanceOptions{Engines: engines, Jobs: 2, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Status != "pass" {
			t.Errorf("%s on %s: %s %s", r.Test, r.Engine, r.Status, r.Detail)
		}
	}
	for _, e := range engines {
		if p, _, _ := rep.Totals(e); p != len(cases) {
			t.Errorf("%s: %d of %d pass", e, p, len(cases))
		}
	}
}

// TestONNXOldOpsetsRefused checks that what stays unsupported in these
// operators is one error naming the node, its op_type and the reason.
func TestONNXOldOpsetsRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		opset int64
		node  b.Node
		inits []b.Tensor
		want  string
	}{
		{"upsample linear", 9, b.Node{Name: "up0", Op: "Upsample", In: []string{"x", "scales"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrS("mode", "linear")}},
			[]b.Tensor{{Name: "scales", DType: b.Float, Dims: []int64{4}, Floats: []float32{1, 1, 2, 2}}}, `mode "linear"`},
		{"upsample channels", 7, b.Node{Name: "up1", Op: "Upsample", In: []string{"x"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrFloats("scales", 1, 2, 2, 2)}},
			nil, "batch or channel"},
		{"resize cubic", 11, b.Node{Name: "rs", Op: "Resize", In: []string{"x", "", "scales"}, Out: []string{"y"}, Attrs: []b.Attr{b.AttrS("mode", "cubic")}},
			[]b.Tensor{{Name: "scales", DType: b.Float, Dims: []int64{4}, Floats: []float32{1, 1, 2, 2}}}, `mode "cubic"`},
		{"pad reflect computed pads", 11, b.Node{Name: "pd", Op: "Pad", In: []string{"x", "x"}, Out: []string{"y"}}, nil, "constant"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := b.Model{Opsets: map[string]int64{"": c.opset}, Inputs: []b.Value{{Name: "x", DType: b.Float, Dims: []int64{1, 1, 2, 2}}},
				Outputs: []b.Value{{Name: "y", DType: b.Float}}, Nodes: []b.Node{c.node}, Inits: c.inits}
			path := filepath.Join(t.TempDir(), "m.onnx")
			if err := os.WriteFile(path, m.Encode(), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil {
				t.Fatal("loaded")
			}
			msg := err.Error()
			for _, w := range []string{path, c.node.Name, c.node.Op, c.want} {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not name %q", msg, w)
				}
			}
			if strings.Count(msg, "\n") > 0 {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}
