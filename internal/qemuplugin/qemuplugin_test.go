package qemuplugin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tinygen/tinygen/internal/hostcc"
)

// need returns the path of tool, or skips the test naming the Debian
// package that provides it (fails instead under CI=true).
func need(t *testing.T, tool, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		msg := fmt.Sprintf("%s not found: install the Debian package %s", tool, pkg)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

func TestSourceIsWarningClean(t *testing.T) {
	gcc := need(t, "gcc", "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "insncount.c")
	if err := os.WriteFile(src, source, 0o644); err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(dir, "insncount.so")
	args := append(append([]string{}, hostcc.WarningFlags...), "-O2", "-shared", "-fPIC", "-fvisibility=hidden", "-o", so, src)
	if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	// Only the two symbols QEMU looks up may be exported.
	f, err := elf.Open(so)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	var defined []string
	for _, s := range syms {
		if s.Section != elf.SHN_UNDEF && elf.ST_BIND(s.Info) == elf.STB_GLOBAL {
			defined = append(defined, s.Name)
		}
	}
	sort.Strings(defined)
	if want := []string{"qemu_plugin_install", "qemu_plugin_version"}; !reflect.DeepEqual(defined, want) {
		t.Errorf("exported symbols %v, want %v", defined, want)
	}
}

func TestBuild(t *testing.T) {
	need(t, "gcc", "gcc")
	ctx := context.Background()
	sum := sha256.Sum256(source)
	wantName := "insncount-" + hex.EncodeToString(sum[:])[:12] + ".so"

	dir := filepath.Join(t.TempDir(), "cache")
	var wg sync.WaitGroup
	paths := make([]string, 3)
	errs := make([]error, 3)
	for i := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], errs[i] = Build(ctx, dir)
		}()
	}
	wg.Wait()
	for i := range paths {
		if errs[i] != nil {
			t.Fatalf("parallel Build %d: %v", i, errs[i])
		}
		if paths[i] != filepath.Join(dir, wantName) {
			t.Errorf("Build %d = %s, want %s", i, paths[i], filepath.Join(dir, wantName))
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != wantName {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("cache holds %v, want only %s", names, wantName)
	}
	if f, err := elf.Open(paths[0]); err != nil {
		t.Errorf("built plugin is not an ELF file: %v", err)
	} else {
		f.Close()
	}

	// A cached plugin needs no compiler; a missing one names the package.
	t.Setenv("PATH", t.TempDir())
	if p, err := Build(ctx, dir); err != nil || p != paths[0] {
		t.Errorf("cached Build = %q, %v; want %q", p, err, paths[0])
	}
	_, err = Build(ctx, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "Debian package gcc") {
		t.Errorf("Build without gcc: err = %v, want it to name the Debian package gcc", err)
	}
}

func TestBuildCancelled(t *testing.T) {
	need(t, "gcc", "gcc")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if p, err := Build(ctx, dir); err == nil {
		t.Errorf("Build with a cancelled context = %q, want an error", p)
	}
	if _, err := os.Stat(filepath.Join(dir, SOName())); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cancelled Build left %s (stat: %v)", SOName(), err)
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		so, out    string
		begin, end uint64
		want       string
	}{
		{"/c/insncount.so", "/tmp/o.txt", 0x27c, 0x280, "file=/c/insncount.so,begin=0x27c,end=0x280,out=/tmp/o.txt"},
		{"/a,b/p.so", "/x,y,z/o=1", 0x80000082, 0x80000084, "file=/a,,b/p.so,begin=0x80000082,end=0x80000084,out=/x,,y,,z/o=1"},
		{"p.so", "o", 0, 1 << 40, "file=p.so,begin=0x0,end=0x10000000000,out=o"},
	}
	for _, tc := range tests {
		got := Args(tc.so, tc.begin, tc.end, tc.out)
		if want := []string{"-plugin", tc.want}; !reflect.DeepEqual(got, want) {
			t.Errorf("Args(%q, %#x, %#x, %q) = %q, want %q", tc.so, tc.begin, tc.end, tc.out, got, want)
		}
	}
}

func TestReadCounts(t *testing.T) {
	tests := []struct {
		name    string
		content string // "" with missing: no file
		missing bool
		want    Counts
		wantErr string
	}{
		{name: "regions", content: "insncount 1\nregion 0 2\nregion 1 2002\ntotal 9000\nend\n",
			want: Counts{Regions: []uint64{2, 2002}, Total: 9000}},
		{name: "no regions", content: "insncount 1\ntotal 17\nend\n", want: Counts{Total: 17}},
		{name: "unmatched end", content: "insncount 1\nregion 0 5\nwarning unmatched_end 3\ntotal 99\nend\n",
			want: Counts{Regions: []uint64{5}, Total: 99, UnmatchedEnds: 3}},
		{name: "max value", content: "insncount 1\nregion 0 18446744073709551615\ntotal 18446744073709551615\nend\n",
			want: Counts{Regions: []uint64{1<<64 - 1}, Total: 1<<64 - 1}},
		{name: "missing", missing: true, wantErr: "did not exit normally"},
		{name: "empty", content: "", wantErr: "incomplete"},
		{name: "truncated", content: "insncount 1\nregion 0 2\nregion 1 20", wantErr: "incomplete"},
		{name: "no end", content: "insncount 1\nregion 0 2\ntotal 10\n", wantErr: "incomplete"},
		{name: "unterminated", content: "insncount 1\nregion 0 2\nunterminated 1\ntotal 10\nend\n", wantErr: "1 unterminated region"},
		{name: "plugin error", content: "insncount 1\nerror out of memory: regions were lost\ntotal 10\nend\n", wantErr: "out of memory"},
		{name: "bad header", content: "insncount 2\ntotal 10\nend\n", wantErr: "version 1"},
		{name: "garbled count", content: "insncount 1\nregion 0 2x\ntotal 10\nend\n", wantErr: "instruction count"},
		{name: "negative", content: "insncount 1\nregion 0 -2\ntotal 10\nend\n", wantErr: "instruction count"},
		{name: "region gap", content: "insncount 1\nregion 0 2\nregion 2 4\ntotal 10\nend\n", wantErr: "want 1"},
		{name: "region after total", content: "insncount 1\ntotal 10\nregion 0 2\nend\n", wantErr: "out of place"},
		{name: "two totals", content: "insncount 1\ntotal 10\ntotal 11\nend\n", wantErr: "one total"},
		{name: "no total", content: "insncount 1\nregion 0 2\nend\n", wantErr: "no total"},
		{name: "extra field", content: "insncount 1\nregion 0 2 3\ntotal 10\nend\n", wantErr: "want: region"},
		{name: "unknown line", content: "insncount 1\nbogus 1\ntotal 10\nend\n", wantErr: "unknown line"},
		{name: "blank line", content: "insncount 1\n\ntotal 10\nend\n", wantErr: "empty line"},
		{name: "double end", content: "insncount 1\ntotal 10\nend\nend\n", wantErr: "out of place"},
		{name: "zero warning", content: "insncount 1\nwarning unmatched_end 0\ntotal 10\nend\n", wantErr: "unmatched ends"},
		{name: "steps", content: "insncount 1\nregion 0 2\nregion 1 50\nstep 1 0 0x100 5\nstep 1 1 0x200 30\nregion 2 7\ntotal 99\nend\n",
			want: Counts{Regions: []uint64{2, 50, 7}, Steps: [][]Mark{nil, {{0x100, 5}, {0x200, 30}}, nil}, Total: 99}},
		{name: "step before region", content: "insncount 1\nstep 0 0 0x100 5\nregion 0 2\ntotal 10\nend\n", wantErr: "after its region"},
		{name: "step of other region", content: "insncount 1\nregion 0 20\nregion 1 20\nstep 0 0 0x100 5\ntotal 10\nend\n", wantErr: "region number"},
		{name: "step gap", content: "insncount 1\nregion 0 20\nstep 0 1 0x100 5\ntotal 10\nend\n", wantErr: "step number"},
		{name: "step beyond region", content: "insncount 1\nregion 0 20\nstep 0 0 0x100 21\ntotal 30\nend\n", wantErr: "outside the region"},
		{name: "steps backwards", content: "insncount 1\nregion 0 20\nstep 0 0 0x100 9\nstep 0 1 0x100 8\ntotal 30\nend\n", wantErr: "before the previous"},
		{name: "too many marks", content: "insncount 1\nregion 0 20\nerror too many step marks (more than 4194304)\ntotal 30\nend\n", wantErr: "too many step marks"},
	}
	dir := t.TempDir()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strconv.Itoa(i)+".txt")
			if !tc.missing {
				if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ReadCounts(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ReadCounts = %+v, %v; want error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ReadCounts = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMarkerOverheadUnknown(t *testing.T) {
	for _, arch := range []string{"", "x86", "riscv64", "ARM"} {
		if v, err := MarkerOverhead(arch); err == nil {
			t.Errorf("MarkerOverhead(%q) = %d, want an error", arch, v)
		}
	}
}

func TestSymbolAddressErrors(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "x.elf")
	if err := os.WriteFile(notELF, []byte("not an ELF file"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{notELF, filepath.Join(dir, "missing.elf")} {
		if v, err := SymbolAddress(p, "main"); err == nil {
			t.Errorf("SymbolAddress(%s) = %#x, want an error", p, v)
		}
	}
}

// target describes how to build and run the test firmware on one
// architecture.
type target struct {
	arch       string
	cc, ccPkg  string
	qemu, qPkg string
	cflags     []string
	startup    string
	ldscript   string
	machine    []string
	neverRuns  string // a function the firmware never executes
}

// targets returns the firmware targets.
func targets() []target {
	return []target{
		{
			arch: "arm", cc: "arm-none-eabi-gcc", ccPkg: "gcc-arm-none-eabi",
			qemu: "qemu-system-arm", qPkg: "qemu-system-arm",
			cflags:  []string{"-mcpu=cortex-m4", "-mthumb"},
			startup: "startup_arm.S", ldscript: "link_arm.ld",
			machine: []string{"-M", "mps2-an386"}, neverRuns: "Fault_Handler",
		},
		{
			arch: "riscv32", cc: "riscv64-unknown-elf-gcc", ccPkg: "gcc-riscv64-unknown-elf",
			qemu: "qemu-system-riscv32", qPkg: "qemu-system-misc",
			cflags:  []string{"-march=rv32imac_zicsr", "-mabi=ilp32", "-mcmodel=medany"},
			startup: "startup_riscv32.S", ldscript: "link_riscv32.ld",
			machine: []string{"-M", "virt", "-bios", "none"}, neverRuns: "trap",
		},
	}
}

func buildFirmware(t *testing.T, tg target, ns []uint64) string {
	t.Helper()
	cc := need(t, tg.cc, tg.ccPkg)
	td, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	for _, n := range ns {
		list = append(list, strconv.FormatUint(n, 10))
	}
	elfPath := filepath.Join(t.TempDir(), "fw.elf")
	args := append(append([]string{}, tg.cflags...),
		"-O2", "-ffreestanding", "-nostdlib", "-Wall", "-Wextra", "-Werror",
		"-DBENCH_NS="+strings.Join(list, ","),
		"-T", filepath.Join(td, tg.ldscript), "-Wl,--no-warn-rwx-segments",
		"-o", elfPath, filepath.Join(td, tg.startup), filepath.Join(td, "bench.c"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", tg.cc, strings.Join(args, " "), err, out)
	}
	return elfPath
}

type qemuResult struct {
	exit   int
	stderr string
}

// runQEMU runs the firmware with the command line of targets.md §3 plus
// extra arguments, under a time-out.
func runQEMU(t *testing.T, tg target, elfPath string, icount bool, extra ...string) qemuResult {
	t.Helper()
	qemu := need(t, tg.qemu, tg.qPkg)
	args := append(append([]string{}, tg.machine...), "-display", "none", "-monitor", "none", "-serial", "none",
		"-chardev", "stdio,id=sh0", "-semihosting-config", "enable=on,target=native,chardev=sh0")
	if icount {
		args = append(args, "-icount", "shift=0,align=off,sleep=off")
	}
	args = append(append(args, extra...), "-kernel", elfPath)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out: %s", tg.qemu, strings.Join(args, " "))
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return qemuResult{0, stderr.String()}
	case errors.As(err, &ee):
		return qemuResult{ee.ExitCode(), stderr.String()}
	default:
		t.Fatalf("%s: %v", tg.qemu, err)
		return qemuResult{}
	}
}

func TestFirmwareRegions(t *testing.T) {
	need(t, "gcc", "gcc")
	// Commas and '=' in paths check the escaping of Args end to end.
	so, err := Build(context.Background(), filepath.Join(t.TempDir(), "cache,a=b"))
	if err != nil {
		t.Fatal(err)
	}
	// The bench_loop counts of the firmware, in order.
	loopCounts := []uint64{1, 10, 1000, 100000}
	for _, tg := range targets() {
		t.Run(tg.arch, func(t *testing.T) {
			t.Parallel()
			elfPath := buildFirmware(t, tg, loopCounts)
			need(t, tg.qemu, tg.qPkg)
			overhead, err := MarkerOverhead(tg.arch)
			if err != nil {
				t.Fatal(err)
			}
			begin := symbol(t, tg, elfPath, "bench_begin")
			end := symbol(t, tg, elfPath, "bench_end")
			outDir := filepath.Join(t.TempDir(), "out,dir")
			if err := os.Mkdir(outDir, 0o755); err != nil {
				t.Fatal(err)
			}

			run := func(name string, icount bool, b, e uint64) (string, qemuResult) {
				out := filepath.Join(outDir, name)
				r := runQEMU(t, tg, elfPath, icount, Args(so, b, e, out)...)
				return out, r
			}

			var files [][]byte
			var counts []Counts
			for i, icount := range []bool{true, true, false} {
				out, r := run(fmt.Sprintf("run%d.txt", i), icount, begin, end)
				if r.exit != 0 {
					t.Fatalf("run %d: exit status %d, want 0\n%s", i, r.exit, r.stderr)
				}
				c, err := ReadCounts(out)
				if err != nil {
					t.Fatalf("run %d: %v", i, err)
				}
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, data)
				counts = append(counts, c)
			}
			c := counts[0]
			if len(c.Regions) != 1+len(loopCounts) {
				t.Fatalf("%d regions, want %d\n%s", len(c.Regions), 1+len(loopCounts), files[0])
			}
			if c.Regions[0] != overhead {
				t.Errorf("back-to-back markers: region 0 = %d, want MarkerOverhead = %d", c.Regions[0], overhead)
			}
			var sum uint64
			for i, n := range loopCounts {
				if got, want := c.Regions[i+1], 2*n+overhead; got != want {
					t.Errorf("loop of %d iterations: region = %d, want 2N+%d = %d", n, got, overhead, want)
				}
				sum += c.Regions[i+1]
			}
			if c.UnmatchedEnds != 0 {
				t.Errorf("%d unmatched ends, want 0", c.UnmatchedEnds)
			}
			if c.Total <= sum {
				t.Errorf("total %d not above the sum of the regions %d", c.Total, sum)
			}
			if !bytes.Equal(files[0], files[1]) {
				t.Errorf("two runs differ:\n%s\n---\n%s", files[0], files[1])
			}
			if !reflect.DeepEqual(counts[2], c) {
				t.Errorf("without -icount: %+v, with: %+v", counts[2], c)
			}

			// Markers swapped: the first end has no begin (ignored, warned),
			// the last begin no end (unterminated).
			out, r := run("swapped.txt", true, end, begin)
			if r.exit != 0 {
				t.Fatalf("swapped: exit status %d\n%s", r.exit, r.stderr)
			}
			lines := fileLines(t, out)
			if n := countPrefix(lines, "region "); n != len(loopCounts) {
				t.Errorf("swapped: %d regions, want %d", n, len(loopCounts))
			}
			for _, want := range []string{"unterminated 1", "warning unmatched_end 1", "end"} {
				if countLine(lines, want) != 1 {
					t.Errorf("swapped: no line %q in\n%s", want, strings.Join(lines, "\n"))
				}
			}
			if _, err := ReadCounts(out); err == nil || !strings.Contains(err.Error(), "unterminated") {
				t.Errorf("swapped: ReadCounts error = %v, want unterminated", err)
			}

			// An end that never runs: every begin abandons the previous one.
			never := symbol(t, tg, elfPath, tg.neverRuns)
			out, r = run("noend.txt", true, begin, never)
			if r.exit != 0 {
				t.Fatalf("no end: exit status %d\n%s", r.exit, r.stderr)
			}
			lines = fileLines(t, out)
			if want := fmt.Sprintf("unterminated %d", 1+len(loopCounts)); countLine(lines, want) != 1 || countPrefix(lines, "region ") != 0 {
				t.Errorf("no end: want %q and no regions, got\n%s", want, strings.Join(lines, "\n"))
			}

			// Bad plugin arguments stop QEMU with the plugin's message.
			bad := []struct {
				args []string
				msg  string
			}{
				{Args(so, begin, begin, filepath.Join(outDir, "x")), "begin and end are the same address"},
				{[]string{"-plugin", "file=" + strings.ReplaceAll(so, ",", ",,") + ",begin=0x10,end=0x20"}, "begin=ADDR, end=ADDR and out=FILE are required"},
				{[]string{"-plugin", "file=" + strings.ReplaceAll(so, ",", ",,") + ",begin=0x10,end=zz,out=x"}, "end=zz: not an address"},
				{[]string{"-plugin", "file=" + strings.ReplaceAll(so, ",", ",,") + ",begin=1,end=2,out=x,mode=tb"}, "unknown argument mode=tb"},
			}
			for _, b := range bad {
				r := runQEMU(t, tg, elfPath, false, b.args...)
				if r.exit == 0 || !strings.Contains(r.stderr, "insncount: "+b.msg) {
					t.Errorf("%q: exit %d, stderr %q; want failure with %q", b.args, r.exit, r.stderr, b.msg)
				}
			}
		})
	}
}

// symbol returns a symbol's address and checks the Thumb-bit handling
// against the raw symbol table value.
func symbol(t *testing.T, tg target, elfPath, name string) uint64 {
	t.Helper()
	addr, err := SymbolAddress(elfPath, name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(elfPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name != name {
			continue
		}
		want := s.Value
		if tg.arch == "arm" {
			if s.Value&1 == 0 {
				t.Errorf("%s: Thumb function symbol value %#x has bit 0 clear", name, s.Value)
			}
			want = s.Value &^ 1
		}
		if addr != want {
			t.Errorf("SymbolAddress(%s) = %#x, want %#x", name, addr, want)
		}
		return addr
	}
	t.Fatalf("%s not in the symbol table", name)
	return 0
}

func fileLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// countPrefix counts the lines that start with prefix.
func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// countLine counts the lines equal to line.
func countLine(lines []string, line string) int {
	n := 0
	for _, l := range lines {
		if l == line {
			n++
		}
	}
	return n
}

// FuzzParseCounts feeds the result-file parser garbled files: it must
// return counts or an error, never panic.
func FuzzParseCounts(f *testing.F) {
	f.Add([]byte("insncount 1\nregion 0 12\nregion 1 40\ntotal 100\nend\n"))
	f.Add([]byte("insncount 1\nregion 0 12\nunterminated 1\nwarning unmatched_end 2\ntotal 100\nend\n"))
	f.Add([]byte("insncount 1\nregion 0 99999999999999999999999\ntotal 1\nend\n"))
	f.Add([]byte("end\n"))
	f.Add([]byte("insncount 1\nregion 0 50\nstep 0 0 0x100 5\nstep 0 1 0x200 30\ntotal 99\nend\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseCounts(data)
		if err == nil && uint64(len(c.Regions)) > uint64(len(data)) {
			t.Fatalf("%d regions from %d bytes", len(c.Regions), len(data))
		}
		if err == nil && c.Steps != nil && len(c.Steps) != len(c.Regions) {
			t.Fatalf("%d step lists for %d regions", len(c.Steps), len(c.Regions))
		}
	})
}
