package tflite

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
)

// This file reads and writes TFLite Micro's offline memory plan, the model
// metadata entry that fixes the arena offset of chosen tensors.
//
// The format, as TFLM reads it (tensorflow/tflite-micro,
// tensorflow/lite/micro/micro_allocation_info.cc,
// AllocationInfoBuilder::GetOfflinePlannedOffsets, and
// tensorflow/lite/micro/docs/memory_management.md): a Model.metadata entry
// whose name is exactly "OfflineMemoryAllocation" names a buffer whose
// inline data is a list of little-endian int32 words
//
//	[0] format version (TFLM ignores it; its tests and tinygen write 1)
//	[1] subgraph index the plan applies to (TFLM ignores it)
//	[2] n, the number of offsets that follow
//	[3+i] byte offset of tensor i from the start of the arena's
//	      non-persistent (head) section, or -1 to plan it online
//
// TFLM takes the last entry with that name, casts the buffer's data to
// uint32 words (so the data must be 4-byte aligned; tinygen aligns buffer
// data to 16) and fails AllocateTensors unless n equals the number of
// tensors in all subgraphs together.

// OfflinePlanMetadata is the name of the model metadata entry holding a
// TFLM offline memory plan.
const OfflinePlanMetadata = "OfflineMemoryAllocation"

// OfflinePlanVersion is the format version WithOfflinePlan writes in the
// plan's first word.
const OfflinePlanVersion = 1

// offlinePlanHeader is the number of int32 words before the offsets.
const offlinePlanHeader = 3

// WithOfflinePlan returns a copy of model with an OfflineMemoryAllocation
// metadata entry that holds offsets for the tensors of the given subgraph:
// offsets[i] is tensor i's byte offset in the arena, or -1 to leave the
// tensor to TFLM's online planner. len(offsets) must equal the subgraph's
// tensor count. (TFLM accepts a plan only if that count is the model's
// total tensor count, so for TFLM the model must have one subgraph.)
//
// An existing plan entry is replaced: the result has exactly one, placed
// where the first one was, and its buffer is reused when nothing else
// refers to it. Buffers that only dropped duplicate entries referred to
// are removed (and buffer indices renumbered), so no buffer is orphaned.
// Everything else is kept: the model is unpacked with the flatc object API
// and packed again, so absent vectors may come back as empty ones, buffer
// data is written 16-byte aligned, and buffers and large custom options
// stored after the flatbuffer (the offset/size form) are written after the
// new flatbuffer with their offsets updated.
//
// The model is verified first; a model with builtin options or
// quantisation details of a type this schema does not know is refused,
// since packing would drop them. WithOfflinePlan never panics on bad
// input; an internal failure is an error containing "internal error".
func WithOfflinePlan(model []byte, subgraph int, offsets []int32) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("internal error while writing the offline plan (a bug in the tflite frontend; please report it with the file): %v", r)
		}
	}()
	if err := verifyFlatbuffer(model); err != nil {
		return nil, err
	}
	if err := verifyForUnpack(model); err != nil {
		return nil, err
	}
	m := schema.GetRootAsModel(model, 0)
	if n := m.SubgraphsLength(); subgraph < 0 || subgraph >= n {
		return nil, fmt.Errorf("offline plan: subgraph %d out of range (the model has %d subgraphs)", subgraph, n)
	}
	var sg schema.SubGraph
	m.Subgraphs(&sg, subgraph)
	if n := sg.TensorsLength(); len(offsets) != n {
		return nil, fmt.Errorf("offline plan: %d offsets for the %d tensors of subgraph %d", len(offsets), n, subgraph)
	}
	for i, o := range offsets {
		if o < -1 {
			return nil, fmt.Errorf("offline plan: offset %d of tensor %d is negative (want -1 for an online-planned tensor, or a byte offset)", o, i)
		}
	}
	if err := checkKnownUnions(m); err != nil {
		return nil, err
	}
	mt, err := unpackModel(model, m)
	if err != nil {
		return nil, err
	}
	blobs, err := collectBlobs(model, mt)
	if err != nil {
		return nil, err
	}
	setOfflinePlan(mt, encodeOfflinePlan(subgraph, offsets))
	return packWithBlobs(mt, blobs, len(model))
}

// OfflinePlan reads a model's OfflineMemoryAllocation entry. ok is false
// (and err nil) when the model has none; with several, the last one
// counts, as in TFLM. The plan is checked against the model: its buffer
// must hold exactly 3+n inline int32 words, its subgraph index must exist
// and n must equal that subgraph's tensor count, and every offset must be
// -1 or more. The version word is not checked (TFLM ignores it).
//
// OfflinePlan never panics on bad input; an internal failure is an error
// containing "internal error".
func OfflinePlan(model []byte) (subgraph int, offsets []int32, ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			subgraph, offsets, ok = 0, nil, false
			err = fmt.Errorf("internal error while reading the offline plan (a bug in the tflite frontend; please report it with the file): %v", r)
		}
	}()
	if err := verifyFlatbuffer(model); err != nil {
		return 0, nil, false, err
	}
	v := &fbVerifier{buf: model, budget: 2*int64(len(model)) + 4096}
	root := int64(binary.LittleEndian.Uint32(model))
	if err := v.verifyTable(root, metadataSpec(), &pathElem{name: "model", index: -1}, 0); err != nil {
		return 0, nil, false, err
	}
	m := schema.GetRootAsModel(model, 0)
	entry := -1
	var md schema.Metadata
	for i, n := 0, m.MetadataLength(); i < n; i++ {
		m.Metadata(&md, i)
		if string(md.Name()) == OfflinePlanMetadata {
			entry = i
		}
	}
	if entry < 0 {
		return 0, nil, false, nil
	}
	m.Metadata(&md, entry)
	idx := md.Buffer()
	if n := m.BuffersLength(); uint64(idx) >= uint64(n) {
		return 0, nil, false, fmt.Errorf("offline plan: metadata %d names buffer %d, but the model has %d buffers", entry, idx, n)
	}
	var b schema.Buffer
	m.Buffers(&b, int(idx))
	if b.Offset() > 1 {
		return 0, nil, false, fmt.Errorf("offline plan: buffer %d stores its data outside the flatbuffer; TFLM reads only inline data", idx)
	}
	data := b.DataBytes()
	if len(data) < 4*offlinePlanHeader || len(data)%4 != 0 {
		return 0, nil, false, fmt.Errorf("offline plan: buffer %d holds %d bytes; want a 12-byte header and 4 bytes per tensor", idx, len(data))
	}
	word := func(i int) int32 { return int32(binary.LittleEndian.Uint32(data[4*i:])) }
	count := uint64(binary.LittleEndian.Uint32(data[8:]))
	if have := uint64(len(data)/4 - offlinePlanHeader); count != have {
		return 0, nil, false, fmt.Errorf("offline plan: header says %d offsets, but buffer %d holds %d", count, idx, have)
	}
	sgIdx := word(1)
	if n := m.SubgraphsLength(); sgIdx < 0 || int(sgIdx) >= n {
		return 0, nil, false, fmt.Errorf("offline plan: subgraph %d out of range (the model has %d subgraphs)", sgIdx, n)
	}
	var sg schema.SubGraph
	m.Subgraphs(&sg, int(sgIdx))
	if n := sg.TensorsLength(); uint64(n) != count {
		return 0, nil, false, fmt.Errorf("offline plan: %d offsets for the %d tensors of subgraph %d", count, n, sgIdx)
	}
	offsets = make([]int32, count)
	for i := range offsets {
		offsets[i] = word(offlinePlanHeader + i)
		if offsets[i] < -1 {
			return 0, nil, false, fmt.Errorf("offline plan: offset %d of tensor %d is negative and not -1", offsets[i], i)
		}
	}
	return int(sgIdx), offsets, true, nil
}

// encodeOfflinePlan lays out the plan's words.
func encodeOfflinePlan(subgraph int, offsets []int32) []byte {
	data := make([]byte, 4*(offlinePlanHeader+len(offsets)))
	binary.LittleEndian.PutUint32(data[0:], OfflinePlanVersion)
	binary.LittleEndian.PutUint32(data[4:], uint32(subgraph))
	binary.LittleEndian.PutUint32(data[8:], uint32(len(offsets)))
	for i, o := range offsets {
		binary.LittleEndian.PutUint32(data[4*(offlinePlanHeader+i):], uint32(o))
	}
	return data
}

// setOfflinePlan makes m's only OfflineMemoryAllocation entry name a
// buffer holding data (see WithOfflinePlan for the buffer rules).
func setOfflinePlan(m *schema.ModelT, data []byte) {
	if len(m.Buffers) == 0 {
		// Buffer 0 is the empty buffer tensors without data name.
		m.Buffers = append(m.Buffers, &schema.BufferT{})
	}
	var entry *schema.MetadataT
	var dropped []uint32
	kept := m.Metadata[:0:0]
	for _, md := range m.Metadata {
		switch {
		case md == nil || md.Name != OfflinePlanMetadata:
			kept = append(kept, md)
		case entry == nil:
			entry = md
			kept = append(kept, md)
		default:
			dropped = append(dropped, md.Buffer)
		}
	}
	m.Metadata = kept
	refs := bufferRefs(m)
	switch {
	case entry == nil:
		m.Metadata = append(m.Metadata, &schema.MetadataT{Name: OfflinePlanMetadata, Buffer: uint32(len(m.Buffers))})
		m.Buffers = append(m.Buffers, &schema.BufferT{Data: data})
	case entry.Buffer != 0 && uint64(entry.Buffer) < uint64(len(m.Buffers)) && refs[entry.Buffer] == 1:
		m.Buffers[entry.Buffer] = &schema.BufferT{Data: data}
	default:
		// Buffer 0, shared with something else, or out of range: leave
		// it and give the plan a buffer of its own.
		entry.Buffer = uint32(len(m.Buffers))
		m.Buffers = append(m.Buffers, &schema.BufferT{Data: data})
		refs = bufferRefs(m)
	}
	// Remove the buffers that only dropped duplicates referred to, highest
	// index first so that the lower ones keep their numbers.
	var orphans []uint32
	for _, b := range dropped {
		if b != 0 && uint64(b) < uint64(len(m.Buffers)) && refs[b] == 0 {
			orphans = append(orphans, b)
			refs[b] = -1 // once only, if two duplicates shared it
		}
	}
	for len(orphans) > 0 {
		hi := 0
		for i, b := range orphans {
			if b > orphans[hi] {
				hi = i
			}
		}
		removeBuffer(m, orphans[hi])
		orphans = append(orphans[:hi], orphans[hi+1:]...)
	}
}

// bufferRefs counts the references to each buffer index: tensors of every
// subgraph, metadata entries and the deprecated metadata_buffer list.
func bufferRefs(m *schema.ModelT) map[uint32]int {
	refs := map[uint32]int{}
	for _, sg := range m.Subgraphs {
		if sg == nil {
			continue
		}
		for _, t := range sg.Tensors {
			if t != nil {
				refs[t.Buffer]++
			}
		}
	}
	for _, md := range m.Metadata {
		if md != nil {
			refs[md.Buffer]++
		}
	}
	for _, b := range m.MetadataBuffer {
		if b >= 0 {
			refs[uint32(b)]++
		}
	}
	return refs
}

// removeBuffer deletes buffer d (which nothing refers to) and renumbers
// the references to later buffers.
func removeBuffer(m *schema.ModelT, d uint32) {
	m.Buffers = append(m.Buffers[:d:d], m.Buffers[d+1:]...)
	for _, sg := range m.Subgraphs {
		if sg == nil {
			continue
		}
		for _, t := range sg.Tensors {
			if t != nil && t.Buffer > d {
				t.Buffer--
			}
		}
	}
	for _, md := range m.Metadata {
		if md != nil && md.Buffer > d {
			md.Buffer--
		}
	}
	for i, b := range m.MetadataBuffer {
		if b >= 0 && uint32(b) > d {
			m.MetadataBuffer[i]--
		}
	}
}

// unpackModel runs the object API's UnPack. The generated accessors do no
// bounds checks; verifyForUnpack has checked every vector, string and
// table UnPack follows (so nothing allocates more than the file holds),
// but not scalar fields of option tables, whose out-of-range reads panic
// with a runtime bounds error. Those are reported as a malformed file.
func unpackModel(data []byte, m *schema.Model) (mt *schema.ModelT, err error) {
	defer func() {
		if r := recover(); r != nil {
			if re, ok := r.(runtime.Error); ok && strings.Contains(re.Error(), "out of range") {
				mt, err = nil, fmt.Errorf("invalid flatbuffer: a field lies outside the %d-byte file (%v)", len(data), re)
				return
			}
			panic(r)
		}
	}()
	return m.UnPack(), nil
}

// checkKnownUnions refuses union values of types the generated schema does
// not know: UnPack turns them into nil and Pack would drop them.
func checkKnownUnions(m *schema.Model) error {
	var tab flatbuffers.Table
	var sg schema.SubGraph
	var op schema.Operator
	var t schema.Tensor
	var q schema.QuantizationParameters
	var sp schema.SparsityParameters
	var dm schema.DimensionMetadata
	unknown := func(where string, typ fmt.Stringer) error {
		return fmt.Errorf("%s: %v cannot be rewritten: the schema does not know the type", where, typ)
	}
	for i, n := 0, m.SubgraphsLength(); i < n; i++ {
		m.Subgraphs(&sg, i)
		for j, nj := 0, sg.OperatorsLength(); j < nj; j++ {
			sg.Operators(&op, j)
			where := fmt.Sprintf("subgraph %d: op %d: builtin options", i, j)
			if _, ok := schema.EnumNamesBuiltinOptions()[op.BuiltinOptionsType()]; !ok && op.BuiltinOptions(&tab) {
				return unknown(where, op.BuiltinOptionsType())
			}
			if _, ok := schema.EnumNamesBuiltinOptions2()[op.BuiltinOptions2Type()]; !ok && op.BuiltinOptions2(&tab) {
				return unknown(where, op.BuiltinOptions2Type())
			}
		}
		for j, nj := 0, sg.TensorsLength(); j < nj; j++ {
			sg.Tensors(&t, j)
			where := fmt.Sprintf("subgraph %d: tensor %d", i, j)
			if t.Quantization(&q) != nil {
				if _, ok := schema.EnumNamesQuantizationDetails()[q.DetailsType()]; !ok && q.Details(&tab) {
					return unknown(where+": quantisation details", q.DetailsType())
				}
			}
			if t.Sparsity(&sp) == nil {
				continue
			}
			for k, nk := 0, sp.DimMetadataLength(); k < nk; k++ {
				sp.DimMetadata(&dm, k)
				if _, ok := schema.EnumNamesSparseIndexVector()[dm.ArraySegmentsType()]; !ok && dm.ArraySegments(&tab) {
					return unknown(where+": sparse array segments", dm.ArraySegmentsType())
				}
				if _, ok := schema.EnumNamesSparseIndexVector()[dm.ArrayIndicesType()]; !ok && dm.ArrayIndices(&tab) {
					return unknown(where+": sparse array indices", dm.ArrayIndicesType())
				}
			}
		}
	}
	return nil
}

// blob is data stored after the flatbuffer (the offset/size form that
// TFLite uses for models over 2 GB), at a file offset.
type blob struct{ off, size uint64 }

// blobRef is one field that points at a blob: buffer buf, or (when buf <
// 0) the large custom options of op in subgraph sg.
type blobRef struct {
	buf, sg, op int
	blob        int // index into blobs.list
}

// blobs are the out-of-flatbuffer data of a model, each distinct range
// once, and the fields that refer to them.
type blobs struct {
	data  []byte
	list  []blob
	refs  []blobRef
	bytes int64
}

// collectBlobs finds the buffers and large custom options stored after the
// flatbuffer and checks that they lie inside the file. Identical ranges
// are kept once; the total is bounded like Parse's copies, so that many
// fields naming overlapping ranges cannot multiply the file's size.
func collectBlobs(data []byte, m *schema.ModelT) (*blobs, error) {
	bs := &blobs{data: data}
	index := map[blob]int{}
	limit := 4*int64(len(data)) + maxSharedCopy
	add := func(what string, off, size uint64, ref blobRef) error {
		if fileLen := uint64(len(data)); off > fileLen || size > fileLen-off {
			return fmt.Errorf("%s: %d bytes at file offset %d lie outside the %d-byte file", what, size, off, fileLen)
		}
		b := blob{off, size}
		i, ok := index[b]
		if !ok {
			i = len(bs.list)
			index[b] = i
			bs.list = append(bs.list, b)
			bs.bytes += int64(size)
			if bs.bytes > limit {
				return fmt.Errorf("%s: data stored after the flatbuffer adds up to more than %d bytes", what, limit)
			}
		}
		ref.blob = i
		bs.refs = append(bs.refs, ref)
		return nil
	}
	for i, b := range m.Buffers {
		if b == nil || b.Offset <= 1 { // 0 and 1 are TFLite's "not used" markers
			continue
		}
		if len(b.Data) > 0 {
			return nil, fmt.Errorf("buffer %d has both inline data and an external offset", i)
		}
		if err := add(fmt.Sprintf("buffer %d", i), b.Offset, b.Size, blobRef{buf: i}); err != nil {
			return nil, err
		}
	}
	for i, sg := range m.Subgraphs {
		if sg == nil {
			continue
		}
		for j, op := range sg.Operators {
			if op == nil || op.LargeCustomOptionsOffset <= 1 {
				continue
			}
			what := fmt.Sprintf("subgraph %d: op %d: large custom options", i, j)
			if err := add(what, op.LargeCustomOptionsOffset, op.LargeCustomOptionsSize, blobRef{buf: -1, sg: i, op: j}); err != nil {
				return nil, err
			}
		}
	}
	return bs, nil
}

// packWithBlobs packs m and appends the blobs after the flatbuffer, each
// 16-byte aligned as TFLite's converter writes them, then points the
// fields that refer to them at their new offsets. (The offsets m holds for
// them are non-zero placeholders, so Pack writes the fields.)
func packWithBlobs(m *schema.ModelT, bs *blobs, sizeHint int) ([]byte, error) {
	fb, err := packFinished(m, sizeHint)
	if err != nil {
		return nil, err
	}
	total := int64(len(fb)) + bs.bytes + int64(dataAlign*(len(bs.list)+1))
	if total > maxFileSize {
		return nil, fmt.Errorf("the rewritten model would be %d bytes, more than a TFLite file can hold", total)
	}
	out := make([]byte, len(fb), total)
	copy(out, fb)
	offs := make([]uint64, len(bs.list))
	for i, bl := range bs.list {
		for len(out)%dataAlign != 0 {
			out = append(out, 0)
		}
		offs[i] = uint64(len(out))
		out = append(out, bs.data[bl.off:bl.off+bl.size]...)
	}
	if len(bs.refs) == 0 {
		return out, nil
	}
	root := schema.GetRootAsModel(out, 0)
	var buf schema.Buffer
	var sg schema.SubGraph
	var op schema.Operator
	for _, r := range bs.refs {
		var ok bool
		if r.buf >= 0 {
			root.Buffers(&buf, r.buf)
			ok = buf.MutateOffset(offs[r.blob])
		} else {
			root.Subgraphs(&sg, r.sg)
			sg.Operators(&op, r.op)
			ok = op.MutateLargeCustomOptionsOffset(offs[r.blob])
		}
		if !ok {
			return nil, fmt.Errorf("internal error: the packed model lacks the offset field of %+v", r)
		}
	}
	return out, nil
}

// packFinished packs m as a finished TFLite flatbuffer.
func packFinished(m *schema.ModelT, sizeHint int) (fb []byte, err error) {
	defer func() {
		// The flatbuffers builder panics when it cannot grow past 2 GiB.
		if r := recover(); r != nil {
			fb, err = nil, fmt.Errorf("encoding the flatbuffer failed: %v", r)
		}
	}()
	b := flatbuffers.NewBuilder(sizeHint + 4096)
	b.FinishWithFileIdentifier(packFullModel(b, m), []byte(fileIdentifier))
	return b.FinishedBytes(), nil
}

// packer is a flatc object-API table.
type packer interface {
	Pack(*flatbuffers.Builder) flatbuffers.UOffsetT
}

// packTables packs a vector of tables; a nil slice is left out, as the
// generated Pack does.
func packTables[T packer](b *flatbuffers.Builder, ts []T) flatbuffers.UOffsetT {
	if ts == nil {
		return 0
	}
	offs := make([]flatbuffers.UOffsetT, len(ts))
	for i, t := range ts {
		offs[i] = t.Pack(b)
	}
	return offsetVector(b, offs)
}

// packFullModel is schema.ModelT.Pack (every field of the model) except
// that buffer data is aligned to dataAlign bytes, which the generated Go
// code does not do (it aligns vectors to 4). Encode and WithOfflinePlan
// both pack with it.
func packFullModel(b *flatbuffers.Builder, m *schema.ModelT) flatbuffers.UOffsetT {
	var buffersVec flatbuffers.UOffsetT
	if m.Buffers != nil {
		buffers := make([]flatbuffers.UOffsetT, len(m.Buffers))
		for i, buf := range m.Buffers {
			if buf == nil {
				buf = &schema.BufferT{}
			}
			var data flatbuffers.UOffsetT
			if buf.Data != nil {
				b.Prep(dataAlign, len(buf.Data))
				data = b.CreateByteVector(buf.Data)
			}
			schema.BufferStart(b)
			if data != 0 {
				schema.BufferAddData(b, data)
			}
			schema.BufferAddOffset(b, buf.Offset)
			schema.BufferAddSize(b, buf.Size)
			buffers[i] = schema.BufferEnd(b)
		}
		buffersVec = offsetVector(b, buffers)
	}
	codes := packTables(b, m.OperatorCodes)
	subgraphs := packTables(b, m.Subgraphs)
	desc := b.CreateString(m.Description)
	var metadataBuffer flatbuffers.UOffsetT
	if m.MetadataBuffer != nil {
		b.StartVector(4, len(m.MetadataBuffer), 4)
		for i := len(m.MetadataBuffer) - 1; i >= 0; i-- {
			b.PrependInt32(m.MetadataBuffer[i])
		}
		metadataBuffer = b.EndVector(len(m.MetadataBuffer))
	}
	metadata := packTables(b, m.Metadata)
	sigs := packTables(b, m.SignatureDefs)
	groups := packTables(b, m.ExternalBufferGroups)
	external := packTables(b, m.ExternalBuffers)
	schema.ModelStart(b)
	schema.ModelAddVersion(b, m.Version)
	schema.ModelAddOperatorCodes(b, codes)
	schema.ModelAddSubgraphs(b, subgraphs)
	schema.ModelAddDescription(b, desc)
	schema.ModelAddBuffers(b, buffersVec)
	schema.ModelAddMetadataBuffer(b, metadataBuffer)
	schema.ModelAddMetadata(b, metadata)
	schema.ModelAddSignatureDefs(b, sigs)
	schema.ModelAddExternalBufferGroups(b, groups)
	schema.ModelAddExternalBuffers(b, external)
	return schema.ModelEnd(b)
}

// verifyForUnpack checks, beyond verifyFlatbuffer, every vector, string,
// table and union that the object API's UnPack follows, with the same
// bounds and work budget, so that UnPack never allocates more than the
// file justifies.
func verifyForUnpack(model []byte) error {
	v := &fbVerifier{buf: model, budget: 2*int64(len(model)) + 4096}
	root := int64(binary.LittleEndian.Uint32(model))
	return v.verifyTable(root, unpackSpec(), &pathElem{name: "model", index: -1}, 0)
}

// metadataSpec is the spec of the metadata entries OfflinePlan reads
// (verifyFlatbuffer covers the rest).
func metadataSpec() *tableSpec {
	metadata := &tableSpec{name: "Metadata", fields: []fieldSpec{str("name", 0), scalar("buffer", 1, 4)}}
	return &tableSpec{name: "Model", fields: []fieldSpec{
		{name: "metadata", slot: 6, kind: tableVectorField, sub: metadata},
	}}
}

// unpackSpec returns the spec of every field of the schema that UnPack
// allocates for: all strings, vectors, tables and unions, with the slots
// of schema.fbs (checked against the generated code by
// TestUnpackSpecComplete). Scalars are not listed.
func unpackSpec() *tableSpec {
	tv := func(name string, slot int, sub *tableSpec) fieldSpec {
		return fieldSpec{name: name, slot: slot, kind: tableVectorField, sub: sub}
	}
	tbl := func(name string, slot int, sub *tableSpec) fieldSpec {
		return fieldSpec{name: name, slot: slot, kind: tableField, sub: sub}
	}
	union := func(name string, slot int, f func(byte) *tableSpec) fieldSpec {
		return fieldSpec{name: name, slot: slot, kind: unionField, union: f}
	}
	indexVector := func(typ byte) *tableSpec {
		switch schema.SparseIndexVector(typ) {
		case schema.SparseIndexVectorInt32Vector:
			return &tableSpec{name: "Int32Vector", fields: []fieldSpec{vector("values", 0, 4)}}
		case schema.SparseIndexVectorUint16Vector:
			return &tableSpec{name: "Uint16Vector", fields: []fieldSpec{vector("values", 0, 2)}}
		case schema.SparseIndexVectorUint8Vector:
			return &tableSpec{name: "Uint8Vector", fields: []fieldSpec{vector("values", 0, 1)}}
		}
		return nil
	}
	details := func(typ byte) *tableSpec {
		switch schema.QuantizationDetails(typ) {
		case schema.QuantizationDetailsCustomQuantization:
			return &tableSpec{name: "CustomQuantization", fields: []fieldSpec{vector("custom", 0, 1)}}
		case schema.QuantizationDetailsMultiAxisQuantization:
			return &tableSpec{name: "MultiAxisQuantization", fields: []fieldSpec{vector("quantized_dimensions", 3, 4)}}
		}
		return nil
	}
	quant := &tableSpec{name: "QuantizationParameters", fields: []fieldSpec{
		vector("min", 0, 4), vector("max", 1, 4), vector("scale", 2, 4), vector("zero_point", 3, 8),
		union("details", 5, details),
	}}
	dimMetadata := &tableSpec{name: "DimensionMetadata", fields: []fieldSpec{
		union("array_segments", 3, indexVector), union("array_indices", 5, indexVector),
	}}
	sparsity := &tableSpec{name: "SparsityParameters", fields: []fieldSpec{
		vector("traversal_order", 0, 4), vector("block_map", 1, 4), tv("dim_metadata", 2, dimMetadata),
	}}
	variant := &tableSpec{name: "VariantSubType", fields: []fieldSpec{vector("shape", 0, 4)}}
	tensor := &tableSpec{name: "Tensor", fields: []fieldSpec{
		vector("shape", 0, 4), str("name", 3), tbl("quantization", 4, quant), tbl("sparsity", 6, sparsity),
		vector("shape_signature", 7, 4), tv("variant_tensors", 9, variant),
	}}
	operator := &tableSpec{name: "Operator", fields: []fieldSpec{
		vector("inputs", 1, 4), vector("outputs", 2, 4), union("builtin_options", 4, builtinOptionsUnpackSpec),
		vector("custom_options", 5, 1), vector("mutating_variable_inputs", 7, 1), vector("intermediates", 8, 4),
		union("builtin_options_2", 12, builtinOptions2UnpackSpec),
	}}
	subgraph := &tableSpec{name: "SubGraph", fields: []fieldSpec{
		tv("tensors", 0, tensor), vector("inputs", 1, 4), vector("outputs", 2, 4), tv("operators", 3, operator), str("name", 4),
	}}
	tensorMap := &tableSpec{name: "TensorMap", fields: []fieldSpec{str("name", 0)}}
	return &tableSpec{name: "Model", fields: []fieldSpec{
		tv("operator_codes", 1, &tableSpec{name: "OperatorCode", fields: []fieldSpec{str("custom_code", 1)}}),
		tv("subgraphs", 2, subgraph),
		str("description", 3),
		tv("buffers", 4, &tableSpec{name: "Buffer", fields: []fieldSpec{vector("data", 0, 1)}}),
		vector("metadata_buffer", 5, 4),
		tv("metadata", 6, &tableSpec{name: "Metadata", fields: []fieldSpec{str("name", 0)}}),
		tv("signature_defs", 7, &tableSpec{name: "SignatureDef", fields: []fieldSpec{
			tv("inputs", 0, tensorMap), tv("outputs", 1, tensorMap), str("signature_key", 2),
		}}),
		tv("external_buffer_groups", 8, &tableSpec{name: "ExternalBufferGroup", fields: []fieldSpec{str("name", 0)}}),
		tv("external_buffers", 9, &tableSpec{name: "ExternalBuffer", fields: []fieldSpec{str("packing", 4)}}),
	}}
}

// builtinOptionsUnpackSpec returns the spec of the builtin option tables
// that hold strings or vectors; the others hold scalars only and are
// verified as bare tables.
func builtinOptionsUnpackSpec(typ byte) *tableSpec {
	switch schema.BuiltinOptions(typ) {
	case schema.BuiltinOptionsConcatEmbeddingsOptions:
		return &tableSpec{name: "ConcatEmbeddingsOptions", fields: []fieldSpec{
			vector("num_columns_per_channel", 1, 4), vector("embedding_dim_per_channel", 2, 4),
		}}
	case schema.BuiltinOptionsReshapeOptions:
		return &tableSpec{name: "ReshapeOptions", fields: []fieldSpec{vector("new_shape", 0, 4)}}
	case schema.BuiltinOptionsSqueezeOptions:
		return &tableSpec{name: "SqueezeOptions", fields: []fieldSpec{vector("squeeze_dims", 0, 4)}}
	case schema.BuiltinOptionsVarHandleOptions:
		return &tableSpec{name: "VarHandleOptions", fields: []fieldSpec{str("container", 0), str("shared_name", 1)}}
	case schema.BuiltinOptionsBucketizeOptions:
		return &tableSpec{name: "BucketizeOptions", fields: []fieldSpec{vector("boundaries", 0, 4)}}
	}
	return nil
}

// builtinOptions2UnpackSpec is builtinOptionsUnpackSpec for the second
// builtin options union (StableHLO ops).
func builtinOptions2UnpackSpec(typ byte) *tableSpec {
	i64s := func(name string, names ...any) *tableSpec {
		s := &tableSpec{name: name}
		for i := 0; i < len(names); i += 2 {
			s.fields = append(s.fields, vector(names[i].(string), names[i+1].(int), 8))
		}
		return s
	}
	switch schema.BuiltinOptions2(typ) {
	case schema.BuiltinOptions2StablehloBroadcastInDimOptions:
		return i64s("StablehloBroadcastInDimOptions", "broadcast_dimensions", 0)
	case schema.BuiltinOptions2StablehloSliceOptions:
		return i64s("StablehloSliceOptions", "start_indices", 0, "limit_indices", 1, "strides", 2)
	case schema.BuiltinOptions2StablehloConvolutionOptions:
		s := i64s("StablehloConvolutionOptions", "window_strides", 0, "padding", 1, "lhs_dilation", 2, "rhs_dilation", 3,
			"input_spatial_dimensions", 7, "kernel_spatial_dimensions", 10, "output_spatial_dimensions", 13)
		s.fields = append(s.fields, vector("window_reversal", 4, 1), vector("precision_config", 16, 4))
		return s
	case schema.BuiltinOptions2StablehloCustomCallOptions:
		return &tableSpec{name: "StablehloCustomCallOptions", fields: []fieldSpec{
			str("call_target_name", 0), str("backend_config", 2), vector("called_computations", 4, 4), vector("custom_attributes", 5, 1),
		}}
	case schema.BuiltinOptions2StablehloReduceOptions:
		return i64s("StablehloReduceOptions", "dimensions", 0)
	case schema.BuiltinOptions2StablehloScatterOptions:
		return i64s("StablehloScatterOptions", "update_window_dims", 1, "inserted_window_dims", 2, "scatter_dims_to_operand_dims", 3)
	case schema.BuiltinOptions2StablehloDynamicSliceOptions:
		return i64s("StablehloDynamicSliceOptions", "slice_sizes", 0)
	case schema.BuiltinOptions2StablehloPadOptions:
		return i64s("StablehloPadOptions", "edge_padding_low", 0, "edge_padding_high", 1, "interior_padding", 2)
	case schema.BuiltinOptions2StablehloDotGeneralOptions:
		s := i64s("StablehloDotGeneralOptions", "lhs_batching_dimensions", 0, "rhs_batching_dimensions", 1,
			"lhs_contracting_dimensions", 2, "rhs_contracting_dimensions", 3)
		s.fields = append(s.fields, vector("precision_config", 4, 4))
		return s
	case schema.BuiltinOptions2StablehloReduceWindowOptions:
		return i64s("StablehloReduceWindowOptions", "window_dimensions", 0, "window_strides", 1, "base_dilations", 2,
			"window_dilations", 3, "padding", 4)
	case schema.BuiltinOptions2StablehloGatherOptions:
		return i64s("StablehloGatherOptions", "offset_dims", 0, "collapsed_slice_dims", 1, "start_index_map", 2, "slice_sizes", 4)
	case schema.BuiltinOptions2StablehloTransposeOptions:
		return i64s("StablehloTransposeOptions", "permutation", 0)
	case schema.BuiltinOptions2StableHLOCompositeOptions:
		return &tableSpec{name: "StableHLOCompositeOptions", fields: []fieldSpec{str("name", 0), vector("composite_attributes", 2, 1)}}
	case schema.BuiltinOptions2StablehloCaseOptions:
		return &tableSpec{name: "StablehloCaseOptions", fields: []fieldSpec{vector("branch_subgraph_indices", 0, 4)}}
	}
	return nil
}
