package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/targets"
)

func TestParseOutput(t *testing.T) {
	cases := []struct {
		name, out string
		want      Output
		err       string
	}{
		{name: "complete", out: "hello\nTINYGEN-RESULT vectors=3 passed=3 stack_bytes=280 arena_used=64\nTINYGEN-END\n",
			want: Output{Vectors: 3, Passed: 3, StackBytes: 280, Complete: true, HasResult: true,
				Fields: map[string]int64{"vectors": 3, "passed": 3, "stack_bytes": 280, "arena_used": 64}}},
		{name: "mismatch", out: "TINYGEN-MISMATCH vector=1 output=0 index=4 got=7 want=9\r\nTINYGEN-RESULT vectors=2 passed=1\r\nTINYGEN-END\r\n",
			want: Output{Vectors: 2, Passed: 1, StackBytes: -1, Complete: true, HasResult: true,
				Fields: map[string]int64{"vectors": 2, "passed": 1}, Mismatches: []string{"TINYGEN-MISMATCH vector=1 output=0 index=4 got=7 want=9"}}},
		{name: "crashed", out: "tg: fault HardFault\n", want: Output{StackBytes: -1}},
		{name: "no sentinel", out: "TINYGEN-RESULT vectors=1 passed=1\n", want: Output{Vectors: 1, Passed: 1, StackBytes: -1, HasResult: true,
			Fields: map[string]int64{"vectors": 1, "passed": 1}}},
		{name: "garbled", out: "TINYGEN-RESULT vectors=x passed=1\n", err: "not a non-negative integer"},
		{name: "too many passed", out: "TINYGEN-RESULT vectors=1 passed=2\n", err: "passed ≤ vectors"},
		{name: "two results", out: "TINYGEN-RESULT vectors=1 passed=1\nTINYGEN-RESULT vectors=1 passed=1\n", err: "two TINYGEN-RESULT"},
		{name: "no key", out: "TINYGEN-RESULT 12\n", err: "not key=value"},
	}
	for _, c := range cases {
		got, err := ParseOutput([]byte(c.out))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(c.want)
		if !bytes.Equal(g, w) {
			t.Errorf("%s: got %s, want %s", c.name, g, w)
		}
	}
}

func FuzzParseOutput(f *testing.F) {
	f.Add([]byte("TINYGEN-RESULT vectors=3 passed=3 stack_bytes=280\nTINYGEN-END\n"))
	f.Add([]byte("TINYGEN-MISMATCH vector=1\nTINYGEN-RESULT vectors=2 passed=1\n"))
	f.Add([]byte("TINYGEN-RESULT vectors=99999999999999999999 passed=1\n"))
	f.Add([]byte("TINYGEN-RESULT =\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseOutput(data)
		if err == nil && o.HasResult && (o.Passed > o.Vectors || o.Passed < 0) {
			t.Fatalf("accepted passed=%d vectors=%d", o.Passed, o.Vectors)
		}
	})
}

func TestFitError(t *testing.T) {
	tg := &targets.Target{Name: "tiny", Flash: targets.Region{Size: 16384}, RAM: targets.Region{Size: 8192}}
	log := "ld: fw.elf section `.rodata' will not fit in region `FLASH'\n" +
		"ld: region `FLASH' overflowed by 20368 bytes\nld: region `RAM' overflowed by 100 bytes\ncollect2: error"
	fit := fitError(tg, log)
	if fit == nil {
		t.Fatal("no FitError")
	}
	if got, want := fit.Error(), "does not fit tiny FLASH (needs 36752 bytes, has 16384)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if fitError(tg, "undefined reference to `expf'") != nil {
		t.Error("a plain link error became a FitError")
	}
}

func TestParseBaselines(t *testing.T) {
	csv := "model,variant,setup_instructions,invoke_instructions,rom_text,rom_rodata,rom_data,ram_data,ram_bss,arena_used,notes\n" +
		"aww,tflm-ref,782720,43044240,44220,60772,104,104,23776,22772,\"a, note\"\n" +
		"vww,tflm-ref,,,,,,,,100660,\n"
	rows, err := parseBaselines(strings.NewReader(csv), "cortex-m4", "tflm")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	a := rows[0]
	if a.Model != "aww" || a.Variant != "tflm-ref" || a.Target != "cortex-m4" || a.Setup != 782720 || a.Invoke != 43044240 ||
		a.ROM() != 44220+60772+104 || a.RAM() != 104+23776 || a.Arena != 22772 {
		t.Errorf("row 0: %+v", a)
	}
	if v := rows[1]; v.ROM() != -1 || v.Invoke != -1 || v.Arena != 100660 {
		t.Errorf("row 1: %+v", v)
	}
	host := "model,model_sha256,platform,arena_used,tflm_commit\naww,D408,x86-64 host,24000,90b9\n"
	rows, err = parseBaselines(strings.NewReader(host), "host", "tflm")
	if err != nil {
		t.Fatal(err)
	}
	if h := rows[0]; h.Variant != "tflm" || h.Platform != "x86-64 host" || h.SHA256 != "d408" || h.Arena != 24000 {
		t.Errorf("host row: %+v", h)
	}
	for _, bad := range []string{"variant,arena_used\nx,1\n", "model,arena_used\naww,-5\n", "model,arena_used\naww,12k\n", "model\n\"unterminated\n", ""} {
		if _, err := parseBaselines(strings.NewReader(bad), "", ""); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if got := TargetFromFileName("/x/tflm-cortex-m4.csv"); got != "cortex-m4" {
		t.Errorf("TargetFromFileName: %q", got)
	}
}

func FuzzParseBaselines(f *testing.F) {
	f.Add([]byte("model,variant,invoke_instructions,arena_used\naww,tflm-ref,1,2\n"))
	f.Add([]byte("model_file,peer\nx.onnx,onnx2c\n"))
	f.Add([]byte("model,\"a\nb\",c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := parseBaselines(bytes.NewReader(data), "t", "v")
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Model == "" {
				t.Fatal("row without a model")
			}
		}
	})
}

func TestReadCallgrindDumps(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := writeFile(dir, name, body); err != nil {
			t.Fatal(err)
		}
	}
	write("out", "totals: 99\n")
	write("out.2", "events: Ir\nsummary: 600\ntotals: 600\n")
	write("out.1", "events: Ir\ntotals: 2\n")
	got, err := readCallgrindDumps(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != 2 || got[1] != 600 {
		t.Errorf("got %v", got)
	}
	write("out.4", "totals: 5\n")
	if _, err := readCallgrindDumps(dir); err == nil {
		t.Error("accepted a gap in the dump numbers")
	}
}

func TestReport(t *testing.T) {
	ok := &Result{ID: "aww-aot-cortex-m4", Model: "aww", Backend: "aot", Target: "cortex-m4", Status: StatusOK,
		Memory:    Memory{ROM: 36000, ROMWeights: 24000, RAM: 16500, RAMArena: 16000, RAMOther: 500},
		StackUsed: 280, StaticRAM: 16780, InitInstructions: 2, Inference: 41000000, MACs: 2656768, InstrPerMAC: 15.43,
		Vectors: 14, Passed: 14, Reproduce: "sh r/run.sh"}
	bad := &Result{ID: "vww-aot-cortex-m4", Model: "vww_96_int8", Aliases: []string{"vww"}, Backend: "aot", Target: "cortex-m4",
		Status: StatusMismatch, Error: "1 of 14 vectors wrong", Vectors: 14, Passed: 13, Memory: Memory{ROM: -1, ROMWeights: -1, RAM: -1, RAMArena: -1},
		StackUsed: -1, StaticRAM: -1, InitInstructions: -1, Inference: -1, Reproduce: "sh v/run.sh"}
	bases := []Baseline{
		{Model: "aww", Variant: "tflm-ref", Target: "cortex-m4", Setup: 782720, Invoke: 43044240, ROMText: 44220, ROMRodata: 60772,
			ROMData: 104, RAMData: 104, RAMBss: 23776, Arena: 22772},
		{Model: "vww", Variant: "tflm-ref", Target: "cortex-m4", Setup: -1, Invoke: 100251920, ROMText: -1, ROMRodata: -1, ROMData: -1,
			RAMData: -1, RAMBss: -1, Arena: 100660},
		{Model: "aww", Variant: "tflm-ref", Target: "rv32imc", Arena: 1},
	}
	r := NewReport([]*Result{ok, bad}, bases)
	if len(r.Rows) != 4 || len(r.Baselines) != 2 {
		t.Fatalf("%d rows, %d baselines; want 4 and 2 (the rv32imc baseline matches no run)", len(r.Rows), len(r.Baselines))
	}
	if len(r.Comparisons) != 1 {
		t.Fatalf("%d comparisons, want 1 (mismatched runs are not compared)", len(r.Comparisons))
	}
	c := r.Comparisons[0]
	if c.Inference != 41000000.0/43044240 || c.ROM != 36000.0/105096 || c.Arena != 16000.0/22772 {
		t.Errorf("comparison %+v", c)
	}
	if !r.Failed() {
		t.Error("a report with a mismatch did not fail")
	}
	var table, md, csvOut, js bytes.Buffer
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"14/14", "MISMATCH 13/14", "(baseline)", "0.953", "1 of 14 vectors wrong", "reproduce: sh v/run.sh", "2.6e-06"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if err := r.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "| aww | aot | cortex-m4 |  | 36000 | 12000 | 24000 |") {
		t.Errorf("markdown: %v\n%s", err, md.String())
	}
	if err := r.WriteCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csvOut.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "model,backend,target,config,rom_total") ||
		!strings.HasPrefix(lines[1], "aww,aot,cortex-m4,,36000,12000,24000,0,16500,16000,280,16780,2,41000000,15.43,14/14,false") {
		t.Errorf("csv:\n%s", csvOut.String())
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back["results"].([]any)) != 2 {
		t.Errorf("json: %v", err)
	}
}

func writeFile(dir, name, body string) error {
	return os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
}
