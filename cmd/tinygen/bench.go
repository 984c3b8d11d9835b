package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/targets"
)

// benchFlags are the flags of tinygen bench.
type benchFlags struct {
	targets, backends, config, baselines []string
	jobs, vectors                        int
	results, md, csv, json, elf          string
	kernels, tflm                        string
	name                                 string
	macs                                 int64
	timeout                              time.Duration
	noSharedBaselines                    bool
	serial                               serialFlags
	profile                              bool
}

func newBench(stdout, stderr io.Writer) *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench [MODEL...] [--target T,...] [--backend aot] [--config key=value,...]... [-j N]",
		Short: "Build, run and measure generated code on simulated boards: flash, RAM, instructions, validated outputs",
		Long: `Benchmark generated code: for every model, backend, target and configuration,
generate the C, build firmware with the target's toolchain, run it on the
target's simulator (QEMU, or natively for host), count instructions exactly,
check every output against the golden vectors (or the evaluator), and
measure ROM and RAM from the ELF. Every run keeps its artefacts (sources,
ELF, map file, simulator log, result.json, run.sh to reproduce it) in the
results folder, which also gets report.md, report.csv and report.json.

Without models it runs the default matrix on the host: the bundled
synthetic model and, when a shared folder is found ($TINYGEN_SHARED or
../shared beside the repository), every model with golden vectors.

--config takes key=value[,value...]; every combination is one run. Keys:
` + configHelp() + `
--elf FW.elf --target T measures a finished firmware that follows
docs/bench-protocol.md (a TFLM or TVM build, say) in the same table.

--backend tflm,tflm-cmsisnn builds stock TFLM from source (--tflm DIR or
$TINYGEN_TFLM, laid out like ../shared/tflm) for each target, objects
cached in $TINYGEN_TFLM_CACHE or the user cache folder, and compares it
with tinygen's rows of the same run (docs/tflm.md).

Baselines: the shared folder's baselines/*.csv are added unless
--no-shared-baselines; --baseline FILE.csv adds more. Exit status 1 when
any run fails, does not fit or does not match its expected outputs.`,
		RunE: func(_ *cobra.Command, args []string) error {
			return runBench(args, f, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.targets, "target", nil, "targets to run on, comma-separated (default host; see tinygen targets)")
	fl.StringSliceVar(&f.backends, "backend", nil, "code generator variants: "+strings.Join(driver.Backends(), ", ")+" (default aot)")
	fl.StringArrayVar(&f.config, "config", nil, "setting key=value[,value...]; repeatable")
	fl.IntVarP(&f.jobs, "jobs", "j", runtime.NumCPU(), "runs at once")
	fl.IntVar(&f.vectors, "vectors", 0, "inferences per run (0: every test vector)")
	fl.StringVar(&f.results, "results", "", "new or empty folder for this invocation's artefacts (default: a fresh bench-results/<date-time>[-n])")
	fl.StringVar(&f.md, "md", "", "also write the Markdown report to FILE")
	fl.StringVar(&f.csv, "csv", "", "also write the CSV report to FILE")
	fl.StringVar(&f.json, "json", "", "also write the JSON report to FILE")
	fl.StringArrayVar(&f.baselines, "baseline", nil, "CSV of results measured elsewhere (columns as ../shared/baselines/*.csv); repeatable")
	fl.BoolVar(&f.noSharedBaselines, "no-shared-baselines", false, "do not add the shared folder's baselines")
	fl.StringVar(&f.elf, "elf", "", "measure this firmware ELF instead of generating one (needs exactly one --target)")
	fl.StringVar(&f.name, "name", "", "model name for --elf rows (default: the file name)")
	fl.Int64Var(&f.macs, "macs", 0, "MACs per inference for --elf rows (for instructions per MAC)")
	fl.DurationVar(&f.timeout, "timeout", bench.DefaultTimeout, "time-out of each simulator run")
	fl.StringVar(&f.tflm, "tflm", "", "TFLM source folder for the tflm backends, laid out like ../shared/tflm (default $TINYGEN_TFLM)")
	fl.StringVar(&f.kernels, "kernels", "", "kernel set preferred over each target's list (reference stays the fallback)")
	f.serial.add(cmd)
	fl.BoolVar(&f.profile, "profile", false, "also report instructions per step (op, kernel, set, MACs, instructions, instr/MAC, share); report-profile.csv beside each CSV report")
	return cmd
}

func configHelp() string {
	keys := driver.ConfigKeys()
	var b strings.Builder
	for _, k := range []string{"opt", "planner", "aliasing", "order", "arena", "crc"} {
		fmt.Fprintf(&b, "  %-9s %s\n", k, strings.Join(keys[k], ", "))
	}
	b.WriteString("  (arena: aot only, the interpreter takes the caller's; crc: interp only,\n" +
		"  on counts tg_rt_check_crc of the whole blob in the init column; a key a\n" +
		"  backend ignores does not repeat its runs)\n")
	return b.String()
}

func runBench(models []string, f benchFlags, stdout, stderr io.Writer) error {
	if f.jobs < 1 {
		return usageError{fmt.Errorf("-j must be at least 1, got %d", f.jobs)}
	}
	if f.vectors < 0 {
		return usageError{fmt.Errorf("--vectors must not be negative, got %d", f.vectors)}
	}
	serial, err := f.serial.runner(f.targets)
	if err != nil {
		return err
	}
	var elfTarget *targets.Target
	if f.elf != "" {
		if len(models) > 0 || len(f.targets) != 1 {
			return usageError{fmt.Errorf("--elf takes no model files and exactly one --target")}
		}
		if f.serial.boardSupport != "" {
			return usageError{fmt.Errorf("--board-support builds tinygen's firmware; an --elf brings its own board support")}
		}
		t, err := targets.Get(f.targets[0])
		if err != nil {
			return usageError{err}
		}
		if err := bench.CheckForeignTarget(t); err != nil {
			return usageError{err}
		}
		elfTarget = t
	}
	// A folder of this invocation's own, created exclusively; removed
	// again (if still empty) when no run starts.
	results, err := bench.CreateResultsDir(f.results, "", time.Now())
	if err != nil {
		return err
	}
	started := false
	defer func() {
		if !started {
			_ = os.Remove(filepath.Join(results, bench.ClaimFile))
			_ = os.Remove(results)
		}
	}()
	var jobs []*bench.Job
	if elfTarget != nil {
		t := elfTarget
		name := f.name
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(f.elf), filepath.Ext(f.elf))
		}
		id := driver.RunID(name, "elf", t.Name)
		jobs = []*bench.Job{{ID: id, Model: name, Backend: "elf", Target: t, Dir: filepath.Join(results, id), ELF: f.elf,
			MACs: f.macs, Timeout: f.timeout, Profile: f.profile}}
	} else {
		opts := driver.BenchOptions{Models: models, Targets: f.targets, Backends: f.backends,
			Config: f.config, Vectors: f.vectors, Results: results, Timeout: f.timeout, Generator: driver.Generator(version),
			Kernels: f.kernels, Profile: f.profile, TFLM: f.tflm, BuildJobs: f.jobs}
		if err := driver.CheckBenchOptions(opts); err != nil {
			return usageError{err}
		}
		if jobs, err = driver.BenchJobs(opts); err != nil {
			return err
		}
	}
	baselines, err := driver.BenchBaselines(f.baselines, !f.noSharedBaselines)
	if err != nil {
		return err
	}
	// Ctrl-C, SIGTERM and SIGHUP stop the runs: their simulators are
	// killed with their process groups, and the report of what finished
	// is still written.
	started = true
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	runner := &bench.Runner{Workers: f.jobs}
	if serial != nil {
		runner.Serial, runner.Workers = serial, 1 // one board
	}
	progress := newProgress(stderr, len(jobs))
	runner.Done = progress
	start := time.Now()
	res := runner.Run(ctx, jobs)
	report := bench.NewReport(res, baselines)
	report.Seconds = time.Since(start).Seconds()
	report.Folder = results
	for _, w := range report.Warnings {
		fmt.Fprintf(stderr, "tinygen: warning: %s\n", w)
	}
	if err := report.WriteTable(stdout); err != nil {
		return err
	}
	written := []string{}
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{
		{filepath.Join(results, "report.md"), report.WriteMarkdown},
		{filepath.Join(results, "report.csv"), report.WriteCSV},
		{filepath.Join(results, "report.json"), report.WriteJSON},
		{f.md, report.WriteMarkdown}, {f.csv, report.WriteCSV}, {f.json, report.WriteJSON},
		{profileCSVPath(report, filepath.Join(results, "report.csv")), report.WriteProfileCSV},
		{profileCSVPath(report, f.csv), report.WriteProfileCSV},
	} {
		if out.path == "" {
			continue
		}
		if err := writeFile(out.path, out.write); err != nil {
			return err
		}
		written = append(written, out.path)
	}
	fmt.Fprintf(stdout, "\n%d runs in %.1f s; artefacts and reports in %s\n", len(res), report.Seconds, results)
	if report.Failed() {
		return fmt.Errorf("some runs failed or did not match their expected outputs (see above)")
	}
	return nil
}

// profileCSVPath names the profile CSV written beside a report CSV
// (report.csv: report-profile.csv), or "" when no run has a profile or
// there is no CSV.
func profileCSVPath(r *bench.Report, csvPath string) string {
	if csvPath == "" || !r.HasProfiles() {
		return ""
	}
	return strings.TrimSuffix(csvPath, filepath.Ext(csvPath)) + "-profile.csv"
}

func writeFile(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// newProgress returns the per-run callback: a progress bar on a terminal,
// one line per finished run otherwise.
func newProgress(stderr io.Writer, total int) func(done, total int, r *bench.Result) {
	if file, ok := stderr.(*os.File); ok {
		if st, err := file.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return func(done, total int, r *bench.Result) { drawProgress(stderr, done, total, r.ID) }
		}
	}
	return func(done, total int, r *bench.Result) {
		fmt.Fprintf(stderr, "[%d/%d] %s: %s (%.1f s)\n", done, total, r.ID, r.Status, r.Seconds)
	}
}

func newTargets(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "targets",
		Short: "List the targets tinygen can build for and simulate",
		Args:  exactArgs(0, "targets takes no arguments"),
		RunE: func(_ *cobra.Command, _ []string) error {
			all, err := targets.All()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "name\tinherits\tflash\tRAM\tsimulator\tinstalled\tdescription")
			for _, t := range all {
				sim, installed := "native", "yes"
				tools := []targets.Tool{t.Compiler}
				if t.Simulator != nil {
					sim = t.Simulator.Command + " -M " + t.Simulator.Machine
					tools = append(tools, t.Simulator.Tool)
				}
				var missing []string
				for _, tool := range tools {
					if _, err := driver.FindTool(tool.Command, tool.Package); err != nil {
						missing = append(missing, tool.Package)
					}
				}
				if len(missing) > 0 {
					installed = "no: apt-get install " + strings.Join(missing, " ")
				}
				flash, ram := "—", "—"
				if t.BareMetal() {
					flash, ram = sizeText(t.Flash.Size), sizeText(t.RAM.Size)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, strings.Join(t.Parents, " → "), flash, ram, sim, installed, t.Description)
			}
			return tw.Flush()
		},
	}
}

func sizeText(n uint64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// drawProgress redraws the progress line of a terminal: a bar, the count
// and the run just finished; the line is cleared when all runs are done.
// (A progress-bar library would link net/http and its crypto into the
// binary, whose initialisers every tinygen start pays for.)
func drawProgress(w io.Writer, done, total int, id string) {
	if done >= total || total <= 0 {
		fmt.Fprint(w, "\r\x1b[K")
		return
	}
	const barW = 30
	n := done * barW / total
	fmt.Fprintf(w, "\r\x1b[Kbench %3d%% [%s%s] (%d/%d) %.40s", done*100/total,
		strings.Repeat("=", n), strings.Repeat(" ", barW-n), done, total, printable(id))
}

// printable replaces what a terminal would act on (escape sequences,
// control characters: run IDs hold model names) with '?'.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return '?'
	}, s)
}
