// deploy.go: the flags and printing of tinygen compile --project (deploy
// projects); the work is driver.Deploy.

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tinygen/tinygen/driver"
)

// projectKinds are the values of --project (project.Kinds, which cmd may
// not import).
var projectKinds = []string{"arduino", "baremetal", "cmake", "zephyr"}

// deployFlags adds --project and --runs to compile.
func deployFlags(cmd *cobra.Command, d *driver.DeployOptions) {
	cmd.Flags().StringVar(&d.Kind, "project", "", "write a project to build for the board instead of bare C files: "+strings.Join(projectKinds, ", ")+
		" (the model must fit the target's flash and RAM; --force overrides)")
	cmd.Flags().IntVar(&d.Runs, "runs", 0, "inferences a --project averages its inference time over (default 128)")
}

// deploy runs compile --project and prints what it wrote.
func deploy(stdout io.Writer, m *driver.Model, model, outDir string, opts driver.CompileOptions, dopts driver.DeployOptions, force bool) error {
	res, err := driver.Deploy(m, opts, dopts)
	if err != nil {
		return err
	}
	rep, err := driver.WriteDeploy(outDir, res.Files, driver.WriteOptions{Force: force, Model: model})
	if err != nil {
		return err
	}
	target := opts.Target
	if target == "" {
		target = "host"
	}
	fmt.Fprintf(stdout, "wrote %s project for %s: %d files (%d bytes) to %s; arena %d bytes; sample: %s\n",
		dopts.Kind, target, len(res.Files), rep.Bytes, outDir, res.Plan.Plan.Size, res.SampleFrom)
	if b := res.Budget; b != nil {
		if b.Fits() {
			fmt.Fprintln(stdout, b.Summary())
		} else {
			fmt.Fprintf(stdout, "warning (--force): %s\n", b.Error())
		}
	}
	printOutputReport(stdout, outDir, rep)
	return nil
}
