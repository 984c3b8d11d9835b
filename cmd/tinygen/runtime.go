// runtime.go: tinygen runtime, and compile's --mode check.

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tinygen/tinygen/driver"
)

// checkMode refuses an unknown --mode and the AOT-only flags with interp.
func checkMode(mode string, opts driver.CompileOptions) error {
	switch mode {
	case "aot":
		return nil
	case "interp":
		if opts.CallerArena || opts.HostMain {
			return fmt.Errorf("--mode interp: --caller-arena and --host-main apply to aot only (the runtime always takes the caller's arena)")
		}
		return nil
	}
	return fmt.Errorf("--mode %q: want %s", mode, strings.Join(driver.Modes(), " or "))
}

// newRuntime is tinygen runtime.
func newRuntime(stdout io.Writer) *cobra.Command {
	var opts driver.RuntimeOptions
	var outDir string
	var force bool
	cmd := &cobra.Command{
		Use:   "runtime (--ops-from MODEL... | --ops OP,...) -o DIR [--target T]",
		Short: "Write an interpreter runtime with exactly the kernels some models or operators need",
		Long: `Write tinygen's interpreter runtime (tg_rt_*.c/.h), its kernel table and the
kernels that the models named with --ops-from (compiled for --target) or the
operators named with --ops (CONV_2D, or kernel symbols such as tg_conv2d_s8)
need. Build it into a firmware once; it then runs every blob (tinygen compile
--mode interp) whose kernels it holds, and refuses others at tg_rt_init with
TG_RT_ERR_KERNEL_MISSING.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if outDir == "" {
				return usageError{fmt.Errorf("runtime needs an output folder (-o DIR)")}
			}
			if len(opts.Models) == 0 && len(opts.Ops) == 0 {
				return usageError{fmt.Errorf("runtime needs --ops-from MODEL or --ops LIST")}
			}
			files, ks, err := driver.Runtime(opts)
			if err != nil {
				return err
			}
			rep, err := driver.WriteOutput(outDir, files, driver.WriteOptions{Force: force})
			if err != nil {
				return err
			}
			var names []string
			for _, k := range ks {
				names = append(names, fmt.Sprintf("%s=%d", k.Symbol, k.ID))
			}
			fmt.Fprintf(stdout, "wrote %d files (%d bytes) to %s; %d kernels (id): %s\n", len(files), rep.Bytes, outDir,
				len(ks), strings.Join(names, " "))
			printOutputReport(stdout, outDir, rep)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&opts.Models, "ops-from", nil, "model whose kernels the runtime holds (repeat for several)")
	cmd.Flags().StringSliceVar(&opts.Ops, "ops", nil, "operators (CONV_2D) or kernel symbols the runtime holds, comma-separated")
	cmd.Flags().StringVarP(&outDir, "output", "o", "", "folder to write the runtime to (created if missing)")
	cmd.Flags().StringVar(&opts.Target, "target", "host", "target whose kernel sets to use")
	cmd.Flags().StringVar(&opts.Kernels, "kernels", "", "kernel set preferred over the target's list")
	cmd.Flags().BoolVar(&force, "force", false, "replace existing files with generated names that tinygen did not write")
	return cmd
}
