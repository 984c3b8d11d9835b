// Command tinygen compiles trained neural networks into dependency-free C
// for microcontrollers. This file holds only the command-line surface:
// flags, printing and exit codes; the work happens in package driver.
package main

import (
	"fmt"
	"io"
	"os"

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
	root := newRoot(stdout)
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

func newRoot(stdout io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "tinygen",
		Short:         "Compile neural networks into dependency-free C for microcontrollers",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newInspect(stdout), newRun())
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

func exactArgs(n int, msg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s, got %d arguments", msg, len(args))}
		}
		return nil
	}
}
