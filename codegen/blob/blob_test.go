// blob_test.go: the header reader on every kernel of every set, the
// kernel table (every kernel has an id and a bounds rule, and the table
// compiles cleanly), and the serialiser (deterministic, header fields, CRC,
// named errors).

package blob

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/passes"
	"github.com/tinygen/tinygen/program"
	"github.com/tinygen/tinygen/targets"
)

// libraryDecls reads the common headers and every set's header.
func libraryDecls(t *testing.T) (*Decls, []string, []kernels.Kernel) {
	t.Helper()
	lib := kernels.Builtin()
	texts := map[string][]byte{}
	names := kernels.Headers()
	includes := []string{"tg_kernels.h"}
	var all []kernels.Kernel
	for _, h := range names {
		data, err := lib.File(kernels.Reference, h)
		if err != nil {
			t.Fatal(err)
		}
		texts[h] = data
	}
	for _, set := range lib.Sets() {
		h, err := lib.Header(set)
		if err != nil {
			t.Fatal(err)
		}
		if h != "" {
			data, err := lib.File(set, h)
			if err != nil {
				t.Fatal(err)
			}
			texts[h] = data
			names = append(names, h)
			includes = append(includes, h)
		}
		ks, err := lib.Kernels(set)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ks...)
	}
	d, err := ParseHeaders(names, texts)
	if err != nil {
		t.Fatal(err)
	}
	return d, includes, all
}

// TestEveryKernelDeclared requires, for every kernel of every built-in
// set, a blob id, a parsed params struct and a prototype that starts with
// it.
func TestEveryKernelDeclared(t *testing.T) {
	d, _, all := libraryDecls(t)
	if len(all) == 0 {
		t.Fatal("no kernels")
	}
	for _, k := range all {
		if _, ok := KernelID(k.Symbol); !ok {
			t.Errorf("%s (set %s) has no blob id: append it to kernelIDs in ids.go", k.Symbol, k.Set)
		}
		leaves, err := d.Leaves(k.ParamsType)
		if err != nil || len(leaves) == 0 {
			t.Errorf("%s: params type %s: %d leaves, %v", k.Symbol, k.ParamsType, len(leaves), err)
		}
		proto, ok := d.Protos[k.Symbol]
		if !ok || len(proto) < 2 || proto[0].Elem != k.ParamsType {
			t.Errorf("%s: prototype %+v does not start with %s *", k.Symbol, proto, k.ParamsType)
		}
	}
	// Ids are unique.
	seen := map[string]bool{}
	for _, s := range KernelSymbols() {
		if seen[s] {
			t.Errorf("kernel %s listed twice in ids.go", s)
		}
		seen[s] = true
	}
}

// TestLeaves pins the flattening of a nested struct with arrays and
// pointers.
func TestLeaves(t *testing.T) {
	d, _, _ := libraryDecls(t)
	leaves, err := d.Leaves("tg_conv2d_s8_params_t")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range leaves {
		got = append(got, l.Path)
	}
	want := "win.batches win.in_h win.in_w win.in_c win.out_h win.out_w win.out_c win.filter_h win.filter_w " +
		"win.stride_h win.stride_w win.dilation_h win.dilation_w win.pad_h win.pad_w filter_c input_offset " +
		"output_offset act_min act_max multiplier shift"
	if strings.Join(got, " ") != want {
		t.Errorf("leaves\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if l := leaves[len(leaves)-1]; l.Kind != Ptr || l.Elem != "int8_t" {
		t.Errorf("shift: %+v, want a pointer to int8_t", l)
	}
	pad, err := d.Leaves("tg_pad_params_t")
	if err != nil {
		t.Fatal(err)
	}
	if pad[2].Path != "fill" || pad[2].Kind != B1 || pad[2].Count != 8 {
		t.Errorf("pad fill: %+v", pad[2])
	}
}

// TestParseErrors names what the reader cannot read.
func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"typedef struct { int32_t a[N]; } x_t;", "unknown array length N"},
		{"typedef struct { int32_t *a[4]; } x_t;", "array of pointers"},
		{"void f(int32_t a);", "want a pointer"},
		{"void f(const int8_t **a);", "const void *const *"},
	} {
		_, err := ParseHeaders([]string{"h.h"}, map[string][]byte{"h.h": []byte(c.src)})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "h.h") {
			t.Errorf("%q: error %v, want one naming h.h and %q", c.src, err, c.want)
		}
	}
}

// TestTableCompiles generates the table of every kernel and compiles it
// with the project's warning flags (gcc, and clang when installed).
func TestTableCompiles(t *testing.T) {
	d, includes, all := libraryDecls(t)
	var ks []TableKernel
	for _, k := range all {
		ks = append(ks, TableKernel{Symbol: k.Symbol, ParamsType: k.ParamsType})
	}
	h, c, err := Table(ks, d, includes)
	if err != nil {
		t.Fatal(err)
	}
	h2, c2, err := Table(ks, d, includes)
	if err != nil || !bytes.Equal(h, h2) || !bytes.Equal(c, c2) {
		t.Fatalf("the table differs between two runs (err %v)", err)
	}
	dir := t.TempDir()
	lib := kernels.Builtin()
	var hf []File
	for _, name := range kernels.Headers() {
		data, _ := lib.File(kernels.Reference, name)
		hf = append(hf, File{Name: name, Data: data})
	}
	for _, f := range UntrustedKernels(hf) {
		os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644)
	}
	// The headers of the specialised sets (their kernels are in the
	// table too).
	for _, set := range lib.Sets() {
		if hn, err := lib.Header(set); err == nil && hn != "" {
			data, _ := lib.File(set, hn)
			os.WriteFile(filepath.Join(dir, hn), data, 0o644)
		}
	}
	os.WriteFile(filepath.Join(dir, TableHeader), h, 0o644)
	os.WriteFile(filepath.Join(dir, TableSource), c, 0o644)
	kh, _ := os.ReadFile(filepath.Join("..", "..", "runtime-c", "src", "tg_rt_kernel.h"))
	os.WriteFile(filepath.Join(dir, "tg_rt_kernel.h"), kh, 0o644)
	ccs := []string{"gcc", "clang"}
	for _, cc := range ccs {
		if _, err := exec.LookPath(cc); err != nil {
			if cc == "gcc" || os.Getenv("CI") == "true" {
				t.Fatalf("%s not found: install the Debian package %s", cc, cc)
			}
			continue
		}
		if err := hostcc.Compile(context.Background(), cc, dir, []string{TableSource}, append(hostcc.WarningFlags, "-O2")...); err != nil {
			t.Errorf("%s: %v", cc, err)
		}
	}
}

// TestTableRefusesUnknown names a kernel without an id and a params type
// without a bounds rule.
func TestTableRefusesUnknown(t *testing.T) {
	d, includes, _ := libraryDecls(t)
	if _, _, err := Table([]TableKernel{{Symbol: "tg_nope", ParamsType: "tg_copy_params_t"}}, d, includes); err == nil ||
		!strings.Contains(err.Error(), "no blob id") {
		t.Errorf("unknown kernel: %v", err)
	}
	d.Structs["tg_new_params_t"] = d.Structs["tg_copy_params_t"]
	d.Protos["tg_copy"] = []Param{{Name: "p", Elem: "tg_new_params_t", Const: true}, {Name: "input", Elem: "void", Const: true}, {Name: "output", Elem: "void"}}
	if _, _, err := Table([]TableKernel{{Symbol: "tg_copy", ParamsType: "tg_new_params_t"}}, d, includes); err == nil ||
		!strings.Contains(err.Error(), "no bounds rule") {
		t.Errorf("params type without a rule: %v", err)
	}
}

func program1(t *testing.T, name string) *program.Program {
	t.Helper()
	tm, ok := testmodels.Get(name)
	if !ok {
		t.Fatalf("no model %s", name)
	}
	host, err := targets.Get("host")
	if err != nil {
		t.Fatal(err)
	}
	g := tm.Graph()
	s, err := passes.Run(g, passes.Config{Target: host, Name: "model", Source: program.Source{File: name + ".tflite"},
		Controls: passes.Controls{Check: true}})
	if err != nil {
		t.Fatal(err)
	}
	return s.Program
}

// TestEncode checks the header of a blob, its CRC, and that the same
// Program gives the same bytes.
func TestEncode(t *testing.T) {
	for _, name := range testmodels.Names() {
		p := program1(t, name)
		files, err := Generate(p, Options{Generator: "tinygen (test)"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := Generate(program1(t, name), Options{Generator: "tinygen (test)"})
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != len(again) {
			t.Fatalf("%s: %d files, then %d", name, len(files), len(again))
		}
		for i := range files {
			if files[i].Name != again[i].Name || !bytes.Equal(files[i].Data, again[i].Data) {
				t.Errorf("%s: %s differs between two runs", name, files[i].Name)
			}
		}
		b := files[0].Data
		if files[0].Name != "model.tgb" {
			t.Fatalf("first file %s", files[0].Name)
		}
		le := binary.LittleEndian
		if string(b[:4]) != Magic || le.Uint16(b[4:]) != FormatVersion || le.Uint16(b[6:]) != HeaderBytes ||
			int(le.Uint32(b[8:])) != len(b) || le.Uint32(b[12:]) != crc32.ChecksumIEEE(b[HeaderBytes:]) {
			t.Errorf("%s: bad header % x", name, b[:HeaderBytes])
		}
		if int(le.Uint16(b[28:])) != len(p.Inputs) || int(le.Uint16(b[30:])) != len(p.Outputs) {
			t.Errorf("%s: %d inputs and %d outputs in the header", name, le.Uint16(b[28:]), le.Uint16(b[30:]))
		}
		if got := int(le.Uint32(b[20:])); got < p.Arena.Size {
			t.Errorf("%s: arena %d < %d", name, got, p.Arena.Size)
		}
	}
}

// TestEncodeErrors names the step and the kernel a blob cannot hold.
func TestEncodeErrors(t *testing.T) {
	p := program1(t, "kws_tiny")
	d, err := ProgramDecls(p)
	if err != nil {
		t.Fatal(err)
	}
	bad := *p
	bad.Steps = append([]program.Step(nil), p.Steps...)
	for i := range bad.Steps {
		if bad.Steps[i].Kind == program.KernelStep {
			bad.Steps[i].Kernel = "tg_unknown_kernel"
			break
		}
	}
	if _, err := Encode(&bad, d, "t"); err == nil || !strings.Contains(err.Error(), "tg_unknown_kernel has no blob id") {
		t.Errorf("unknown kernel: %v", err)
	}
	bad.Steps = append([]program.Step(nil), p.Steps...)
	for i := range bad.Steps {
		if bad.Steps[i].Kind == program.KernelStep {
			st := bad.Steps[i]
			st.Params = program.Struct{Type: st.ParamsType, Fields: append([]program.Field{{Name: "bogus", Value: program.Int(1)}}, st.Params.Fields...)}
			bad.Steps[i] = st
			break
		}
	}
	if _, err := Encode(&bad, d, "t"); err == nil || !strings.Contains(err.Error(), "bogus is not a member") {
		t.Errorf("unknown field: %v", err)
	}
	big := *p
	big.Inputs = []program.IO{{Index: 0, Tensor: &ir.Tensor{Name: "x", DType: ir.Int8, Shape: ir.Shape{1, 1, 1, 1, 1, 1, 1, 1, 1}}}}
	if _, err := Encode(&big, d, "t"); err == nil || !strings.Contains(err.Error(), "rank 9") {
		t.Errorf("rank 9 input: %v", err)
	}
}

// TestFormatDocListsIDs requires docs/blob-format.md to list every kernel
// id as ids.go defines it.
func TestFormatDocListsIDs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "blob-format.md"))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range KernelSymbols() {
		row := "| " + strconv.Itoa(i+1) + " | `" + s + "` |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/blob-format.md lacks the row %s", row)
		}
	}
}

// TestLayout parses every test model's blob: each step's record lies in
// the data region before the constants, its constant block inside the
// blob, every pointer field a 4-aligned offset inside the block, and
// steps with the same kernel and record bytes share one record, and steps
// with the same operand entries share them (a copy of a kernel step
// appended to a Program shares both).
func TestLayout(t *testing.T) {
	le := binary.LittleEndian
	for _, name := range testmodels.Names() {
		p := program1(t, name)
		var dup int
		for i, st := range p.Steps {
			if st.Kind == program.KernelStep {
				p.Steps = append(p.Steps, st)
				p.Steps[len(p.Steps)-1].Index = len(p.Steps) - 1
				dup = i
				break
			}
		}
		d, err := ProgramDecls(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Encode(p, d, "t")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		total, data := int(le.Uint32(b[8:])), int(le.Uint32(b[60:]))
		stp, n := int(le.Uint32(b[44:])), int(le.Uint32(b[48:]))
		opn := int(le.Uint32(b[52:]))
		seen, seenRuns := map[string]int{}, map[string]int{}
		var recs, firsts []int
		for s := 0; s < n; s++ {
			r := b[stp+stepBytes*s:]
			id, rec, block, cbytes := int(le.Uint16(r)), int(le.Uint32(r[4:])), int(le.Uint32(r[12:])), int(le.Uint32(r[16:]))
			na, first := int(le.Uint16(r[2:])), int(le.Uint32(r[8:]))
			run := fmt.Sprintf("%x", b[opn+8*first:opn+8*(first+na)])
			if at, ok := seenRuns[run]; ok && at != first {
				t.Errorf("%s step %d: the operand entries at %d repeated at %d", name, s, at, first)
			}
			seenRuns[run] = first
			if id == CopyID {
				if block != 0 || cbytes != 0 {
					t.Errorf("%s step %d: a copy step with block %d, %d bytes", name, s, block, cbytes)
				}
				continue
			}
			if block%4 != 0 || block < data || block+cbytes > total {
				t.Errorf("%s step %d: block [%d, +%d) outside the data region [%d, %d)", name, s, block, cbytes, data, total)
			}
			sym := KernelSymbols()[id-1]
			var pt string
			for _, st := range p.Steps {
				if st.Kernel == sym {
					pt = st.ParamsType
				}
			}
			leaves, err := d.Leaves(pt)
			if err != nil {
				t.Fatal(err)
			}
			size := 0
			for _, l := range leaves {
				if l.Kind == Ptr {
					rel := int(le.Uint32(b[rec+size:]))
					if rel%4 != 0 || rel > cbytes {
						t.Errorf("%s step %d: pointer field %s at %d in a block of %d bytes", name, s, l.Path, rel, cbytes)
					}
				}
				size += l.Bytes()
			}
			if rec%4 != 0 || rec < data || rec+size > block && cbytes > 0 {
				t.Errorf("%s step %d: record at %d (%d bytes), data region at %d", name, s, rec, size, data)
			}
			key := fmt.Sprintf("%d:%x", id, b[rec:rec+size])
			if at, ok := seen[key]; ok && at != rec {
				t.Errorf("%s step %d: the record of step at %d repeated at %d", name, s, at, rec)
			}
			seen[key] = rec
			recs = append(recs, rec)
			firsts = append(firsts, first)
		}
		if len(recs) < 2 || recs[len(recs)-1] != recs[dupIndex(p, dup)] {
			t.Errorf("%s: the copied step does not share its record (%v)", name, recs)
		}
		if firsts[len(firsts)-1] != firsts[dupIndex(p, dup)] {
			t.Errorf("%s: the copied step does not share its operand entries (%v)", name, firsts)
		}
	}
}

// dupIndex returns the position among p's kernel and copy steps (the
// blob's steps) of kernel step i.
func dupIndex(p *program.Program, i int) int {
	n := 0
	for j, st := range p.Steps {
		if j == i {
			return n
		}
		if st.Kind == program.KernelStep {
			n++
		}
	}
	return -1
}
