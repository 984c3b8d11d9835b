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
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/tinygen/tinygen/internal/readfile"
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
	f, err := readfile.Open(path, "input")
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
		b, err := readfile.ReadFrom(f, path, "input", int64(want))
		if err != nil {
			return nil, err
		}
		if len(b) != want {
			return nil, fmt.Errorf("%s: %d bytes, but input %v (%v %v) needs %d", path, len(b), t, t.DType, t.Shape, want)
		}
		return b, nil
	}
	b, err := readNPY(f, t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// maxNPYHeader bounds the header of a .npy file (real ones are < 1 KiB).
const maxNPYHeader = 1 << 16

// npyHeaderREs compiles, on first use rather than at every start of the
// binary, the patterns of a .npy header's descr, fortran_order and shape.
var npyHeaderREs = sync.OnceValue(func() [3]*regexp.Regexp {
	return [3]*regexp.Regexp{
		regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`),
		regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`),
		regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`),
	}
})

// readNPY parses a .npy file (format versions 1 to 3): the magic string,
// the header length, a Python dict literal with 'descr', 'fortran_order'
// and 'shape', then the data. The header is parsed here rather than with
// a library because the one available panics on malformed headers (found
// by FuzzReadNPY).
func readNPY(r io.Reader, t *ir.Tensor) ([]byte, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil || string(pre[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("not a valid .npy file: bad magic string")
	}
	var hlen int
	switch pre[6] {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, fmt.Errorf("not a valid .npy file: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, fmt.Errorf("not a valid .npy file: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(l[:]))
	default:
		return nil, fmt.Errorf("not a valid .npy file: unknown format version %d", pre[6])
	}
	if hlen > maxNPYHeader {
		return nil, fmt.Errorf("not a valid .npy file: %d-byte header", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("not a valid .npy file: truncated header")
	}
	res := npyHeaderREs()
	descr, fortran, shape := res[0].FindSubmatch(hdr), res[1].FindSubmatch(hdr), res[2].FindSubmatch(hdr)
	if descr == nil || fortran == nil || shape == nil {
		return nil, fmt.Errorf("not a valid .npy file: header %q lacks descr, fortran_order or shape", hdr)
	}
	typ := strings.Replace(string(descr[1]), "=", "<", 1)
	if d := npyDescr[t.DType]; typ != d && !(d[0] == '|' && typ == "<"+d[1:]) {
		return nil, fmt.Errorf(".npy holds %s, input %v is %v (%s)", descr[1], t, t.DType, d)
	}
	if string(fortran[1]) == "True" {
		return nil, fmt.Errorf(".npy is in Fortran order; save it in C order")
	}
	var dims ir.Shape
	for _, f := range strings.Split(string(shape[1]), ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("not a valid .npy file: shape (%s)", shape[1])
		}
		dims = append(dims, d)
	}
	n, err := dims.NumElements()
	if err != nil {
		return nil, err
	}
	if n != t.Shape.Elements() {
		return nil, fmt.Errorf(".npy has shape %v, input %v needs %d elements (%v)", dims, t, t.Shape.Elements(), t.Shape)
	}
	data := make([]byte, t.NumBytes())
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf(".npy data is shorter than its shape %v says", dims)
	}
	return data, nil
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
