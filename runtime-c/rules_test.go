// rules_test.go: hostile blobs for the bounds rules of the ONNX-era
// reference kernels (codegen/blob/rules_onnx.go): for each kernel, a real
// blob that uses it passes init and runs, and the same blob with one
// parameter (or one per-axis table entry) out of its bound is refused with
// TG_RT_ERR_PARAMS naming the step; parameters the kernels take with
// wrapping arithmetic (zero points, output offsets) are accepted at any
// value and run clean under ASan/UBSan.

package runtimec_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/codegen/blob"
	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/internal/shared"
	"github.com/tinygen/tinygen/kernels"
)

// extInt8IR is a model in tinygen's textual IR that uses the int8 kernels
// no ONNX node test reaches: PRELU int8 (alpha broadcast per channel), a
// dilated MAX_POOL_2D and an AVERAGE_POOL_2D with explicit pads and
// count_include_pad.
const extInt8IR = `tinygen-ir 1
graph "ext_int8" source "test" description "int8 PRELU, dilated max pool, count_include_pad average pool"
tensor %0 "x" i8[1,6,6,3] quant(scale=[0.05] zp=[3])
tensor %1 "alpha" i8[3] quant(scale=[0.01] zp=[-2]) data=hex"0a14f6"
tensor %2 "prelu" i8[1,6,6,3] quant(scale=[0.04] zp=[-1])
tensor %3 "maxd" i8[1,4,4,3] quant(scale=[0.04] zp=[-1])
tensor %4 "avgp" i8[1,3,3,3] quant(scale=[0.04] zp=[-1])
input %0
op 0 PRELU (%0, %1) -> (%2) {}
op 1 MAX_POOL_2D (%2) -> (%3) {Padding=VALID StrideH=1 StrideW=1 FilterH=2 FilterW=2 Activation=NONE DilationH=2 DilationW=2}
op 2 AVERAGE_POOL_2D (%2) -> (%4) {Padding=EXPLICIT StrideH=2 StrideW=2 FilterH=3 FilterW=3 Activation=NONE PadTop=1 PadLeft=1 PadBottom=1 PadRight=1 CountIncludePad=true}
output %3
output %4
`

// extQuantIR uses tg_quantize_f32_axis, which no ONNX node test reaches
// (ONNX's QuantizeLinear rounds ties to even: tg_quantize_f32_blocked):
// TFLite's QUANTIZE float32 to per-channel int8, and to int16.
const extQuantIR = `tinygen-ir 1
graph "ext_quant" source "test" description "TFLite QUANTIZE float32 to per-axis int8 and to int16"
tensor %0 "x" f32[1,2,2,3]
tensor %1 "q8" i8[1,2,2,3] quant(axis=3 scale=[0.05,0.1,0.2] zp=[-3,0,7])
tensor %2 "q16" i16[1,2,2,3] quant(scale=[0.001] zp=[0])
input %0
op 0 QUANTIZE (%0) -> (%1) {}
op 1 QUANTIZE (%0) -> (%2) {}
output %1
output %2
`

// extInt8Blob compiles extInt8IR to a blob.
func extInt8Blob(t *testing.T) []byte {
	return irBlob(t, "ext_int8", extInt8IR)
}

// irBlob compiles a model in tinygen's textual IR to a blob.
func irBlob(t *testing.T, name, text string) []byte { return irBlobWith(t, name, text, "") }

// irBlobWith compiles a model in tinygen's textual IR to a blob preferring
// the kernel set set.
func irBlobWith(t *testing.T, name, text, set string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".ir")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := driver.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return compileBlobWith(t, m, set)
}

// onnxNodeTests are ONNX node tests (conformance/onnx-node in the shared
// folder) whose blobs use the ONNX-era kernels.
var onnxNodeTests = []string{
	"test_add_int8", "test_div_int16", "test_averagepool_2d_pads_count_include_pad", "test_maxpool_2d_dilations",
	"test_convinteger_with_padding", "test_matmul_bcast", "test_gemm_transposeA", "test_matmulinteger",
	"test_quantizelinear_axis", "test_quantizelinear_int16", "test_dequantizelinear_int16", "test_edge_pad",
	"test_resize_upsample_scales_nearest", "test_qlinearmatmul_2D_int8_float32", "test_qlinearconv",
	"test_split_zero_size_splits_opset18",
}

// onnxNodeBlobs returns the blobs of onnxNodeTests by test name, or nil
// (skipping outside CI) without the shared folder.
func onnxNodeBlobs(t *testing.T) map[string][]byte {
	t.Helper()
	dir, err := shared.Dir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		return nil
	}
	out := map[string][]byte{}
	for _, name := range onnxNodeTests {
		m, _, err := driver.LoadNodeTest(filepath.Join(dir, "conformance", "onnx-node", name), 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = compileBlob(t, m)
	}
	return out
}

// blobStep is one step of a blob: its index, kernel id, record offset,
// operand entries (count, first), constant block offset and size, and the
// offset of the step's own record in the blob (at).
type blobStep struct {
	index, id, rec, entries, first, block, cbytes, at int
}

// blobSteps reads a blob's step table (docs/blob-format.md).
func blobSteps(b []byte) []blobStep {
	le := binary.LittleEndian
	off, n := int(le.Uint32(b[44:])), int(le.Uint32(b[48:]))
	var out []blobStep
	for i := 0; i < n; i++ {
		s := b[off+20*i:]
		out = append(out, blobStep{index: i, id: int(le.Uint16(s)), rec: int(le.Uint32(s[4:])), entries: int(le.Uint16(s[2:])),
			first: int(le.Uint32(s[8:])), block: int(le.Uint32(s[12:])), cbytes: int(le.Uint32(s[16:])), at: off + 20*i})
	}
	return out
}

// recordOffsets returns the record offset of every leaf of a params type
// (fields packed in declaration order, docs/blob-format.md).
func recordOffsets(t *testing.T, d *blob.Decls, paramsType string) map[string]int {
	t.Helper()
	leaves, err := d.Leaves(paramsType)
	if err != nil {
		t.Fatal(err)
	}
	offs := map[string]int{}
	off := 0
	for _, l := range leaves {
		offs[l.Path] = off
		off += l.Bytes()
	}
	return offs
}

// kernelDecls parses the reference kernel headers.
func kernelDecls(t *testing.T) *blob.Decls {
	t.Helper()
	lib := kernels.Builtin()
	texts := map[string][]byte{}
	for _, h := range kernels.Headers() {
		data, err := lib.File(kernels.Reference, h)
		if err != nil {
			t.Fatal(err)
		}
		texts[h] = data
	}
	d, err := blob.ParseHeaders(kernels.Headers(), texts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// edit is one change to a step of a blob: int32 record fields set (Field:
// a leaf path; an array field's element Index), or, with Table set, the
// int32 element Index of the constant a pointer field names.
type edit struct {
	Field string
	Index int
	Table bool
	Value func(old int32) int32
}

func set(v int32) func(int32) int32 { return func(int32) int32 { return v } }
func plus(d int32) func(int32) int32 {
	return func(o int32) int32 { return o + d }
}

// hostileCase is a set of edits of the first step of kernel in blob src:
// refused (wantParams) or accepted and run.
type hostileCase struct {
	name, src, kernel string
	edits             []edit
	accept            bool
}

// hostileCases covers every bound of every ONNX-era rule at least once.
func hostileCases() []hostileCase {
	f := func(field string, v func(int32) int32) edit { return edit{Field: field, Value: v} }
	fi := func(field string, i int, v func(int32) int32) edit { return edit{Field: field, Index: i, Value: v} }
	tab := func(field string, i int, v func(int32) int32) edit {
		return edit{Field: field, Index: i, Table: true, Value: v}
	}
	one := func(name, src, kernel string, e ...edit) hostileCase {
		return hostileCase{name: name, src: src, kernel: kernel, edits: e}
	}
	ok := func(name, src, kernel string, e ...edit) hostileCase {
		return hostileCase{name: name, src: src, kernel: kernel, edits: e, accept: true}
	}
	const ext = "ext_int8"
	return []hostileCase{
		// tg_prelu_s8
		one("prelu input_offset", ext, "tg_prelu_s8", f("input_offset", set(256))),
		one("prelu alpha_offset", ext, "tg_prelu_s8", f("alpha_offset", set(-257))),
		one("prelu shift_1", ext, "tg_prelu_s8", f("shift_1", set(32))),
		one("prelu shift_2", ext, "tg_prelu_s8", f("shift_2", set(-33))),
		one("prelu walk dim 0", ext, "tg_prelu_s8", fi("bc.dims", 5, set(0))),
		one("prelu walk past alpha", ext, "tg_prelu_s8", fi("bc.b_strides", 5, set(2))),
		one("prelu walk stride", ext, "tg_prelu_s8", fi("bc.a_strides", 0, set(0x1000001))),
		one("prelu output", ext, "tg_prelu_s8", fi("bc.dims", 4, plus(1)), fi("bc.a_strides", 4, set(0))),
		ok("prelu output_offset wraps", ext, "tg_prelu_s8", f("output_offset", set(math.MaxInt32))),
		// tg_average_pool2d_ext_s8 and tg_max_pool2d_ext_s8
		one("avg s8 taps", ext, "tg_average_pool2d_ext_s8", f("win.filter_h", set(16384)), f("win.filter_w", set(1024))),
		one("avg s8 pad_value", ext, "tg_average_pool2d_ext_s8", f("pad_value", set(128))),
		one("avg s8 act_min", ext, "tg_average_pool2d_ext_s8", f("act_min", set(-129))),
		one("avg s8 count_end_h", ext, "tg_average_pool2d_ext_s8", f("count_end_h", set(131072))),
		one("avg s8 count_end_w", ext, "tg_average_pool2d_ext_s8", f("count_end_w", set(-131073))),
		one("avg s8 in_c", ext, "tg_average_pool2d_ext_s8", f("win.in_c", set(2))),
		one("avg s8 input", ext, "tg_average_pool2d_ext_s8", f("win.in_h", plus(1))),
		one("avg s8 output", ext, "tg_average_pool2d_ext_s8", f("win.out_w", plus(1))),
		one("avg s8 dilation", ext, "tg_average_pool2d_ext_s8", f("win.dilation_h", set(0))),
		one("avg s8 pad", ext, "tg_average_pool2d_ext_s8", f("win.pad_w", set(-1))),
		one("avg s8 stride", ext, "tg_average_pool2d_ext_s8", f("win.stride_h", set(16385))),
		one("max s8 act_max", ext, "tg_max_pool2d_ext_s8", f("act_max", set(128))),
		one("max s8 out_h", ext, "tg_max_pool2d_ext_s8", f("win.out_h", plus(1))),
		one("max s8 batches", ext, "tg_max_pool2d_ext_s8", f("win.batches", set(0))),
		// tg_average_pool2d_ext_f32 and tg_max_pool2d_ext_f32
		one("avg f32 count_end_h", "test_averagepool_2d_pads_count_include_pad", "tg_average_pool2d_ext_f32", f("count_end_h", set(1<<20))),
		one("avg f32 out_c", "test_averagepool_2d_pads_count_include_pad", "tg_average_pool2d_ext_f32", f("win.out_c", plus(1))),
		one("avg f32 input", "test_averagepool_2d_pads_count_include_pad", "tg_average_pool2d_ext_f32", f("win.batches", plus(1))),
		one("max f32 dilation", "test_maxpool_2d_dilations", "tg_max_pool2d_ext_f32", f("win.dilation_w", set(16385))),
		one("max f32 in_w", "test_maxpool_2d_dilations", "tg_max_pool2d_ext_f32", f("win.in_w", plus(1))),
		// tg_int_binary
		one("int elem", "test_add_int8", "tg_int_binary", f("elem", set(4))),
		one("int elem size", "test_add_int8", "tg_int_binary", f("elem", set(3))),
		one("int size", "test_add_int8", "tg_int_binary", f("bc.size", plus(1))),
		one("int size range", "test_add_int8", "tg_int_binary", f("bc.size", set(-1))),
		one("int16 size", "test_div_int16", "tg_int_binary", f("bc.size", plus(1))),
		ok("int op any", "test_add_int8", "tg_int_binary", f("op", set(99))),
		// tg_conv2d_int_s32
		one("convint x_elem", "test_convinteger_with_padding", "tg_conv2d_int_s32", f("x_elem", set(2))),
		one("convint w_elem", "test_convinteger_with_padding", "tg_conv2d_int_s32", f("w_elem", set(-1))),
		one("convint filter_c", "test_convinteger_with_padding", "tg_conv2d_int_s32", f("filter_c", set(2))),
		one("convint filter", "test_convinteger_with_padding", "tg_conv2d_int_s32", f("win.filter_w", plus(1))),
		one("convint zero points", "test_convinteger_with_padding", "tg_conv2d_int_s32", f("win.out_c", plus(1))),
		one("convint pad", "test_convinteger_with_padding", "tg_conv2d_int_s32", f("win.pad_h", set(16384))),
		one("convint output", "test_convinteger_with_padding", "tg_conv2d_int_s32", f("win.out_h", plus(1))),
		ok("convint zero points wrap", "test_convinteger_with_padding", "tg_conv2d_int_s32",
			f("input_zero_point", set(math.MinInt32)), tab("filter_zero_points", 0, set(math.MaxInt32))),
		// tg_batch_matmul_f32
		one("bmm rows", "test_matmul_bcast", "tg_batch_matmul_f32", f("rows", set(0))),
		one("bmm depth", "test_matmul_bcast", "tg_batch_matmul_f32", f("depth", plus(1))),
		one("bmm x_row", "test_matmul_bcast", "tg_batch_matmul_f32", f("x_row", set(0x1000001))),
		one("bmm x_depth negative", "test_matmul_bcast", "tg_batch_matmul_f32", f("x_depth", set(-1))),
		one("bmm y_col", "test_matmul_bcast", "tg_batch_matmul_f32", f("y_col", plus(1))),
		one("bmm x batch stride", "test_matmul_bcast", "tg_batch_matmul_f32", fi("x_batch_strides", 3, plus(1))),
		one("bmm y batch stride", "test_matmul_bcast", "tg_batch_matmul_f32", fi("y_batch_strides", 3, plus(1000))),
		one("bmm batch dim", "test_matmul_bcast", "tg_batch_matmul_f32", fi("batch_dims", 0, set(0))),
		one("bmm output", "test_matmul_bcast", "tg_batch_matmul_f32", fi("batch_dims", 0, plus(1)), fi("x_batch_strides", 0, set(0)), fi("y_batch_strides", 0, set(0))),
		one("bmm work", "test_gemm_transposeA", "tg_batch_matmul_f32", f("depth", set(65536)), f("x_depth", set(0)), f("y_depth", set(0))),
		// tg_batch_matmul_int_s32
		one("bmmint x_elem", "test_matmulinteger", "tg_batch_matmul_int_s32", f("x_elem", set(2))),
		one("bmmint zero points", "test_matmulinteger", "tg_batch_matmul_int_s32", f("cols", plus(1)), f("y_col", set(0))),
		one("bmmint y", "test_matmulinteger", "tg_batch_matmul_int_s32", f("y_depth", plus(1))),
		ok("bmmint zero points wrap", "test_matmulinteger", "tg_batch_matmul_int_s32",
			f("x_zero_point", set(math.MinInt32)), tab("y_zero_points", 0, set(math.MinInt32))),
		// tg_quantize_f32_blocked (every ONNX QuantizeLinear: ties to even;
		// tg_quantize_f32_axis now serves TFLite per-axis and int16
		// QUANTIZE only, which no node test reaches)
		one("quant elem", "test_quantizelinear_axis", "tg_quantize_f32_blocked", f("elem", set(4))),
		one("quant inner", "test_quantizelinear_axis", "tg_quantize_f32_blocked", f("inner", set(0))),
		one("quant dim", "test_quantizelinear_axis", "tg_quantize_f32_blocked", f("dim", set(0))),
		one("quant block", "test_quantizelinear_axis", "tg_quantize_f32_blocked", f("block", set(0))),
		one("quant constants", "test_quantizelinear_axis", "tg_quantize_f32_blocked", f("axis_stride", plus(1))),
		one("quant inner stride", "test_quantizelinear_axis", "tg_quantize_f32_blocked", f("inner_stride", set(2))),
		one("quant size", "test_quantizelinear_axis", "tg_quantize_f32_blocked", f("size", plus(1))),
		one("quant int16 output", "test_quantizelinear_int16", "tg_quantize_f32_blocked", f("size", plus(1))),
		ok("quant qmin any", "test_quantizelinear_axis", "tg_quantize_f32_blocked", f("qmin", set(math.MinInt32))),
		ok("quant zero point any", "test_quantizelinear_axis", "tg_quantize_f32_blocked", tab("zero_points", 0, set(math.MinInt32))),
		// tg_quantize_f32_axis (TFLite QUANTIZE per axis and to int16)
		one("quant axis elem", "ext_quant", "tg_quantize_f32_axis", f("elem", set(3))),
		one("quant axis inner", "ext_quant", "tg_quantize_f32_axis", f("inner", set(0))),
		one("quant axis channels", "ext_quant", "tg_quantize_f32_axis", f("channels", plus(1))),
		one("quant axis channels negative", "ext_quant", "tg_quantize_f32_axis", f("channels", set(-1))),
		one("quant axis qmin", "ext_quant", "tg_quantize_f32_axis", f("qmin", set(-32769))),
		one("quant axis qmax", "ext_quant", "tg_quantize_f32_axis", f("qmax", set(32768))),
		one("quant axis size", "ext_quant", "tg_quantize_f32_axis", f("size", plus(1))),
		one("quant axis int16 output", "ext_quant", "tg_quantize_f32_axis", f("elem", set(2))),
		ok("quant axis zero point any", "ext_quant", "tg_quantize_f32_axis", tab("zero_points", 0, set(math.MinInt32))),
		ok("quant axis scale zero", "ext_quant", "tg_quantize_f32_axis", tab("scales", 1, set(0))),
		ok("quant axis scale NaN", "ext_quant", "tg_quantize_f32_axis", tab("scales", 2, set(0x7fc00000))),
		// tg_dequantize_axis
		one("dequant elem", "test_dequantizelinear_int16", "tg_dequantize_axis", f("elem", set(-1))),
		one("dequant inner", "test_dequantizelinear_int16", "tg_dequantize_axis", f("inner", set(0x4000001))),
		one("dequant constants", "test_dequantizelinear_int16", "tg_dequantize_axis", f("channels", plus(1))),
		one("dequant size", "test_dequantizelinear_int16", "tg_dequantize_axis", f("size", plus(1))),
		ok("dequant zero point wraps", "test_dequantizelinear_int16", "tg_dequantize_axis", tab("zero_points", 0, set(math.MinInt32))),
		// tg_table_gather
		one("table elem_bytes", "test_edge_pad", "tg_table_gather", f("elem_bytes", set(9))),
		one("table elem_bytes 0", "test_edge_pad", "tg_table_gather", f("elem_bytes", set(0))),
		one("table elem_bytes input", "test_edge_pad", "tg_table_gather", f("elem_bytes", plus(1))),
		one("table dim 0", "test_edge_pad", "tg_table_gather", fi("out_dims", 5, set(0))),
		one("table output", "test_edge_pad", "tg_table_gather", fi("out_dims", 5, plus(1))),
		one("table start", "test_edge_pad", "tg_table_gather", fi("starts", 0, set(-1))),
		one("table start past", "test_resize_upsample_scales_nearest", "tg_table_gather", fi("starts", 5, set(1<<20))),
		one("table entry negative", "test_edge_pad", "tg_table_gather", tab("offsets", 0, set(-1))),
		one("table entry past", "test_resize_upsample_scales_nearest", "tg_table_gather", tab("offsets", 0, plus(1<<20))),
		// tg_requantize_s32_s8
		one("requant shift", "test_qlinearmatmul_2D_int8_float32", "tg_requantize_s32_s8", f("shift", set(32))),
		one("requant qmin", "test_qlinearmatmul_2D_int8_float32", "tg_requantize_s32_s8", f("qmin", set(-129))),
		one("requant qmax", "test_qlinearconv", "tg_requantize_s32_s8", f("qmax", set(128))),
		one("requant size", "test_qlinearmatmul_2D_int8_float32", "tg_requantize_s32_s8", f("size", plus(1))),
		ok("requant zero point any", "test_qlinearmatmul_2D_int8_float32", "tg_requantize_s32_s8", f("output_zero_point", set(math.MaxInt32))),
	}
}

// TestHostileParams applies every hostile case to its blob and runs the
// results in one ASan/UBSan runtime: each intact blob runs; each edited
// one is refused at init with TG_RT_ERR_PARAMS naming the edited step,
// or, for the wrapping parameters, accepted and run.
func TestHostileParams(t *testing.T) {
	srcs := onnxNodeBlobs(t)
	if srcs == nil {
		t.Skip("no shared folder: the ONNX node tests' blobs are needed (set TINYGEN_SHARED)")
	}
	srcs["ext_int8"] = extInt8Blob(t)
	srcs["ext_quant"] = irBlob(t, "ext_quant", extQuantIR)
	d := kernelDecls(t)
	lib := kernels.Builtin()
	ref, err := lib.Kernels(kernels.Reference)
	if err != nil {
		t.Fatal(err)
	}
	paramsType := map[string]string{}
	for _, k := range ref {
		paramsType[k.Symbol] = k.ParamsType
	}
	le := binary.LittleEndian
	var blobs [][]byte
	var cases []hostileCase
	var steps []int
	covered := map[string]bool{}
	for _, c := range hostileCases() {
		src, ok := srcs[c.src]
		if !ok {
			t.Fatalf("%s: no blob %s", c.name, c.src)
		}
		id, _ := blob.KernelID(c.kernel)
		var st *blobStep
		for _, s := range blobSteps(src) {
			if s.id == id {
				st = &s
				break
			}
		}
		if st == nil {
			t.Fatalf("%s: blob %s has no %s step", c.name, c.src, c.kernel)
		}
		offs := recordOffsets(t, d, paramsType[c.kernel])
		b := append([]byte(nil), src...)
		for _, e := range c.edits {
			off, ok := offs[e.Field]
			if !ok {
				t.Fatalf("%s: %s has no field %s", c.name, paramsType[c.kernel], e.Field)
			}
			at := st.rec + off + 4*e.Index
			if e.Table {
				at = st.block + int(le.Uint32(b[st.rec+off:])) + 4*e.Index
			}
			le.PutUint32(b[at:], uint32(e.Value(int32(le.Uint32(b[at:])))))
		}
		blobs = append(blobs, b)
		cases = append(cases, c)
		steps = append(steps, st.index)
		covered[c.kernel] = true
	}
	// Every ONNX-era kernel has cases.
	for _, k := range []string{"tg_prelu_s8", "tg_average_pool2d_ext_s8", "tg_max_pool2d_ext_s8", "tg_average_pool2d_ext_f32",
		"tg_max_pool2d_ext_f32", "tg_int_binary", "tg_conv2d_int_s32", "tg_batch_matmul_f32", "tg_batch_matmul_int_s32",
		"tg_quantize_f32_blocked", "tg_quantize_f32_axis", "tg_dequantize_axis", "tg_table_gather", "tg_requantize_s32_s8"} {
		if !covered[k] {
			t.Errorf("no hostile case for %s", k)
		}
	}
	bin := hostRuntime(t)
	var names []string
	var intact [][]byte
	for _, name := range append([]string{"ext_int8", "ext_quant"}, onnxNodeTests...) {
		names = append(names, name)
		intact = append(intact, srcs[name])
	}
	for i, line := range many(t, bin, intact) {
		if field(line, "init") != rtOK || field(line, "invoke") != rtOK {
			t.Errorf("intact blob %s: %s, want init=0 invoke=0", names[i], line)
		}
	}
	refused := 0
	for i, line := range many(t, bin, blobs) {
		c := cases[i]
		if field(line, "init") == rtParams {
			refused++
		}
		switch {
		case c.accept && (field(line, "init") != rtOK || field(line, "invoke") != rtOK):
			t.Errorf("%s (%s in %s): %s, want accepted and run", c.name, c.kernel, c.src, line)
		case !c.accept && (field(line, "init") != rtParams || field(line, "detail") != steps[i]):
			t.Errorf("%s (%s in %s): %s, want init=%d (TG_RT_ERR_PARAMS) detail=%d", c.name, c.kernel, c.src, line, rtParams, steps[i])
		}
	}
	t.Logf("%d hostile blobs over %d kernels: %d refused with TG_RT_ERR_PARAMS, %d accepted and run", len(blobs), len(covered), refused, len(blobs)-refused)
}
