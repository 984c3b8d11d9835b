// sandbox_test.go: the simulator cannot reach the host (hostile
// firmware on every simulated target), and bench runs are isolated
// (process groups, killed with tinygen; results folders of their own).
package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
		if tg.Simulator != nil && tg.Arch != targets.ArchAVR { // AVR: deploy projects only
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

// buildELF builds testdata/<source> for tg and returns the ELF's path
// (the run that follows the build is cut short: a time-out of 1 ns).
func buildELF(t *testing.T, tg *targets.Target, source string, cflags ...string) string {
	t.Helper()
	j := firmwareJob(t, tg, t.TempDir(), source, cflags...)
	j.Timeout = time.Nanosecond
	r := (&bench.Runner{CacheDir: t.TempDir()}).RunJob(context.Background(), j)
	elf := filepath.Join(j.Dir, "fw.elf")
	if _, err := os.Stat(elf); err != nil {
		t.Fatalf("building %s: %s", source, r.Error)
	}
	return elf
}

// tinygenBinary builds cmd/tinygen into a temporary folder.
func tinygenBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tinygen")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/tinygen/tinygen/cmd/tinygen")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// procStat is one process's /proc/<pid>/stat fields.
type procStat struct {
	pid, ppid int
	comm      string
	state     byte
}

// readStat reads /proc/<pid>/stat; ok is false when the process is gone.
func readStat(pid int) (procStat, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, false
	}
	s := string(data)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open || closing+4 > len(s) {
		return procStat{}, false
	}
	st := procStat{pid: pid, comm: s[open+1 : closing], state: s[closing+2]}
	if _, err := fmt.Sscanf(s[closing+4:], "%d", &st.ppid); err != nil {
		return procStat{}, false
	}
	return st, true
}

// childrenOf lists the live processes whose parent is pid.
func childrenOf(pid int) []procStat {
	ents, _ := os.ReadDir("/proc")
	var out []procStat
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readStat(n); ok && st.ppid == pid && st.state != 'Z' {
			out = append(out, st)
		}
	}
	return out
}

// alive reports whether pid still runs (a zombie does not).
func alive(pid int) bool {
	st, ok := readStat(pid)
	return ok && st.state != 'Z'
}

// testCache keeps the QEMU plugin build of the tinygen processes the
// tests start.
func testCache() string {
	return "XDG_CACHE_HOME=" + filepath.Join(os.TempDir(), "tinygen-test-cache")
}

// TestSimulatorDiesWithTinygen starts tinygen bench on a firmware that
// loops forever, waits for its QEMU, then ends tinygen with SIGTERM,
// SIGHUP or SIGKILL (its parent dying, as far as QEMU is concerned): no
// simulator may survive, and for SIGTERM and SIGHUP tinygen must exit by
// itself and report the stopped run.
func TestSimulatorDiesWithTinygen(t *testing.T) {
	requireQEMUTargets(t)
	if testing.Short() {
		t.Skip("builds tinygen; skipped with -short")
	}
	tg, err := targets.Get("rv32imc")
	if err != nil {
		t.Fatal(err)
	}
	elf := buildELF(t, tg, "loop.c")
	bin := tinygenBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			results := filepath.Join(t.TempDir(), "results")
			cmd := exec.Command(bin, "bench", "--elf", elf, "--target", tg.Name, "--timeout", "10m", "--results", results)
			cmd.Env = append(os.Environ(), testCache())
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			var sim procStat
			for deadline := time.Now().Add(2 * time.Minute); sim.pid == 0; {
				for _, c := range childrenOf(cmd.Process.Pid) {
					if strings.HasPrefix(c.comm, "qemu-system") {
						sim = c
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("no simulator started; output:\n%s", out.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond)
			if pgid, err := syscall.Getpgid(sim.pid); err != nil || pgid != sim.pid {
				t.Errorf("the simulator is not in a process group of its own: pgid %d, %v", pgid, err)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("tinygen did not exit after %v", sig)
			}
			for deadline := time.Now().Add(10 * time.Second); alive(sim.pid); {
				if time.Now().After(deadline) {
					_ = syscall.Kill(sim.pid, syscall.SIGKILL)
					t.Fatalf("the simulator (pid %d) survived tinygen's %v", sim.pid, sig)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if sig != syscall.SIGKILL && !strings.Contains(out.String(), "stopped") {
				t.Errorf("tinygen did not report the stopped run:\n%s", out.String())
			}
		})
	}
}

// TestConcurrentInvocations starts two tinygen bench invocations at once
// in one folder: each gets a results folder of its own and reports its
// own numbers.
func TestConcurrentInvocations(t *testing.T) {
	requireQEMUTargets(t)
	if testing.Short() {
		t.Skip("builds tinygen; skipped with -short")
	}
	tg, err := targets.Get("rv32imc")
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{"small": 100, "large": 10000}
	elfs := map[string]string{}
	for name, n := range counts {
		elfs[name] = buildELF(t, tg, "count.c", fmt.Sprintf("-DCOUNT=%d", n))
	}
	bin := tinygenBinary(t)
	work := t.TempDir()
	type outcome struct {
		name string
		out  string
		err  error
	}
	done := make(chan outcome, len(elfs))
	for name, elf := range elfs {
		go func() {
			cmd := exec.Command(bin, "bench", "--elf", elf, "--target", tg.Name, "--name", name, "--no-shared-baselines")
			cmd.Dir = work
			cmd.Env = append(os.Environ(), testCache())
			out, err := cmd.CombinedOutput()
			done <- outcome{name, string(out), err}
		}()
	}
	inference := map[string]int64{}
	folders := map[string]string{}
	for range elfs {
		o := <-done
		if o.err != nil {
			t.Fatalf("%s: %v\n%s", o.name, o.err, o.out)
		}
		i := strings.LastIndex(o.out, "artefacts and reports in ")
		if i < 0 {
			t.Fatalf("%s: no results folder in\n%s", o.name, o.out)
		}
		folder := strings.TrimSpace(o.out[i+len("artefacts and reports in "):])
		data, err := os.ReadFile(filepath.Join(work, folder, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Results []*bench.Result `json:"results"`
		}
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Results) != 1 || rep.Results[0].Model != o.name {
			t.Fatalf("%s: report in %s holds %+v", o.name, folder, rep.Results)
		}
		inference[o.name], folders[o.name] = rep.Results[0].Inference, folder
	}
	if folders["small"] == folders["large"] {
		t.Errorf("both invocations used %s", folders["small"])
	}
	if inference["large"] <= 50*inference["small"] || inference["small"] <= 0 {
		t.Errorf("inference counts %v do not follow the loop counts %v", inference, counts)
	}
	t.Logf("folders %v, inference %v", folders, inference)
}

// TestStopAfterEndLine runs firmware that prints the end line and then
// loops instead of exiting: bench stops QEMU cleanly and the plugin's
// counts are still there.
func TestStopAfterEndLine(t *testing.T) {
	requireQEMUTargets(t)
	for _, name := range []string{"cortex-m4", "rv32imc"} {
		tg, err := targets.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		j := firmwareJob(t, tg, t.TempDir(), "count.c", "-DCOUNT=100", "-DHANG")
		r := (&bench.Runner{CacheDir: t.TempDir()}).RunJob(context.Background(), j)
		if !r.Validated() || r.Inference <= 0 || r.Seconds > 20 {
			t.Errorf("%s: %s in %.1f s, inference %d: %s", name, r.Status, r.Seconds, r.Inference, r.Error)
		}
	}
}
