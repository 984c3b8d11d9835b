package tflite

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
)

// TestUnpackSpecComplete checks unpackSpec against the generated code:
// every table UnPack reaches lists exactly the strings, vectors (with
// their element size), tables and unions the generated accessors read,
// at the same slots, and the union specs cover exactly the member tables
// that have such fields.
func TestUnpackSpecComplete(t *testing.T) {
	type field struct {
		slot int
		kind fieldKind
		size int
		sub  string // table type of a table or table vector field
	}
	files, err := filepath.Glob(filepath.Join("internal", "schema", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	gen := map[string][]field{} // table name -> allocating fields
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(src)
		name := strings.TrimSuffix(filepath.Base(f), ".go")
		if !strings.Contains(s, "func (rcv *"+name+") UnPackTo(") {
			continue
		}
		q := regexp.QuoteMeta(name)
		slotOf := func(vt string) int {
			n, err := strconv.Atoi(vt)
			if err != nil {
				t.Fatal(err)
			}
			return (n - 4) / 2
		}
		var fs []field
		vectors := map[string]bool{}
		for _, m := range regexp.MustCompile(`func \(rcv \*`+q+`\) (\w+)Length\(\) int \{\s*o := flatbuffers\.UOffsetT\(rcv\._tab\.Offset\((\d+)\)\)`).FindAllStringSubmatch(s, -1) {
			vectors[m[1]] = true
			if tm := regexp.MustCompile(`func \(rcv \*` + q + `\) ` + m[1] + `\(obj \*(\w+), j int\) bool`).FindStringSubmatch(s); tm != nil {
				fs = append(fs, field{slotOf(m[2]), tableVectorField, 4, tm[1]})
				continue
			}
			em := regexp.MustCompile(`func \(rcv \*` + q + `\) ` + m[1] + `\(j int\) \w+ \{[^}]*j\*(\d+)\)`).FindStringSubmatch(s)
			if em == nil {
				t.Fatalf("%s.%s: element size not found", name, m[1])
			}
			size, _ := strconv.Atoi(em[1])
			fs = append(fs, field{slotOf(m[2]), vectorField, size, ""})
		}
		for _, m := range regexp.MustCompile(`func \(rcv \*`+q+`\) (\w+)\(\) \[\]byte \{\s*o := flatbuffers\.UOffsetT\(rcv\._tab\.Offset\((\d+)\)\)`).FindAllStringSubmatch(s, -1) {
			if !vectors[strings.TrimSuffix(m[1], "Bytes")] {
				fs = append(fs, field{slotOf(m[2]), stringField, 1, ""})
			}
		}
		for _, m := range regexp.MustCompile(`func \(rcv \*`+q+`\) \w+\(obj \*(\w+)\) \*\w+ \{\s*o := flatbuffers\.UOffsetT\(rcv\._tab\.Offset\((\d+)\)\)`).FindAllStringSubmatch(s, -1) {
			fs = append(fs, field{slotOf(m[2]), tableField, 0, m[1]})
		}
		for _, m := range regexp.MustCompile(`func \(rcv \*`+q+`\) \w+\(obj \*flatbuffers\.Table\) bool \{\s*o := flatbuffers\.UOffsetT\(rcv\._tab\.Offset\((\d+)\)\)`).FindAllStringSubmatch(s, -1) {
			fs = append(fs, field{slotOf(m[1]), unionField, 0, ""})
		}
		gen[name] = fs
	}
	unions := map[string]func(byte) string{ // union field -> member table name
		"Operator.4":               func(b byte) string { return schema.BuiltinOptions(b).String() },
		"Operator.12":              func(b byte) string { return schema.BuiltinOptions2(b).String() },
		"QuantizationParameters.5": func(b byte) string { return schema.QuantizationDetails(b).String() },
		"DimensionMetadata.3":      func(b byte) string { return schema.SparseIndexVector(b).String() },
		"DimensionMetadata.5":      func(b byte) string { return schema.SparseIndexVector(b).String() },
	}
	checked := map[string]bool{}
	var check func(spec *tableSpec, name string)
	check = func(spec *tableSpec, name string) {
		if spec.name != name {
			t.Errorf("spec %s stands for a %s", spec.name, name)
			return
		}
		if checked[name] {
			return
		}
		checked[name] = true
		want := map[int]field{}
		for _, f := range gen[name] {
			want[f.slot] = f
		}
		for _, f := range spec.fields {
			w, ok := want[f.slot]
			if !ok {
				t.Errorf("%s.%s (slot %d): not an allocating field in the generated code", name, f.name, f.slot)
				continue
			}
			delete(want, f.slot)
			size := f.size
			if f.kind == tableVectorField {
				size = 4
			}
			if f.kind != w.kind || (w.kind == vectorField && size != w.size) {
				t.Errorf("%s.%s: spec kind %d size %d, generated kind %d size %d", name, f.name, f.kind, size, w.kind, w.size)
				continue
			}
			switch f.kind {
			case tableField, tableVectorField:
				check(f.sub, w.sub)
			case unionField:
				member := unions[name+"."+strconv.Itoa(f.slot)]
				if member == nil {
					t.Errorf("%s.%s: union not known to the test", name, f.name)
					continue
				}
				for typ := 1; typ < 256; typ++ {
					mname := member(byte(typ))
					_, isTable := gen[mname]
					sub := f.union(byte(typ))
					switch {
					case sub != nil:
						check(sub, mname)
					case isTable && len(gen[mname]) > 0:
						t.Errorf("%s.%s: member %s has allocating fields but no spec", name, f.name, mname)
					}
				}
			}
		}
		for _, w := range want {
			t.Errorf("%s: generated field at slot %d (kind %d) is missing from the spec", name, w.slot, w.kind)
		}
	}
	check(unpackSpec(), "Model")
	for name, fs := range gen {
		if len(fs) > 0 && !checked[name] {
			t.Errorf("table %s has allocating fields but the spec never reaches it", name)
		}
	}
}
