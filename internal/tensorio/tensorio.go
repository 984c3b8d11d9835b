// Package tensorio reads and writes tensor contents in files: raw
// little-endian bytes in row-major order, or NumPy .npy files (chosen by the
// ".npy" extension). Reading checks the element type and count against the
// tensor the data is for, before allocating anything.
package tensorio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/sbinet/npyio/npy"
	"github.com/tinygen/tinygen/ir"
)

// npyDescr maps tinygen dtypes to NumPy little-endian type strings.
var npyDescr = map[ir.DType]string{
	ir.Int8: "|i1", ir.UInt8: "|u1", ir.Bool: "|b1",
	ir.Int16: "<i2", ir.Int32: "<i4", ir.Int64: "<i8", ir.Float32: "<f4",
}

func isNPY(path string) bool { return strings.EqualFold(filepath.Ext(path), ".npy") }

// ReadFile reads the data for tensor t from path (raw bytes, or .npy).
func ReadFile(path string, t *ir.Tensor) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	want := t.NumBytes()
	if !isNPY(path) {
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		if st.Size() != int64(want) {
			return nil, fmt.Errorf("%s: %d bytes, but input %v (%v %v) needs %d", path, st.Size(), t, t.DType, t.Shape, want)
		}
		return io.ReadAll(f)
	}
	b, err := readNPY(f, t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

func readNPY(r io.Reader, t *ir.Tensor) ([]byte, error) {
	nr, err := npy.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a valid .npy file: %w", err)
	}
	h := nr.Header
	descr := strings.Replace(h.Descr.Type, "=", "<", 1)
	if d := npyDescr[t.DType]; descr != d && !(d[0] == '|' && descr == "<"+d[1:]) {
		return nil, fmt.Errorf(".npy holds %s, input %v is %v (%s)", h.Descr.Type, t, t.DType, d)
	}
	if h.Descr.Fortran {
		return nil, fmt.Errorf(".npy is in Fortran order; save it in C order")
	}
	n, err := ir.Shape(h.Descr.Shape).NumElements()
	if err != nil {
		return nil, err
	}
	if n != t.Shape.Elements() {
		return nil, fmt.Errorf(".npy has shape %v, input %v needs %d elements (%v)", h.Descr.Shape, t, t.Shape.Elements(), t.Shape)
	}
	var buf bytes.Buffer
	switch t.DType {
	case ir.Int8:
		v := make([]int8, n)
		err = nr.Read(&v)
		_ = binary.Write(&buf, binary.LittleEndian, v)
	case ir.UInt8:
		v := make([]uint8, n)
		err = nr.Read(&v)
		buf.Write(v)
	case ir.Bool:
		v := make([]bool, n)
		err = nr.Read(&v)
		_ = binary.Write(&buf, binary.LittleEndian, v)
	case ir.Int16:
		v := make([]int16, n)
		err = nr.Read(&v)
		_ = binary.Write(&buf, binary.LittleEndian, v)
	case ir.Int32:
		v := make([]int32, n)
		err = nr.Read(&v)
		_ = binary.Write(&buf, binary.LittleEndian, v)
	case ir.Int64:
		v := make([]int64, n)
		err = nr.Read(&v)
		_ = binary.Write(&buf, binary.LittleEndian, v)
	case ir.Float32:
		v := make([]float32, n)
		err = nr.Read(&v)
		_ = binary.Write(&buf, binary.LittleEndian, v)
	default:
		return nil, fmt.Errorf("no .npy mapping for %v", t.DType)
	}
	if err != nil {
		return nil, fmt.Errorf("reading .npy data: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteFile writes data of tensor t to path (raw bytes, or .npy with the
// tensor's shape and type).
func WriteFile(path string, t *ir.Tensor, data []byte) error {
	if !isNPY(path) {
		return os.WriteFile(path, data, 0o644)
	}
	var b bytes.Buffer
	if err := WriteNPY(&b, t.DType, t.Shape, data); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// WriteNPY writes a version 1.0 .npy file: the magic string, a header
// dictionary padded so the data starts on a 64-byte boundary, then data.
// (The npyio library infers shapes from Go array types, so it cannot write
// an N-dimensional shape from flat bytes; reading goes through it.)
func WriteNPY(w io.Writer, dt ir.DType, shape ir.Shape, data []byte) error {
	d, ok := npyDescr[dt]
	if !ok {
		return fmt.Errorf("no .npy mapping for %v", dt)
	}
	dims := make([]string, len(shape))
	for i, s := range shape {
		dims[i] = fmt.Sprint(s)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", d, tuple)
	pad := 64 - (10+len(hdr)+1)%64
	hdr += strings.Repeat(" ", pad%64) + "\n"
	if len(hdr) > math.MaxUint16 {
		return fmt.Errorf("npy header too long")
	}
	var pre [10]byte
	copy(pre[:], "\x93NUMPY\x01\x00")
	binary.LittleEndian.PutUint16(pre[8:], uint16(len(hdr)))
	if _, err := w.Write(pre[:]); err != nil {
		return err
	}
	if _, err := io.WriteString(w, hdr); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}
