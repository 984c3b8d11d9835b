// Command tinygen compiles trained neural networks into dependency-free C
// for microcontrollers. This file holds only the command-line surface:
// flags, printing and exit codes; the work happens in package driver.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tinygen/tinygen/driver"
)

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the process exit code:
// 0 success, 1 failure, 2 usage error.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr, args)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	if err != nil {
		fmt.Fprintf(stderr, "tinygen: %v\n", err)
		if _, usage := err.(usageError); usage || cmd == root {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
			return 2
		}
		return 1
	}
	return 0
}

// usageError marks errors in how a command was called (exit status 2).
type usageError struct{ error }

func newRoot(stdout, stderr io.Writer, args []string) *cobra.Command {
	root := &cobra.Command{
		Use:           "tinygen",
		Short:         "Compile neural networks into dependency-free C for microcontrollers",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newInspect(stdout), newRun(), newCompile(stdout, stderr), newPlan(stdout), newBench(stdout, stderr), newTargets(stdout), newConformance(stdout, stderr), newRuntime(stdout))
	return root
}

func newInspect(stdout io.Writer) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect MODEL",
		Short: "Show a model's operators, shapes, quantisation, parameters and MACs",
		Args:  exactArgs(1, "inspect needs one model file"),
		RunE: func(_ *cobra.Command, args []string) error {
			m, err := driver.Load(args[0])
			if err != nil {
				return err
			}
			r := driver.Inspect(m)
			if asJSON {
				return r.WriteJSON(stdout)
			}
			return r.WriteText(stdout)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func newRun() *cobra.Command {
	var inputs, outputs []string
	cmd := &cobra.Command{
		Use:   "run MODEL --input FILE... --output FILE...",
		Short: "Evaluate a model with tinygen's bit-exact reference evaluator",
		Long: `Evaluate a model with tinygen's reference evaluator, which reproduces
TensorFlow Lite Micro's reference kernels bit for bit. Give one --input per
model input and one --output per model output, in model order. Files ending
in .npy are NumPy arrays; any other file holds the tensor's raw little-endian
bytes in row-major order.`,
		Args: exactArgs(1, "run needs one model file"),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(inputs) == 0 || len(outputs) == 0 {
				return usageError{fmt.Errorf("run needs --input and --output files")}
			}
			m, err := driver.Load(args[0])
			if err != nil {
				return err
			}
			return driver.RunFiles(m, inputs, outputs)
		},
	}
	cmd.Flags().StringArrayVar(&inputs, "input", nil, "input tensor file (raw bytes or .npy), once per model input")
	cmd.Flags().StringArrayVar(&outputs, "output", nil, "file to write an output tensor to (raw bytes or .npy), once per model output")
	return cmd
}

// newCompile is tinygen compile. The generated files record the model's
// base name and hash and the options that change them, never the command
// line: it holds the output folder and the model's path.
func newCompile(stdout, stderr io.Writer) *cobra.Command {
	var opts driver.CompileOptions
	var outDir, dumpAfter, mode string
	var force, timePasses bool
	var dopts driver.DeployOptions
	cmd := &cobra.Command{
		Use:   "compile MODEL -o DIR [--name NAME] [--mode aot|interp] [--force]",
		Short: "Generate ahead-of-time C99 inference code for a model",
		Long: `Generate dependency-free C99 for a model: NAME.h (the API), NAME.c (the
schedule, with every kernel parameter precomputed), NAME_weights.c (the
constants), the kernel headers and the source of every kernel the model uses.
Intermediate tensors share one arena laid out at compile time. The same model
and flags always give the same bytes.

The folder's .tinygen-manifest lists the files compile wrote there: the next
compile removes those it no longer generates, and refuses to replace a file it
did not write (unless --force) or to write through a symbolic link.

--mode interp writes the interpreter instead: NAME.tgb (the model blob:
schedule, kernel ids, precomputed parameters, plan and weights; format in
docs/blob-format.md), NAME_blob.c/.h (the blob as a const array), the C
runtime (tg_rt_*), its kernel table and the kernels the model needs.`,
		Args: exactArgs(1, "compile needs one model file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if outDir == "" {
				return usageError{fmt.Errorf("compile needs an output folder (-o DIR)")}
			}
			if err := checkMemoryFlags(cmd, opts.Memory); err != nil {
				return err
			}
			if err := checkMode(mode, opts); err != nil {
				return usageError{err}
			}
			if err := driver.CheckPassOptions(opts); err != nil {
				return usageError{err}
			}
			if dopts.Kind != "" || cmd.Flags().Changed("runs") {
				if err := driver.CheckDeployOptions(opts, dopts); err != nil {
					return usageError{err}
				}
			}
			m, err := driver.Load(args[0])
			if err != nil {
				return err
			}
			opts.Generator = driver.Generator(version)
			if dumpAfter != "" {
				opts.DumpAfter, opts.Dump = dumpAfter, stdout
			}
			if timePasses {
				opts.Timings = stderr
			}
			if dopts.Kind != "" {
				if mode == "interp" {
					return usageError{fmt.Errorf("--project builds AOT projects; --mode interp cannot be combined with it")}
				}
				dopts.IgnoreBudget = force
				return deploy(stdout, m, args[0], outDir, opts, dopts, force)
			}
			compile := driver.Compile
			if mode == "interp" {
				compile = driver.CompileInterp
			}
			files, mp, err := compile(m, opts)
			if err != nil {
				return err
			}
			rep, err := driver.WriteOutput(outDir, files, driver.WriteOptions{Force: force, Model: args[0]})
			if err != nil {
				return err
			}
			total := rep.Bytes
			p := mp.Plan
			order := "model op order"
			if mp.Reordered {
				order = fmt.Sprintf("memory-aware op order; %d bytes in model order", mp.ModelOrder.Size)
			}
			fmt.Fprintf(stdout, "wrote %d files (%d bytes) to %s; arena %d bytes (%s planner, lower bound %d, %d buffers, %s)\n",
				len(files), total, outDir, p.Size, p.Planner, p.LowerBound, len(p.Buffers), order)
			printOutputReport(stdout, outDir, rep)
			return nil
		},
	}
	cmd.Flags().StringVarP(&outDir, "output", "o", "", "folder to write the C files to (created if missing)")
	cmd.Flags().StringVar(&opts.Name, "name", "", "prefix of the generated symbols and file names (default: the model file name)")
	cmd.Flags().BoolVar(&opts.CallerArena, "caller-arena", false, "make NAME_run take the arena as an argument instead of a static array")
	cmd.Flags().BoolVar(&opts.HostMain, "host-main", false, "also write NAME_host_main.c, a stdin/stdout test harness for the host")
	cmd.Flags().BoolVar(&force, "force", false, "replace existing files with generated names that tinygen did not write")
	cmd.Flags().StringVar(&mode, "mode", "aot", "aot: C code for the model; interp: a model blob and the interpreter runtime")
	cmd.Flags().StringVar(&opts.Target, "target", "host", "target to compile for (tinygen targets): its alignment and kernel sets")
	cmd.Flags().StringVar(&opts.Kernels, "kernels", "", "kernel set preferred over the target's list (reference stays the fallback)")
	cmd.Flags().StringVar(&dumpAfter, "dump-after", "", "print the IR to stdout after this pass ("+strings.Join(driver.PassNames(), ", ")+")")
	cmd.Flags().BoolVar(&timePasses, "time-passes", false, "print each pass's duration to stderr")
	cmd.Flags().BoolVar(&opts.Check, "check", false, "run the pipeline's checker after every pass")
	cmd.Flags().StringSliceVar(&opts.Disabled, "disable-pass", nil, "skip an optional pass (memory-order)")
	memoryFlags(cmd, &opts.Memory)
	deployFlags(cmd, &dopts)
	return cmd
}

// printOutputReport prints, after compile's summary line, the files it
// replaced that it had not written or that were edited, the stale files it
// removed or kept, and the manifest lines it ignored.
func printOutputReport(w io.Writer, dir string, rep *driver.OutputReport) {
	for _, n := range rep.Foreign {
		fmt.Fprintf(w, "replacing %s, not written by tinygen (--force)\n", filepath.Join(dir, n))
	}
	for _, n := range rep.Edited {
		fmt.Fprintf(w, "replacing %s, edited since the last compile\n", filepath.Join(dir, n))
	}
	if len(rep.Removed) > 0 {
		fmt.Fprintf(w, "removed %d stale files of the last compile: %s\n", len(rep.Removed), strings.Join(rep.Removed, ", "))
	}
	if len(rep.Kept) > 0 {
		fmt.Fprintf(w, "kept %d stale files of the last compile, edited since (no longer tracked): %s\n", len(rep.Kept), strings.Join(rep.Kept, ", "))
	}
	for _, s := range rep.Ignored {
		fmt.Fprintf(w, "ignored %s\n", s)
	}
}

// memoryFlags adds the memory-planning flags shared by compile and plan.
func memoryFlags(cmd *cobra.Command, m *driver.MemoryOptions) {
	cmd.Flags().StringVar(&m.Planner, "planner", "best", "arena planner: "+strings.Join(driver.PlannerNames(), ", ")+" (best runs all and keeps the smallest)")
	cmd.Flags().Var(aliasingFlag{m}, "aliasing", "which tensors may share storage: all (views and in-place elementwise ops), views, none")
	cmd.Flags().BoolVar(&m.ModelOrder, "model-order", false, "keep the model's op order (default: use a memory-aware order when it gives a smaller arena)")
	cmd.Flags().IntVar(&m.Align, "align", 0, fmt.Sprintf("alignment of every arena offset in bytes: a power of two from %d to %d (default: the target's)", driver.MinAlign, driver.MaxAlign))
}

// checkMemoryFlags reports bad memory-planning flags as usage errors.
func checkMemoryFlags(cmd *cobra.Command, m driver.MemoryOptions) error {
	if m.Align == 0 && cmd.Flags().Changed("align") { // 0 means the default to the library, not to the flag
		return usageError{fmt.Errorf("--align must be a power of two from %d to %d, got 0", driver.MinAlign, driver.MaxAlign)}
	}
	if err := m.Check(); err != nil {
		return usageError{err}
	}
	return nil
}

// aliasingFlag is the pflag.Value of --aliasing.
type aliasingFlag struct{ m *driver.MemoryOptions }

func (f aliasingFlag) String() string {
	if f.m == nil {
		return "all"
	}
	return f.m.Aliasing.String()
}
func (f aliasingFlag) Set(s string) error { return f.m.SetAliasing(s) }
func (aliasingFlag) Type() string         { return "mode" }

func newPlan(stdout io.Writer) *cobra.Command {
	var opts driver.MemoryOptions
	var asJSON bool
	var svg, png, offline string
	cmd := &cobra.Command{
		Use:   "plan MODEL [--json] [--svg FILE] [--png FILE] [--write-offline-plan OUT.tflite]",
		Short: "Show every memory planner's arena for a model beside the lower bound and TFLM's arena",
		Long: `Plan the tensor arena of a model with every planner (naive, linear,
greedy-size, greedy-conflicts, hill-climb) and print each arena size beside
the lower bound (the most bytes live at one step), the memory-aware op order,
the arena with inputs and outputs included (what TFLM's arena_used counts),
TFLM's measured arena_used when the shared baselines know the model, and the
chosen layout. --svg and --png draw the layout (x: op step, y: arena offset);
--write-offline-plan writes a copy of the model with a plan in its
OfflineMemoryAllocation metadata, which stock TFLM uses instead of planning
(model op order, inputs and outputs in the arena, no in-place sharing).`,
		Args: exactArgs(1, "plan needs one model file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkMemoryFlags(cmd, opts); err != nil {
				return err
			}
			m, err := driver.Load(args[0])
			if err != nil {
				return err
			}
			r, err := driver.Plan(m, opts)
			if err != nil {
				return err
			}
			for _, path := range []string{svg, png} {
				if path != "" {
					if err := r.WriteFigure(path); err != nil {
						return err
					}
				}
			}
			if asJSON {
				if err := r.WriteJSON(stdout); err != nil {
					return err
				}
			} else if err := r.WriteText(stdout); err != nil {
				return err
			}
			if offline != "" {
				res, err := driver.WriteOfflinePlan(m, offline, opts)
				if err != nil {
					return err
				}
				if !asJSON {
					fmt.Fprintf(stdout, "\nwrote %s: offline plan of %d bytes (%s planner) for %d tensors, %d left to TFLM (constants, unused)\n",
						offline, res.Plan.Size, res.Plan.Planner, res.Planned, res.Online)
				}
			}
			return nil
		},
	}
	memoryFlags(cmd, &opts)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&svg, "svg", "", "draw the plan into an SVG file")
	cmd.Flags().StringVar(&png, "png", "", "draw the plan into a PNG file")
	cmd.Flags().StringVar(&offline, "write-offline-plan", "", "write a copy of the model with the plan as TFLM OfflineMemoryAllocation metadata")
	return cmd
}

func exactArgs(n int, msg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s, got %d arguments", msg, len(args))}
		}
		return nil
	}
}
