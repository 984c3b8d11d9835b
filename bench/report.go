package bench

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tinygen/tinygen/project"
)

// Row is one line of a report: a tinygen run or a baseline.
type Row struct {
	Model, Backend, Target, Config string
	// Baseline is set for rows measured elsewhere; Source names the file.
	Baseline bool
	Source   string
	// Sizes in bytes and instruction counts; -1 when unknown.
	ROM, ROMCode, ROMWeights int64
	// ROMRuntime is the interpreter runtime's code (tg_rt_*; -1 unknown,
	// 0 for AOT firmware).
	ROMRuntime                int64
	RAM, Arena, Stack         int64
	StaticRAM                 int64
	InitInstr, InferenceInstr int64
	MACs                      int64
	InstrPerMAC               float64
	Validated                 string // "14/14", "mismatch 3/14", "does not fit", "failed", "" for baselines
	Status                    Status
	Error                     string
	ReproduceCommand, Dir     string
	// Micros marks a serial run whose InitInstr and InferenceInstr are
	// microseconds (a board without an instruction counter).
	Micros bool `json:",omitempty"`
}

// Comparison is a tinygen run beside a baseline of the same model and
// target.
type Comparison struct {
	Model    string `json:"model"`
	Target   string `json:"target"`
	Backend  string `json:"backend"`
	Config   string `json:"config"`
	Baseline string `json:"baseline"` // the baseline's variant
	// ROM, RAM, Arena, Init and Inference are tinygen ÷ baseline (-1 when
	// either side is unknown).
	ROM       float64 `json:"rom_ratio"`
	RAM       float64 `json:"ram_ratio"`
	Arena     float64 `json:"arena_ratio"`
	Init      float64 `json:"init_ratio"`
	Inference float64 `json:"inference_ratio"`
}

// Report is a bench invocation's results.
type Report struct {
	Rows        []Row        `json:"-"`
	Results     []*Result    `json:"results"`
	Baselines   []Baseline   `json:"baselines"`
	Comparisons []Comparison `json:"comparisons"`
	// Seconds is the wall time of the whole matrix.
	Seconds float64 `json:"seconds"`
	// Folder is the results folder.
	Folder string `json:"folder"`
	// Warnings are problems that did not stop the bench: baseline files
	// none of whose rows matched a run.
	Warnings []string `json:"warnings,omitempty"`
}

// NewReport builds the rows: every result, then the baselines whose model
// and target match a result (BaselineMatches), and the comparisons between
// them. Unmatched baselines are dropped; a baseline file none of whose
// rows matches is named in Warnings when the user named it (Requested) or
// when it has rows for a target the run measured.
func NewReport(results []*Result, baselines []Baseline) *Report {
	r := &Report{Results: results}
	for _, res := range results {
		r.Rows = append(r.Rows, resultRow(res))
	}
	used := map[int]bool{}
	for _, res := range results {
		for i, b := range baselines {
			if !BaselineMatches(b, res) || !variantComparable(b, res) {
				continue
			}
			if !used[i] {
				used[i] = true
				r.Baselines = append(r.Baselines, b)
				row := baselineRow(b, res)
				r.Rows = append(r.Rows, row)
			}
			if res.Status == StatusOK && res.Counter != CounterMicros {
				r.Comparisons = append(r.Comparisons, Comparison{Model: res.Model, Target: res.Target, Backend: res.Backend,
					Config: res.Config, Baseline: b.Variant, ROM: div(res.Memory.ROM, b.ROM()), RAM: div(res.Memory.RAM, b.RAM()),
					Arena: div(res.Memory.RAMArena, b.Arena), Init: div(res.InitInstructions, b.Setup), Inference: div(res.Inference, b.Invoke)})
			}
		}
	}
	r.Comparisons = append(r.Comparisons, liveComparisons(results)...)
	r.Warnings = unmatchedBaselineFiles(results, baselines, used)
	return r
}

// BaselineMatches reports whether baseline row b describes res's model on
// res's target. When both sides give a SHA-256 the hashes decide; otherwise
// the names do: the baseline's model (a name like aww, or a file name such
// as micro_kws_m_fp32.tflite, with or without its extension and folder)
// against the run's model name and aliases (golden folder, graph name,
// model file name), ignoring case.
func BaselineMatches(b Baseline, res *Result) bool {
	if b.Target != res.Target {
		return false
	}
	if b.SHA256 != "" && res.ModelSHA256 != "" {
		return strings.EqualFold(b.SHA256, res.ModelSHA256)
	}
	want := modelKey(b.Model)
	if want == "" {
		return false
	}
	for _, name := range append([]string{res.Model}, res.Aliases...) {
		if modelKey(name) == want {
			return true
		}
	}
	return false
}

// modelExts are the model file extensions a baseline's model name may
// carry.
var modelExts = []string{".tflite", ".onnx", ".ir", ".h5", ".keras", ".pb"}

// modelKey is a model name for matching: the base name of a path, without
// a model file extension, in lower case.
func modelKey(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	for _, ext := range modelExts {
		if strings.HasSuffix(name, ext) && len(name) > len(ext) {
			return strings.TrimSuffix(name, ext)
		}
	}
	return name
}

// unmatchedBaselineFiles names, in the order first seen, every baseline
// file none of whose rows matched a run, with what the file holds and what
// the run measured.
func unmatchedBaselineFiles(results []*Result, baselines []Baseline, used map[int]bool) []string {
	type file struct {
		rows               int
		matched, requested bool
		models, targets    []string
	}
	files := map[string]*file{}
	var order []string
	for i, b := range baselines {
		f := files[b.Source]
		if f == nil {
			f = &file{}
			files[b.Source] = f
			order = append(order, b.Source)
		}
		f.rows++
		f.matched = f.matched || used[i]
		f.requested = f.requested || b.Requested
		f.models = appendNew(f.models, b.Model)
		f.targets = appendNew(f.targets, b.Target)
	}
	var runModels, runTargets []string
	for _, res := range results {
		runModels = appendNew(runModels, res.Model)
		runTargets = appendNew(runTargets, res.Target)
	}
	var out []string
	for _, src := range order {
		f := files[src]
		if f.matched || !f.requested && !overlaps(f.targets, runTargets) {
			continue // matched, or a shared file for targets this run did not measure
		}
		out = append(out, fmt.Sprintf("baseline file %s: none of its %d rows (models %s; targets %s) matches a run (models %s; targets %s) by model name, file name or SHA-256 and target",
			src, f.rows, listText(f.models), listText(f.targets), listText(runModels), listText(runTargets)))
	}
	return out
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// listText joins up to five names, then says how many more there are.
func listText(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	if len(list) > 5 {
		return fmt.Sprintf("%s and %d more", strings.Join(list[:5], ", "), len(list)-5)
	}
	return strings.Join(list, ", ")
}

// typedMismatches renders the firmware's mismatch lines with typed values
// (project.FormatMismatch): int8 -128, not the byte 128; floats as
// decimals, not bit patterns.
func typedMismatches(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = project.FormatMismatch(l)
	}
	return out
}

// div returns a/b, or -1 when either is unknown (negative) or b is 0.
func div(a, b int64) float64 {
	if a < 0 || b <= 0 {
		return -1
	}
	return float64(a) / float64(b)
}

func resultRow(res *Result) Row {
	m := res.Memory
	row := Row{Model: res.Model, Backend: res.Backend, Target: res.Target, Config: res.Config,
		ROM: m.ROM, ROMCode: m.ROMCode(), ROMWeights: m.ROMWeights, ROMRuntime: m.ROMRuntime, RAM: m.RAM, Arena: m.RAMArena, Stack: res.StackUsed,
		StaticRAM: res.StaticRAM, InitInstr: res.InitInstructions, InferenceInstr: res.Inference, MACs: res.MACs,
		InstrPerMAC: res.InstrPerMAC, Status: res.Status, Error: res.Error, ReproduceCommand: res.Reproduce, Dir: res.Dir,
		Micros: res.Counter == CounterMicros}
	switch res.Status {
	case StatusOK:
		row.Validated = fmt.Sprintf("%d/%d", res.Passed, res.Vectors)
		if res.Reference == "eval" {
			row.Validated += " vs eval"
		}
	case StatusMismatch:
		row.Validated = fmt.Sprintf("MISMATCH %d/%d", res.Passed, res.Vectors)
	case StatusNoFit:
		row.Validated = "does not fit"
	default:
		row.Validated = "FAILED"
	}
	return row
}

func baselineRow(b Baseline, res *Result) Row {
	row := Row{Model: res.Model, Backend: b.Variant, Target: b.Target, Baseline: true, Source: b.Source,
		ROM: b.ROM(), ROMCode: -1, ROMWeights: -1, ROMRuntime: -1, RAM: b.RAM(), Arena: b.Arena, Stack: -1, StaticRAM: -1,
		InitInstr: b.Setup, InferenceInstr: b.Invoke, MACs: res.MACs}
	if b.Invoke > 0 && res.MACs > 0 {
		row.InstrPerMAC = float64(b.Invoke) / float64(res.MACs)
	}
	return row
}

// columns of the terminal table, Markdown and CSV.
var columns = []string{"model", "backend", "target", "config", "rom_total", "rom_code", "rom_weights", "rom_runtime",
	"ram_total", "ram_arena", "ram_stack", "static_ram", "init_instructions", "inference_instructions",
	"instructions_per_mac", "validated"}

func num(v int64) string {
	if v < 0 {
		return "—"
	}
	return strconv.FormatInt(v, 10)
}

func (row Row) cells(human bool) []string {
	n := num
	if !human {
		n = func(v int64) string {
			if v < 0 {
				return ""
			}
			return strconv.FormatInt(v, 10)
		}
	}
	ipm := ""
	if row.InstrPerMAC > 0 {
		ipm = strconv.FormatFloat(row.InstrPerMAC, 'f', 2, 64)
	} else if human {
		ipm = "—"
	}
	validated := row.Validated
	if row.Baseline && human {
		validated = "(baseline)"
	}
	initC, infC := n(row.InitInstr), n(row.InferenceInstr)
	if row.Micros && human {
		initC, infC = initC+" µs", infC+" µs"
	}
	return []string{row.Model, row.Backend, row.Target, row.Config, n(row.ROM), n(row.ROMCode), n(row.ROMWeights),
		n(row.ROMRuntime), n(row.RAM), n(row.Arena), n(row.Stack), n(row.StaticRAM), initC, infC, ipm, validated}
}

// WriteTable prints the rows and comparisons for a terminal.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"model", "backend", "target", "config", "ROM", "code", "weights", "runtime", "RAM", "arena", "stack",
		"static RAM", "init instr", "inference instr", "instr/MAC", "validated"}
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	for _, row := range r.Rows {
		fmt.Fprintln(tw, strings.Join(row.cells(true), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Comparisons) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "model\ttarget\tbackend\tvs\tROM ×\tRAM ×\tarena ×\tinit ×\tinference ×\t")
		for _, c := range r.Comparisons {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Model, c.Target, c.Backend, c.Baseline,
				ratioText(c.ROM), ratioText(c.RAM), ratioText(c.Arena), ratioText(c.Init), ratioText(c.Inference))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if err := writeProfileTables(w, r.Results); err != nil {
		return err
	}
	for _, row := range r.Rows {
		if row.Baseline || row.Status == StatusOK {
			continue
		}
		fmt.Fprintf(w, "\n%s %s %s: %s\n  %s\n  reproduce: %s\n", row.Model, row.Backend, row.Target, row.Validated,
			strings.ReplaceAll(row.Error, "\n", "\n  "), row.ReproduceCommand)
	}
	return nil
}

func ratioText(x float64) string {
	switch {
	case x < 0:
		return "—"
	case x == 0:
		return "0"
	case x < 0.01:
		return strconv.FormatFloat(x, 'e', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', 3, 64)
}

// WriteMarkdown writes the rows and comparisons as Markdown tables.
func (r *Report) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "# tinygen bench\n\n")
	header := []string{"model", "backend", "target", "config", "ROM", "code", "weights", "runtime", "RAM", "arena", "stack",
		"static RAM", "init instr", "inference instr", "instr/MAC", "validated"}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
	for _, row := range r.Rows {
		cells := row.cells(true)
		for i, c := range cells {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	if len(r.Comparisons) > 0 {
		fmt.Fprintf(w, "\nRatios tinygen ÷ baseline (below 1: tinygen is smaller or faster):\n\n")
		fmt.Fprintf(w, "| model | target | backend | vs | ROM × | RAM × | arena × | init × | inference × |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, c := range r.Comparisons {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Model, c.Target, c.Backend, c.Baseline,
				ratioText(c.ROM), ratioText(c.RAM), ratioText(c.Arena), ratioText(c.Init), ratioText(c.Inference))
		}
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "\nWarning: %s\n", strings.ReplaceAll(warn, "|", `\|`))
	}
	writeProfileMarkdown(w, r.Results)
	fmt.Fprintf(w, "\nWall time of the matrix: %.1f s. ROM excludes the test vectors; RAM is static data without the stack; "+
		"stack is the measured high-water mark; static RAM = arena + stack + other RAM; inference instr counts vector 1.\n", r.Seconds)
	return nil
}

// WriteCSV writes one CSV row per report row.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append(append([]string{}, columns...), "baseline", "source", "status", "error")); err != nil {
		return err
	}
	for _, row := range r.Rows {
		rec := append(row.cells(false), strconv.FormatBool(row.Baseline), row.Source, string(row.Status), row.Error)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the results, matched baselines and comparisons.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Failed reports whether any run did not validate.
func (r *Report) Failed() bool {
	for _, res := range r.Results {
		if !res.Validated() {
			return true
		}
	}
	return false
}
