package tflite_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/ir"
)

// syntheticModel returns a synthetic model's .tflite bytes.
func syntheticModel(t testing.TB, name string) []byte {
	t.Helper()
	b, err := testmodels.TFLite(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unpackTrusted unpacks a model the test made or read from shared/ (the
// object API does no bounds checks).
func unpackTrusted(t testing.TB, b []byte) *schema.ModelT {
	t.Helper()
	return schema.GetRootAsModel(b, 0).UnPack()
}

// packPlain packs a model with the generated object API.
func packPlain(m *schema.ModelT) []byte {
	b := flatbuffers.NewBuilder(0)
	b.FinishWithFileIdentifier(m.Pack(b), []byte("TFL3"))
	return b.FinishedBytes()
}

// planFor makes a plan for subgraph sg: -1 for tensors with constant data,
// 16·i for the others.
func planFor(m *schema.ModelT, sg int) []int32 {
	var offs []int32
	for i, x := range m.Subgraphs[sg].Tensors {
		o := int32(16 * i)
		if int(x.Buffer) < len(m.Buffers) && (len(m.Buffers[x.Buffer].Data) > 0 || m.Buffers[x.Buffer].Offset > 1) {
			o = -1
		}
		offs = append(offs, o)
	}
	return offs
}

// planBytes encodes a plan independently of encodeOfflinePlan.
func planBytes(version, sg int32, offs []int32) []byte {
	var buf bytes.Buffer
	words := append([]int32{version, sg, int32(len(offs))}, offs...)
	if err := binary.Write(&buf, binary.LittleEndian, words); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// printGraph is ir.Print of a parsed model.
func printGraph(t testing.TB, data []byte) (string, error) {
	t.Helper()
	g, err := tflite.Parse(data)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := ir.Print(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.String(), nil
}

// resolveBlobs replaces offset-form buffers by inline ones holding the same
// bytes of file, and large custom options by their bytes in CustomOptions,
// so that models whose blobs moved compare equal.
func resolveBlobs(t testing.TB, file []byte, m *schema.ModelT) {
	t.Helper()
	at := func(off, size uint64) []byte {
		if off > uint64(len(file)) || size > uint64(len(file))-off {
			t.Fatalf("blob of %d bytes at %d outside the %d-byte file", size, off, len(file))
		}
		return file[off : off+size]
	}
	for _, b := range m.Buffers {
		if b.Offset > 1 {
			b.Data, b.Offset, b.Size = at(b.Offset, b.Size), 0, 0
		}
	}
	for _, sg := range m.Subgraphs {
		for _, op := range sg.Operators {
			if op.LargeCustomOptionsOffset > 1 {
				op.CustomOptions = at(op.LargeCustomOptionsOffset, op.LargeCustomOptionsSize)
				op.LargeCustomOptionsOffset, op.LargeCustomOptionsSize = 0, 0
			}
		}
	}
}

// unreferenced lists the buffers (other than 0) nothing refers to.
func unreferenced(m *schema.ModelT) []int {
	refs := map[uint32]int{}
	for _, sg := range m.Subgraphs {
		for _, x := range sg.Tensors {
			refs[x.Buffer]++
		}
	}
	for _, md := range m.Metadata {
		refs[md.Buffer]++
	}
	for _, b := range m.MetadataBuffer {
		refs[uint32(b)]++
	}
	var out []int
	for i := 1; i < len(m.Buffers); i++ {
		if refs[uint32(i)] == 0 {
			out = append(out, i)
		}
	}
	return out
}

// planEntries counts the OfflineMemoryAllocation metadata entries.
func planEntries(m *schema.ModelT) int {
	n := 0
	for _, md := range m.Metadata {
		if md.Name == tflite.OfflinePlanMetadata {
			n++
		}
	}
	return n
}

// checkDataAligned checks that every buffer's inline data starts on a
// 16-byte boundary of the file.
func checkDataAligned(t testing.TB, file []byte) {
	t.Helper()
	m := schema.GetRootAsModel(file, 0)
	var b schema.Buffer
	for i := 0; i < m.BuffersLength(); i++ {
		m.Buffers(&b, i)
		tab := b.Table()
		if o := tab.Offset(4); o != 0 && b.DataLength() > 0 {
			if pos := tab.Vector(flatbuffers.UOffsetT(o)); pos%16 != 0 {
				t.Errorf("buffer %d data at file offset %d, not %d-byte aligned", i, pos, 16)
			}
		}
	}
}

// checkFreshPlan checks out = tflite.WithOfflinePlan(in, sg, offs) for a model
// without a plan: the plan reads back, the model is in plus one metadata
// entry naming one new buffer with the plan's words, buffer data (also
// data stored after the flatbuffer) is byte for byte the same, and the
// parsed graph prints identically. It returns the number of constant data
// bytes compared.
func checkFreshPlan(t *testing.T, in, out []byte, sg int, offs []int32) int {
	t.Helper()
	gotSG, gotOffs, ok, err := tflite.OfflinePlan(out)
	if err != nil || !ok || gotSG != sg || !slices.Equal(gotOffs, offs) {
		t.Fatalf("OfflinePlan = %d, %v, %v, %v; want %d, %v, true, nil", gotSG, gotOffs, ok, err, sg, offs)
	}
	before, after := unpackTrusted(t, in), unpackTrusted(t, out)
	resolveBlobs(t, in, before)
	resolveBlobs(t, out, after)
	if planEntries(before) != 0 {
		t.Fatal("test model already has a plan")
	}
	n := 0
	for _, b := range before.Buffers {
		n += len(b.Data)
	}
	if len(before.Buffers) == 0 {
		before.Buffers = append(before.Buffers, &schema.BufferT{})
	}
	before.Metadata = append(before.Metadata, &schema.MetadataT{Name: tflite.OfflinePlanMetadata, Buffer: uint32(len(before.Buffers))})
	before.Buffers = append(before.Buffers, &schema.BufferT{Data: planBytes(1, int32(sg), offs)})
	if len(after.Buffers) != len(before.Buffers) {
		t.Fatalf("%d buffers, want %d", len(after.Buffers), len(before.Buffers))
	}
	for i := range before.Buffers {
		if !bytes.Equal(before.Buffers[i].Data, after.Buffers[i].Data) {
			t.Fatalf("buffer %d: %d bytes differ from the %d expected", i, len(after.Buffers[i].Data), len(before.Buffers[i].Data))
		}
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatal("rewritten model differs from the original plus the plan in more than the plan")
	}
	checkDataAligned(t, out)
	want, perr := printGraph(t, in)
	if perr == nil {
		got, err := printGraph(t, out)
		if err != nil {
			t.Fatalf("Parse of the rewritten model: %v", err)
		}
		if got != want {
			t.Fatalf("rewritten model parses differently:\n%s", firstDiff(want, got))
		}
	}
	return n
}

func TestWithOfflinePlanSynthetic(t *testing.T) {
	for _, name := range testmodels.Names() {
		t.Run(name, func(t *testing.T) {
			in := syntheticModel(t, name)
			offs := planFor(unpackTrusted(t, in), 0)
			out, err := tflite.WithOfflinePlan(in, 0, offs)
			if err != nil {
				t.Fatal(err)
			}
			checkFreshPlan(t, in, out, 0, offs)
			// Deterministic: the same call gives the same bytes.
			again, err := tflite.WithOfflinePlan(in, 0, offs)
			if err != nil || !bytes.Equal(again, out) {
				t.Fatalf("second call differs (err %v)", err)
			}
		})
	}
}

// TestWithOfflinePlanReal writes a plan into every shared model. Models
// that Parse refuses (TFLM Signal front ends) must still keep everything.
func TestWithOfflinePlanReal(t *testing.T) {
	dir := filepath.Join(sharedtest.Require(t), "models")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".tflite") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no .tflite files under %s", dir)
	}
	parsed := 0
	for _, path := range files {
		rel, _ := filepath.Rel(dir, path)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			in, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m := unpackTrusted(t, in)
			if _, _, ok, err := tflite.OfflinePlan(in); ok || err != nil {
				t.Fatalf("shared model already has a plan (ok %v, err %v)", ok, err)
			}
			offs := planFor(m, 0)
			out, err := tflite.WithOfflinePlan(in, 0, offs)
			if err != nil {
				t.Fatal(err)
			}
			n := checkFreshPlan(t, in, out, 0, offs)
			if _, err := tflite.Parse(in); err == nil {
				parsed++
			}
			t.Logf("%d tensors, %d constant bytes kept, %d -> %d bytes", len(offs), n, len(in), len(out))
		})
	}
	if parsed == 0 {
		t.Error("Parse accepted none of the shared models")
	}
}

// TestWithOfflinePlanReplace writes a second plan over a first.
func TestWithOfflinePlanReplace(t *testing.T) {
	in := syntheticModel(t, "kws_tiny")
	orig := unpackTrusted(t, in)
	first := planFor(orig, 0)
	once, err := tflite.WithOfflinePlan(in, 0, first)
	if err != nil {
		t.Fatal(err)
	}
	second := slices.Clone(first)
	for i := range second {
		if second[i] >= 0 {
			second[i] += 1024
		}
	}
	twice, err := tflite.WithOfflinePlan(once, 0, second)
	if err != nil {
		t.Fatal(err)
	}
	m1, m2 := unpackTrusted(t, once), unpackTrusted(t, twice)
	if got := planEntries(m2); got != 1 {
		t.Errorf("%d plan entries, want 1", got)
	}
	if len(m2.Buffers) != len(m1.Buffers) {
		t.Errorf("%d buffers after replacing, %d before: the plan buffer was not reused", len(m2.Buffers), len(m1.Buffers))
	}
	if got, want := unreferenced(m2), unreferenced(orig); !slices.Equal(got, want) {
		t.Errorf("unreferenced buffers %v, want %v (the original's)", got, want)
	}
	sg, offs, ok, err := tflite.OfflinePlan(twice)
	if err != nil || !ok || sg != 0 || !slices.Equal(offs, second) {
		t.Fatalf("OfflinePlan = %d, %v, %v, %v; want the second plan", sg, offs, ok, err)
	}
	want, _ := printGraph(t, in)
	if got, err := printGraph(t, twice); err != nil || got != want {
		t.Fatalf("graph changed (err %v)", err)
	}
}

// TestWithOfflinePlanDuplicates replaces two plan entries, the first of
// which has a buffer in the middle of the buffer list: one entry remains
// where the first was, the second's buffer is removed and the tensors'
// buffer indices renumbered; other metadata keeps its buffer.
func TestWithOfflinePlanDuplicates(t *testing.T) {
	in := syntheticModel(t, "conv_variants")
	m := unpackTrusted(t, in)
	// Insert the first duplicate's buffer at index 1.
	for _, x := range m.Subgraphs[0].Tensors {
		if x.Buffer >= 1 {
			x.Buffer++
		}
	}
	m.Buffers = slices.Insert(m.Buffers, 1, &schema.BufferT{Data: planBytes(1, 0, make([]int32, len(m.Subgraphs[0].Tensors)))})
	other := []byte("other metadata")
	m.Buffers = append(m.Buffers, &schema.BufferT{Data: other})
	last := planFor(m, 0)
	m.Buffers = append(m.Buffers, &schema.BufferT{Data: planBytes(7, 0, last)})
	n := uint32(len(m.Buffers))
	m.Metadata = []*schema.MetadataT{
		{Name: "min_runtime_version", Buffer: n - 2},
		{Name: tflite.OfflinePlanMetadata, Buffer: n - 1},
		{Name: tflite.OfflinePlanMetadata, Buffer: 1},
	}
	dup := packPlain(m)
	// TFLM uses the last entry; so does OfflinePlan.
	if _, offs, ok, err := tflite.OfflinePlan(dup); err != nil || !ok || !slices.Equal(offs, make([]int32, len(last))) {
		t.Fatalf("OfflinePlan of the duplicates = %v, %v, %v; want the last entry's zeros", offs, ok, err)
	}
	plan := planFor(m, 0)
	for i := range plan {
		if plan[i] > 0 {
			plan[i] *= 2
		}
	}
	out, err := tflite.WithOfflinePlan(dup, 0, plan)
	if err != nil {
		t.Fatal(err)
	}
	got := unpackTrusted(t, out)
	if len(got.Metadata) != 2 || got.Metadata[1].Name != tflite.OfflinePlanMetadata || got.Metadata[0].Name != "min_runtime_version" {
		t.Fatalf("metadata %+v, want min_runtime_version then one plan", got.Metadata)
	}
	if !bytes.Equal(got.Buffers[got.Metadata[0].Buffer].Data, other) {
		t.Error("other metadata lost its data")
	}
	if !bytes.Equal(got.Buffers[got.Metadata[1].Buffer].Data, planBytes(1, 0, plan)) {
		t.Error("plan buffer does not hold the new plan")
	}
	if len(got.Buffers) != len(m.Buffers)-1 {
		t.Errorf("%d buffers, want %d (one duplicate's removed)", len(got.Buffers), len(m.Buffers)-1)
	}
	if u := unreferenced(got); len(u) != 0 {
		t.Errorf("unreferenced buffers %v", u)
	}
	want, err := printGraph(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if g, err := printGraph(t, out); err != nil || g != want {
		t.Fatalf("graph changed (err %v):\n%s", err, firstDiff(want, g))
	}
}

// TestWithOfflinePlanSharedBuffer: a plan entry naming buffer 0 or a
// constant's buffer must not overwrite it.
func TestWithOfflinePlanSharedBuffer(t *testing.T) {
	in := syntheticModel(t, "kws_tiny")
	want, err := printGraph(t, in)
	if err != nil {
		t.Fatal(err)
	}
	base := unpackTrusted(t, in)
	constBuf := uint32(0)
	for _, x := range base.Subgraphs[0].Tensors {
		if x.Buffer != 0 && len(base.Buffers[x.Buffer].Data) > 0 {
			constBuf = x.Buffer
			break
		}
	}
	if constBuf == 0 {
		t.Fatal("kws_tiny has no constant")
	}
	for _, buf := range []uint32{0, constBuf, 9999} {
		t.Run(strconv.Itoa(int(buf)), func(t *testing.T) {
			m := unpackTrusted(t, in)
			m.Metadata = []*schema.MetadataT{{Name: tflite.OfflinePlanMetadata, Buffer: buf}}
			plan := planFor(m, 0)
			out, err := tflite.WithOfflinePlan(packPlain(m), 0, plan)
			if err != nil {
				t.Fatal(err)
			}
			got := unpackTrusted(t, out)
			if len(got.Buffers) != len(m.Buffers)+1 || got.Metadata[0].Buffer != uint32(len(m.Buffers)) {
				t.Errorf("plan in buffer %d of %d, want a new buffer %d", got.Metadata[0].Buffer, len(got.Buffers), len(m.Buffers))
			}
			if len(got.Buffers[0].Data) != 0 {
				t.Error("buffer 0 got data")
			}
			if g, err := printGraph(t, out); err != nil || g != want {
				t.Fatalf("graph changed (err %v):\n%s", err, firstDiff(want, g))
			}
		})
	}
}

// externalForm rewrites a model so that every non-empty buffer, and the
// given op's large custom options, are stored after the flatbuffer, at
// 16-byte aligned offsets, the way TFLite writes models over 2 GB.
func externalForm(t testing.TB, in []byte, custom []byte) []byte {
	t.Helper()
	m := unpackTrusted(t, in)
	var blobs [][]byte
	var bufs []int
	for i, b := range m.Buffers {
		if len(b.Data) > 0 {
			blobs, bufs = append(blobs, b.Data), append(bufs, i)
			b.Data, b.Offset, b.Size = nil, 2, uint64(len(b.Data))
		}
	}
	op := m.Subgraphs[0].Operators[0]
	op.LargeCustomOptionsOffset, op.LargeCustomOptionsSize = 2, uint64(len(custom))
	blobs = append(blobs, custom)
	out := bytes.Clone(packPlain(m))
	var offs []uint64
	for _, b := range blobs {
		for len(out)%16 != 0 {
			out = append(out, 0)
		}
		offs = append(offs, uint64(len(out)))
		out = append(out, b...)
	}
	root := schema.GetRootAsModel(out, 0)
	var buf schema.Buffer
	for k, i := range bufs {
		root.Buffers(&buf, i)
		if !buf.MutateOffset(offs[k]) {
			t.Fatal("no offset field")
		}
	}
	var sg schema.SubGraph
	var o schema.Operator
	root.Subgraphs(&sg, 0)
	sg.Operators(&o, 0)
	if !o.MutateLargeCustomOptionsOffset(offs[len(offs)-1]) {
		t.Fatal("no large custom options field")
	}
	return out
}

// TestWithOfflinePlanExternalBuffers keeps buffers and custom options
// stored after the flatbuffer: they move behind the new flatbuffer with
// their bytes unchanged.
func TestWithOfflinePlanExternalBuffers(t *testing.T) {
	plain := syntheticModel(t, "conv_variants")
	custom := []byte("large custom options")
	in := externalForm(t, plain, custom)
	want, err := printGraph(t, plain)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := printGraph(t, in); err != nil || got != want {
		t.Fatalf("external-form test model parses differently (err %v)", err)
	}
	m := unpackTrusted(t, in)
	plan := planFor(m, 0)
	out, err := tflite.WithOfflinePlan(in, 0, plan)
	if err != nil {
		t.Fatal(err)
	}
	checkFreshPlan(t, in, out, 0, plan)
	got := unpackTrusted(t, out)
	external := 0
	for i, b := range got.Buffers {
		if b.Offset > 1 {
			external++
			if b.Offset%16 != 0 || len(b.Data) != 0 {
				t.Errorf("buffer %d: offset %d, %d inline bytes", i, b.Offset, len(b.Data))
			}
		}
	}
	if external == 0 {
		t.Error("no buffer is stored after the flatbuffer any more")
	}
	op := got.Subgraphs[0].Operators[0]
	if o, s := op.LargeCustomOptionsOffset, op.LargeCustomOptionsSize; o%16 != 0 || s != uint64(len(custom)) || !bytes.Equal(out[o:o+s], custom) {
		t.Errorf("large custom options at %d (%d bytes) lost", o, s)
	}
}

// TestWithOfflinePlanErrors feeds bad arguments and hostile models.
func TestWithOfflinePlanErrors(t *testing.T) {
	good := syntheticModel(t, "kws_tiny")
	m := unpackTrusted(t, good)
	n := len(m.Subgraphs[0].Tensors)
	plan := planFor(m, 0)
	// Operator 0 with builtin options of a type the schema lacks.
	unknownOpts := bytes.Clone(good)
	var sg schema.SubGraph
	var op schema.Operator
	schema.GetRootAsModel(unknownOpts, 0).Subgraphs(&sg, 0)
	sg.Operators(&op, 0)
	if !op.MutateBuiltinOptionsType(250) {
		t.Fatal("op 0 has no options")
	}
	// A metadata vector claiming 2^28 entries.
	withMeta := unpackTrusted(t, good)
	withMeta.Metadata = []*schema.MetadataT{{Name: "x", Buffer: 0}}
	hugeMeta := bytes.Clone(packPlain(withMeta))
	tab := schema.GetRootAsModel(hugeMeta, 0).Table()
	vec := tab.Vector(flatbuffers.UOffsetT(tab.Offset(16))) // metadata, slot 6
	binary.LittleEndian.PutUint32(hugeMeta[vec-4:], 1<<28)
	// A signature key string running past the end.
	withSig := unpackTrusted(t, good)
	withSig.SignatureDefs = []*schema.SignatureDefT{{SignatureKey: "serving_default", Inputs: []*schema.TensorMapT{}, Outputs: []*schema.TensorMapT{}}}
	hugeSig := bytes.Clone(packPlain(withSig))
	key := []byte("serving_default")
	at := bytes.Index(hugeSig, key)
	binary.LittleEndian.PutUint32(hugeSig[at-4:], 1<<30)

	tests := []struct {
		name   string
		model  []byte
		sg     int
		offs   []int32
		substr string
	}{
		{"empty", nil, 0, plan, "too short"},
		{"truncated", good[:len(good)/2], 0, plan, "invalid flatbuffer"},
		{"not tflite", []byte("\x08\x00\x00\x00ABCD\x00\x00\x00\x00"), 0, plan, `identifier is "ABCD"`},
		{"subgraph -1", good, -1, plan, "subgraph -1 out of range"},
		{"subgraph 1", good, 1, plan, "subgraph 1 out of range (the model has 1 subgraphs)"},
		{"too few", good, 0, plan[:n-1], strconv.Itoa(n-1) + " offsets for the " + strconv.Itoa(n) + " tensors"},
		{"too many", good, 0, append(slices.Clone(plan), 0), strconv.Itoa(n+1) + " offsets for the " + strconv.Itoa(n) + " tensors"},
		{"offset -2", good, 0, append(slices.Clone(plan[:n-1]), -2), "offset -2 of tensor " + strconv.Itoa(n-1)},
		{"unknown options", unknownOpts, 0, plan, "BuiltinOptions(250) cannot be rewritten"},
		{"metadata length", hugeMeta, 0, plan, "claims 268435456 elements"},
		{"signature key length", hugeSig, 0, plan, "signature_key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tflite.WithOfflinePlan(tc.model, tc.sg, tc.offs)
			if err == nil || !strings.Contains(err.Error(), tc.substr) {
				t.Fatalf("error %v, want it to contain %q", err, tc.substr)
			}
			if strings.Contains(err.Error(), "internal error") || out != nil {
				t.Fatalf("error %v with %d bytes", err, len(out))
			}
		})
	}
}

// TestOfflinePlanErrors reads hostile plans.
func TestOfflinePlanErrors(t *testing.T) {
	good := syntheticModel(t, "pools")
	base := unpackTrusted(t, good)
	n := len(base.Subgraphs[0].Tensors)
	zeros := make([]int32, n)
	// withPlan returns the model with one plan entry naming a buffer with
	// data (or, if offset > 1, stored at that file offset).
	withPlan := func(name string, data []byte, offset uint64) []byte {
		m := unpackTrusted(t, good)
		m.Buffers = append(m.Buffers, &schema.BufferT{Data: data, Offset: offset, Size: uint64(len(data))})
		m.Metadata = append(m.Metadata, &schema.MetadataT{Name: name, Buffer: uint32(len(m.Buffers) - 1)})
		return packPlain(m)
	}
	badBuffer := unpackTrusted(t, good)
	badBuffer.Metadata = []*schema.MetadataT{{Name: tflite.OfflinePlanMetadata, Buffer: 9999}}
	ok1 := planBytes(1, 0, zeros)
	tests := []struct {
		name   string
		model  []byte
		substr string // "" means no plan, no error
	}{
		{"none", good, ""},
		{"other name", withPlan(tflite.OfflinePlanMetadata+"X", ok1, 0), ""},
		{"prefix name", withPlan(tflite.OfflinePlanMetadata[:10], ok1, 0), ""},
		{"truncated model", good[:len(good)-len(good)/3], "invalid flatbuffer"},
		{"short", withPlan(tflite.OfflinePlanMetadata, ok1[:8], 0), "holds 8 bytes"},
		{"odd length", withPlan(tflite.OfflinePlanMetadata, ok1[:13], 0), "holds 13 bytes"},
		{"count above data", withPlan(tflite.OfflinePlanMetadata, planBytes(1, 0, zeros)[:len(ok1)-4], 0), "header says " + strconv.Itoa(n) + " offsets, but buffer"},
		{"count below data", withPlan(tflite.OfflinePlanMetadata, append(planBytes(1, 0, zeros), 0, 0, 0, 0), 0), "holds " + strconv.Itoa(n+1)},
		{"wrong tensor count", withPlan(tflite.OfflinePlanMetadata, planBytes(1, 0, zeros[:n-1]), 0), strconv.Itoa(n-1) + " offsets for the " + strconv.Itoa(n) + " tensors"},
		{"subgraph 1", withPlan(tflite.OfflinePlanMetadata, planBytes(1, 1, zeros), 0), "subgraph 1 out of range"},
		{"subgraph -3", withPlan(tflite.OfflinePlanMetadata, planBytes(1, -3, zeros), 0), "subgraph -3 out of range"},
		{"offset -5", withPlan(tflite.OfflinePlanMetadata, planBytes(1, 0, append(zeros[:n-1:n-1], -5)), 0), "offset -5 of tensor " + strconv.Itoa(n-1)},
		{"buffer index", packPlain(badBuffer), "names buffer 9999"},
		{"external data", withPlan(tflite.OfflinePlanMetadata, nil, 64), "outside the flatbuffer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sg, offs, ok, err := tflite.OfflinePlan(tc.model)
			if tc.substr == "" {
				if err != nil || ok || offs != nil || sg != 0 {
					t.Fatalf("OfflinePlan = %d, %v, %v, %v; want no plan", sg, offs, ok, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.substr) || strings.Contains(err.Error(), "internal error") {
				t.Fatalf("error %v, want it to contain %q", err, tc.substr)
			}
			if ok || offs != nil {
				t.Fatalf("ok %v offsets %v with an error", ok, offs)
			}
		})
	}
	// A valid plan of any version reads back.
	sg, offs, ok, err := tflite.OfflinePlan(withPlan(tflite.OfflinePlanMetadata, planBytes(5, 0, zeros), 0))
	if err != nil || !ok || sg != 0 || !slices.Equal(offs, zeros) {
		t.Fatalf("version-5 plan: %d, %v, %v, %v", sg, offs, ok, err)
	}
}
