package ir

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"text/scanner"
)

// maxLineBytes bounds one line of textual IR (large constants are long).
const maxLineBytes = 1 << 30

// Parse reads a graph in the textual IR format written by Print. Errors
// name the line and column. It does not call Verify.
func Parse(r io.Reader) (*Graph, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLineBytes)
	g := &Graph{}
	ids := map[int]*Tensor{}
	lineNo, sawHeader, sawGraph := 0, false, false
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !sawHeader {
			if line != TextHeader {
				return nil, fmt.Errorf("line %d: want header %q, got %q", lineNo, TextHeader, line)
			}
			sawHeader = true
			continue
		}
		p := newLineParser(line, lineNo)
		var err error
		switch kw := p.ident(); kw {
		case "graph":
			if sawGraph {
				return nil, p.errorf("second graph line")
			}
			sawGraph = true
			err = p.graphLine(g)
		case "tensor":
			if len(g.Tensors) >= MaxTensors {
				return nil, p.errorf("%v", CountError("tensors", len(g.Tensors)+1, MaxTensors))
			}
			err = p.tensorLine(g, ids)
		case "input", "output":
			t := p.ref(ids)
			if kw == "input" {
				g.Inputs = append(g.Inputs, t)
			} else {
				g.Outputs = append(g.Outputs, t)
			}
		case "op":
			if len(g.Ops) >= MaxOps {
				return nil, p.errorf("%v", CountError("operators", len(g.Ops)+1, MaxOps))
			}
			err = p.opLine(g, ids)
		default:
			return nil, p.errorf("unknown line kind %q", kw)
		}
		if err == nil {
			err = p.end()
		}
		if err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", lineNo+1, err)
	}
	if !sawHeader {
		return nil, fmt.Errorf("empty input: want header %q", TextHeader)
	}
	return g, nil
}

// ParseString is Parse on a string.
func ParseString(s string) (*Graph, error) { return Parse(strings.NewReader(s)) }

type lineParser struct {
	s    scanner.Scanner
	tok  rune
	line int
	err  error
}

func newLineParser(line string, n int) *lineParser {
	p := &lineParser{line: n}
	p.s.Init(strings.NewReader(line))
	p.s.Mode = scanner.ScanIdents | scanner.ScanInts | scanner.ScanFloats | scanner.ScanStrings
	p.s.Error = func(s *scanner.Scanner, msg string) {
		if p.err == nil {
			p.err = p.errorf("%s", msg)
		}
	}
	p.next()
	return p
}

func (p *lineParser) next() { p.tok = p.s.Scan() }

func (p *lineParser) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d col %d: %s", p.line, p.s.Position.Column, fmt.Sprintf(format, args...))
}

func (p *lineParser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = p.errorf(format, args...)
	}
}

func (p *lineParser) end() error {
	if p.err == nil && p.tok != scanner.EOF {
		p.fail("unexpected %q at end of line", p.s.TokenText())
	}
	return p.err
}

func (p *lineParser) expect(r rune) {
	if p.tok != r {
		p.fail("want %q, got %q", string(r), p.s.TokenText())
		return
	}
	p.next()
}

func (p *lineParser) ident() string {
	if p.tok != scanner.Ident {
		p.fail("want a word, got %q", p.s.TokenText())
		return ""
	}
	s := p.s.TokenText()
	p.next()
	return s
}

func (p *lineParser) keyword(kw string) {
	if got := p.ident(); got != kw && p.err == nil {
		p.fail("want %q, got %q", kw, got)
	}
}

func (p *lineParser) str() string {
	if p.tok != scanner.String {
		p.fail("want a quoted string, got %q", p.s.TokenText())
		return ""
	}
	s, err := strconv.Unquote(p.s.TokenText())
	if err != nil {
		p.fail("bad string: %v", err)
	}
	p.next()
	return s
}

func (p *lineParser) integer() int64 {
	neg := false
	if p.tok == '-' {
		neg = true
		p.next()
	}
	if p.tok != scanner.Int {
		p.fail("want an integer, got %q", p.s.TokenText())
		return 0
	}
	v, err := strconv.ParseInt(p.s.TokenText(), 10, 64)
	if err != nil {
		p.fail("bad integer: %v", err)
	}
	p.next()
	if neg {
		v = -v
	}
	return v
}

func (p *lineParser) intValue() int {
	v := p.integer()
	if v > math.MaxInt32 || v < math.MinInt32 {
		p.fail("integer %d out of range", v)
		return 0
	}
	return int(v)
}

func (p *lineParser) float32Value() float32 {
	sign := ""
	if p.tok == '-' || p.tok == '+' {
		sign = string(p.tok)
		p.next()
	}
	switch p.tok {
	case scanner.Int, scanner.Float, scanner.Ident:
	default:
		p.fail("want a number, got %q", p.s.TokenText())
		return 0
	}
	v, err := strconv.ParseFloat(sign+p.s.TokenText(), 32)
	if err != nil {
		p.fail("bad number: %v", err)
	}
	p.next()
	return float32(v)
}

// list parses "[a,b,...]" calling item for each element.
func (p *lineParser) list(item func()) {
	p.expect('[')
	for p.err == nil && p.tok != ']' {
		item()
		if p.tok != ',' {
			break
		}
		p.next()
	}
	p.expect(']')
}

func (p *lineParser) ints() []int {
	out := []int{}
	p.list(func() { out = append(out, p.intValue()) })
	return out
}

func (p *lineParser) ref(ids map[int]*Tensor) *Tensor {
	p.expect('%')
	id := p.intValue()
	if p.err != nil {
		return nil
	}
	t, ok := ids[id]
	if !ok {
		p.fail("tensor %%%d is not declared", id)
	}
	return t
}

func (p *lineParser) graphLine(g *Graph) error {
	g.Name = p.str()
	p.keyword("source")
	g.Source = p.str()
	p.keyword("description")
	g.Description = p.str()
	return p.err
}

func (p *lineParser) tensorLine(g *Graph, ids map[int]*Tensor) error {
	p.expect('%')
	id := p.intValue()
	t := &Tensor{Name: p.str()}
	dt, err := ParseDType(p.ident())
	if err != nil {
		p.fail("%v", err)
	}
	t.DType = dt
	t.Shape = p.ints()
	if p.err != nil {
		return p.err
	}
	if _, err := t.Shape.NumElements(); err != nil {
		p.fail("%v", err)
	}
	for p.err == nil && p.tok == scanner.Ident {
		switch kw := p.ident(); kw {
		case "quant":
			t.Quant = p.quant()
		case "data":
			p.expect('=')
			p.keyword("hex")
			b, err := hex.DecodeString(p.str())
			if err != nil {
				p.fail("bad hex data: %v", err)
			}
			if b == nil {
				b = []byte{}
			}
			t.Data = b
		default:
			p.fail("unknown tensor field %q", kw)
		}
	}
	if p.err != nil {
		return p.err
	}
	if id != len(g.Tensors) {
		return p.errorf("tensor %%%d declared out of order (want %%%d)", id, len(g.Tensors))
	}
	ids[id] = g.AddTensor(t)
	return nil
}

func (p *lineParser) quant() *Quant {
	q := &Quant{}
	p.expect('(')
	for p.err == nil && p.tok == scanner.Ident {
		key := p.ident()
		p.expect('=')
		switch key {
		case "axis":
			q.Axis = p.intValue()
		case "scale":
			p.list(func() { q.Scale = append(q.Scale, p.float32Value()) })
		case "zp":
			p.list(func() { q.ZeroPoint = append(q.ZeroPoint, p.integer()) })
		default:
			p.fail("unknown quantisation field %q", key)
		}
	}
	p.expect(')')
	return q
}

func (p *lineParser) refs(ids map[int]*Tensor, allowNil bool) []*Tensor {
	out := []*Tensor{}
	p.expect('(')
	for p.err == nil && p.tok != ')' {
		if allowNil && p.tok == scanner.Ident && p.s.TokenText() == "_" {
			p.next()
			out = append(out, nil)
		} else {
			out = append(out, p.ref(ids))
		}
		if p.tok != ',' {
			break
		}
		p.next()
	}
	p.expect(')')
	return out
}

func (p *lineParser) opLine(g *Graph, ids map[int]*Tensor) error {
	o := &Op{SourceIndex: p.intValue()}
	k, err := ParseOpKind(p.ident())
	if err != nil {
		p.fail("%v", err)
		return p.err
	}
	o.Kind = k
	o.Inputs = p.refs(ids, true)
	p.expect('-')
	p.expect('>')
	o.Outputs = p.refs(ids, false)
	attrs := NewAttrs(k)
	if p.tok == '{' {
		p.next()
		p.attrs(attrs)
		p.expect('}')
	}
	if p.err == nil && p.tok == scanner.Ident {
		p.keyword("name")
		o.Name = p.str()
	}
	if p.err != nil {
		return p.err
	}
	o.Attrs = reflect.ValueOf(attrs).Elem().Interface().(Attrs)
	g.Ops = append(g.Ops, o)
	return nil
}

// enumParsers parse the enumerated attribute types added for ONNX.
var enumParsers = map[reflect.Type]func(string) (int, error){
	reflect.TypeOf(DepthToSpaceMode(0)): func(s string) (int, error) { return parseEnum(depthToSpaceNames, s, "mode") },
	reflect.TypeOf(CoordMode(0)):        func(s string) (int, error) { return parseEnum(coordModeNames, s, "coordinate mode") },
	reflect.TypeOf(NearestMode(0)):      func(s string) (int, error) { return parseEnum(nearestModeNames, s, "nearest mode") },
	reflect.TypeOf(PadMode(0)):          func(s string) (int, error) { return parseEnum(padModeNames, s, "pad mode") },
	reflect.TypeOf(PoolRounding(0)):     func(s string) (int, error) { return parseEnum(poolRoundingNames, s, "pool rounding") },
	reflect.TypeOf(QuantizeRounding(0)): func(s string) (int, error) {
		return parseEnum(quantizeRoundingNames, s, "quantize rounding")
	},
}

var (
	paddingType    = reflect.TypeOf(Padding(0))
	activationType = reflect.TypeOf(Activation(0))
)

// attrs parses Name=value pairs into the struct dst points to.
func (p *lineParser) attrs(dst Attrs) {
	v := reflect.ValueOf(dst).Elem()
	for p.err == nil && p.tok == scanner.Ident {
		name := p.ident()
		p.expect('=')
		f := v.FieldByName(name)
		if !f.IsValid() || p.err != nil {
			p.fail("%T has no attribute %q", dst, name)
			return
		}
		switch {
		case f.Type() == paddingType:
			pd, err := ParsePadding(p.ident())
			if err != nil {
				p.fail("%v", err)
			}
			f.Set(reflect.ValueOf(pd))
		case enumParsers[f.Type()] != nil:
			v, err := enumParsers[f.Type()](p.ident())
			if err != nil {
				p.fail("%v", err)
			}
			f.Set(reflect.ValueOf(v).Convert(f.Type()))
		case f.Type() == activationType:
			a, err := ParseActivation(p.ident())
			if err != nil {
				p.fail("%v", err)
			}
			f.Set(reflect.ValueOf(a))
		case f.Kind() == reflect.Int:
			f.SetInt(int64(p.intValue()))
		case f.Kind() == reflect.Bool:
			switch s := p.ident(); s {
			case "true", "false":
				f.SetBool(s == "true")
			default:
				p.fail("want true or false, got %q", s)
			}
		case f.Kind() == reflect.Float32:
			f.SetFloat(float64(p.float32Value()))
		case f.Type() == reflect.TypeOf([]int{}):
			f.Set(reflect.ValueOf(p.ints()))
		default:
			p.fail("attribute %s has unsupported type %v", name, f.Type())
		}
	}
}
