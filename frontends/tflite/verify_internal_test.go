package tflite

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// allSpecs returns every table spec the verifier uses.
func allSpecs() []*tableSpec {
	var out []*tableSpec
	seen := map[string]bool{}
	var walk func(s *tableSpec)
	walk = func(s *tableSpec) {
		if s == nil || seen[s.name] {
			return
		}
		seen[s.name] = true
		out = append(out, s)
		for _, f := range s.fields {
			walk(f.sub)
		}
	}
	walk(modelSpec())
	for typ := 0; typ < 256; typ++ {
		walk(builtinOptionsSpec(byte(typ)))
	}
	return out
}

func camel(snake string) string {
	parts := strings.Split(snake, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// TestVerifierSpecSlots checks every field of the verifier's specs
// against the flatc-generated builder functions: same slot number and an
// element size that matches the Prepend*Slot the builder uses.
func TestVerifierSpecSlots(t *testing.T) {
	adder := regexp.MustCompile(`func (\w+)Add(\w+)\(builder \*flatbuffers\.Builder, \w+ [\w.]+\) \{\s*builder\.Prepend(\w+)Slot\((\d+),`)
	sizes := map[string]int{"Bool": 1, "Byte": 1, "Int8": 1, "Uint8": 1, "Int16": 2, "Uint16": 2,
		"Int32": 4, "Uint32": 4, "Float32": 4, "UOffsetT": 4, "Int64": 8, "Uint64": 8, "Float64": 8}
	for _, spec := range allSpecs() {
		src, err := os.ReadFile(filepath.Join("internal", "schema", spec.name+".go"))
		if err != nil {
			t.Fatal(err)
		}
		type slot struct {
			n    int
			kind string
		}
		fields := map[string]slot{}
		for _, m := range adder.FindAllStringSubmatch(string(src), -1) {
			if m[1] != spec.name {
				continue
			}
			n := 0
			for _, c := range m[4] {
				n = 10*n + int(c-'0')
			}
			fields[m[2]] = slot{n, m[3]}
		}
		for _, f := range spec.fields {
			got, ok := fields[camel(f.name)]
			if !ok {
				t.Errorf("%s.%s: no builder %sAdd%s in the generated code", spec.name, f.name, spec.name, camel(f.name))
				continue
			}
			if got.n != f.slot {
				t.Errorf("%s.%s: spec slot %d, generated slot %d", spec.name, f.name, f.slot, got.n)
			}
			want := 4 // uoffset for strings, vectors, tables, unions
			if f.kind == scalarField {
				want = f.size
			}
			if sizes[got.kind] != want {
				t.Errorf("%s.%s: spec reads %d bytes, builder uses Prepend%sSlot", spec.name, f.name, want, got.kind)
			}
		}
	}
}

// TestVerifierRejects feeds hand-made buffers to the verifier.
func TestVerifierRejects(t *testing.T) {
	le := func(vs ...uint32) []byte {
		b := make([]byte, 4*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint32(b[4*i:], v)
		}
		return b
	}
	// A valid empty table: root offset 8 -> table at 8 whose soffset 4
	// points to the vtable at 4 (vtable size 4, table size 4).
	ok := append(le(8), 4, 0, 4, 0)
	ok = append(ok, le(4)...)
	if err := verifyFlatbuffer(ok); err != nil {
		t.Fatalf("minimal table rejected: %v", err)
	}
	tests := []struct {
		name string
		buf  []byte
		want string
	}{
		{"short", []byte{1, 2, 3}, "too short"},
		{"identifier", append(le(8), 'A', 'B', 'C', 'D', 0, 0, 0, 0), `identifier is "ABCD"`},
		{"root outside", le(1000, 0), "outside"},
		{"vtable outside", le(4, 0xFFFF0000), "vtable"},
		{"vtable odd", append(append(le(8), 5, 0, 4, 0), le(4)...), "invalid size 5"},
		{"table size", append(append(le(8), 4, 0, 200, 0), le(4)...), "invalid size 200"},
		// Model with field 1 (operator_codes) at table offset 4: its uoffset
		// points past the end.
		{"offset outside", append(append(le(12), 8, 0, 8, 0, 0, 0, 4, 0), le(8, 0xFFFFFF)...), "outside"},
		// operator_codes vector claims 2^30 elements.
		{"vector length", append(append(le(12), 8, 0, 8, 0, 0, 0, 4, 0), le(8, 4, 1<<30)...), "claims 1073741824 elements"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := verifyFlatbuffer(tc.buf)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
