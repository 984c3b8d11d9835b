// interp_test.go: the interp-host engine: every golden model as a blob,
// run by one interpreter runtime built with every kernel.

package conformance_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/internal/conformance"
	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/kernels"
	runtimec "github.com/tinygen/tinygen/runtime-c"
)

// buildInterpHost builds one host runtime with every kernel of the
// reference set (and of the kernel set set, when not empty) and the host
// harness, under ASan/UBSan.
func buildInterpHost(t *testing.T, cc, set string) string {
	t.Helper()
	lib := kernels.Builtin()
	var ops []string
	for _, s := range []string{kernels.Reference, set} {
		if s == "" {
			continue
		}
		ks, err := lib.Kernels(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			ops = append(ops, k.Symbol)
		}
	}
	files, _, err := driver.Runtime(driver.RuntimeOptions{Ops: ops, Kernels: set})
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, runtimec.HostMain())
	dir := t.TempDir()
	if err := driver.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	srcs, err := hostcc.CFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "tg_rt_host")
	if err := hostcc.Link(context.Background(), cc, dir, bin, srcs, append(hostcc.WarningFlags, hostcc.SanitizerFlags...)...); err != nil {
		t.Fatalf("build failed: %v", err)
	}
	return bin
}

// interpHostEngine writes each model's blob (compile --mode interp for the
// host) and runs its vectors through the prebuilt runtime bin.
func interpHostEngine(t *testing.T, bin, set string) conformance.Engine {
	name := "interp-host"
	if set != "" {
		name += "-" + set
	}
	return conformance.Engine{
		Name: name,
		Prepare: func(path string) (func([][]byte) ([][]byte, error), error) {
			m, err := driver.Load(path)
			if err != nil {
				return nil, err
			}
			files, _, err := driver.CompileInterp(m, driver.CompileOptions{Name: "model", Generator: "tinygen (test)", Kernels: set, PassControls: driver.PassControls{Check: true}})
			if err != nil {
				return nil, err
			}
			blobPath := filepath.Join(t.TempDir(), "model.tgb")
			for _, f := range files {
				if f.Name == "model.tgb" {
					if err := os.WriteFile(blobPath, f.Data, 0o644); err != nil {
						return nil, err
					}
				}
			}
			var sizes []int
			for _, o := range m.Graph.Outputs {
				sizes = append(sizes, o.NumBytes())
			}
			return func(in [][]byte) ([][]byte, error) {
				return runBlob(bin, blobPath, in, sizes)
			}, nil
		},
	}
}

// runBlob runs one vector through the host runtime.
func runBlob(bin, blobPath string, in [][]byte, sizes []int) ([][]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, blobPath)
	cmd.Stdin = bytes.NewReader(bytes.Join(in, nil))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v\n%s", err, stderr.String())
	}
	data := stdout.Bytes()
	var outs [][]byte
	for _, n := range sizes {
		if len(data) < n {
			return nil, fmt.Errorf("runtime wrote %d bytes, want %d", stdout.Len(), n)
		}
		outs = append(outs, data[:n:n])
		data = data[n:]
	}
	return outs, nil
}

// TestGoldenInterpHost requires every vector of every shared golden model
// to pass through the interpreter: the model compiled to a blob, run by
// one runtime built with gcc under ASan/UBSan; once with the reference
// set, once preferring each specialised set whose C runs on the host
// (their parameter records, packed weights and scratch go through the
// validator's rules too).
func TestGoldenInterpHost(t *testing.T) {
	dir := sharedtest.Require(t)
	cc := sharedtest.RequireTool(t, "gcc", "gcc")
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	cases, err := golden.Load(filepath.Join(dir, "golden"), filepath.Join(dir, "models"))
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []string{"", "armv7em", "rv32", "fpu"} {
		t.Run("set="+set, func(t *testing.T) {
			bin := buildInterpHost(t, cc, set)
			eng := interpHostEngine(t, bin, set)
			results := conformance.Run(eng, cases)
			var table strings.Builder
			if err := conformance.WriteTable(&table, eng.Name, results); err != nil {
				t.Fatal(err)
			}
			t.Logf("golden vectors through the interpreter:\n%s", table.String())
			for _, r := range results {
				if !r.OK() {
					t.Errorf("%s %s (%s): %d/%d passed; unsupported=%q; failures: %s", eng.Name, r.Case, r.Model,
						r.Passed, r.Vectors, r.Unsupported, strings.Join(r.Failures, "; "))
				}
			}
		})
	}
}
