// Decoding of TensorProto (initializers, Constant nodes, test vectors) and
// of ValueInfoProto shapes, with every size checked before allocation.
package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/tinygen/tinygen/frontends/onnx/internal/onnxpb"
	"github.com/tinygen/tinygen/ir"
	"google.golang.org/protobuf/proto"
)

// DecodeTensor decodes a serialised TensorProto (a test_data_set_*/*.pb
// file) into an IR constant tensor holding its data.
func DecodeTensor(data []byte) (*ir.Tensor, error) {
	onnxpb.Init()
	var tp onnxpb.TensorProto
	if err := (proto.UnmarshalOptions{RecursionLimit: 16}).Unmarshal(data, &tp); err != nil {
		return nil, fmt.Errorf("not a valid ONNX TensorProto: %v", err)
	}
	return tensorFromProto(&tp)
}

// tensorFromProto converts a TensorProto with its data into a constant.
func tensorFromProto(tp *onnxpb.TensorProto) (*ir.Tensor, error) {
	name := clip(tp.GetName())
	if tp.GetDataLocation() == onnxpb.TensorProto_EXTERNAL || len(tp.ExternalData) > 0 {
		return nil, &UnsupportedError{Msg: fmt.Sprintf("tensor %q keeps its data in an external file, which tinygen does not read "+
			"(save the model with its weights inside: onnx.save_model(m, path, save_as_external_data=False))", name)}
	}
	if tp.Segment != nil {
		return nil, fmt.Errorf("tensor %q is a segment of a larger tensor, which tinygen does not read", name)
	}
	dt, err := dtypeOf(tp.GetDataType())
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	if len(tp.Dims) > maxRank {
		return nil, fmt.Errorf("tensor %q has rank %d, more than %d", name, len(tp.Dims), maxRank)
	}
	shape := make(ir.Shape, len(tp.Dims))
	for i, d := range tp.Dims {
		if d < 0 || d > ir.MaxElements {
			return nil, fmt.Errorf("tensor %q: dimension %d is %d", name, i, d)
		}
		shape[i] = int(d)
	}
	n, err := shape.NumElements()
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	size := dt.Size()
	t := &ir.Tensor{Name: tp.GetName(), DType: dt, Shape: shape}
	if raw := tp.RawData; raw != nil {
		if len(raw) != n*size {
			return nil, fmt.Errorf("tensor %q has %d bytes of raw data, its shape %v of %v needs %d", name, len(raw), shape, dt.LongName(), n*size)
		}
		t.Data = append(make([]byte, 0, len(raw)), raw...)
		return t, nil
	}
	// Typed fields: check the count before allocating the output.
	var have int
	switch dt {
	case ir.Float32:
		have = len(tp.FloatData)
	case ir.Int64:
		have = len(tp.Int64Data)
	default:
		have = len(tp.Int32Data)
	}
	if have != n {
		return nil, fmt.Errorf("tensor %q has %d values, its shape %v needs %d", name, have, shape, n)
	}
	t.Data = make([]byte, n*size)
	for i := 0; i < n; i++ {
		switch dt {
		case ir.Float32:
			binary.LittleEndian.PutUint32(t.Data[4*i:], math.Float32bits(tp.FloatData[i]))
		case ir.Int64:
			binary.LittleEndian.PutUint64(t.Data[8*i:], uint64(tp.Int64Data[i]))
		case ir.Int32:
			binary.LittleEndian.PutUint32(t.Data[4*i:], uint32(tp.Int32Data[i]))
		case ir.Int16:
			binary.LittleEndian.PutUint16(t.Data[2*i:], uint16(tp.Int32Data[i]))
		default: // int8, uint8, bool: one byte each
			t.Data[i] = byte(tp.Int32Data[i])
		}
	}
	if n == 0 {
		t.Data = []byte{}
	}
	return t, nil
}

// valueShape reads the element type and static shape of a graph input or
// output. A symbolic (or unknown) first dimension is the batch and bound
// to 1; any other symbolic dimension is refused with its name.
func valueShape(vi *onnxpb.ValueInfoProto) (ir.DType, ir.Shape, error) {
	name := clip(vi.GetName())
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		return 0, nil, &UnsupportedError{Msg: fmt.Sprintf("value %q is not a tensor (sequences, maps and optionals are not supported)", name)}
	}
	dt, err := dtypeOf(tt.GetElemType())
	if err != nil {
		return 0, nil, fmt.Errorf("value %q: %w", name, err)
	}
	if tt.Shape == nil {
		return 0, nil, &UnsupportedError{Msg: fmt.Sprintf("value %q has no declared shape; tinygen needs static shapes", name)}
	}
	dims := tt.Shape.Dim
	if len(dims) > maxRank {
		return 0, nil, fmt.Errorf("value %q has rank %d, more than %d", name, len(dims), maxRank)
	}
	shape := make(ir.Shape, len(dims))
	for i, d := range dims {
		switch v := d.Value.(type) {
		case *onnxpb.TensorShapeProto_Dimension_DimValue:
			if v.DimValue < 0 || v.DimValue > ir.MaxElements {
				return 0, nil, fmt.Errorf("value %q: dimension %d is %d", name, i, v.DimValue)
			}
			shape[i] = int(v.DimValue)
		default:
			param := ""
			if p, ok := v.(*onnxpb.TensorShapeProto_Dimension_DimParam); ok {
				param = p.DimParam
			}
			if i == 0 {
				shape[i] = 1 // the batch: one inference at a time
				continue
			}
			what := "an unknown size"
			if param != "" {
				what = fmt.Sprintf("the symbolic size %q", clip(param))
			}
			return 0, nil, &UnsupportedError{Msg: fmt.Sprintf("value %q: dimension %d has %s; tinygen binds only the first (batch) dimension to 1 and needs every other size fixed (export with static shapes)", name, i, what)}
		}
	}
	if _, err := shape.NumElements(); err != nil {
		return 0, nil, fmt.Errorf("value %q: %w", name, err)
	}
	return dt, shape, nil
}
