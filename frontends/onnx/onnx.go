// Package onnx reads ONNX models (ModelProto, any IR version, ai.onnx
// opsets from 1 up) into tinygen's IR.
//
// The file is decoded with google.golang.org/protobuf into the types
// internal/onnxpb generates from the shared onnx.proto. Nothing in the
// file is trusted: every size, dimension, index and attribute is checked
// before it is used, data sizes are checked against declared dimensions
// before anything is allocated for them, the counts of nodes and tensors
// are bounded by ir.MaxOps and ir.MaxTensors, and external data is refused.
// Errors name the node: `node 3 "conv1" (Conv): ...`.
//
// ONNX is NCHW and the IR's convolutions and pools are NHWC (TFLite's
// layout): every layout-sensitive node becomes its NHWC IR op between two
// TRANSPOSE ops (NCHW → NHWC before, NHWC → NCHW after), constant weights
// are permuted at import, and the passes package's "layout" pass removes
// the transposes that cancel. Graph.Source is "onnx opset N" so that the
// ONNX-only passes know to run.
package onnx

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tinygen/tinygen/frontends/onnx/internal/onnxpb"
	"github.com/tinygen/tinygen/ir"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// SourcePrefix starts Graph.Source for graphs this frontend produced.
const SourcePrefix = "onnx"

// maxRank bounds the rank of any tensor the frontend reads.
const maxRank = 8

// maxNameInMessage bounds how much of a model-supplied name is quoted in
// an error message.
const maxNameInMessage = 80

// UnsupportedError is the error for a model that is valid ONNX but uses
// an operator, attribute or type tinygen does not compile.
type UnsupportedError struct {
	// Msg says what is unsupported and why.
	Msg string
}

// Error returns the message.
func (e *UnsupportedError) Error() string { return e.Msg }

// IsUnsupported reports whether err (or an error it wraps) is an
// UnsupportedError.
func IsUnsupported(err error) bool {
	var u *UnsupportedError
	return errors.As(err, &u)
}

// Looks reports whether data starts like a serialised ONNX ModelProto: a
// field-1 varint (ir_version), with "onnx" or a known exporter's name
// (producer_name, opset domain) in the first 4 KiB. It is a hint for choosing a
// frontend, never a validation.
func Looks(data []byte) bool {
	if len(data) < 4 || data[0] != 0x08 || data[1] >= 0x80 {
		return false
	}
	head := string(data[:min(len(data), 4096)])
	return strings.Contains(head, "onnx") || strings.Contains(head, "pytorch") || strings.Contains(head, "tf2onnx")
}

// Parse decodes an ONNX model and converts its main graph to an IR graph.
// Graph.Name is left empty for the caller.
func Parse(data []byte) (*ir.Graph, error) {
	return ParseWith(data, nil)
}

// InputNames returns the names of a model's graph inputs that are not
// initializers, in order: the inputs a test data set's input_<i>.pb files
// give.
func InputNames(data []byte) ([]string, error) {
	onnxpb.Init()
	var m onnxpb.ModelProto
	if err := (proto.UnmarshalOptions{RecursionLimit: 64}).Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("not a valid ONNX model (protocol buffer decoding failed: %v)", err)
	}
	init := map[string]bool{}
	for _, t := range m.GetGraph().GetInitializer() {
		init[t.GetName()] = true
	}
	var names []string
	for _, vi := range m.GetGraph().GetInput() {
		if !init[vi.GetName()] {
			names = append(names, vi.GetName())
		}
	}
	return names, nil
}

// ParseWith is Parse with some graph inputs bound to constants (by name):
// they become initializers, as when a model's parameters are fed as
// inputs (ONNX's node tests do so) and tinygen compiles them into the code.
// A bound value must have the input's declared type and element count.
func ParseWith(data []byte, consts map[string]*ir.Tensor) (*ir.Graph, error) {
	onnxpb.Init()
	var m onnxpb.ModelProto
	if err := (proto.UnmarshalOptions{RecursionLimit: 64}).Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("not a valid ONNX model (protocol buffer decoding failed: %v)", err)
	}
	if m.Graph == nil {
		return nil, fmt.Errorf("not a valid ONNX model: it has no graph")
	}
	opset, err := opsetVersion(&m)
	if err != nil {
		return nil, err
	}
	c := newConverter(opset)
	c.bound = consts
	if err := c.convert(m.Graph); err != nil {
		return nil, err
	}
	c.g.Source = fmt.Sprintf("%s opset %d", SourcePrefix, opset)
	c.g.Description = clip(m.GetProducerName() + " " + m.GetProducerVersion())
	return c.g, nil
}

// opsetVersion returns the imported ai.onnx opset version. Imports of other
// domains are accepted here; a node that uses one is refused by name.
func opsetVersion(m *onnxpb.ModelProto) (int64, error) {
	var v int64 = -1
	for _, o := range m.OpsetImport {
		switch o.GetDomain() {
		case "", "ai.onnx":
			if o.GetVersion() < 1 {
				return 0, fmt.Errorf("opset_import of ai.onnx has version %d, want 1 or more", o.GetVersion())
			}
			v = o.GetVersion()
		}
	}
	if v < 0 {
		if len(m.OpsetImport) == 0 && m.GetIrVersion() < 3 {
			// IR versions 1 and 2 had no opset_import: opset 1.
			return 1, nil
		}
		return 0, fmt.Errorf("the model imports no ai.onnx opset (opset_import has no entry for the default domain)")
	}
	return v, nil
}

// clip quotes at most maxNameInMessage bytes of model text.
func clip(s string) string {
	if len(s) > maxNameInMessage {
		return s[:maxNameInMessage] + "..."
	}
	return s
}

// dtypeOf maps an ONNX TensorProto.DataType to an IR type.
func dtypeOf(dt int32) (ir.DType, error) {
	switch onnxpb.TensorProto_DataType(dt) {
	case onnxpb.TensorProto_FLOAT:
		return ir.Float32, nil
	case onnxpb.TensorProto_UINT8:
		return ir.UInt8, nil
	case onnxpb.TensorProto_INT8:
		return ir.Int8, nil
	case onnxpb.TensorProto_INT16:
		return ir.Int16, nil
	case onnxpb.TensorProto_INT32:
		return ir.Int32, nil
	case onnxpb.TensorProto_INT64:
		return ir.Int64, nil
	case onnxpb.TensorProto_BOOL:
		return ir.Bool, nil
	}
	v := onnxpb.TensorProto_DataType(dt).Descriptor().Values().ByNumber(protoreflect.EnumNumber(dt))
	if v == nil {
		return 0, fmt.Errorf("unknown element type %d", dt)
	}
	name := string(v.Name())
	return 0, &UnsupportedError{Msg: fmt.Sprintf("element type %s is not supported (tinygen compiles float32, int8, uint8, int16, int32, int64 and bool tensors)", name)}
}
