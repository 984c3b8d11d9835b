// Start-up cost of the tinygen binary: a benchmark and a budget test.
package main

import (
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// buildTinygen builds the command once into a temporary folder.
func buildTinygen(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "tinygen")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startupCPU runs `tinygen --version` and returns its user+system CPU time.
func startupCPU(tb testing.TB, bin string) time.Duration {
	tb.Helper()
	cmd := exec.Command(bin, "--version")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s --version: %v\n%s", bin, err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// BenchmarkStartup measures the CPU time (user+sys) of `tinygen --version`,
// which is mostly the package initialisation of everything linked in.
func BenchmarkStartup(b *testing.B) {
	bin := buildTinygen(b)
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		total += startupCPU(b, bin)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// TestStartupBudget fails when the median CPU time of nine starts is far
// over the 10 ms target (50 ms: generous, so that a loaded machine does
// not make it flake).
func TestStartupBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildTinygen(t)
	var runs []time.Duration
	for i := 0; i < 9; i++ {
		runs = append(runs, startupCPU(t, bin))
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i] < runs[j] })
	if med := runs[len(runs)/2]; med > 50*time.Millisecond {
		t.Errorf("tinygen --version takes %v CPU (median of %d; all %v), budget 50ms", med, len(runs), runs)
	} else {
		t.Logf("start-up CPU median %v (runs %v)", med, runs)
	}
}
