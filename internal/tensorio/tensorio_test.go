package tensorio

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbinet/npyio"
	"github.com/tinygen/tinygen/ir"
)

func TestNPYRoundTrip(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		t    *ir.Tensor
		data []byte
	}{
		{&ir.Tensor{Name: "a", DType: ir.Int8, Shape: ir.Shape{1, 2, 3}}, []byte{0, 1, 2, 0xff, 0x80, 7}},
		{&ir.Tensor{Name: "b", DType: ir.Float32, Shape: ir.Shape{2}}, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0}},
		{&ir.Tensor{Name: "c", DType: ir.Int16, Shape: ir.Shape{}}, []byte{0x34, 0x12}},
	}
	for _, tc := range tests {
		p := filepath.Join(dir, tc.t.Name+".npy")
		if err := WriteFile(p, tc.t, tc.data); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(p, tc.t)
		if err != nil {
			t.Fatalf("%s: %v", tc.t.Name, err)
		}
		if !bytes.Equal(got, tc.data) {
			t.Fatalf("%s: read %v, wrote %v", tc.t.Name, got, tc.data)
		}
		// The header must be valid for other readers too: npyio reads it.
		f, _ := os.Open(p)
		var v any
		switch tc.t.DType {
		case ir.Int8:
			v = &[]int8{}
		case ir.Float32:
			v = &[]float32{}
		case ir.Int16:
			v = &[]int16{}
		}
		if err := npyio.Read(f, v); err != nil {
			t.Fatalf("%s: npyio cannot read what we wrote: %v", tc.t.Name, err)
		}
		f.Close()
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	i8 := &ir.Tensor{Name: "in", DType: ir.Int8, Shape: ir.Shape{4}}
	f32 := &ir.Tensor{Name: "f", DType: ir.Float32, Shape: ir.Shape{4}}
	raw := filepath.Join(dir, "x.bin")
	_ = os.WriteFile(raw, []byte{1, 2, 3}, 0o644)
	npyF := filepath.Join(dir, "x.npy")
	_ = WriteFile(npyF, f32, make([]byte, 16))
	bad := filepath.Join(dir, "bad.npy")
	_ = os.WriteFile(bad, []byte("\x93NUMPY garbage"), 0o644)
	tests := []struct {
		path string
		t    *ir.Tensor
		want string
	}{
		{raw, i8, "3 bytes, but input"},
		{npyF, i8, "holds <f4"},
		{npyF, &ir.Tensor{DType: ir.Float32, Shape: ir.Shape{5}}, "needs 5 elements"},
		{bad, i8, "not a valid .npy"},
		{filepath.Join(dir, "none.bin"), i8, "no such file"},
	}
	for _, tc := range tests {
		_, err := ReadFile(tc.path, tc.t)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.path, err, tc.want)
		}
	}
}

// FuzzReadNPY feeds arbitrary bytes to the .npy reader: it must fail
// cleanly or return exactly the tensor's byte count, never panic or
// allocate for a shape the tensor does not have.
func FuzzReadNPY(f *testing.F) {
	tensors := []*ir.Tensor{
		{Name: "i8", DType: ir.Int8, Shape: ir.Shape{2, 3}},
		{Name: "f32", DType: ir.Float32, Shape: ir.Shape{2, 3}},
	}
	for _, tt := range tensors {
		var b bytes.Buffer
		_ = WriteNPY(&b, tt.DType, tt.Shape, make([]byte, tt.NumBytes()))
		f.Add(b.Bytes(), uint8(0))
		f.Add(b.Bytes(), uint8(1))
	}
	f.Add([]byte("\x93NUMPY\x01\x00\x20\x00{'descr': '|i1', 'shape': (1099511627776,)}"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		tt := tensors[int(which)%len(tensors)]
		b, err := readNPY(bytes.NewReader(data), tt)
		if err == nil && len(b) != tt.NumBytes() {
			t.Fatalf("read %d bytes for a %d-byte tensor", len(b), tt.NumBytes())
		}
	})
}
