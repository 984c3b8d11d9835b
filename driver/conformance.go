// tinygen conformance: runs folders laid out like ONNX's backend node tests
// (model.onnx, test_data_set_*/input_*.pb, output_*.pb) through engines and
// tabulates pass, fail and unsupported.
package driver

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/frontends/onnx"
	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/readfile"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/passes"
)

// Conformance tolerances: ONNX's backend test runner compares floats with
// numpy.testing.assert_allclose(rtol=1e-3, atol=1e-7); integers exactly.
const (
	ConformanceRelTol = 1e-3
	ConformanceAbsTol = 1e-7
)

// maxTensorFileBytes bounds one test vector file.
const maxTensorFileBytes = 256 << 20

// ConformanceEngines are the engines `tinygen conformance` runs.
var conformanceEngines = []string{"eval", "aot-host", interpHostEngine}

// ConformanceEngineNames returns the engine names.
func ConformanceEngineNames() []string { return append([]string{}, conformanceEngines...) }

// ConformanceResult is one test on one engine.
type ConformanceResult struct {
	Test   string `json:"test"`
	Engine string `json:"engine"`
	// Status is "pass", "FAIL" or "unsupported".
	Status string `json:"status"`
	// DataSets is the number of test_data_set folders, Passed how many
	// of them matched.
	DataSets int `json:"data_sets"`
	Passed   int `json:"passed"`
	// Detail is the first failure or the reason a test is unsupported.
	Detail string `json:"detail,omitempty"`
}

// ConformanceReport is the whole run.
type ConformanceReport struct {
	Dir     string              `json:"dir"`
	Engines []string            `json:"engines"`
	Results []ConformanceResult `json:"results"`
}

// Totals counts the results of an engine by status.
func (r *ConformanceReport) Totals(engine string) (pass, fail, unsupported int) {
	for _, x := range r.Results {
		if x.Engine != engine {
			continue
		}
		switch x.Status {
		case "pass":
			pass++
		case "FAIL":
			fail++
		default:
			unsupported++
		}
	}
	return
}

// Failed reports whether any test gave a wrong answer.
func (r *ConformanceReport) Failed() bool {
	for _, x := range r.Results {
		if x.Status == "FAIL" {
			return true
		}
	}
	return false
}

// ConformanceOptions configure a run.
type ConformanceOptions struct {
	// Engines to run (default: all).
	Engines []string
	// CC is the host C compiler of aot-host and interp-host (default
	// "cc").
	CC string
	// Sanitize builds interp-host's runtime under AddressSanitizer and
	// UndefinedBehaviorSanitizer.
	Sanitize bool
	// WorkDir holds the aot-host and interp-host builds (default: a
	// temporary folder, removed afterwards).
	WorkDir string
	// Progress, when set, receives one line per test and engine.
	Progress io.Writer
	// Jobs is how many tests run at once (default 1).
	Jobs int
}

// conformanceTest is one test folder.
type conformanceTest struct {
	name, dir string
	sets      []string // test_data_set_* folders
}

// findConformanceTests returns dir itself if it holds model.onnx, else
// every sub-folder that does, sorted by name.
func findConformanceTests(dir string) ([]conformanceTest, error) {
	var tests []conformanceTest
	add := func(d string) error {
		sets, err := filepath.Glob(filepath.Join(d, "test_data_set_*"))
		if err != nil {
			return err
		}
		sort.Strings(sets)
		tests = append(tests, conformanceTest{name: filepath.Base(d), dir: d, sets: sets})
		return nil
	}
	if st, err := os.Stat(filepath.Join(dir, "model.onnx")); err == nil && st.Mode().IsRegular() {
		return tests, add(dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		d := filepath.Join(dir, e.Name())
		if st, err := os.Stat(filepath.Join(d, "model.onnx")); err == nil && st.Mode().IsRegular() {
			if err := add(d); err != nil {
				return nil, err
			}
		}
	}
	if len(tests) == 0 {
		return nil, fmt.Errorf("%s: no tests (a test is a folder with model.onnx and test_data_set_*/input_*.pb, output_*.pb)", dir)
	}
	return tests, nil
}

// Conformance runs every test under dir on every engine.
func Conformance(dir string, opts ConformanceOptions) (*ConformanceReport, error) {
	engines := opts.Engines
	if len(engines) == 0 {
		engines = conformanceEngines
	}
	for _, e := range engines {
		if !slices.Contains(conformanceEngines, e) {
			return nil, fmt.Errorf("unknown engine %q (have %s)", e, strings.Join(conformanceEngines, ", "))
		}
	}
	tests, err := findConformanceTests(dir)
	if err != nil {
		return nil, err
	}
	work := opts.WorkDir
	if work == "" && (slices.Contains(engines, "aot-host") || slices.Contains(engines, interpHostEngine)) {
		work, err = os.MkdirTemp("", "tinygen-conformance-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(work)
	}
	cc := opts.CC
	if cc == "" {
		cc = "cc"
	}
	// interp-host: one runtime with every kernel, built once per run.
	var interpBin string
	if slices.Contains(engines, interpHostEngine) {
		if interpBin, err = buildInterpHost(cc, filepath.Join(work, interpHostEngine+"-runtime"), opts.Sanitize); err != nil {
			return nil, err
		}
	}
	rep := &ConformanceReport{Dir: dir, Engines: engines}
	rep.Results = make([]ConformanceResult, len(tests)*len(engines))
	jobs := max(opts.Jobs, 1)
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, t := range tests {
		for j, e := range engines {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				r := runConformanceTest(t, e, cc, interpBin, work)
				rep.Results[i*len(engines)+j] = r
				if opts.Progress != nil {
					mu.Lock()
					fmt.Fprintf(opts.Progress, "%-12s %-60s %s\n", r.Engine, r.Test, r.Status)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	return rep, nil
}

// runConformanceTest runs one test on one engine. Loading and compiling
// errors make it unsupported; a run error or a mismatch makes it FAIL.
func runConformanceTest(t conformanceTest, engine, cc, interpBin, work string) ConformanceResult {
	r := ConformanceResult{Test: t.name, Engine: engine, DataSets: len(t.sets)}
	path := filepath.Join(t.dir, "model.onnx")
	unsupported := func(err error) ConformanceResult {
		// Every error is about this test's model: drop its path.
		r.Status, r.Detail = "unsupported", oneLine(strings.ReplaceAll(err.Error(), path+": ", ""))
		return r
	}
	fail := func(format string, args ...any) ConformanceResult {
		r.Status, r.Detail = "FAIL", oneLine(fmt.Sprintf(format, args...))
		return r
	}
	if len(t.sets) == 0 {
		return fail("no test_data_set_* folders")
	}
	m, err := Load(path)
	if err == nil {
		var run func([][]byte) ([][]byte, error)
		if run, err = prepareEngine(m, engine, cc, interpBin, filepath.Join(work, engine+"-"+t.name)); err == nil {
			for _, set := range t.sets {
				if msg := runSet(m, set, run, nil); msg != "" {
					return fail("%s", msg)
				}
				r.Passed++
			}
			r.Status = "pass"
			return r
		}
	}
	if !onnx.IsUnsupported(err) {
		return unsupported(err)
	}
	// Parameters fed as inputs (weights, axes, shapes): compile each data
	// set with every input but the first bound to its values, as a model
	// with those constants would be.
	data, rerr := readfile.Read(path, "model", MaxModelBytes)
	if rerr != nil {
		return unsupported(rerr)
	}
	names, rerr := onnx.InputNames(data)
	if rerr != nil || len(names) < 2 {
		return unsupported(err)
	}
	for k, set := range t.sets {
		consts := map[string]*ir.Tensor{}
		for i, n := range names[1:] {
			t, err := readTensor(filepath.Join(set, fmt.Sprintf("input_%d.pb", i+1)))
			if err != nil {
				return fail("%s: %v", filepath.Base(set), err)
			}
			consts[n] = t
		}
		bm, berr := loadBound(path, consts)
		if berr != nil {
			return unsupported(fmt.Errorf("with inputs 1..%d bound to constants: %v", len(names)-1, berr))
		}
		run, berr := prepareEngine(bm, engine, cc, interpBin, filepath.Join(work, fmt.Sprintf("%s-%s-%d", engine, t.name, k)))
		if berr != nil {
			return unsupported(fmt.Errorf("inputs 1..%d bound to constants: %v", len(names)-1, berr))
		}
		if msg := runSet(bm, set, run, names); msg != "" {
			return fail("%s", msg)
		}
		r.Passed++
	}
	r.Detail = fmt.Sprintf("inputs 1..%d bound to constants", len(names)-1)
	r.Status = "pass"
	return r
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}

// runSet runs one data set; names, when set, are the model's original
// inputs of which only the first is still an input. It returns "" or
// what failed.
func runSet(m *Model, set string, run func([][]byte) ([][]byte, error), names []string) string {
	base := filepath.Base(set)
	var ins [][]byte
	var err error
	if names == nil {
		ins, err = readTensors(set, "input", m.Graph.Inputs)
	} else {
		ins, err = readTensors(set, "input", m.Graph.Inputs[:1])
	}
	if err != nil {
		return fmt.Sprintf("%s: %v", base, err)
	}
	want, err := readTensors(set, "output", m.Graph.Outputs)
	if err != nil {
		return fmt.Sprintf("%s: %v", base, err)
	}
	got, err := run(ins)
	if err != nil {
		return fmt.Sprintf("%s: %v", base, err)
	}
	for i, o := range m.Graph.Outputs {
		if msg := compareTensor(o.DType, got[i], want[i]); msg != "" {
			return fmt.Sprintf("%s: output %d %q: %s", base, i, o.Name, msg)
		}
	}
	return ""
}

// prepareEngine returns the function that runs one input set; interpBin
// is interp-host's runtime.
func prepareEngine(m *Model, engine, cc, interpBin, dir string) (func([][]byte) ([][]byte, error), error) {
	switch engine {
	case "eval":
		g, err := RewriteGraph(m)
		if err != nil {
			return nil, err
		}
		e, err := eval.New(g)
		if err != nil {
			return nil, err
		}
		return e.Run, nil
	case "aot-host":
		if _, err := exec.LookPath(cc); err != nil {
			return nil, fmt.Errorf("no host C compiler %q: install the Debian package gcc", cc)
		}
		files, _, err := Compile(m, CompileOptions{HostMain: true, Name: "model", Generator: "tinygen (conformance)"})
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := WriteFiles(dir, files); err != nil {
			return nil, err
		}
		srcs, err := hostcc.CFiles(dir)
		if err != nil {
			return nil, err
		}
		bin := filepath.Join(dir, "model")
		flags := append(append([]string{}, hostcc.WarningFlags...), "-O1", "-ffp-contract=off")
		if err := hostcc.Link(context.Background(), cc, dir, bin, srcs, flags...); err != nil {
			return nil, fmt.Errorf("generated C does not build: %w", err)
		}
		var sizes []int
		for _, o := range m.Graph.Outputs {
			sizes = append(sizes, o.NumBytes())
		}
		return func(in [][]byte) ([][]byte, error) {
			outs, err := hostcc.RunVectors(context.Background(), bin, [][][]byte{in}, sizes)
			if err != nil {
				return nil, err
			}
			return outs[0], nil
		}, nil
	case interpHostEngine:
		return prepareInterp(m, interpBin, dir)
	}
	return nil, fmt.Errorf("unknown engine %q", engine)
}

// readTensors reads <kind>_<i>.pb for each tensor of want and checks its
// type and element count.
func readTensors(set, kind string, want []*ir.Tensor) ([][]byte, error) {
	out := make([][]byte, len(want))
	for i, w := range want {
		path := filepath.Join(set, fmt.Sprintf("%s_%d.pb", kind, i))
		t, err := readTensor(path)
		if err != nil {
			return nil, err
		}
		if t.DType != w.DType || t.Shape.Elements() != w.Shape.Elements() {
			return nil, fmt.Errorf("%s holds %v %v, the model's %s %d is %v %v", filepath.Base(path), t.DType.LongName(), t.Shape, kind, i, w.DType.LongName(), w.Shape)
		}
		out[i] = t.Data
	}
	return out, nil
}

// readTensor reads one TensorProto file.
func readTensor(path string) (*ir.Tensor, error) {
	data, err := readfile.Read(path, "tensor", maxTensorFileBytes)
	if err != nil {
		return nil, err
	}
	t, err := onnx.DecodeTensor(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// compareTensor compares like ONNX's runner: floats with
// |got − want| ≤ atol + rtol·|want| (NaN matches NaN), others exactly.
func compareTensor(dt ir.DType, got, want []byte) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d bytes, want %d", len(got), len(want))
	}
	if dt != ir.Float32 {
		sz := dt.Size()
		for i := 0; i+sz <= len(got); i += sz {
			if string(got[i:i+sz]) != string(want[i:i+sz]) {
				return fmt.Sprintf("element %d differs (got bytes % x, want % x)", i/sz, got[i:i+sz], want[i:i+sz])
			}
		}
		return ""
	}
	bad, first := 0, -1
	var fg, fw float32
	for i := 0; i+4 <= len(got); i += 4 {
		g := math.Float32frombits(binary.LittleEndian.Uint32(got[i:]))
		w := math.Float32frombits(binary.LittleEndian.Uint32(want[i:]))
		if math.IsNaN(float64(g)) && math.IsNaN(float64(w)) || g == w {
			continue
		}
		if math.Abs(float64(g)-float64(w)) <= ConformanceAbsTol+ConformanceRelTol*math.Abs(float64(w)) {
			continue
		}
		if first < 0 {
			first, fg, fw = i/4, g, w
		}
		bad++
	}
	if bad > 0 {
		return fmt.Sprintf("%d of %d values outside rtol %g atol %g; first: element %d is %g, want %g", bad, len(got)/4, ConformanceRelTol, ConformanceAbsTol, first, fg, fw)
	}
	return ""
}

// WriteConformanceTable prints the results and each engine's totals.
func WriteConformanceTable(w io.Writer, rep *ConformanceReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "test\tengine\tstatus\tsets\tdetail\n")
	for _, r := range rep.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\n", r.Test, r.Engine, r.Status, r.Passed, r.DataSets, clipDetail(r.Detail, 160))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range rep.Engines {
		p, f, u := rep.Totals(e)
		fmt.Fprintf(w, "%s: %d pass, %d FAIL, %d unsupported (%d tests)\n", e, p, f, u, p+f+u)
	}
	return nil
}

func clipDetail(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}

// WriteConformanceMarkdown writes the results as a Markdown table with
// the totals per engine.
func WriteConformanceMarkdown(w io.Writer, rep *ConformanceReport) error {
	var b strings.Builder
	b.WriteString("# ONNX conformance\n\n| engine | pass | FAIL | unsupported |\n|---|---|---|---|\n")
	for _, e := range rep.Engines {
		p, f, u := rep.Totals(e)
		fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", e, p, f, u)
	}
	b.WriteString("\n| test | engine | status | data sets | detail |\n|---|---|---|---|---|\n")
	for _, r := range rep.Results {
		d := strings.NewReplacer("|", "\\|", "\n", " ").Replace(r.Detail)
		fmt.Fprintf(&b, "| `%s` | %s | %s | %d/%d | %s |\n", r.Test, r.Engine, r.Status, r.Passed, r.DataSets, d)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteConformanceJSON writes the report as indented JSON.
func WriteConformanceJSON(w io.Writer, rep *ConformanceReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// errConformanceFailed is returned by callers when a test gave a wrong
// answer.
var errConformanceFailed = errors.New("conformance: some tests gave wrong answers")

// ErrConformanceFailed reports wrong answers (exit status 1).
func ErrConformanceFailed() error { return errConformanceFailed }

// RewriteGraph returns the model's graph after the pipeline's graph
// rewriting passes (for ONNX models: layout, folding, fusion), the graph
// the kernels are chosen for.
func RewriteGraph(m *Model) (*ir.Graph, error) {
	return passes.RewriteGraph(m.Graph)
}

// loadBound loads an ONNX model with the graph inputs named in consts
// bound to those constants (onnx.ParseWith).
func loadBound(path string, consts map[string]*ir.Tensor) (*Model, error) {
	data, err := readfile.Read(path, "model", MaxModelBytes)
	if err != nil {
		return nil, err
	}
	g, err := onnx.ParseWith(data, consts)
	return finishLoad(path, data, g, err)
}
