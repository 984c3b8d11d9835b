// Start-up cost of the tinygen binary: a benchmark and a budget test.
package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// buildTinygen builds the command into a temporary folder as the README
// installs it: with CGO_ENABLED=0, a static binary (cobra's pflag links
// net, whose cgo resolver otherwise makes tinygen a dynamic executable
// that loads libc and starts threads through it, about 3–7 ms of CPU more
// per start on the shared machine).
func buildTinygen(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "tinygen")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
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

// startupBudget bounds the median CPU time of `tinygen --version`. The
// target is 10 ms on an idle machine (about 9–13 ms measured on the shared
// 2-core machine under a load of 3–7, see NOTES-STARTUP.md); the budget
// leaves room for a loaded CI machine while failing if a heavy dependency
// (a plotting stack, net/http) comes back (the binary took 17–29 ms with
// them).
const startupBudget = 25 * time.Millisecond

// TestStartupBudget fails when the median CPU time of nine starts is over
// startupBudget.
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
	if med := runs[len(runs)/2]; med > startupBudget {
		t.Errorf("tinygen --version takes %v CPU (median of %d; all %v), budget %v", med, len(runs), runs, startupBudget)
	} else {
		t.Logf("start-up CPU median %v (runs %v)", med, runs)
	}
}

// TestStartupDeps checks that the binary links none of the packages whose
// initialisers made every start slow: the plotting stack planviz used
// (fonts, LaTeX, PDF, gob), and net/http with its crypto (from a
// progress-bar library). Go runs the initialiser of every linked package,
// so the only way to keep them off the start-up path is not to link them.
func TestStartupDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	banned := []string{"gonum.org/v1/plot", "codeberg.org/go-latex", "codeberg.org/go-pdf", "codeberg.org/go-fonts",
		"github.com/schollz/progressbar", "encoding/gob", "net/http", "crypto/tls", "golang.org/x/image/font/opentype", "golang.org/x/image/font/sfnt"}
	for _, p := range strings.Fields(string(out)) {
		for _, b := range banned {
			if p == b || strings.HasPrefix(p, b+"/") {
				t.Errorf("tinygen links %s, whose initialisers cost start-up time (see NOTES-STARTUP.md)", p)
			}
		}
	}
}

// TestOwnInitCost checks, with GODEBUG=inittrace=1, that no package of
// the module builds much in its initialiser (package-level maps, regexps,
// templates): such values are built on first use (sync.Once, OnceValue)
// instead. The flatc schema package allocated 23 KB at every start before
// internal/lazyenums, tensorio 15 KB and bench 9 KB for their regexps.
func TestOwnInitCost(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const maxBytes, maxAllocs = 4096, 16
	bin := buildTinygen(t)
	cmd := exec.Command(bin, "--version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", bin, err, out)
	}
	seen := 0
	for _, line := range strings.Split(string(out), "\n") {
		// init PKG @T ms, C ms clock, B bytes, A allocs
		f := strings.Fields(line)
		if len(f) != 11 || f[0] != "init" || !strings.HasPrefix(f[1], "github.com/tinygen/tinygen/") {
			continue
		}
		seen++
		bytes, err1 := strconv.Atoi(f[7])
		allocs, err2 := strconv.Atoi(f[9])
		if err1 != nil || err2 != nil {
			t.Fatalf("cannot read %q", line)
		}
		if bytes > maxBytes || allocs > maxAllocs {
			t.Errorf("%s allocates %d bytes in %d allocations at start-up (at most %d, %d): build it on first use", f[1], bytes, allocs, maxBytes, maxAllocs)
		}
	}
	if seen == 0 {
		t.Fatalf("no init line of a tinygen package in:\n%s", out)
	}
}
