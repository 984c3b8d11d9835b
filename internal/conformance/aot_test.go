package conformance_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/internal/conformance"
	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

// aotHostEngine compiles a model to C with tinygen compile's code path,
// builds it with its host harness under AddressSanitizer and
// UndefinedBehaviorSanitizer, and runs each vector through the binary.
func aotHostEngine(t *testing.T, cc string) conformance.Engine {
	return conformance.Engine{
		Name: "aot-host-" + filepath.Base(cc),
		Prepare: func(path string) (func([][]byte) ([][]byte, error), error) {
			m, err := driver.Load(path)
			if err != nil {
				return nil, err
			}
			files, _, err := driver.Compile(m, driver.CompileOptions{HostMain: true, Name: "model", Generator: "tinygen (test)", PassControls: driver.PassControls{Check: true}})
			if err != nil {
				return nil, err
			}
			dir := t.TempDir()
			if err := driver.WriteFiles(dir, files); err != nil {
				return nil, err
			}
			srcs, err := hostcc.CFiles(dir)
			if err != nil {
				return nil, err
			}
			bin := filepath.Join(dir, "model")
			ctx := context.Background()
			if err := hostcc.Link(ctx, cc, dir, bin, srcs, append(hostcc.WarningFlags, hostcc.SanitizerFlags...)...); err != nil {
				return nil, fmt.Errorf("build failed: %w", err)
			}
			var sizes []int
			for _, o := range m.Graph.Outputs {
				sizes = append(sizes, o.NumBytes())
			}
			return func(in [][]byte) ([][]byte, error) {
				outs, err := hostcc.RunVectors(ctx, bin, [][][]byte{in}, sizes)
				if err != nil {
					return nil, err
				}
				return outs[0], nil
			}, nil
		},
	}
}

// TestGoldenAOTHost requires every vector of every shared golden model to
// pass through the generated C on the host, built with gcc (and clang when
// installed) under ASan/UBSan: int8 byte for byte, float32 within the
// stated tolerance.
func TestGoldenAOTHost(t *testing.T) {
	dir := sharedtest.Require(t)
	ccs := []string{sharedtest.RequireTool(t, "gcc", "gcc")}
	if testing.Short() {
		t.Skip("building every golden model takes a while; skipped with -short")
	}
	if p, err := exec.LookPath("clang"); err == nil {
		ccs = append(ccs, p)
	} else if os.Getenv("CI") == "true" {
		t.Fatal("clang not found: install the Debian package clang")
	}
	cases, err := golden.Load(filepath.Join(dir, "golden"), filepath.Join(dir, "models"))
	if err != nil {
		t.Fatal(err)
	}
	// Each model is built and run in its own goroutine; the results are
	// gathered per compiler in case order.
	for _, cc := range ccs {
		engine := aotHostEngine(t, cc)
		results := make([]conformance.Result, len(cases))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 2)
		for i, c := range cases {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				results[i] = conformance.Run(engine, []golden.Case{c})[0]
			}()
		}
		wg.Wait()
		var table strings.Builder
		if err := conformance.WriteTable(&table, engine.Name, results); err != nil {
			t.Fatal(err)
		}
		t.Logf("golden vectors through generated C:\n%s", table.String())
		for _, r := range results {
			if !r.OK() {
				t.Errorf("%s %s (%s): %d/%d passed; unsupported=%q; failures: %s", engine.Name, r.Case, r.Model,
					r.Passed, r.Vectors, r.Unsupported, strings.Join(r.Failures, "; "))
			}
		}
	}
}

// TestGoldenModelsCrossCompile compiles the generated C of every shared
// golden model for a Cortex-M4 with FPU with arm-none-eabi-gcc and the
// warning flags (no link: the simulator tests link and run firmware).
func TestGoldenModelsCrossCompile(t *testing.T) {
	dir := sharedtest.Require(t)
	arm := sharedtest.RequireTool(t, "arm-none-eabi-gcc", "gcc-arm-none-eabi")
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	cases, err := golden.Load(filepath.Join(dir, "golden"), filepath.Join(dir, "models"))
	if err != nil {
		t.Fatal(err)
	}
	flags := append(append([]string{}, hostcc.WarningFlags...), "-Os", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16")
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			m, err := driver.Load(c.Model)
			if err != nil {
				t.Fatal(err)
			}
			files, _, err := driver.Compile(m, driver.CompileOptions{Generator: "tinygen (test)", Target: "cortex-m4", PassControls: driver.PassControls{Check: true}})
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			if err := driver.WriteFiles(out, files); err != nil {
				t.Fatal(err)
			}
			srcs, err := hostcc.CFiles(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := hostcc.Compile(context.Background(), arm, out, srcs, flags...); err != nil {
				t.Fatal(err)
			}
		})
	}
}
