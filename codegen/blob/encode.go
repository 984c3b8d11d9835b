// encode.go: the blob serialiser: a Program's steps, parameters, argument
// locations, constants, arena and inputs/outputs as the little-endian
// format of docs/blob-format.md.

package blob

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"math"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/program"
)

// Format constants (docs/blob-format.md).
const (
	// Magic starts every blob.
	Magic = "TGBL"
	// FormatVersion is the version this package writes and the runtime
	// reads.
	FormatVersion = 2
	// HeaderBytes is the size of the fixed header.
	HeaderBytes = 64
	ioBytes     = 48
	stepBytes   = 20
	// constAlign is the alignment of the region of constants, the
	// largest alignment a constant may ask for.
	constAlign = 64
	// MaxRank is the largest input/output rank a blob records.
	MaxRank = 8
	// MaxArgs is the most operand entries of one step (TG_RT_MAX_ARGS).
	MaxArgs = 32
	// MaxPtrs is the most pointer fields of one params struct.
	MaxPtrs = 8
)

// Operand entries are two words, a location and its bytes: opAbsent for
// NULL, opList|n followed by n operands, or a location: a value with its
// kind in the low two bits.
const (
	opAbsent = 0xffffffff
	opList   = 0x80000000
	kArena   = 0 // the value is a byte offset in the arena
	kInput   = 1 // the value >> 2 is an input index
	kOutput  = 2 // the value >> 2 is an output index
	kConst   = 3 // the value is the blob offset of the constant's data
)

// dtypeCode returns the blob code of an element type.
func dtypeCode(dt ir.DType) (byte, bool) {
	switch dt {
	case ir.Int8:
		return 1, true
	case ir.UInt8:
		return 2, true
	case ir.Int16:
		return 3, true
	case ir.Int32:
		return 4, true
	case ir.Int64:
		return 5, true
	case ir.Float32:
		return 6, true
	case ir.Bool:
		return 7, true
	}
	return 0, false
}

// knownElem reports whether a constant's C element type can be stored.
func knownElem(elem string) bool {
	switch elem {
	case "int8_t", "uint8_t", "int16_t", "int32_t", "int64_t", "float":
		return true
	}
	return false
}

// GeneratorID is the 32-bit FNV-1a hash of the generator text, recorded
// in the header (informative: the runtime does not check it).
func GeneratorID(generator string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(generator))
	return h.Sum32()
}

// Encode serialises p. d holds the declarations of the kernel headers p's
// steps use (their parameter structs and prototypes).
func Encode(p *program.Program, d *Decls, generator string) ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("codegen/blob: nil program")
	}
	if len(p.Inputs) == 0 || len(p.Inputs)+len(p.Outputs) > 0xffff {
		return nil, fmt.Errorf("codegen/blob: %d inputs and %d outputs (want at least one input, at most 65535 in all)", len(p.Inputs), len(p.Outputs))
	}
	align := max(p.Arena.Align, 4)
	if align > 64 || align&(align-1) != 0 {
		return nil, fmt.Errorf("codegen/blob: arena alignment %d (want a power of two up to 64)", p.Arena.Align)
	}
	var ios []byte
	for _, list := range [][]program.IO{p.Inputs, p.Outputs} {
		for _, io := range list {
			r, err := ioRecord(io.Tensor)
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: %w", err)
			}
			ios = append(ios, r...)
		}
	}
	// The constants go at the end of the data region, in order, each at its
	// alignment; the region of constants starts 64-aligned, so that a
	// constant's offset from it keeps its alignment. Their positions are
	// known before the records, which point into them relative to their
	// step's constant block.
	cpos := make([]int, len(p.Constants))
	cend := make([]int, len(p.Constants))
	var consts []byte
	for i, c := range p.Constants {
		if !knownElem(c.Elem) {
			return nil, fmt.Errorf("codegen/blob: constant %s has element type %s", c.Symbol, c.Elem)
		}
		a := max(c.Align, program.ElemSize(c.Elem), 4)
		if a > constAlign {
			return nil, fmt.Errorf("codegen/blob: constant %s needs %d-byte alignment (a blob gives at most %d)", c.Symbol, a, constAlign)
		}
		for len(consts)%a != 0 {
			consts = append(consts, 0)
		}
		cpos[i] = len(consts)
		consts = constBytes(consts, &c)
		cend[i] = len(consts)
	}
	var steps, params []byte
	var ops []uint32
	// Fix-ups once the layout is known: operand entries holding a
	// constant's position, and step fields holding a position in the
	// region of constants or a record offset.
	var constOps, blockFields, recFields []int
	records := map[string]int{}
	// Steps with equal operand entries (a model's repeated layers on a
	// ping-pong plan) share them: the runtime then checks them once.
	runs := map[string]int{}
	for _, st := range p.Steps {
		var id, rec, block, blockBytes int
		var as []uint32
		var asConst []int // the entries of as that name a constant
		switch st.Kind {
		case program.ViewStep:
			continue
		case program.CopyStep:
			id = CopyID
			src, err := operand(st.Copy.From, false)
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: step %d: %w", st.Index, err)
			}
			dst, err := operand(program.Location{Kind: program.LocOutput, Index: st.Copy.Output, Bytes: st.Copy.Bytes}, true)
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: step %d: %w", st.Index, err)
			}
			as = append(src, dst...)
			if st.Copy.From.Kind == program.LocConst {
				asConst = append(asConst, 0)
			}
			rec = st.Copy.Bytes
		default:
			var ok bool
			id, ok = KernelID(st.Kernel)
			if !ok {
				return nil, fmt.Errorf("codegen/blob: step %d: kernel %s has no blob id (add it to codegen/blob/ids.go)", st.Index, st.Kernel)
			}
			refs, err := constRefs(st.Params, len(p.Constants))
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: step %d (%s): %w", st.Index, st.Kernel, err)
			}
			// The step's constant block spans the constants its pointer
			// fields name; the fields hold offsets from its start.
			if len(refs) > 0 {
				block, blockBytes = cpos[refs[0]], 0
				for _, r := range refs {
					block = min(block, cpos[r])
				}
				for _, r := range refs {
					blockBytes = max(blockBytes, cend[r]-block)
				}
			}
			r, err := encodeParams(d, st, func(i int) uint32 { return uint32(cpos[i] - block) })
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: step %d (%s): %w", st.Index, st.Kernel, err)
			}
			// Steps with equal records (a model's repeated layers) share
			// one: the runtime then checks it once.
			key := fmt.Sprintf("%d:%s", id, r)
			at, ok := records[key]
			if !ok {
				at = len(params)
				records[key] = at
				params = append(params, r...)
				for len(params)%4 != 0 {
					params = append(params, 0)
				}
			}
			rec = at
			as, err = stepArgs(d, st, func(i int) { asConst = append(asConst, i) })
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: step %d (%s): %w", st.Index, st.Kernel, err)
			}
		}
		if len(as)/2 > MaxArgs {
			return nil, fmt.Errorf("codegen/blob: step %d has %d operand entries (the runtime takes %d)", st.Index, len(as)/2, MaxArgs)
		}
		// A constant's entry holds its index until the layout is known:
		// the key tells it from an arena offset of the same value.
		key := fmt.Sprint(as, asConst)
		first, ok := runs[key]
		if !ok {
			first = len(ops) / 2
			runs[key] = first
			for _, i := range asConst {
				constOps = append(constOps, len(ops)+i)
			}
			ops = append(ops, as...)
		}
		r := make([]byte, stepBytes)
		binary.LittleEndian.PutUint16(r[0:], uint16(id))
		binary.LittleEndian.PutUint16(r[2:], uint16(len(as)/2))
		binary.LittleEndian.PutUint32(r[4:], uint32(rec))
		binary.LittleEndian.PutUint32(r[8:], uint32(first))
		binary.LittleEndian.PutUint32(r[12:], uint32(block))
		binary.LittleEndian.PutUint32(r[16:], uint32(blockBytes))
		if id != CopyID {
			recFields = append(recFields, len(steps)+4)
			blockFields = append(blockFields, len(steps)+12)
		}
		steps = append(steps, r...)
	}
	if len(steps)/stepBytes > 0xffff {
		return nil, fmt.Errorf("codegen/blob: %d steps (at most 65535)", len(steps)/stepBytes)
	}
	if len(ops)/2 > 0xffffff {
		return nil, fmt.Errorf("codegen/blob: %d operand entries (at most 2^24 - 1)", len(ops)/2)
	}
	ioOff := HeaderBytes
	stepOff := ioOff + len(ios)
	opOff := stepOff + len(steps)
	dataOff := opOff + 4*len(ops)
	constOff := (dataOff + len(params) + constAlign - 1) / constAlign * constAlign
	le := binary.LittleEndian
	for _, f := range recFields {
		le.PutUint32(steps[f:], le.Uint32(steps[f:])+uint32(dataOff))
	}
	for _, f := range blockFields {
		le.PutUint32(steps[f:], le.Uint32(steps[f:])+uint32(constOff))
	}
	for _, i := range constOps {
		c := int(ops[i] >> 2)
		if c >= len(cpos) {
			return nil, fmt.Errorf("codegen/blob: an operand names constant %d of %d", c, len(cpos))
		}
		ops[i] = uint32(constOff+cpos[c]) | kConst
	}
	body := make([]byte, 0, constOff+len(consts))
	body = append(body, make([]byte, HeaderBytes)...)
	body = append(body, ios...)
	body = append(body, steps...)
	for _, a := range ops {
		body = le.AppendUint32(body, a)
	}
	body = append(body, params...)
	for len(body) < constOff {
		body = append(body, 0)
	}
	body = append(body, consts...)
	if len(body) > math.MaxInt32 {
		return nil, fmt.Errorf("codegen/blob: the blob would hold %d bytes", len(body))
	}
	h := body[:HeaderBytes]
	copy(h, Magic)
	le.PutUint16(h[4:], FormatVersion)
	le.PutUint16(h[6:], HeaderBytes)
	le.PutUint32(h[8:], uint32(len(body)))
	le.PutUint32(h[16:], GeneratorID(generator))
	arena := (p.Arena.Size + align - 1) / align * align
	le.PutUint32(h[20:], uint32(arena))
	le.PutUint16(h[24:], uint16(align))
	le.PutUint16(h[28:], uint16(len(p.Inputs)))
	le.PutUint16(h[30:], uint16(len(p.Outputs)))
	le.PutUint32(h[32:], uint32(ioOff))
	le.PutUint32(h[44:], uint32(stepOff))
	le.PutUint32(h[48:], uint32(len(steps)/stepBytes))
	le.PutUint32(h[52:], uint32(opOff))
	le.PutUint32(h[56:], uint32(len(ops)/2))
	le.PutUint32(h[60:], uint32(dataOff))
	le.PutUint32(h[12:], crc32.ChecksumIEEE(body[HeaderBytes:]))
	return body, nil
}

// operand returns the operand entry of a location: its location word
// and its bytes. A constant's location holds its index shifted left by 2
// until the layout fixes it up.
func operand(l program.Location, write bool) ([]uint32, error) {
	if l.Bytes < 0 || l.Bytes >= opList {
		return nil, fmt.Errorf("%d bytes", l.Bytes)
	}
	n := uint32(l.Bytes)
	switch l.Kind {
	case program.LocNone:
		if write {
			return nil, fmt.Errorf("a written argument is absent")
		}
		return []uint32{opAbsent, 0}, nil
	case program.LocConst:
		if write {
			return nil, fmt.Errorf("a written argument in constant storage")
		}
		return []uint32{uint32(l.Index) << 2, n}, nil
	case program.LocArena, program.LocScratch:
		if l.Offset < 0 || l.Offset >= opList || l.Offset%4 != 0 {
			return nil, fmt.Errorf("arena offset %d (want a multiple of 4 below 2^31)", l.Offset)
		}
		return []uint32{uint32(l.Offset) | kArena, n}, nil
	case program.LocInput:
		if write {
			return nil, fmt.Errorf("a written argument in input storage")
		}
		return []uint32{uint32(l.Index)<<2 | kInput, n}, nil
	case program.LocOutput:
		return []uint32{uint32(l.Index)<<2 | kOutput, n}, nil
	}
	return nil, fmt.Errorf("location kind %v", l.Kind)
}

// constBytes appends a constant's elements, little-endian.
func constBytes(b []byte, c *program.Constant) []byte {
	size := program.ElemSize(c.Elem)
	if c.Elem == "float" {
		for _, v := range c.Floats {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		return b
	}
	for _, v := range c.Ints {
		for k := 0; k < size; k++ {
			b = append(b, byte(uint64(v)>>(8*k)))
		}
	}
	return b
}

func ioRecord(t *ir.Tensor) ([]byte, error) {
	code, ok := dtypeCode(t.DType)
	if !ok {
		return nil, fmt.Errorf("%v: element type %v has no blob code", t, t.DType)
	}
	if len(t.Shape) > MaxRank {
		return nil, fmt.Errorf("%v: rank %d (a blob records at most %d)", t, len(t.Shape), MaxRank)
	}
	r := make([]byte, ioBytes)
	r[0], r[1] = code, byte(len(t.Shape))
	binary.LittleEndian.PutUint32(r[4:], uint32(t.NumBytes()))
	if q := t.Quant; q != nil && len(q.Scale) == 1 {
		binary.LittleEndian.PutUint32(r[8:], math.Float32bits(q.Scale[0]))
		binary.LittleEndian.PutUint32(r[12:], uint32(int32(q.ZeroPoint[0])))
	}
	for i, d := range t.Shape {
		binary.LittleEndian.PutUint32(r[16+4*i:], uint32(d))
	}
	return r, nil
}

// stepArgs encodes a kernel step's operand entries (two words each)
// against the kernel's prototype; constant notes the position (among the
// returned words) of every constant operand's location, which the layout
// fixes up.
func stepArgs(d *Decls, st program.Step, constant func(int)) ([]uint32, error) {
	proto, ok := d.Protos[st.Kernel]
	if !ok {
		return nil, fmt.Errorf("no prototype of %s in the kernel headers", st.Kernel)
	}
	if len(proto)-1 != len(st.Args) {
		return nil, fmt.Errorf("%d arguments, the prototype has %d", len(st.Args), len(proto)-1)
	}
	var out []uint32
	add := func(l program.Location, write bool) error {
		x, err := operand(l, write)
		if err != nil {
			return err
		}
		if l.Kind == program.LocConst {
			constant(len(out))
		}
		out = append(out, x...)
		return nil
	}
	for i, a := range st.Args {
		par := proto[i+1]
		write := !par.Const
		if a.Output && !write {
			return nil, fmt.Errorf("argument %s is written but const in the prototype", a.Name)
		}
		if par.List != (a.List != nil) {
			return nil, fmt.Errorf("argument %s: list in the prototype %v, in the step %v", a.Name, par.List, a.List != nil)
		}
		if a.List != nil {
			if len(a.List) == 0 || len(a.List) >= MaxArgs {
				return nil, fmt.Errorf("argument %s: a list of %d", a.Name, len(a.List))
			}
			out = append(out, uint32(opList|len(a.List)), 0)
			for _, l := range a.List {
				if l.Kind == program.LocNone {
					return nil, fmt.Errorf("argument %s: an absent list element", a.Name)
				}
				if err := add(l, false); err != nil {
					return nil, fmt.Errorf("argument %s: %w", a.Name, err)
				}
			}
			continue
		}
		if err := add(a.Loc, write); err != nil {
			return nil, fmt.Errorf("argument %s: %w", a.Name, err)
		}
	}
	return out, nil
}

// constRefs returns the constants a step's pointer fields name, in field
// order.
func constRefs(s program.Struct, nConsts int) ([]int, error) {
	var out []int
	for _, f := range s.Fields {
		switch v := f.Value.(type) {
		case program.Struct:
			sub, err := constRefs(v, nConsts)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		case program.ConstRef:
			if v.Index < 0 || v.Index >= nConsts {
				return nil, fmt.Errorf("field %s: constant %d out of range", f.Name, v.Index)
			}
			out = append(out, v.Index)
		}
	}
	return out, nil
}

// encodeParams encodes a step's parameter struct as its record: every
// leaf in declaration order, little-endian, packed; a ConstRef as the
// uint32 rel returns for its constant (its offset in the step's constant
// block). Fields the Program leaves out are zero, as in the AOT emitter's
// designated initialisers.
func encodeParams(d *Decls, st program.Step, rel func(int) uint32) ([]byte, error) {
	leaves, err := d.Leaves(st.ParamsType)
	if err != nil {
		return nil, err
	}
	if st.Params.Type != "" && st.Params.Type != st.ParamsType {
		return nil, fmt.Errorf("parameters of type %s for a %s", st.Params.Type, st.ParamsType)
	}
	values := map[string]program.Value{}
	flatten(st.Params, "", values)
	used := 0
	var rec []byte
	for _, l := range leaves {
		v, ok := values[l.Path]
		if ok {
			used++
		}
		rec, err = appendLeaf(rec, l, v, rel)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", l.Path, err)
		}
	}
	if used != len(values) {
		for path := range values {
			found := false
			for _, l := range leaves {
				found = found || l.Path == path
			}
			if !found {
				return nil, fmt.Errorf("field %s is not a member of %s", path, st.ParamsType)
			}
		}
	}
	return rec, nil
}

func flatten(s program.Struct, prefix string, out map[string]program.Value) {
	for _, f := range s.Fields {
		if sub, ok := f.Value.(program.Struct); ok {
			flatten(sub, prefix+f.Name+".", out)
			continue
		}
		out[prefix+f.Name] = f.Value
	}
}

func appendLeaf(rec []byte, l Leaf, v program.Value, rel func(int) uint32) ([]byte, error) {
	if l.Kind == Ptr {
		ref, ok := v.(program.ConstRef)
		if !ok {
			return nil, fmt.Errorf("a pointer member needs a constant, got %T", v)
		}
		return binary.LittleEndian.AppendUint32(rec, rel(ref.Index)), nil
	}
	var ints []int64
	var floats []float32
	switch x := v.(type) {
	case nil:
	case program.Int:
		ints = []int64{int64(x)}
	case program.Float:
		floats = []float32{float32(x)}
	case program.Array:
		if x.Len() > l.Count {
			return nil, fmt.Errorf("%d elements for %d", x.Len(), l.Count)
		}
		ints, floats = x.Ints, x.Floats
	default:
		return nil, fmt.Errorf("value %T for a %s member", v, l.Elem)
	}
	if v != nil && l.Count > 1 {
		if _, ok := v.(program.Array); !ok {
			return nil, fmt.Errorf("a scalar for an array member")
		}
	}
	for i := 0; i < l.Count; i++ {
		var bits uint64
		switch {
		case l.Elem == "float":
			f := float32(0)
			if i < len(floats) {
				f = floats[i]
			} else if i < len(ints) {
				f = float32(ints[i])
			}
			bits = uint64(math.Float32bits(f))
		default:
			n := int64(0)
			if i < len(ints) {
				n = ints[i]
			} else if i < len(floats) {
				return nil, fmt.Errorf("a float for a %s member", l.Elem)
			}
			if !fits(n, l.Elem) {
				return nil, fmt.Errorf("value %d does not fit %s", n, l.Elem)
			}
			bits = uint64(n)
		}
		for k := 0; k < int(l.Kind); k++ {
			rec = append(rec, byte(bits>>(8*k)))
		}
	}
	return rec, nil
}

func fits(n int64, elem string) bool {
	switch elem {
	case "int8_t":
		return n >= math.MinInt8 && n <= math.MaxInt8
	case "uint8_t":
		return n >= 0 && n <= math.MaxUint8
	case "int16_t":
		return n >= math.MinInt16 && n <= math.MaxInt16
	case "uint16_t":
		return n >= 0 && n <= math.MaxUint16
	case "int32_t":
		return n >= math.MinInt32 && n <= math.MaxInt32
	case "uint32_t":
		return n >= 0 && n <= math.MaxUint32
	}
	return false
}
