// The conformance command: flags and printing for driver.Conformance.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tinygen/tinygen/driver"
)

func newConformance(stdout, stderr io.Writer) *cobra.Command {
	var engines, jsonFile, mdFile, cc string
	var verbose, sanitize bool
	var jobs int
	cmd := &cobra.Command{
		Use:   "conformance DIR",
		Short: "Run ONNX node tests (model.onnx, test_data_set_*/input_*.pb, output_*.pb) through the engines",
		Long: "conformance runs every test folder in DIR (or DIR itself) laid out like ONNX's backend node tests " +
			"through each engine (eval: the Go evaluator after the graph passes; aot-host: generated C built with the host compiler; " +
			"interp-host: each test compiled to a blob (compile --mode interp) and run by one interpreter runtime with every kernel, built once with the host compiler) " +
			"and prints pass, FAIL or unsupported with the reason. Floats are compared like ONNX's runner (rtol 1e-3, atol 1e-7), " +
			"other types exactly. The exit status is 1 when any test gives a wrong answer.",
		Args: exactArgs(1, "conformance needs one folder"),
		RunE: func(_ *cobra.Command, args []string) error {
			var list []string
			for _, e := range strings.Split(engines, ",") {
				if e = strings.TrimSpace(e); e != "" {
					list = append(list, e)
				}
			}
			opts := driver.ConformanceOptions{Engines: list, CC: cc, Jobs: jobs, Sanitize: sanitize}
			if verbose {
				opts.Progress = stderr
			}
			rep, err := driver.Conformance(args[0], opts)
			if err != nil {
				return err
			}
			if err := driver.WriteConformanceTable(stdout, rep); err != nil {
				return err
			}
			for _, f := range []struct {
				path  string
				write func(io.Writer, *driver.ConformanceReport) error
			}{{jsonFile, driver.WriteConformanceJSON}, {mdFile, driver.WriteConformanceMarkdown}} {
				if f.path == "" {
					continue
				}
				if err := writeReportFile(f.path, rep, f.write); err != nil {
					return err
				}
			}
			if rep.Failed() {
				return driver.ErrConformanceFailed()
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&engines, "engine", strings.Join(driver.ConformanceEngineNames(), ","), "engines to run, comma-separated")
	cmd.Flags().StringVar(&jsonFile, "json", "", "also write the results as JSON to `FILE`")
	cmd.Flags().StringVar(&mdFile, "md", "", "also write the results as a Markdown table to `FILE`")
	cmd.Flags().StringVar(&cc, "cc", "cc", "host C compiler of the aot-host and interp-host engines")
	cmd.Flags().BoolVar(&sanitize, "sanitize", false, "build the interp-host runtime under AddressSanitizer and UndefinedBehaviorSanitizer")
	cmd.Flags().IntVarP(&jobs, "jobs", "j", 1, "tests to run at once")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print each test as it finishes (stderr)")
	return cmd
}

// writeReportFile writes a report file (not a folder: it replaces only
// that file).
func writeReportFile(path string, rep *driver.ConformanceReport, write func(io.Writer, *driver.ConformanceReport) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
