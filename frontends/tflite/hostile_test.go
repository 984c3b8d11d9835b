package tflite_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
	"github.com/tinygen/tinygen/internal/testmodels"
)

// baseModel returns a synthetic model as a mutable schema.ModelT.
func baseModel(t testing.TB, name string) *schema.ModelT {
	t.Helper()
	b, err := testmodels.TFLite(name)
	if err != nil {
		t.Fatal(err)
	}
	return schema.GetRootAsModel(b, 0).UnPack()
}

func pack(m *schema.ModelT) []byte {
	b := flatbuffers.NewBuilder(0)
	b.FinishWithFileIdentifier(m.Pack(b), []byte("TFL3"))
	return b.FinishedBytes()
}

func tensorIndex(t testing.TB, m *schema.ModelT, name string) int {
	t.Helper()
	for i, x := range m.Subgraphs[0].Tensors {
		if x.Name == name {
			return i
		}
	}
	t.Fatalf("no tensor %q", name)
	return -1
}

func addOpcode(m *schema.ModelT, code schema.BuiltinOperator, custom string) uint32 {
	m.OperatorCodes = append(m.OperatorCodes, &schema.OperatorCodeT{BuiltinCode: code, DeprecatedBuiltinCode: int8(min(code, 127)), CustomCode: custom, Version: 1})
	return uint32(len(m.OperatorCodes) - 1)
}

// TestHostileModels mutates valid models into invalid ones; each must give
// a clear error naming what is wrong, never a panic.
func TestHostileModels(t *testing.T) {
	type tc struct {
		name   string
		model  string // testmodels name
		mutate func(t testing.TB, m *schema.ModelT)
		want   string
	}
	sg := func(m *schema.ModelT) *schema.SubGraphT { return m.Subgraphs[0] }
	tests := []tc{
		{"two subgraphs", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { m.Subgraphs = append(m.Subgraphs, m.Subgraphs[0]) },
			"model has 2 subgraphs; only single-subgraph models are supported"},
		{"no subgraphs", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { m.Subgraphs = nil }, "model has no subgraphs"},
		{"schema version", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { m.Version = 2 }, "TFLite schema version 2 is not supported"},
		{"custom op", "kws_tiny", func(_ testing.TB, m *schema.ModelT) {
			sg(m).Operators[3].OpcodeIndex = addOpcode(m, schema.BuiltinOperatorCUSTOM, "SignalEnergy")
		}, "subgraph 0: unsupported operators: op 3 CUSTOM:SignalEnergy"},
		{"unsupported ops listed", "kws_tiny", func(_ testing.TB, m *schema.ModelT) {
			sg(m).Operators[1].OpcodeIndex = addOpcode(m, schema.BuiltinOperatorCAST, "")
			sg(m).Operators[4].OpcodeIndex = addOpcode(m, schema.BuiltinOperatorCUSTOM, "My Op\n")
			sg(m).Operators[5].OpcodeIndex = addOpcode(m, 999, "")
		}, `subgraph 0: unsupported operators: op 1 CAST, op 4 CUSTOM:"My Op\n", op 5 BuiltinOperator(999)`},
		{"opcode index", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Operators[2].OpcodeIndex = 99 },
			"subgraph 0: op 2: opcode index 99 out of range (the model has 6 operator codes)"},
		{"2^40 elements", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[0].Shape = []int32{1 << 20, 1 << 20} },
			`tensor 0 "input": shape 1048576x1048576 has more than 268435456 elements`},
		{"dynamic dim", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[0].Shape = []int32{-1, 49, 10, 1} },
			`tensor 0 "input": shape [-1 49 10 1] has a dynamic (-1) dimension 0; dynamic shapes are not supported`},
		{"rank", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[0].Shape = make([]int32, 9) },
			`tensor 0 "input": rank 9 is more than the supported 8`},
		{"float16", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[0].Type = schema.TensorTypeFLOAT16 },
			`tensor 0 "input": type FLOAT16 is not supported`},
		{"unknown dtype", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[0].Type = 99 },
			`tensor 0 "input": type TensorType(99) is not supported`},
		{"buffer size", "kws_tiny", func(t testing.TB, m *schema.ModelT) {
			b := m.Buffers[sg(m).Tensors[tensorIndex(t, m, "conv1/weights")].Buffer]
			b.Data = b.Data[:len(b.Data)-1]
		}, `tensor 1 "conv1/weights": buffer 1 holds 319 bytes, but shape 8x10x4x1 of int8 needs 320`},
		{"buffer index", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[1].Buffer = 999 },
			`tensor 1 "conv1/weights": buffer index 999 out of range`},
		{"op input index", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Operators[0].Inputs[0] = 999 },
			"subgraph 0: op 0 (CONV_2D): input 0 refers to tensor 999, but there are 14 tensors"},
		{"op input negative", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Operators[1].Inputs[1] = -7 },
			"op 1 (DEPTHWISE_CONV_2D): input 1 refers to tensor -7"},
		{"required input absent", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Operators[0].Inputs[1] = -1 },
			"op 0 (CONV_2D): required input 1 is absent (-1)"},
		{"op output index", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Operators[5].Outputs[0] = 14 },
			"op 5 (SOFTMAX): output 0 refers to tensor 14"},
		{"two outputs", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Operators[5].Outputs = []int32{12, 11} },
			"op 5 (SOFTMAX): has 2 outputs, want 1"},
		{"input count", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Operators[5].Inputs = []int32{11, 11} },
			"op 5 (SOFTMAX): has 2 inputs, want 1"},
		{"graph input index", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Inputs = []int32{100} },
			"subgraph 0: input 0 refers to tensor 100, but there are 14 tensors"},
		{"graph output index", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Outputs = []int32{-1} },
			"subgraph 0: output 0 refers to tensor -1"},
		{"fused tanh", "kws_tiny", func(_ testing.TB, m *schema.ModelT) {
			sg(m).Operators[0].BuiltinOptions.Value.(*schema.Conv2DOptionsT).FusedActivationFunction = schema.ActivationFunctionTypeTANH
		}, "op 0 (CONV_2D): fused activation TANH is not supported"},
		{"fused sign bit", "kws_tiny", func(_ testing.TB, m *schema.ModelT) {
			sg(m).Operators[4].BuiltinOptions.Value.(*schema.FullyConnectedOptionsT).FusedActivationFunction = schema.ActivationFunctionTypeSIGN_BIT
		}, "op 4 (FULLY_CONNECTED): fused activation SIGN_BIT is not supported"},
		{"bad padding", "kws_tiny", func(_ testing.TB, m *schema.ModelT) {
			sg(m).Operators[2].BuiltinOptions.Value.(*schema.Pool2DOptionsT).Padding = 7
		}, "op 2 (AVERAGE_POOL_2D): unknown padding Padding(7)"},
		{"options type", "kws_tiny", func(_ testing.TB, m *schema.ModelT) {
			sg(m).Operators[0].BuiltinOptions = &schema.BuiltinOptionsT{Type: schema.BuiltinOptionsPool2DOptions, Value: &schema.Pool2DOptionsT{}}
		}, "op 0 (CONV_2D): builtin options are Pool2DOptions, want Conv2DOptions"},
		{"weights format", "kws_tiny", func(_ testing.TB, m *schema.ModelT) {
			sg(m).Operators[4].BuiltinOptions.Value.(*schema.FullyConnectedOptionsT).WeightsFormat = schema.FullyConnectedOptionsWeightsFormatSHUFFLED4x16INT8
		}, "op 4 (FULLY_CONNECTED): weights format SHUFFLED4x16INT8 is not supported (want DEFAULT)"},
		{"depth multiplier", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[6].Shape = []int32{1, 25, 5, 12} },
			"op 1 (DEPTHWISE_CONV_2D): output channels 12 are not a multiple of input channels 8"},
		{"custom quantisation", "kws_tiny", func(_ testing.TB, m *schema.ModelT) {
			sg(m).Tensors[0].Quantization.Details = &schema.QuantizationDetailsT{Type: schema.QuantizationDetailsCustomQuantization,
				Value: &schema.CustomQuantizationT{Custom: []byte{1, 2}}}
		}, `tensor 0 "input": quantisation details of type CustomQuantization (custom or block-wise quantisation) are not supported`},
		{"scale count", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[0].Quantization.Scale = []float32{1, 2} },
			`tensor 0 "input": quantisation has 2 scales but 1 zero points`},
		{"per-channel axis", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[1].Quantization.QuantizedDimension = 2 },
			`subgraph 0: invalid graph: && %1 "conv1/weights" && dimension 2`},
		{"variable", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[3].IsVariable = true },
			`tensor 3 "conv1": variable tensors are not supported`},
		{"sparse", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[1].Sparsity = &schema.SparsityParametersT{} },
			`tensor 1 "conv1/weights": sparse tensors are not supported`},
		{"cycle", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Operators[0].Inputs[0] = sg(m).Operators[1].Outputs[0] },
			`subgraph 0: invalid graph: && op 0 (CONV_2D) && %6 "dw1"`},
		{"produced twice", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Operators[1].Outputs[0] = sg(m).Operators[0].Outputs[0] },
			`subgraph 0: invalid graph: && op 1 (DEPTHWISE_CONV_2D) && %3 "conv1"`},
		{"wrong output shape", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { sg(m).Tensors[3].Shape = []int32{1, 24, 5, 8} },
			`subgraph 0: invalid graph: && op 0 (CONV_2D) && 1x24x5x8`},
		{"non-constant paddings", "shape_ops", func(t testing.TB, m *schema.ModelT) { sg(m).Tensors[tensorIndex(t, m, "pad/paddings")].Buffer = 0 },
			`op 0 (PAD): paddings %9 "pad/paddings" is not a constant; only constant paddings are supported`},
		{"float paddings", "shape_ops", func(t testing.TB, m *schema.ModelT) {
			sg(m).Tensors[tensorIndex(t, m, "pad/paddings")].Type = schema.TensorTypeFLOAT32
		}, `op 0 (PAD): paddings %9 "pad/paddings" is float32, want int32 or int64`},
		{"paddings shape", "shape_ops", func(t testing.TB, m *schema.ModelT) {
			sg(m).Tensors[tensorIndex(t, m, "pad/paddings")].Shape = []int32{2, 4}
		}, `op 0 (PAD): paddings %9 "pad/paddings" has shape 2x4, want [rank, 2]`},
		{"non-constant perm", "shape_ops", func(t testing.TB, m *schema.ModelT) { sg(m).Tensors[tensorIndex(t, m, "transpose/perm")].Buffer = 0 },
			`op 1 (TRANSPOSE): permutation %10 "transpose/perm" is not a constant`},
		{"non-constant begin", "shape_ops", func(t testing.TB, m *schema.ModelT) {
			sg(m).Tensors[tensorIndex(t, m, "strided_slice/begin")].Buffer = 0
		}, `op 2 (STRIDED_SLICE): begin %11 "strided_slice/begin" is not a constant`},
		{"mean axis", "shape_ops", func(t testing.TB, m *schema.ModelT) {
			m.Buffers[sg(m).Tensors[tensorIndex(t, m, "mean_drop/axes")].Buffer].Data = []byte{9, 0, 0, 0}
		}, "op 4 (MEAN): mean axis 9 out of range for rank 4"},
		{"squeeze axis", "shape_ops", func(_ testing.TB, m *schema.ModelT) {
			sg(m).Operators[6].BuiltinOptions.Value.(*schema.SqueezeOptionsT).SqueezeDims = []int32{-5}
		}, "op 6 (SQUEEZE): squeeze axis -5 out of range for rank 4"},
		{"concat axis", "shape_ops", func(_ testing.TB, m *schema.ModelT) {
			sg(m).Operators[7].BuiltinOptions.Value.(*schema.ConcatenationOptionsT).Axis = 2
		}, "op 7 (CONCATENATION): axis 2 out of range for rank 2"},
		{"offset and inline data", "kws_tiny", func(_ testing.TB, m *schema.ModelT) { m.Buffers[1].Offset = 16; m.Buffers[1].Size = 4 },
			`tensor 1 "conv1/weights": buffer 1 has both inline data and an external offset`},
		{"offset outside", "kws_tiny", func(_ testing.TB, m *schema.ModelT) {
			m.Buffers[1].Data = nil
			m.Buffers[1].Offset = 1 << 40
			m.Buffers[1].Size = 320
		},
			`tensor 1 "conv1/weights": buffer 1: 320 bytes at file offset 1099511627776 lie outside the`},
		{"offset size overflow", "kws_tiny", func(_ testing.TB, m *schema.ModelT) {
			m.Buffers[1].Data = nil
			m.Buffers[1].Offset = 64
			m.Buffers[1].Size = ^uint64(0)
		},
			`buffer 1: 18446744073709551615 bytes at file offset 64 lie outside`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := baseModel(t, tc.model)
			tc.mutate(t, m)
			_, err := parseNoPanic(t, pack(m))
			if err == nil {
				t.Fatalf("no error, want one containing %s", tc.want)
			}
			// Parts joined by " && " must all appear (used where the
			// wording comes from ir.Verify).
			for _, part := range strings.Split(tc.want, " && ") {
				if !strings.Contains(err.Error(), part) {
					t.Fatalf("error:\n  %v\nwant it to contain:\n  %s", err, part)
				}
			}
		})
	}
}

func TestUnsupportedOpsErrorType(t *testing.T) {
	m := baseModel(t, "kws_tiny")
	m.Subgraphs[0].Operators[0].OpcodeIndex = addOpcode(m, schema.BuiltinOperatorCUSTOM, "SignalFilterBank")
	_, err := tflite.Parse(pack(m))
	ue, ok := err.(*tflite.UnsupportedOpsError)
	if !ok {
		t.Fatalf("error %T %v, want *UnsupportedOpsError", err, err)
	}
	if len(ue.Ops) != 1 || ue.Ops[0] != (tflite.UnsupportedOp{Index: 0, Name: "CUSTOM:SignalFilterBank"}) {
		t.Fatalf("ops %+v", ue.Ops)
	}
}

func TestFileIdentifier(t *testing.T) {
	b, err := testmodels.TFLite("kws_tiny")
	if err != nil {
		t.Fatal(err)
	}
	if string(b[4:8]) != "TFL3" {
		t.Fatalf("Encode wrote identifier %q", b[4:8])
	}
	b = append([]byte{}, b...)
	copy(b[4:8], "ONNX")
	if _, err := parseNoPanic(t, b); err == nil || !strings.Contains(err.Error(), `file identifier is "ONNX", want "TFL3"`) {
		t.Fatalf("error %v", err)
	}
}

// TestOpcodeCodes checks the effective builtin code rule:
// max(builtin_code, deprecated_builtin_code).
func TestOpcodeCodes(t *testing.T) {
	want, err := tflite.Parse(pack(baseModel(t, "kws_tiny")))
	if err != nil {
		t.Fatal(err)
	}
	for _, variant := range []string{"deprecated only", "builtin only"} {
		m := baseModel(t, "kws_tiny")
		for _, oc := range m.OperatorCodes {
			if variant == "deprecated only" {
				oc.DeprecatedBuiltinCode, oc.BuiltinCode = int8(oc.BuiltinCode), 0
			} else {
				oc.DeprecatedBuiltinCode = 0
			}
		}
		got, err := tflite.Parse(pack(m))
		if err != nil {
			t.Fatalf("%s: %v", variant, err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: graph differs", variant)
		}
	}
}

// TestOffsetBuffers moves every constant's data out of the flatbuffer to
// the end of the file (the offset/size buffer form) and checks that the
// graph is unchanged.
func TestOffsetBuffers(t *testing.T) {
	want, err := tflite.Parse(pack(baseModel(t, "kws_tiny")))
	if err != nil {
		t.Fatal(err)
	}
	m := baseModel(t, "kws_tiny")
	var data [][]byte
	for _, b := range m.Buffers {
		data = append(data, b.Data)
		if len(b.Data) > 0 {
			b.Data, b.Offset, b.Size = nil, 1<<40, uint64(len(b.Data)) // placeholder offset, same encoded size
		}
	}
	fbLen := len(pack(m))
	next := (fbLen + 15) &^ 15
	var tail []byte
	for i, b := range m.Buffers {
		if len(data[i]) == 0 {
			continue
		}
		b.Offset = uint64(next + len(tail))
		tail = append(tail, data[i]...)
		for len(tail)%16 != 0 {
			tail = append(tail, 0)
		}
	}
	file := pack(m)
	if len(file) != fbLen {
		t.Fatalf("flatbuffer size changed from %d to %d", fbLen, len(file))
	}
	file = append(file, make([]byte, next-fbLen)...)
	file = append(file, tail...)
	got, err := tflite.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Fatalf("offset-form buffers give a different graph:\n%s", firstDiff(want.String(), got.String()))
	}
	// Cutting the file inside the appended data must be caught.
	if _, err := parseNoPanic(t, file[:len(file)-20]); err == nil || !strings.Contains(err.Error(), "lie outside") {
		t.Fatalf("truncated offset data: error %v", err)
	}
}

// TestSharedDataBudgets builds files whose many references to one table
// or buffer would make a naive reader do quadratic work or allocate far
// more than the file size.
func TestSharedDataBudgets(t *testing.T) {
	t.Run("shared buffer", func(t *testing.T) {
		m := &schema.ModelT{Version: 3, Buffers: []*schema.BufferT{{}, {Data: make([]byte, 20000)}}}
		sg := &schema.SubGraphT{}
		for i := 0; i < 1000; i++ {
			sg.Tensors = append(sg.Tensors, &schema.TensorT{Shape: []int32{20000}, Type: schema.TensorTypeINT8, Buffer: 1})
		}
		m.Subgraphs = []*schema.SubGraphT{sg}
		_, err := parseNoPanic(t, pack(m))
		if err == nil || !strings.Contains(err.Error(), "constant data shared between tensors adds up to more than") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("shared table", func(t *testing.T) {
		// 20000 operator codes that all point to one table with a
		// 20000-byte custom code string.
		b := flatbuffers.NewBuilder(0)
		s := b.CreateString(strings.Repeat("x", 20000))
		schema.OperatorCodeStart(b)
		schema.OperatorCodeAddCustomCode(b, s)
		oc := schema.OperatorCodeEnd(b)
		schema.ModelStartOperatorCodesVector(b, 20000)
		for i := 0; i < 20000; i++ {
			b.PrependUOffsetT(oc)
		}
		codes := b.EndVector(20000)
		schema.ModelStart(b)
		schema.ModelAddVersion(b, 3)
		schema.ModelAddOperatorCodes(b, codes)
		b.FinishWithFileIdentifier(schema.ModelEnd(b), []byte("TFL3"))
		_, err := parseNoPanic(t, b.FinishedBytes())
		if err == nil || !strings.Contains(err.Error(), "more than twice") {
			t.Fatalf("error %v", err)
		}
	})
}

// smallModels returns the encoded bytes of a few small synthetic models
// for the byte-level sweeps.
func smallModels(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, name := range []string{"kws_tiny", "shape_ops", "quant_dequant"} {
		b, err := testmodels.TFLite(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}

// TestTruncated parses every proper prefix of small models. A prefix may
// only parse if it cut nothing but trailing padding.
func TestTruncated(t *testing.T) {
	for name, b := range smallModels(t) {
		full, err := tflite.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(b); n++ {
			g, err := parseNoPanic(t, b[:n])
			if err == nil && (g.String() != full.String() || bytes.ContainsFunc(b[n:], func(r rune) bool { return r != 0 })) {
				t.Fatalf("%s: prefix of %d of %d bytes parsed to a different graph", name, n, len(b))
			}
		}
	}
}

// TestFlippedBytes corrupts each byte of small models in turn.
func TestFlippedBytes(t *testing.T) {
	for _, b := range smallModels(t) {
		c := append([]byte{}, b...)
		for i := range c {
			for _, x := range []byte{0xff, 0x80, 0x01} {
				c[i] ^= x
				parseNoPanic(t, c)
				c[i] ^= x
			}
		}
	}
}

// TestOffsetSweep overwrites each aligned 32-bit word of small models with
// offsets and lengths that point outside the buffer, to its end, or wrap.
func TestOffsetSweep(t *testing.T) {
	for _, b := range smallModels(t) {
		c := append([]byte{}, b...)
		for i := 0; i+4 <= len(c); i += 2 {
			old := binary.LittleEndian.Uint32(c[i:])
			for _, v := range []uint32{0, 1, 0x7fffffff, 0x80000000, 0xfffffffc, ^uint32(0), uint32(len(c)), uint32(len(c) - i), uint32(len(c)-i) - 2, old + 4, old - 4} {
				binary.LittleEndian.PutUint32(c[i:], v)
				parseNoPanic(t, c)
			}
			binary.LittleEndian.PutUint32(c[i:], old)
		}
		if !bytes.Equal(b, c) {
			t.Fatal("sweep did not restore the model")
		}
	}
}

// TestRandomBytes parses deterministic pseudo-random buffers, some with a
// plausible header.
func TestRandomBytes(t *testing.T) {
	s := uint64(0x2545f4914f6cdd1d)
	next := func() uint64 { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s }
	for i := 0; i < 3000; i++ {
		n := int(next() % 2048)
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(next())
		}
		if i%2 == 0 && n >= 8 {
			binary.LittleEndian.PutUint32(b, uint32(next()%uint64(n)))
			copy(b[4:], "TFL3")
		}
		if _, err := parseNoPanic(t, b); err == nil {
			t.Fatalf("random buffer %d parsed", i)
		}
	}
}
