package tflite

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
	"github.com/tinygen/tinygen/ir"
)

// SchemaVersion is the TFLite schema version the frontend reads and writes.
const SchemaVersion = 3

// maxRank bounds tensor rank. TFLite kernels handle at most 6 dimensions;
// the bound also keeps a hostile file from making every tensor allocate a
// huge shape.
const maxRank = 8

// maxSharedCopy is how many bytes of constant data shared between
// tensors (several tensors naming one buffer) Parse copies beyond four
// times the file size before it refuses the file.
const maxSharedCopy = 16 << 20

// maxNameInMessage bounds how much of a model-supplied name (tensor name,
// custom op code) is quoted in an error message.
const maxNameInMessage = 64

// Load reads and parses a .tflite file. Its errors start with the path.
func Load(path string) (*ir.Graph, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// readFile reads at most maxFileSize bytes of a file; path errors are
// unwrapped because the caller prefixes the path itself.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("file is larger than %d bytes", maxFileSize)
	}
	return data, nil
}

// Parse converts a .tflite flatbuffer into an ir.Graph and verifies it
// (ir.Graph.Verify).
//
// The graph's tensors are the model's subgraph-0 tensors in index order
// (tensor i has ID i), including tensors no op uses; constants own a copy
// of their data. Ops keep their model index as SourceIndex. Graph.Name is
// left empty for the caller; Graph.Source is "tflite v<schema version>"
// and Graph.Description the model's description.
//
// Parse never panics on malformed input; an internal failure is reported
// as an error containing "internal error".
func Parse(data []byte) (g *ir.Graph, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("internal error while parsing (a bug in the tflite frontend; please report it with the file): %v", r)
		}
	}()
	if err := verifyFlatbuffer(data); err != nil {
		return nil, err
	}
	p := &parser{data: data, m: schema.GetRootAsModel(data, 0), copyBudget: 4*int64(len(data)) + maxSharedCopy}
	return p.parse()
}

// UnsupportedOp is one operator the frontend cannot represent.
type UnsupportedOp struct {
	Index int    // operator index in the subgraph
	Name  string // builtin name ("CAST") or "CUSTOM:<custom_code>"
}

// UnsupportedOpsError lists every unsupported operator of a model.
type UnsupportedOpsError struct {
	Subgraph int
	Ops      []UnsupportedOp
}

// Error formats the list: "subgraph 0: unsupported operators: op 3
// CUSTOM:SignalEnergy, op 7 CAST".
func (e *UnsupportedOpsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "subgraph %d: unsupported operators: ", e.Subgraph)
	for i, o := range e.Ops {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "op %d %s", o.Index, o.Name)
	}
	return b.String()
}

// opcode is one resolved entry of the model's operator_codes.
type opcode struct {
	name string    // "CONV_2D", "CUSTOM:SignalEnergy", "BuiltinOperator(999)"
	kind ir.OpKind // ir.InvalidOp if unsupported
}

// parser holds the state of one Parse call.
type parser struct {
	data  []byte
	m     *schema.Model
	sg    schema.SubGraph
	g     *ir.Graph
	codes []opcode
	// copyBudget bounds the constant bytes copied into tensors, so that
	// many tensors naming one large buffer cannot multiply the file's size.
	copyBudget int64
}

func (p *parser) parse() (*ir.Graph, error) {
	m := p.m
	if v := m.Version(); v != SchemaVersion {
		return nil, fmt.Errorf("TFLite schema version %d is not supported (want %d)", v, SchemaVersion)
	}
	switch n := m.SubgraphsLength(); {
	case n == 0:
		return nil, fmt.Errorf("model has no subgraphs")
	case n > 1:
		return nil, fmt.Errorf("model has %d subgraphs; only single-subgraph models are supported (no control flow such as WHILE, IF or CALL_ONCE)", n)
	}
	m.Subgraphs(&p.sg, 0)
	p.g = &ir.Graph{
		Description: string(m.Description()),
		Source:      "tflite v" + strconv.FormatUint(uint64(m.Version()), 10),
	}
	if n := m.OperatorCodesLength(); n > ir.MaxOps {
		return nil, fmt.Errorf("%d operator codes is more than the %d operators tinygen compiles", n, ir.MaxOps)
	}
	if n := p.sg.OperatorsLength(); n > ir.MaxOps {
		return nil, fmt.Errorf("subgraph 0: %w", ir.CountError("operators", n, ir.MaxOps))
	}
	if n := p.sg.TensorsLength(); n > ir.MaxTensors {
		return nil, fmt.Errorf("subgraph 0: %w", ir.CountError("tensors", n, ir.MaxTensors))
	}
	p.readOpcodes()
	if err := p.checkSupported(); err != nil {
		return nil, err
	}
	for i, n := 0, p.sg.TensorsLength(); i < n; i++ {
		var t schema.Tensor
		p.sg.Tensors(&t, i)
		it, err := p.tensor(i, &t)
		if err != nil {
			return nil, fmt.Errorf("subgraph 0: %w", err)
		}
		p.g.AddTensor(it)
	}
	var err error
	if p.g.Inputs, err = p.ioTensors("input", p.sg.InputsLength(), p.sg.Inputs); err != nil {
		return nil, err
	}
	if p.g.Outputs, err = p.ioTensors("output", p.sg.OutputsLength(), p.sg.Outputs); err != nil {
		return nil, err
	}
	for i, n := 0, p.sg.OperatorsLength(); i < n; i++ {
		var op schema.Operator
		p.sg.Operators(&op, i)
		o, err := p.operator(i, &op)
		if err != nil {
			return nil, fmt.Errorf("subgraph 0: %w", err)
		}
		p.g.AddOp(o)
	}
	if err := p.g.Verify(); err != nil {
		return nil, fmt.Errorf("subgraph 0: invalid graph: %w", err)
	}
	return p.g, nil
}

// readOpcodes resolves operator_codes: the effective builtin code is the
// larger of builtin_code and deprecated_builtin_code (older converters
// write only the latter, newer ones write 127 there for codes above 126).
func (p *parser) readOpcodes() {
	n := p.m.OperatorCodesLength()
	p.codes = make([]opcode, n)
	for i := range p.codes {
		var oc schema.OperatorCode
		p.m.OperatorCodes(&oc, i)
		code := max(schema.BuiltinOperator(oc.DeprecatedBuiltinCode()), oc.BuiltinCode())
		c := opcode{name: code.String()}
		if code == schema.BuiltinOperatorCUSTOM {
			c.name = "CUSTOM:" + messageName(string(oc.CustomCode()))
		} else {
			c.kind, _ = kindOf(code)
		}
		p.codes[i] = c
	}
}

// checkSupported returns an *UnsupportedOpsError listing every operator
// whose opcode has no IR kind, or an error for an opcode index out of
// range.
func (p *parser) checkSupported() error {
	var bad []UnsupportedOp
	for i, n := 0, p.sg.OperatorsLength(); i < n; i++ {
		var op schema.Operator
		p.sg.Operators(&op, i)
		idx := op.OpcodeIndex()
		if uint64(idx) >= uint64(len(p.codes)) {
			return fmt.Errorf("subgraph 0: op %d: opcode index %d out of range (the model has %d operator codes)", i, idx, len(p.codes))
		}
		if c := p.codes[idx]; c.kind == ir.InvalidOp {
			bad = append(bad, UnsupportedOp{Index: i, Name: c.name})
		}
	}
	if len(bad) > 0 {
		return &UnsupportedOpsError{Subgraph: 0, Ops: bad}
	}
	return nil
}

// messageName makes a name from the model safe and short for messages:
// printable names are kept as they are, others quoted; long ones cut.
func messageName(s string) string {
	cut := false
	if len(s) > maxNameInMessage {
		s, cut = s[:maxNameInMessage], true
	}
	plain := s != ""
	for _, r := range s {
		if r <= ' ' || r > '~' || r == '"' || r == '\\' {
			plain = false
			break
		}
	}
	if !plain {
		s = strconv.Quote(s)
	}
	if cut {
		s += "..."
	}
	return s
}

// tensorRef names tensor i for messages: `tensor 5 "conv1/weights"`.
func tensorRef(i int, name string) string {
	if len(name) > maxNameInMessage {
		return fmt.Sprintf("tensor %d %q...", i, name[:maxNameInMessage])
	}
	return fmt.Sprintf("tensor %d %q", i, name)
}

// dtypeOf maps a TFLite tensor type to an IR dtype.
func dtypeOf(t schema.TensorType) (ir.DType, bool) {
	switch t {
	case schema.TensorTypeINT8:
		return ir.Int8, true
	case schema.TensorTypeUINT8:
		return ir.UInt8, true
	case schema.TensorTypeINT16:
		return ir.Int16, true
	case schema.TensorTypeINT32:
		return ir.Int32, true
	case schema.TensorTypeINT64:
		return ir.Int64, true
	case schema.TensorTypeFLOAT32:
		return ir.Float32, true
	case schema.TensorTypeBOOL:
		return ir.Bool, true
	}
	return ir.InvalidDType, false
}

// tensorTypeOf is the inverse of dtypeOf.
func tensorTypeOf(d ir.DType) (schema.TensorType, bool) {
	switch d {
	case ir.Int8:
		return schema.TensorTypeINT8, true
	case ir.UInt8:
		return schema.TensorTypeUINT8, true
	case ir.Int16:
		return schema.TensorTypeINT16, true
	case ir.Int32:
		return schema.TensorTypeINT32, true
	case ir.Int64:
		return schema.TensorTypeINT64, true
	case ir.Float32:
		return schema.TensorTypeFLOAT32, true
	case ir.Bool:
		return schema.TensorTypeBOOL, true
	}
	return 0, false
}

// tensor converts tensor i of subgraph 0.
func (p *parser) tensor(i int, t *schema.Tensor) (*ir.Tensor, error) {
	name := string(t.Name())
	ref := tensorRef(i, name)
	dt, ok := dtypeOf(t.Type())
	if !ok {
		return nil, fmt.Errorf("%s: type %v is not supported (want int8, uint8, int16, int32, int64, float32 or bool)", ref, t.Type())
	}
	switch {
	case t.IsVariable():
		return nil, fmt.Errorf("%s: variable tensors are not supported", ref)
	case t.Sparsity(nil) != nil:
		return nil, fmt.Errorf("%s: sparse tensors are not supported", ref)
	case t.ExternalBuffer() != 0:
		return nil, fmt.Errorf("%s: tensors with external buffers are not supported", ref)
	}
	rank := t.ShapeLength()
	if rank > maxRank {
		return nil, fmt.Errorf("%s: rank %d is more than the supported %d", ref, rank, maxRank)
	}
	shape := make(ir.Shape, rank)
	for j := range shape {
		shape[j] = int(t.Shape(j))
	}
	for j, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("%s: shape %v has a dynamic (%d) dimension %d; dynamic shapes are not supported, convert the model with fixed input shapes", ref, []int(shape), d, j)
		}
	}
	n, err := shape.NumElements()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	q, err := p.quant(t, shape)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	out := &ir.Tensor{Name: name, DType: dt, Shape: shape, Quant: q}
	data, err := p.bufferData(t.Buffer())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	if len(data) > 0 {
		want := int64(n) * int64(dt.Size())
		if int64(len(data)) != want {
			return nil, fmt.Errorf("%s: buffer %d holds %d bytes, but shape %v of %v needs %d", ref, t.Buffer(), len(data), shape, dt.LongName(), want)
		}
		p.copyBudget -= want
		if p.copyBudget < 0 {
			return nil, fmt.Errorf("%s: constant data shared between tensors adds up to more than %d bytes", ref, 4*int64(len(p.data))+maxSharedCopy)
		}
		out.Data = append([]byte(nil), data...)
	}
	return out, nil
}

// quant converts a tensor's quantisation parameters; nil if it has none
// (no table, or no scales or zero points, as in TFLite). The axis of a
// per-tensor quantisation is 0. Older TOCO converters copied the depthwise
// filter's quantized_dimension (3) onto 1-D bias tensors; for a rank-1
// tensor whose only dimension matches the scale count, an out-of-range
// quantized_dimension is read as 0, as TFLite Micro does in effect.
func (p *parser) quant(t *schema.Tensor, shape ir.Shape) (*ir.Quant, error) {
	var qp schema.QuantizationParameters
	q := t.Quantization(&qp)
	if q == nil {
		return nil, nil
	}
	if typ := q.DetailsType(); typ != schema.QuantizationDetailsNONE {
		return nil, fmt.Errorf("quantisation details of type %v (custom or block-wise quantisation) are not supported", typ)
	}
	ns, nz := q.ScaleLength(), q.ZeroPointLength()
	if ns == 0 || nz == 0 {
		return nil, nil
	}
	if ns != nz {
		return nil, fmt.Errorf("quantisation has %d scales but %d zero points", ns, nz)
	}
	out := &ir.Quant{Scale: make([]float32, ns), ZeroPoint: make([]int64, nz)}
	for j := range out.Scale {
		out.Scale[j] = q.Scale(j)
		out.ZeroPoint[j] = q.ZeroPoint(j)
	}
	if ns > 1 {
		out.Axis = int(q.QuantizedDimension())
		if len(shape) == 1 && shape[0] == ns && out.Axis >= 1 {
			out.Axis = 0
		}
	}
	return out, nil
}

// bufferData returns the bytes of buffer idx (nil for buffer 0 or an
// empty buffer), inline or, in the offset/size form, from the file after
// the flatbuffer. The slice aliases the input.
func (p *parser) bufferData(idx uint32) ([]byte, error) {
	if idx == 0 {
		return nil, nil
	}
	if n := p.m.BuffersLength(); uint64(idx) >= uint64(n) {
		return nil, fmt.Errorf("buffer index %d out of range (the model has %d buffers)", idx, n)
	}
	var b schema.Buffer
	p.m.Buffers(&b, int(idx))
	inline := b.DataBytes()
	off, size := b.Offset(), b.Size()
	if off <= 1 { // 0 and 1 are TFLite's "not used" markers
		return inline, nil
	}
	if len(inline) > 0 {
		return nil, fmt.Errorf("buffer %d has both inline data and an external offset", idx)
	}
	if fileLen := uint64(len(p.data)); off > fileLen || size > fileLen-off {
		return nil, fmt.Errorf("buffer %d: %d bytes at file offset %d lie outside the %d-byte file", idx, size, off, fileLen)
	}
	return p.data[off : off+size], nil
}

// ioTensors resolves the subgraph's input or output tensor indices.
func (p *parser) ioTensors(what string, n int, at func(int) int32) ([]*ir.Tensor, error) {
	out := make([]*ir.Tensor, 0, min(n, len(p.g.Tensors)+1))
	for j := 0; j < n; j++ {
		idx := at(j)
		if idx < 0 || int(idx) >= len(p.g.Tensors) {
			return nil, fmt.Errorf("subgraph 0: %s %d refers to tensor %d, but there are %d tensors", what, j, idx, len(p.g.Tensors))
		}
		out = append(out, p.g.Tensors[idx])
	}
	return out, nil
}
