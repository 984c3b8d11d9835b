// Package onnxbuild writes small ONNX models (serialised ModelProto) from
// Go values, for tests, fuzz seeds and the hostile-model suite. It writes
// whatever it is given, valid or not: tests use it to craft broken models
// too.
package onnxbuild

import (
	"github.com/tinygen/tinygen/frontends/onnx/internal/onnxpb"
	"google.golang.org/protobuf/proto"
)

// ONNX element types (TensorProto.DataType).
const (
	Float = int32(onnxpb.TensorProto_FLOAT)
	UInt8 = int32(onnxpb.TensorProto_UINT8)
	Int8  = int32(onnxpb.TensorProto_INT8)
	Int32 = int32(onnxpb.TensorProto_INT32)
	Int64 = int32(onnxpb.TensorProto_INT64)
	F64   = int32(onnxpb.TensorProto_DOUBLE)
)

// Model is a model with one graph.
type Model struct {
	IRVersion int64
	// Opsets maps domains ("" for ai.onnx) to imported versions.
	Opsets   map[string]int64
	Producer string
	Nodes    []Node
	Inputs   []Value
	Outputs  []Value
	Inits    []Tensor
}

// Node is one node.
type Node struct {
	Op, Name, Domain string
	In, Out          []string
	Attrs            []Attr
}

// Attr is one attribute; exactly one of the value fields is meant to be
// set (Type says which).
type Attr struct {
	Name   string
	Type   int32 // onnxpb.AttributeProto_AttributeType
	I      int64
	Ints   []int64
	F      float32
	Floats []float32
	S      string
	T      *Tensor
}

// Value is a graph input or output: element type and dimensions; a
// dimension listed in Params is symbolic with that name instead.
type Value struct {
	Name   string
	DType  int32
	Dims   []int64
	Params map[int]string
	// NoShape leaves the shape out.
	NoShape bool
}

// Tensor is an initializer or a Constant's value.
type Tensor struct {
	Name   string
	DType  int32
	Dims   []int64
	Floats []float32
	Ints   []int64 // int64 data
	I32    []int32 // int32_data (int8, uint8, int32, ...)
	Raw    []byte
	// External marks the data as stored in an external file.
	External bool
}

// AttrI returns an INT attribute.
func AttrI(name string, v int64) Attr {
	return Attr{Name: name, Type: int32(onnxpb.AttributeProto_INT), I: v}
}

// AttrInts returns an INTS attribute.
func AttrInts(name string, v ...int64) Attr {
	return Attr{Name: name, Type: int32(onnxpb.AttributeProto_INTS), Ints: v}
}

// AttrF returns a FLOAT attribute.
func AttrF(name string, v float32) Attr {
	return Attr{Name: name, Type: int32(onnxpb.AttributeProto_FLOAT), F: v}
}

// AttrFloats returns a FLOATS attribute.
func AttrFloats(name string, v ...float32) Attr {
	return Attr{Name: name, Type: int32(onnxpb.AttributeProto_FLOATS), Floats: v}
}

// AttrS returns a STRING attribute.
func AttrS(name, v string) Attr {
	return Attr{Name: name, Type: int32(onnxpb.AttributeProto_STRING), S: v}
}

// AttrT returns a TENSOR attribute.
func AttrT(name string, t Tensor) Attr {
	return Attr{Name: name, Type: int32(onnxpb.AttributeProto_TENSOR), T: &t}
}

func (t Tensor) proto() *onnxpb.TensorProto {
	tp := &onnxpb.TensorProto{Name: proto.String(t.Name), DataType: proto.Int32(t.DType), Dims: t.Dims,
		FloatData: t.Floats, Int64Data: t.Ints, Int32Data: t.I32, RawData: t.Raw}
	if t.External {
		tp.DataLocation = onnxpb.TensorProto_EXTERNAL.Enum()
		tp.ExternalData = []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("weights.bin")}}
	}
	return tp
}

func (v Value) proto() *onnxpb.ValueInfoProto {
	tt := &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(v.DType)}
	if !v.NoShape {
		tt.Shape = &onnxpb.TensorShapeProto{}
		for i, d := range v.Dims {
			dim := &onnxpb.TensorShapeProto_Dimension{}
			if p, ok := v.Params[i]; ok {
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: p}
			} else {
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}
			}
			tt.Shape.Dim = append(tt.Shape.Dim, dim)
		}
	}
	return &onnxpb.ValueInfoProto{Name: proto.String(v.Name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: tt}}}
}

// Encode serialises the model (deterministically).
func (m Model) Encode() []byte {
	onnxpb.Init()
	mp := &onnxpb.ModelProto{IrVersion: proto.Int64(m.IRVersion), ProducerName: proto.String(m.Producer), Graph: &onnxpb.GraphProto{Name: proto.String("g")}}
	if m.IRVersion == 0 {
		mp.IrVersion = proto.Int64(8)
	}
	if m.Producer == "" {
		mp.ProducerName = proto.String("onnxbuild")
	}
	opsets := m.Opsets
	if opsets == nil {
		opsets = map[string]int64{"": 13}
	}
	for _, d := range []string{"", "ai.onnx", "ai.onnx.ml", "com.microsoft"} {
		if v, ok := opsets[d]; ok {
			mp.OpsetImport = append(mp.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: proto.String(d), Version: proto.Int64(v)})
		}
	}
	g := mp.Graph
	for _, n := range m.Nodes {
		np := &onnxpb.NodeProto{OpType: proto.String(n.Op), Name: proto.String(n.Name), Domain: proto.String(n.Domain), Input: n.In, Output: n.Out}
		for _, a := range n.Attrs {
			ap := &onnxpb.AttributeProto{Name: proto.String(a.Name), Type: onnxpb.AttributeProto_AttributeType(a.Type).Enum()}
			switch onnxpb.AttributeProto_AttributeType(a.Type) {
			case onnxpb.AttributeProto_INT:
				ap.I = proto.Int64(a.I)
			case onnxpb.AttributeProto_INTS:
				ap.Ints = a.Ints
			case onnxpb.AttributeProto_FLOAT:
				ap.F = proto.Float32(a.F)
			case onnxpb.AttributeProto_FLOATS:
				ap.Floats = a.Floats
			case onnxpb.AttributeProto_STRING:
				ap.S = []byte(a.S)
			case onnxpb.AttributeProto_TENSOR:
				ap.T = a.T.proto()
			}
			np.Attribute = append(np.Attribute, ap)
		}
		g.Node = append(g.Node, np)
	}
	for _, v := range m.Inputs {
		g.Input = append(g.Input, v.proto())
	}
	for _, v := range m.Outputs {
		g.Output = append(g.Output, v.proto())
	}
	for _, t := range m.Inits {
		g.Initializer = append(g.Initializer, t.proto())
	}
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(mp)
	if err != nil {
		panic(err) // only for invalid UTF-8 in strings, which tests do not write
	}
	return data
}

// EncodeTensor serialises a TensorProto (a test_data_set file).
func EncodeTensor(t Tensor) []byte {
	onnxpb.Init()
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(t.proto())
	if err != nil {
		panic(err)
	}
	return data
}
