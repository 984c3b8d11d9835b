package tflite

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
)

// This file is a bounds-checking flatbuffer verifier for the parts of the
// TFLite schema that the frontend reads. The flatc-generated Go accessors
// do no bounds checks at all (an offset or length pointing outside the
// buffer panics, a huge length allocates), so Parse runs verifyFlatbuffer
// over the whole file first and afterwards reads only fields verified
// here.
//
// What is checked, following the reference C++ flatbuffers Verifier:
//   - the buffer is at least 8 bytes and at most maxFileSize; the file
//     identifier, when bytes 4..8 look like one, is "TFL3";
//   - every table: its soffset to the vtable stays inside the buffer; the
//     vtable's size is even, at least 4 and inside the buffer; the table's
//     inline size is at least 4 and inside the buffer;
//   - every field read: its bytes (at table start + vtable entry) lie
//     inside the buffer;
//   - every vector and string: the uoffset to it stays inside the buffer,
//     and 4 + length × element size bytes fit in what remains of the
//     buffer, so a lying length can never make a reader allocate or index
//     past the end;
//   - every vector of tables and every union value: each element is
//     verified as a table of the expected type (union values of types the
//     frontend does not read are checked as bare tables).
//
// Offsets are computed in 64-bit arithmetic and compared with the buffer
// length, so no 32-bit wrap-around can bring an offset back inside the
// buffer; nothing requires alignment, because the Go accessors read with
// encoding/binary-style byte loads that are alignment-independent.
//
// Work is bounded: recursion follows the (non-recursive) schema, never the
// data, and is capped at maxVerifyDepth; every table and vector verified
// is charged against a budget of twice the buffer length, so a file whose
// offsets make many entries share one large table or vector (which would
// make the verifier, and later Parse, do quadratic work) is refused.

// maxFileSize bounds the input size. Flatbuffers address at most 2 GiB and
// the generated accessors keep positions in 31 bits.
const maxFileSize = 1<<31 - 1

// maxVerifyDepth bounds table nesting. The specs below nest 4 deep
// (model, subgraph, tensor, quantization); the cap guards against a
// future recursive spec.
const maxVerifyDepth = 16

// fileIdentifier is the TFLite flatbuffer file identifier.
const fileIdentifier = "TFL3"

type fieldKind uint8

const (
	scalarField      fieldKind = iota // inline value of size bytes
	stringField                       // uoffset to a string
	vectorField                       // uoffset to a vector of size-byte scalars
	tableField                        // uoffset to a table of type sub
	tableVectorField                  // uoffset to a vector of uoffsets to tables of type sub
	unionField                        // uoffset to a table whose type is the u8 field in slot-1
)

// fieldSpec describes one field the frontend reads.
type fieldSpec struct {
	name string
	slot int // field index in the schema; the vtable entry is at 4 + 2*slot
	kind fieldKind
	size int        // scalar size or vector element size
	sub  *tableSpec // for tableField and tableVectorField
	// union returns the spec of a union value of the given type, or nil
	// to verify it only as a table.
	union func(typ byte) *tableSpec
}

// tableSpec describes the fields of one table type that must be verified.
type tableSpec struct {
	name   string
	fields []fieldSpec
}

func scalar(name string, slot, size int) fieldSpec {
	return fieldSpec{name: name, slot: slot, kind: scalarField, size: size}
}

func vector(name string, slot, size int) fieldSpec {
	return fieldSpec{name: name, slot: slot, kind: vectorField, size: size}
}

func str(name string, slot int) fieldSpec {
	return fieldSpec{name: name, slot: slot, kind: stringField, size: 1}
}

// modelSpec returns the verification spec of a TFLite Model: every field
// of every table that parse.go and ops.go read, with the slot numbers of
// schema.fbs (checked against the generated builders by
// TestVerifierSpecSlots).
func modelSpec() *tableSpec {
	quant := &tableSpec{name: "QuantizationParameters", fields: []fieldSpec{
		vector("min", 0, 4),
		vector("max", 1, 4),
		vector("scale", 2, 4),
		vector("zero_point", 3, 8),
		scalar("details_type", 4, 1),
		scalar("quantized_dimension", 6, 4),
	}}
	tensor := &tableSpec{name: "Tensor", fields: []fieldSpec{
		vector("shape", 0, 4),
		scalar("type", 1, 1),
		scalar("buffer", 2, 4),
		str("name", 3),
		{name: "quantization", slot: 4, kind: tableField, sub: quant},
		scalar("is_variable", 5, 1),
		// Only the presence of sparsity parameters is tested (the
		// accessor reads the uoffset, never the table).
		scalar("sparsity", 6, 4),
		vector("shape_signature", 7, 4),
		scalar("has_rank", 8, 1),
		scalar("external_buffer", 10, 4),
	}}
	operator := &tableSpec{name: "Operator", fields: []fieldSpec{
		scalar("opcode_index", 0, 4),
		vector("inputs", 1, 4),
		vector("outputs", 2, 4),
		scalar("builtin_options_type", 3, 1),
		{name: "builtin_options", slot: 4, kind: unionField, union: builtinOptionsSpec},
	}}
	subgraph := &tableSpec{name: "SubGraph", fields: []fieldSpec{
		{name: "tensors", slot: 0, kind: tableVectorField, sub: tensor},
		vector("inputs", 1, 4),
		vector("outputs", 2, 4),
		{name: "operators", slot: 3, kind: tableVectorField, sub: operator},
		str("name", 4),
	}}
	opcode := &tableSpec{name: "OperatorCode", fields: []fieldSpec{
		scalar("deprecated_builtin_code", 0, 1),
		str("custom_code", 1),
		scalar("version", 2, 4),
		scalar("builtin_code", 3, 4),
	}}
	buffer := &tableSpec{name: "Buffer", fields: []fieldSpec{
		vector("data", 0, 1),
		scalar("offset", 1, 8),
		scalar("size", 2, 8),
	}}
	return &tableSpec{name: "Model", fields: []fieldSpec{
		scalar("version", 0, 4),
		{name: "operator_codes", slot: 1, kind: tableVectorField, sub: opcode},
		{name: "subgraphs", slot: 2, kind: tableVectorField, sub: subgraph},
		str("description", 3),
		{name: "buffers", slot: 4, kind: tableVectorField, sub: buffer},
	}}
}

// builtinOptionsSpec returns the spec of the builtin option tables that
// the frontend reads (with UnPack, so every field is listed); other option
// types are verified as bare tables and never read.
func builtinOptionsSpec(typ byte) *tableSpec {
	i32 := func(name string, slot int) fieldSpec { return scalar(name, slot, 4) }
	i8 := func(name string, slot int) fieldSpec { return scalar(name, slot, 1) }
	switch schema.BuiltinOptions(typ) {
	case schema.BuiltinOptionsConv2DOptions:
		return &tableSpec{name: "Conv2DOptions", fields: []fieldSpec{
			i8("padding", 0), i32("stride_w", 1), i32("stride_h", 2), i8("fused_activation_function", 3),
			i32("dilation_w_factor", 4), i32("dilation_h_factor", 5), i8("quantized_bias_type", 6),
		}}
	case schema.BuiltinOptionsDepthwiseConv2DOptions:
		return &tableSpec{name: "DepthwiseConv2DOptions", fields: []fieldSpec{
			i8("padding", 0), i32("stride_w", 1), i32("stride_h", 2), i32("depth_multiplier", 3),
			i8("fused_activation_function", 4), i32("dilation_w_factor", 5), i32("dilation_h_factor", 6),
		}}
	case schema.BuiltinOptionsFullyConnectedOptions:
		return &tableSpec{name: "FullyConnectedOptions", fields: []fieldSpec{
			i8("fused_activation_function", 0), i8("weights_format", 1), i8("keep_num_dims", 2),
			i8("asymmetric_quantize_inputs", 3), i8("quantized_bias_type", 4),
		}}
	case schema.BuiltinOptionsPool2DOptions:
		return &tableSpec{name: "Pool2DOptions", fields: []fieldSpec{
			i8("padding", 0), i32("stride_w", 1), i32("stride_h", 2), i32("filter_width", 3),
			i32("filter_height", 4), i8("fused_activation_function", 5),
		}}
	case schema.BuiltinOptionsAddOptions:
		return &tableSpec{name: "AddOptions", fields: []fieldSpec{i8("fused_activation_function", 0), i8("pot_scale_int16", 1)}}
	case schema.BuiltinOptionsSubOptions:
		return &tableSpec{name: "SubOptions", fields: []fieldSpec{i8("fused_activation_function", 0), i8("pot_scale_int16", 1)}}
	case schema.BuiltinOptionsMulOptions:
		return &tableSpec{name: "MulOptions", fields: []fieldSpec{i8("fused_activation_function", 0)}}
	case schema.BuiltinOptionsReshapeOptions:
		return &tableSpec{name: "ReshapeOptions", fields: []fieldSpec{vector("new_shape", 0, 4)}}
	case schema.BuiltinOptionsSqueezeOptions:
		return &tableSpec{name: "SqueezeOptions", fields: []fieldSpec{vector("squeeze_dims", 0, 4)}}
	case schema.BuiltinOptionsSoftmaxOptions:
		return &tableSpec{name: "SoftmaxOptions", fields: []fieldSpec{i32("beta", 0)}}
	case schema.BuiltinOptionsLeakyReluOptions:
		return &tableSpec{name: "LeakyReluOptions", fields: []fieldSpec{i32("alpha", 0)}}
	case schema.BuiltinOptionsConcatenationOptions:
		return &tableSpec{name: "ConcatenationOptions", fields: []fieldSpec{i32("axis", 0), i8("fused_activation_function", 1)}}
	case schema.BuiltinOptionsReducerOptions:
		return &tableSpec{name: "ReducerOptions", fields: []fieldSpec{i8("keep_dims", 0)}}
	case schema.BuiltinOptionsStridedSliceOptions:
		return &tableSpec{name: "StridedSliceOptions", fields: []fieldSpec{
			i32("begin_mask", 0), i32("end_mask", 1), i32("ellipsis_mask", 2), i32("new_axis_mask", 3),
			i32("shrink_axis_mask", 4), i8("offset", 5),
		}}
	}
	return nil
}

// pathElem names the place being verified, for error messages; the string
// is only built when an error is reported.
type pathElem struct {
	parent *pathElem
	name   string
	index  int // -1: not a vector element
}

func (p *pathElem) String() string {
	var parts []string
	for e := p; e != nil; e = e.parent {
		s := e.name
		if e.index >= 0 {
			s += "[" + strconv.Itoa(e.index) + "]"
		}
		parts = append(parts, s)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ".")
}

// fbVerifier holds the state of one verification run.
type fbVerifier struct {
	buf    []byte
	budget int64 // bytes of tables and vectors still allowed to be verified
}

// fbTable is a verified table: its position, its vtable and the vtable's
// length in bytes.
type fbTable struct {
	pos, vt, vlen int
}

// verifyFlatbuffer checks that buf is a TFLite flatbuffer whose parts read
// by the frontend are all inside buf.
func verifyFlatbuffer(buf []byte) error {
	if len(buf) > maxFileSize {
		return fmt.Errorf("file is %d bytes, more than the %d a flatbuffer can address", len(buf), maxFileSize)
	}
	if len(buf) < 8 {
		return fmt.Errorf("file is %d bytes, too short to be a TFLite flatbuffer", len(buf))
	}
	if id := buf[4:8]; looksLikeIdentifier(id) && string(id) != fileIdentifier {
		return fmt.Errorf("file identifier is %q, want %q (not a TFLite model?)", id, fileIdentifier)
	}
	v := &fbVerifier{buf: buf, budget: 2*int64(len(buf)) + 4096}
	root := int64(binary.LittleEndian.Uint32(buf))
	return v.verifyTable(root, modelSpec(), &pathElem{name: "model", index: -1}, 0)
}

// looksLikeIdentifier reports whether 4 bytes look like a file identifier
// (all ASCII letters or digits) rather than the start of table data.
func looksLikeIdentifier(id []byte) bool {
	for _, c := range id {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// inside reports whether the n bytes at pos lie inside the buffer.
func (v *fbVerifier) inside(pos, n int64) bool {
	return pos >= 0 && n >= 0 && pos <= int64(len(v.buf)) && n <= int64(len(v.buf))-pos
}

func (v *fbVerifier) u16(pos int) int { return int(binary.LittleEndian.Uint16(v.buf[pos:])) }
func (v *fbVerifier) u32(pos int) int64 {
	return int64(binary.LittleEndian.Uint32(v.buf[pos:]))
}

func (v *fbVerifier) errorf(path *pathElem, format string, args ...any) error {
	return fmt.Errorf("invalid flatbuffer at %v: %s", path, fmt.Sprintf(format, args...))
}

func (v *fbVerifier) charge(n int64, path *pathElem) error {
	v.budget -= n
	if v.budget < 0 {
		return v.errorf(path, "tables and vectors add up to more than twice the %d-byte file (shared or overlapping data)", len(v.buf))
	}
	return nil
}

// table checks the table header and vtable at pos.
func (v *fbVerifier) table(pos int64, path *pathElem) (fbTable, error) {
	if !v.inside(pos, 4) {
		return fbTable{}, v.errorf(path, "table at offset %d is outside the %d-byte buffer", pos, len(v.buf))
	}
	vt := pos - int64(int32(v.u32(int(pos))))
	if !v.inside(vt, 4) {
		return fbTable{}, v.errorf(path, "vtable of the table at offset %d is at %d, outside the buffer", pos, vt)
	}
	vlen, tlen := v.u16(int(vt)), v.u16(int(vt)+2)
	if vlen < 4 || vlen%2 != 0 || !v.inside(vt, int64(vlen)) {
		return fbTable{}, v.errorf(path, "vtable at offset %d has invalid size %d", vt, vlen)
	}
	if tlen < 4 || !v.inside(pos, int64(tlen)) {
		return fbTable{}, v.errorf(path, "table at offset %d has invalid size %d", pos, tlen)
	}
	if err := v.charge(int64(tlen), path); err != nil {
		return fbTable{}, err
	}
	return fbTable{pos: int(pos), vt: int(vt), vlen: vlen}, nil
}

// field returns the position of a field of the given size, or -1 if the
// table does not have it.
func (v *fbVerifier) field(t fbTable, slot, size int, path *pathElem) (int64, error) {
	vo := 4 + 2*slot
	if vo >= t.vlen {
		return -1, nil
	}
	off := v.u16(t.vt + vo)
	if off == 0 {
		return -1, nil
	}
	p := int64(t.pos) + int64(off)
	if !v.inside(p, int64(size)) {
		return -1, v.errorf(path, "field at offset %d runs past the end of the buffer", p)
	}
	return p, nil
}

// ref follows the uoffset field in slot and returns its target, or -1.
func (v *fbVerifier) ref(t fbTable, slot int, path *pathElem) (int64, error) {
	p, err := v.field(t, slot, 4, path)
	if err != nil || p < 0 {
		return -1, err
	}
	target := p + v.u32(int(p))
	if target >= int64(len(v.buf)) {
		return -1, v.errorf(path, "offset at %d points to %d, outside the %d-byte buffer", p, target, len(v.buf))
	}
	return target, nil
}

// vectorAt checks the vector whose length word is at pos and returns its
// element count.
func (v *fbVerifier) vectorAt(pos int64, elemSize int, path *pathElem) (int64, error) {
	if !v.inside(pos, 4) {
		return 0, v.errorf(path, "vector at offset %d is outside the buffer", pos)
	}
	n := v.u32(int(pos))
	if !v.inside(pos+4, n*int64(elemSize)) {
		return 0, v.errorf(path, "vector at offset %d claims %d elements of %d bytes, past the end of the %d-byte buffer", pos, n, elemSize, len(v.buf))
	}
	return n, v.charge(4+n*int64(elemSize), path)
}

func (v *fbVerifier) verifyTable(pos int64, spec *tableSpec, path *pathElem, depth int) error {
	if depth > maxVerifyDepth {
		return v.errorf(path, "tables nested more than %d deep", maxVerifyDepth)
	}
	t, err := v.table(pos, path)
	if err != nil {
		return err
	}
	if spec == nil {
		return nil
	}
	for _, f := range spec.fields {
		fp := &pathElem{parent: path, name: f.name, index: -1}
		switch f.kind {
		case scalarField:
			if _, err := v.field(t, f.slot, f.size, fp); err != nil {
				return err
			}
		case stringField, vectorField:
			target, err := v.ref(t, f.slot, fp)
			if err != nil {
				return err
			}
			if target >= 0 {
				if _, err := v.vectorAt(target, f.size, fp); err != nil {
					return err
				}
			}
		case tableField:
			target, err := v.ref(t, f.slot, fp)
			if err != nil {
				return err
			}
			if target >= 0 {
				if err := v.verifyTable(target, f.sub, fp, depth+1); err != nil {
					return err
				}
			}
		case tableVectorField:
			target, err := v.ref(t, f.slot, fp)
			if err != nil || target < 0 {
				if err != nil {
					return err
				}
				continue
			}
			n, err := v.vectorAt(target, 4, fp)
			if err != nil {
				return err
			}
			for j := int64(0); j < n; j++ {
				ep := target + 4 + 4*j
				elem := ep + v.u32(int(ep))
				if err := v.verifyTable(elem, f.sub, &pathElem{parent: path, name: f.name, index: int(j)}, depth+1); err != nil {
					return err
				}
			}
		case unionField:
			tp, err := v.field(t, f.slot-1, 1, fp)
			if err != nil {
				return err
			}
			typ := byte(0)
			if tp >= 0 {
				typ = v.buf[tp]
			}
			target, err := v.ref(t, f.slot, fp)
			if err != nil {
				return err
			}
			if target >= 0 && typ != 0 {
				if err := v.verifyTable(target, f.union(typ), fp, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
