// Unit tests of the profile: callgrind dumps and plugin marks cut into
// steps, the program's steps matched, foreign step lines, and the reports.

package bench

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/qemuplugin"
)

func TestReadCallgrindProfile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := writeFile(dir, name, body); err != nil {
			t.Fatal(err)
		}
	}
	dump := func(trigger string, n int) string {
		return "desc: Trigger: --dump-before=" + trigger + "\nevents: Ir\ntotals: " + strconv.Itoa(n) + "\n"
	}
	write("out", "totals: 99\n")
	// Region 0 (no step), region 1: lead 7, k1 30, k2 500, k1 40.
	write("out.1", dump("tg_bench_end", 2))
	write("out.2", dump("k1", 7))
	write("out.3", dump("k2", 30))
	write("out.4", dump("k1", 500))
	write("out.5", dump("tg_bench_end", 40))
	got, err := readCallgrindProfile(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []regionSteps{{lead: 2}, {lead: 7, steps: []segment{{"k1", 30}, {"k2", 500}, {"k1", 40}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if tot := regionTotals(got); !reflect.DeepEqual(tot, []uint64{2, 577}) {
		t.Errorf("region totals %v, want [2 577]", tot)
	}
	write("out.6", dump("k1", 3))
	if _, err := readCallgrindProfile(dir); err == nil || !strings.Contains(err.Error(), "after the last") {
		t.Errorf("a step after the last end: %v", err)
	}
	write("out.6", "totals: 3\n")
	if _, err := readCallgrindProfile(dir); err == nil || !strings.Contains(err.Error(), "trigger") {
		t.Errorf("a dump without trigger: %v", err)
	}
}

func TestSplitMarks(t *testing.T) {
	c := qemuplugin.Counts{Regions: []uint64{2, 100}, Steps: [][]qemuplugin.Mark{nil, {{Addr: 0x10, Offset: 3}, {Addr: 0x20, Offset: 60}}}}
	got, err := splitMarks(c, map[uint64]string{0x10: "a", 0x20: "b"})
	if err != nil {
		t.Fatal(err)
	}
	want := []regionSteps{{lead: 2}, {lead: 3, steps: []segment{{"a", 57}, {"b", 40}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := splitMarks(c, map[uint64]string{0x10: "a"}); err == nil {
		t.Error("accepted a mark at an address it did not watch")
	}
}

func TestBuildProfile(t *testing.T) {
	steps := []ProfileStep{{Index: 0, Op: "CONV_2D #0", Kernel: "k1", Set: "reference", MACs: 10},
		{Index: 2, Op: "ADD #2", Kernel: "k2", Set: "fpu"}}
	j := &Job{Steps: steps}
	// Region with markers: lead 4 (1 marker instruction), steps 50 and 21
	// (1 marker instruction): inference 73.
	r := regionSteps{lead: 4, steps: []segment{{"k1", 50}, {"k2", 21}}}
	p, err := buildProfile(j, r, 1, 73, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Remainder != 3 || p.Steps[0].Instructions != 50 || p.Steps[1].Instructions != 20 || p.Total != 73 || p.Vector != 1 {
		t.Errorf("profile %+v", p)
	}
	if p.Steps[0].InstrPerMAC != 5 || p.Steps[1].InstrPerMAC != 0 || p.Steps[0].Share != 50.0/73 {
		t.Errorf("ratios %+v", p.Steps)
	}
	for _, bad := range []struct {
		r   regionSteps
		msg string
	}{
		{regionSteps{lead: 4, steps: []segment{{"k1", 50}}}, "entered 1 step kernels, the program has 2"},
		{regionSteps{lead: 4, steps: []segment{{"k2", 50}, {"k1", 21}}}, "step 0 entered k2, the program calls k1"},
		{regionSteps{lead: 0, steps: []segment{{"k1", 50}, {"k2", 40}}}, "more than the inference"},
	} {
		if _, err := buildProfile(j, bad.r, 1, 73, nil); err == nil || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%+v: error %v, want %q", bad.r, err, bad.msg)
		}
	}
	// Foreign firmware: names from TINYGEN-STEP lines, "step k" otherwise.
	out := []byte("hello\nTINYGEN-STEP index=0 op=CONV_2D kernel=arm_convolve_s8 macs=10 extra=1\nTINYGEN-STEP index=9 op=x\n")
	p, err = buildProfile(&Job{}, regionSteps{lead: 1, steps: []segment{{StepSymbol, 11}, {StepSymbol, 6}}}, 0, 16, out)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Steps[0]; s.Op != "CONV_2D" || s.Kernel != "arm_convolve_s8" || s.MACs != 10 || s.Instructions != 11 {
		t.Errorf("named step %+v", s)
	}
	if s := p.Steps[1]; s.Op != "step 1" || s.Kernel != StepSymbol || s.Instructions != 5 || p.Remainder != 0 {
		t.Errorf("unnamed step %+v, remainder %d", s, p.Remainder)
	}
}

func TestParseStepLines(t *testing.T) {
	got, err := parseStepLines([]byte("TINYGEN-STEP index=3 op=A|B\x1b[31m kernel=k,1\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s := got[3]; s.Op != "A_B_[31m" || s.Kernel != "k_1" {
		t.Errorf("sanitised step %+v", s)
	}
	for _, bad := range []string{"TINYGEN-STEP op=x\n", "TINYGEN-STEP index=-1\n", "TINYGEN-STEP index=1 macs=x\n",
		"TINYGEN-STEP index=1 bare\n", "TINYGEN-STEP index=99999999\n"} {
		if _, err := parseStepLines([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseStepLines(f *testing.F) {
	f.Add([]byte("TINYGEN-STEP index=0 op=CONV_2D kernel=k set=s macs=10\n"))
	f.Add([]byte("TINYGEN-STEP index=1\nTINYGEN-STEP index=1 op=|\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := parseStepLines(data)
		if err != nil {
			return
		}
		for k, s := range got {
			if k < 0 || k >= maxProfileSteps || s.MACs < 0 || strings.ContainsAny(s.Op+s.Kernel+s.Set, "|,\n\r\x1b") {
				t.Fatalf("step %d = %+v", k, s)
			}
		}
	})
}

// TestProfileReports checks the profile in every report format.
func TestProfileReports(t *testing.T) {
	p := &Profile{Vector: 1, Total: 1000, Remainder: 10, Steps: []StepCount{
		{ProfileStep: ProfileStep{Index: 0, Op: "CONV_2D #0", Kernel: "tg_conv2d_f32_fpu", Set: "fpu", MACs: 300}, Instructions: 600, InstrPerMAC: 2, Share: 0.6},
		{ProfileStep: ProfileStep{Index: 1, Op: "SOFTMAX #1", Kernel: "tg_softmax_f32", Set: "reference"}, Instructions: 390, Share: 0.39}}}
	res := &Result{ID: "m-aot-cortex-m4", Model: "m", Backend: "aot", Target: "cortex-m4", Status: StatusOK, Passed: 1, Vectors: 1,
		Inference: 1000, MACs: 300, InstrPerMAC: 1000.0 / 300, Counter: "qemu-plugin", Profile: p,
		Memory: Memory{ROM: 5000, ROMWeights: 1200, RAM: -1, RAMArena: -1, RAMOther: -1}, StackUsed: -1, StaticRAM: -1}
	rep := NewReport([]*Result{res, {ID: "other", Model: "o", Status: StatusOK}}, nil)
	var tbl, md, cs, js bytes.Buffer
	if err := rep.WriteTable(&tbl); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteProfileCSV(&cs); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Profile of m aot cortex-m4 (vector 1, 1000 instructions, counted by qemu-plugin)",
		"tg_conv2d_f32_fpu", "60.0%", "2.00", "(harness and glue before the first step)", "1.0%", "3.33"} {
		if !strings.Contains(tbl.String(), want) || !strings.Contains(md.String(), want) {
			t.Errorf("%q missing from the table or the Markdown:\n%s\n%s", want, tbl.String(), md.String())
		}
	}
	if !strings.Contains(md.String(), "| 0 | CONV_2D #0 | tg_conv2d_f32_fpu | fpu | 300 | 600 | 2.00 | 60.0% |") {
		t.Errorf("Markdown row missing:\n%s", md.String())
	}
	if strings.Count(tbl.String(), "Profile of") != 1 {
		t.Errorf("want one profile table (one run has a profile):\n%s", tbl.String())
	}
	recs, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{profileCSVColumns,
		{"m", "aot", "cortex-m4", "", "1", "0", "CONV_2D #0", "tg_conv2d_f32_fpu", "fpu", "300", "600", "2", "0.6"},
		{"m", "aot", "cortex-m4", "", "1", "1", "SOFTMAX #1", "tg_softmax_f32", "reference", "0", "390", "0", "0.39"},
		{"m", "aot", "cortex-m4", "", "1", "remainder", "", "", "", "0", "10", "0", "0.01"},
		{"m", "aot", "cortex-m4", "", "1", "total", "", "", "", "300", "1000", "3.33333", "1"}}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("CSV\n%v\nwant\n%v", recs, want)
	}
	var back struct {
		Results []*Result `json:"results"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Results[0].Profile, p) || back.Results[1].Profile != nil {
		t.Errorf("JSON profile %+v", back.Results[0].Profile)
	}
	if !rep.HasProfiles() || NewReport([]*Result{{ID: "x"}}, nil).HasProfiles() {
		t.Error("HasProfiles")
	}
}
