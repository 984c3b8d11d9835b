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
	constBytes  = 12
	stepBytes   = 12
	argBytes    = 12
	// MaxRank is the largest input/output rank a blob records.
	MaxRank = 8
	// MaxArgs is the most argument records of one step (TG_RT_MAX_ARGS).
	MaxArgs = 32
	// MaxPtrs is the most pointer fields of one params struct.
	MaxPtrs = 8
)

// Argument kinds.
const (
	argNone   = 0
	argArena  = 1
	argInput  = 2
	argOutput = 3
	argConst  = 4
	argList   = 5
)

var dtypeCodes = map[ir.DType]byte{ir.Int8: 1, ir.UInt8: 2, ir.Int16: 3, ir.Int32: 4, ir.Int64: 5, ir.Float32: 6, ir.Bool: 7}

var elemCodes = map[string]byte{"int8_t": 1, "uint8_t": 2, "int16_t": 3, "int32_t": 4, "int64_t": 5, "float": 6}

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
	e := &encoder{}
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
	var steps, args, params []byte
	nArgs := 0
	for _, st := range p.Steps {
		var id int
		var rec []byte
		var as []byte
		n := 0
		switch st.Kind {
		case program.ViewStep:
			continue
		case program.CopyStep:
			id = CopyID
			src, err := argRecord(st.Copy.From, false)
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: step %d: %w", st.Index, err)
			}
			dst, _ := argRecord(program.Location{Kind: program.LocOutput, Index: st.Copy.Output, Bytes: st.Copy.Bytes}, true)
			binary.LittleEndian.PutUint32(src[8:], uint32(st.Copy.Bytes))
			as, n = append(src, dst...), 2
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
			as, n, err = stepArgs(d, st)
			if err != nil {
				return nil, fmt.Errorf("codegen/blob: step %d (%s): %w", st.Index, st.Kernel, err)
			}
		}
		if n > MaxArgs {
			return nil, fmt.Errorf("codegen/blob: step %d has %d arguments (the runtime takes %d)", st.Index, n, MaxArgs)
		}
		r := make([]byte, stepBytes)
		binary.LittleEndian.PutUint16(r[0:], uint16(id))
		binary.LittleEndian.PutUint16(r[2:], uint16(n))
		binary.LittleEndian.PutUint32(r[4:], uint32(len(params))) // relative; fixed below
		binary.LittleEndian.PutUint32(r[8:], uint32(nArgs))
		if rec == nil {
			binary.LittleEndian.PutUint32(r[4:], 0xffffffff) // no parameters
		}
		steps = append(steps, r...)
		args = append(args, as...)
		nArgs += n
		params = append(params, rec...)
		for len(params)%4 != 0 {
			params = append(params, 0)
		}
	}
	if len(steps)/stepBytes > 0xffff {
		return nil, fmt.Errorf("codegen/blob: %d steps (at most 65535)", len(steps)/stepBytes)
	}
	ioOff := HeaderBytes
	constOff := ioOff + len(ios)
	stepOff := constOff + constBytes*len(p.Constants)
	argOff := stepOff + len(steps)
	dataOff := argOff + len(args)
	paramOff := dataOff
	// Step records point at their parameters inside the data region.
	for i := 0; i < len(steps); i += stepBytes {
		v := binary.LittleEndian.Uint32(steps[i+4:])
		if v == 0xffffffff {
			v = uint32(paramOff)
		} else {
			v += uint32(paramOff)
		}
		binary.LittleEndian.PutUint32(steps[i+4:], v)
	}
	body := make([]byte, 0, dataOff+len(params))
	body = append(body, make([]byte, HeaderBytes)...)
	body = append(body, ios...)
	constTable := len(body)
	body = append(body, make([]byte, constBytes*len(p.Constants))...)
	body = append(body, steps...)
	body = append(body, args...)
	body = append(body, params...)
	for i, c := range p.Constants {
		code, ok := elemCodes[c.Elem]
		if !ok {
			return nil, fmt.Errorf("codegen/blob: constant %s has element type %s", c.Symbol, c.Elem)
		}
		a := max(c.Align, program.ElemSize(c.Elem), 4)
		for len(body)%a != 0 {
			body = append(body, 0)
		}
		off := len(body)
		body = e.constBytes(body, &c)
		r := body[constTable+i*constBytes:]
		binary.LittleEndian.PutUint32(r[0:], uint32(off))
		binary.LittleEndian.PutUint32(r[4:], uint32(len(body)-off))
		r[8] = code
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
	le.PutUint32(h[36:], uint32(constOff))
	le.PutUint32(h[40:], uint32(len(p.Constants)))
	le.PutUint32(h[44:], uint32(stepOff))
	le.PutUint32(h[48:], uint32(len(steps)/stepBytes))
	le.PutUint32(h[52:], uint32(argOff))
	le.PutUint32(h[56:], uint32(nArgs))
	le.PutUint32(h[60:], uint32(dataOff))
	le.PutUint32(h[12:], crc32.ChecksumIEEE(body[HeaderBytes:]))
	return body, nil
}

type encoder struct{}

// constBytes appends a constant's elements, little-endian.
func (e *encoder) constBytes(b []byte, c *program.Constant) []byte {
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
	code, ok := dtypeCodes[t.DType]
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

// argRecord encodes one location.
func argRecord(l program.Location, write bool) ([]byte, error) {
	r := make([]byte, argBytes)
	switch l.Kind {
	case program.LocNone:
		r[0] = argNone
	case program.LocArena, program.LocScratch:
		r[0] = argArena
		binary.LittleEndian.PutUint32(r[4:], uint32(l.Offset))
	case program.LocInput:
		r[0] = argInput
		binary.LittleEndian.PutUint32(r[4:], uint32(l.Index))
	case program.LocOutput:
		r[0] = argOutput
		binary.LittleEndian.PutUint32(r[4:], uint32(l.Index))
	case program.LocConst:
		r[0] = argConst
		binary.LittleEndian.PutUint32(r[4:], uint32(l.Index))
	default:
		return nil, fmt.Errorf("location kind %v", l.Kind)
	}
	if l.Kind != program.LocNone {
		binary.LittleEndian.PutUint32(r[8:], uint32(l.Bytes))
	}
	if write {
		if l.Kind == program.LocNone || l.Kind == program.LocInput || l.Kind == program.LocConst {
			return nil, fmt.Errorf("a written argument in %v storage", l.Kind)
		}
		r[1] = 1
	}
	return r, nil
}

// stepArgs encodes a kernel step's arguments against the kernel's
// prototype.
func stepArgs(d *Decls, st program.Step) ([]byte, int, error) {
	proto, ok := d.Protos[st.Kernel]
	if !ok {
		return nil, 0, fmt.Errorf("no prototype of %s in the kernel headers", st.Kernel)
	}
	if len(proto)-1 != len(st.Args) {
		return nil, 0, fmt.Errorf("%d arguments, the prototype has %d", len(st.Args), len(proto)-1)
	}
	var out []byte
	n := 0
	for i, a := range st.Args {
		par := proto[i+1]
		write := !par.Const
		if a.Output && !write {
			return nil, 0, fmt.Errorf("argument %s is written but const in the prototype", a.Name)
		}
		if par.List != (a.List != nil) {
			return nil, 0, fmt.Errorf("argument %s: list in the prototype %v, in the step %v", a.Name, par.List, a.List != nil)
		}
		if a.List != nil {
			if len(a.List) == 0 {
				return nil, 0, fmt.Errorf("argument %s: empty list", a.Name)
			}
			r := make([]byte, argBytes)
			r[0] = argList
			binary.LittleEndian.PutUint32(r[4:], uint32(len(a.List)))
			binary.LittleEndian.PutUint32(r[8:], uint32(len(a.List)))
			out = append(out, r...)
			n++
			for _, l := range a.List {
				x, err := argRecord(l, false)
				if err != nil {
					return nil, 0, fmt.Errorf("argument %s: %w", a.Name, err)
				}
				out = append(out, x...)
				n++
			}
			continue
		}
		x, err := argRecord(a.Loc, write)
		if err != nil {
			return nil, 0, fmt.Errorf("argument %s: %w", a.Name, err)
		}
		out = append(out, x...)
		n++
	}
	return out, n, nil
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
