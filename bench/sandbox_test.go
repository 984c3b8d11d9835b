// sandbox_test.go: the simulator cannot reach the host (hostile
// firmware on every simulated target), and bench runs are isolated
// (process groups, killed with tinygen; results folders of their own).
package bench_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/project"
	"github.com/tinygen/tinygen/targets"
)

// simulatedTargets returns every target with a simulator.
func simulatedTargets(t *testing.T) []*targets.Target {
	t.Helper()
	all, err := targets.All()
	if err != nil {
		t.Fatal(err)
	}
	var out []*targets.Target
	for _, tg := range all {
		if tg.Simulator != nil {
			out = append(out, tg)
		}
	}
	if len(out) == 0 {
		t.Fatal("no simulated targets")
	}
	return out
}

// firmwareJob is a job that builds testdata/<source> with the target's
// board support.
func firmwareJob(t *testing.T, tg *targets.Target, dir, source string, cflags ...string) *bench.Job {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", source))
	if err != nil {
		t.Fatal(err)
	}
	support, err := tg.SupportFiles()
	if err != nil {
		t.Fatal(err)
	}
	script, err := tg.LinkerScript()
	if err != nil {
		t.Fatal(err)
	}
	files := []project.File{{Name: source, Data: src}, {Name: targets.LinkerScriptName, Data: []byte(script)}}
	for _, f := range support {
		files = append(files, project.File{Name: f.Name, Data: f.Data})
	}
	return &bench.Job{ID: strings.TrimSuffix(source, ".c") + "-" + tg.Name, Model: source, Backend: "elf", Target: tg,
		Dir: dir, Files: files, CFlags: append([]string{"-O2"}, cflags...), Vectors: 1, Timeout: 30 * time.Second}
}

// TestFirmwareCannotReachHost runs firmware that tries to start a process
// and to create, append to, rename and remove files in a folder outside
// its run folder, through every semihosting call, on every simulated
// target. Nothing of it may happen, and the run must end by itself.
func TestFirmwareCannotReachHost(t *testing.T) {
	requireQEMUTargets(t)
	runner := &bench.Runner{CacheDir: t.TempDir()}
	for _, tg := range simulatedTargets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			victims := t.TempDir()
			for _, name := range []string{"victim-rename", "victim-remove", "victim-append"} {
				if err := os.WriteFile(filepath.Join(victims, name), []byte("original\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			j := firmwareJob(t, tg, t.TempDir(), "escape.c", fmt.Sprintf(`-DESCAPE_DIR=%q`, victims))
			start := time.Now()
			r := runner.RunJob(context.Background(), j)
			if strings.Contains(r.Error, "did not finish within") || time.Since(start) > 25*time.Second {
				t.Errorf("the run did not end by itself: %s", r.Error)
			}
			if strings.Contains(r.Error, "compiling") || strings.Contains(r.Error, "linking") {
				t.Fatalf("build: %s", r.Error)
			}
			for _, name := range []string{"system-marker", "written", "renamed"} {
				if _, err := os.Stat(filepath.Join(victims, name)); err == nil {
					t.Errorf("the firmware created %s outside its run folder", name)
				}
			}
			for _, name := range []string{"victim-rename", "victim-remove", "victim-append"} {
				data, err := os.ReadFile(filepath.Join(victims, name))
				if err != nil || string(data) != "original\n" {
					t.Errorf("the firmware changed %s outside its run folder: %q, %v", name, data, err)
				}
			}
			t.Logf("%s: %s %s", tg.Name, r.Status, r.Error)
		})
	}
}
