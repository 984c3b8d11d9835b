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
	FormatVersion = 1
	// HeaderBytes is the size of the fixed header.
	HeaderBytes = 64
	ioBytes     = 48
	tensorBytes = 12
	stepBytes   = 12
	// MaxRank is the largest input/output rank a blob records.
	MaxRank = 8
	// MaxArgs is the most argument records of one step (TG_RT_MAX_ARGS).
	MaxArgs = 32
	// MaxPtrs is the most pointer fields of one params struct.
	MaxPtrs = 8
)

// Tensor kinds.
const (
	tArena  = 1
	tInput  = 2
	tOutput = 3
	tConst  = 4
)

// Argument entries: a tensor index, argAbsent for NULL, or argList|n
// followed by n tensor indices.
const (
	argAbsent = 0xffff
	argList   = 0x8000
	// MaxTensors is the most tensor records of a blob.
	MaxTensors = 0x7fff
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
	// Tensors 0..len(Constants)-1 are the constants, in order, so that a
	// ConstRef's index is its tensor index; the others follow as steps
	// use them.
	tt := &tensorTable{index: map[tensorKey]int{}}
	for range p.Constants {
		tt.keys = append(tt.keys, tensorKey{})
	}
	var steps, params []byte
	var args []uint16
	for _, st := range p.Steps {
		var id int
		var rec []byte
		var as []uint16
		switch st.Kind {
		case program.ViewStep:
			continue
		case program.CopyStep:
			id = CopyID
			src, err := tt.add(st.Copy.From, false)
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: step %d: %w", st.Index, err)
			}
			dst, err := tt.add(program.Location{Kind: program.LocOutput, Index: st.Copy.Output, Bytes: st.Copy.Bytes}, true)
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: step %d: %w", st.Index, err)
			}
			as = []uint16{src, dst}
		default:
			var ok bool
			id, ok = KernelID(st.Kernel)
			if !ok {
				return nil, fmt.Errorf("codegen/blob: step %d: kernel %s has no blob id (add it to codegen/blob/ids.go)", st.Index, st.Kernel)
			}
			var err error
			rec, err = encodeParams(d, st, len(p.Constants))
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: step %d (%s): %w", st.Index, st.Kernel, err)
			}
			as, err = stepArgs(d, st, tt)
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: step %d (%s): %w", st.Index, st.Kernel, err)
			}
		}
		if len(as) > MaxArgs {
			return nil, fmt.Errorf("codegen/blob: step %d has %d argument entries (the runtime takes %d)", st.Index, len(as), MaxArgs)
		}
		r := make([]byte, stepBytes)
		binary.LittleEndian.PutUint16(r[0:], uint16(id))
		binary.LittleEndian.PutUint16(r[2:], uint16(len(as)))
		binary.LittleEndian.PutUint32(r[4:], uint32(len(params))) // relative; fixed below
		binary.LittleEndian.PutUint32(r[8:], uint32(len(args)))
		steps = append(steps, r...)
		args = append(args, as...)
		params = append(params, rec...)
		for len(params)%4 != 0 {
			params = append(params, 0)
		}
	}
	if len(steps)/stepBytes > 0xffff {
		return nil, fmt.Errorf("codegen/blob: %d steps (at most 65535)", len(steps)/stepBytes)
	}
	if len(tt.keys) > MaxTensors {
		return nil, fmt.Errorf("codegen/blob: %d tensors (at most %d)", len(tt.keys), MaxTensors)
	}
	ioOff := HeaderBytes
	tensorOff := ioOff + len(ios)
	stepOff := tensorOff + tensorBytes*len(tt.keys)
	argOff := stepOff + len(steps)
	dataOff := argOff + (2*len(args)+3)/4*4
	for i := 0; i < len(steps); i += stepBytes {
		v := binary.LittleEndian.Uint32(steps[i+4:])
		binary.LittleEndian.PutUint32(steps[i+4:], v+uint32(dataOff))
	}
	body := make([]byte, 0, dataOff+len(params))
	body = append(body, make([]byte, HeaderBytes)...)
	body = append(body, ios...)
	tensorTable := len(body)
	body = append(body, make([]byte, tensorBytes*len(tt.keys))...)
	body = append(body, steps...)
	for _, a := range args {
		body = binary.LittleEndian.AppendUint16(body, a)
	}
	for len(body) < dataOff {
		body = append(body, 0)
	}
	body = append(body, params...)
	for i, k := range tt.keys {
		r := body[tensorTable+i*tensorBytes:]
		if i < len(p.Constants) {
			continue
		}
		r[0] = k.kind
		binary.LittleEndian.PutUint32(r[4:], uint32(k.a))
		binary.LittleEndian.PutUint32(r[8:], uint32(k.bytes))
	}
	for i, c := range p.Constants {
		if !knownElem(c.Elem) {
			return nil, fmt.Errorf("codegen/blob: constant %s has element type %s", c.Symbol, c.Elem)
		}
		a := max(c.Align, program.ElemSize(c.Elem), 4)
		for len(body)%a != 0 {
			body = append(body, 0)
		}
		off := len(body)
		body = constBytes(body, &c)
		r := body[tensorTable+i*tensorBytes:]
		r[0] = tConst
		binary.LittleEndian.PutUint32(r[4:], uint32(off))
		binary.LittleEndian.PutUint32(r[8:], uint32(len(body)-off))
	}
	if len(body) > math.MaxInt32 {
		return nil, fmt.Errorf("codegen/blob: the blob would hold %d bytes", len(body))
	}
	h := body[:HeaderBytes]
	copy(h, Magic)
	le := binary.LittleEndian
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
	le.PutUint32(h[36:], uint32(tensorOff))
	le.PutUint32(h[40:], uint32(len(tt.keys)))
	le.PutUint32(h[44:], uint32(stepOff))
	le.PutUint32(h[48:], uint32(len(steps)/stepBytes))
	le.PutUint32(h[52:], uint32(argOff))
	le.PutUint32(h[56:], uint32(len(args)))
	le.PutUint32(h[60:], uint32(dataOff))
	le.PutUint32(h[12:], crc32.ChecksumIEEE(body[HeaderBytes:]))
	return body, nil
}

// tensorKey identifies a tensor record: kind, offset or index, bytes.
type tensorKey struct {
	kind  byte
	a     int
	bytes int
}

// tensorTable collects the tensor records, one per distinct storage.
type tensorTable struct {
	keys  []tensorKey
	index map[tensorKey]int
}

// add returns the argument entry of a location.
func (tt *tensorTable) add(l program.Location, write bool) (uint16, error) {
	var k tensorKey
	switch l.Kind {
	case program.LocNone:
		if write {
			return 0, fmt.Errorf("a written argument is absent")
		}
		return argAbsent, nil
	case program.LocConst:
		if write {
			return 0, fmt.Errorf("a written argument in constant storage")
		}
		return uint16(l.Index), nil
	case program.LocArena, program.LocScratch:
		k = tensorKey{tArena, l.Offset, l.Bytes}
	case program.LocInput:
		if write {
			return 0, fmt.Errorf("a written argument in input storage")
		}
		k = tensorKey{tInput, l.Index, l.Bytes}
	case program.LocOutput:
		k = tensorKey{tOutput, l.Index, l.Bytes}
	default:
		return 0, fmt.Errorf("location kind %v", l.Kind)
	}
	if i, ok := tt.index[k]; ok {
		return uint16(i), nil
	}
	tt.index[k] = len(tt.keys)
	tt.keys = append(tt.keys, k)
	if len(tt.keys) > MaxTensors {
		return 0, fmt.Errorf("more than %d tensors", MaxTensors)
	}
	return uint16(len(tt.keys) - 1), nil
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

// stepArgs encodes a kernel step's argument entries against the
// kernel's prototype.
func stepArgs(d *Decls, st program.Step, tt *tensorTable) ([]uint16, error) {
	proto, ok := d.Protos[st.Kernel]
	if !ok {
		return nil, fmt.Errorf("no prototype of %s in the kernel headers", st.Kernel)
	}
	if len(proto)-1 != len(st.Args) {
		return nil, fmt.Errorf("%d arguments, the prototype has %d", len(st.Args), len(proto)-1)
	}
	var out []uint16
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
			out = append(out, uint16(argList|len(a.List)))
			for _, l := range a.List {
				x, err := tt.add(l, false)
				if err != nil {
					return nil, fmt.Errorf("argument %s: %w", a.Name, err)
				}
				if x == argAbsent {
					return nil, fmt.Errorf("argument %s: an absent list element", a.Name)
				}
				out = append(out, x)
			}
			continue
		}
		x, err := tt.add(a.Loc, write)
		if err != nil {
			return nil, fmt.Errorf("argument %s: %w", a.Name, err)
		}
		out = append(out, x)
	}
	return out, nil
}

// encodeParams encodes a step's parameter struct as its record: every
// leaf in declaration order, little-endian, packed; a ConstRef as a
// uint32 constant index. Fields the Program leaves out are zero, as in
// the AOT emitter's designated initialisers.
func encodeParams(d *Decls, st program.Step, nConsts int) ([]byte, error) {
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
		rec, err = appendLeaf(rec, l, v, nConsts)
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

func appendLeaf(rec []byte, l Leaf, v program.Value, nConsts int) ([]byte, error) {
	if l.Kind == Ptr {
		ref, ok := v.(program.ConstRef)
		if !ok {
			return nil, fmt.Errorf("a pointer member needs a constant, got %T", v)
		}
		if ref.Index < 0 || ref.Index >= nConsts {
			return nil, fmt.Errorf("constant %d out of range", ref.Index)
		}
		return binary.LittleEndian.AppendUint32(rec, uint32(ref.Index)), nil
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
