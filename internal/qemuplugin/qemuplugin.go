// Package qemuplugin counts executed guest instructions exactly under QEMU
// 7.2 with a small TCG plugin of the project's own (csrc/insncount.c, plugin
// API version 1), since Debian ships neither plugin binaries nor
// qemu-plugin.h. The C source sits in csrc/ because the go tool rejects .c
// files in a package directory that does not use cgo.
//
// The plugin counts every executed instruction and measures regions between
// two marker instructions: each time the instruction at begin executes it
// remembers the count, each time the instruction at end executes it records
// the difference as one region. Firmware marks a region by calling two empty
// functions around it, whose addresses SymbolAddress reads from the ELF:
//
//	__attribute__((noinline)) void bench_begin(void) { __asm__ volatile(""); }
//	__attribute__((noinline)) void bench_end(void) { __asm__ volatile(""); }
//
// A region then holds the measured code plus MarkerOverhead instructions.
// The empty asm statement emits nothing but is required: GCC deletes calls
// to noinline functions it can prove side-effect free.
//
// Typical use: Build once, run QEMU with Args appended to its command line
// until QEMU exits cleanly (the guest stops it through a board device, a
// reset under -no-reboot, semihosting in this package's own tests, or
// QEMU gets SIGTERM: the plugin writes its counts from QEMU's exit
// handlers), then ReadCounts the out file.
package qemuplugin

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

//go:embed csrc/insncount.c
var source []byte

// buildFlags returns the host gcc flags of Build. Warnings are reported
// but not fatal here, so that a newer gcc cannot break users; the tests
// compile the source with -Werror.
func buildFlags() []string {
	return []string{"-std=c99", "-O2", "-shared", "-fPIC", "-fvisibility=hidden", "-Wall", "-Wextra"}
}

// SOName returns the file name Build gives the plugin: insncount-<first 12
// hex digits of the SHA-256 of the embedded source>.so.
func SOName() string {
	sum := sha256.Sum256(source)
	return "insncount-" + hex.EncodeToString(sum[:6]) + ".so"
}

// Build compiles the embedded plugin source with the host gcc into
// cacheDir/SOName() and returns that path. An existing file is reused, so
// the source is compiled once per version. Compilation goes to a temporary
// file in cacheDir that is renamed into place, so parallel callers (also in
// other processes) never see a partial plugin. A missing gcc is reported
// with the Debian package to install.
func Build(ctx context.Context, cacheDir string) (string, error) {
	soPath := filepath.Join(cacheDir, SOName())
	if st, err := os.Stat(soPath); err == nil && st.Mode().IsRegular() {
		return soPath, nil
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return "", fmt.Errorf("qemuplugin: building the plugin needs the host C compiler gcc (Debian package gcc): %w", err)
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("qemuplugin: plugin cache: %w", err)
	}
	tmpDir, err := os.MkdirTemp(cacheDir, "insncount-build-")
	if err != nil {
		return "", fmt.Errorf("qemuplugin: plugin cache: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	src := filepath.Join(tmpDir, "insncount.c")
	if err := os.WriteFile(src, source, 0o644); err != nil {
		return "", fmt.Errorf("qemuplugin: writing plugin source: %w", err)
	}
	tmpSO := filepath.Join(tmpDir, "insncount.so")
	args := append(buildFlags(), "-o", tmpSO, src)
	cmd := exec.CommandContext(ctx, gcc, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("qemuplugin: compiling the plugin: %w", ctx.Err())
		}
		return "", fmt.Errorf("qemuplugin: compiling the plugin: gcc %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	if err := os.Rename(tmpSO, soPath); err != nil {
		return "", fmt.Errorf("qemuplugin: installing the plugin: %w", err)
	}
	return soPath, nil
}

// Args returns the QEMU command-line arguments that load the plugin at
// soPath, measuring regions between the instructions at guest addresses
// begin and end and writing the results to outFile when QEMU exits. The
// library is given as file=, and commas in paths are doubled (QEMU's option
// escape), so any path works. The plugin removes a stale outFile when it
// loads.
func Args(soPath string, begin, end uint64, outFile string) []string {
	esc := func(s string) string { return strings.ReplaceAll(s, ",", ",,") }
	return []string{"-plugin", fmt.Sprintf("file=%s,begin=%#x,end=%#x,out=%s", esc(soPath), begin, end, esc(outFile))}
}

// StepArgs returns Args with step addresses: every execution of an
// instruction at one of steps inside an open region marks the start of a
// step (Counts.Steps). At most MaxStepAddrs distinct addresses; none may
// be begin or end.
func StepArgs(soPath string, begin, end uint64, steps []uint64, outFile string) []string {
	args := Args(soPath, begin, end, outFile)
	var b strings.Builder
	b.WriteString(args[1])
	for _, a := range steps {
		fmt.Fprintf(&b, ",step=%#x", a)
	}
	args[1] = b.String()
	return args
}

// MaxStepAddrs is the plugin's bound on distinct step addresses
// (MAX_STEP_ADDRS in csrc/insncount.c).
const MaxStepAddrs = 4096

// Mark is one step mark inside a region: the step address that executed
// and the instructions from the region's begin up to it, counted like a
// region (exactly one of the two marker instructions).
type Mark struct {
	Addr   uint64
	Offset uint64
}

// Counts is the content of a plugin result file.
type Counts struct {
	// Regions holds the instructions of each begin..end region, in the
	// order the regions closed.
	Regions []uint64
	// Steps holds, per region (same index as Regions), the step marks in
	// the order they executed; nil when no step addresses were given.
	// Offsets never decrease and never exceed the region's count.
	Steps [][]Mark
	// Total is the number of instructions the guest executed in all.
	Total uint64
	// UnmatchedEnds is how many times the end instruction executed
	// without an open region; those ends were ignored.
	UnmatchedEnds uint64
}

// ReadCounts parses a result file written by the plugin. It fails when
// the file is missing (QEMU did not exit cleanly: killed, or crashed),
// incomplete (no final "end" line), malformed, reports lost results, or
// reports regions that were opened but never closed.
func ReadCounts(path string) (Counts, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Counts{}, fmt.Errorf("qemuplugin: no result file %s: QEMU did not exit normally (the guest must stop it, or QEMU be ended with SIGTERM, not SIGKILL)", path)
	}
	if err != nil {
		return Counts{}, fmt.Errorf("qemuplugin: reading results: %w", err)
	}
	c, err := parseCounts(data)
	if err != nil {
		return Counts{}, fmt.Errorf("qemuplugin: %s: %w", path, err)
	}
	return c, nil
}

// parseCounts parses the file format documented in csrc/insncount.c.
func parseCounts(data []byte) (Counts, error) {
	if !bytes.HasSuffix(data, []byte("\nend\n")) {
		return Counts{}, errors.New("incomplete result file (no final \"end\" line)")
	}
	var (
		c            Counts
		unterminated uint64
		haveTotal    bool
		errText      string
		// stage orders the line kinds: 0 header, 1 regions, 2 unterminated,
		// 3 warning, 4 error, 5 total, 6 end.
		stage int
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		f := strings.Fields(line)
		bad := func(format string, a ...any) (Counts, error) {
			return Counts{}, fmt.Errorf("line %d %q: %s", n, line, fmt.Sprintf(format, a...))
		}
		if n == 1 {
			if line != "insncount 1" {
				return bad("not an insncount version 1 result file")
			}
			continue
		}
		if len(f) == 0 {
			return bad("empty line")
		}
		next := func(s int) bool {
			if s < stage || (s == stage && s != 1) {
				return false
			}
			stage = s
			return true
		}
		switch f[0] {
		case "region":
			if !next(1) {
				return bad("out of place")
			}
			if len(f) != 3 {
				return bad("want: region <n> <instructions>")
			}
			idx, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil || idx != uint64(len(c.Regions)) {
				return bad("region number, want %d", len(c.Regions))
			}
			v, err := strconv.ParseUint(f[2], 10, 64)
			if err != nil {
				return bad("instruction count: %v", err)
			}
			c.Regions = append(c.Regions, v)
		case "step":
			if stage != 1 || len(c.Regions) == 0 || len(f) != 5 {
				return bad("want: step <region> <k> <addr> <offset> after its region line")
			}
			r := len(c.Regions) - 1
			for len(c.Steps) < len(c.Regions) {
				c.Steps = append(c.Steps, nil)
			}
			idx, err1 := strconv.ParseUint(f[1], 10, 64)
			k, err2 := strconv.ParseUint(f[2], 10, 64)
			addr, err3 := strconv.ParseUint(f[3], 0, 64)
			off, err4 := strconv.ParseUint(f[4], 10, 64)
			switch {
			case err1 != nil || idx != uint64(r):
				return bad("region number, want %d", r)
			case err2 != nil || k != uint64(len(c.Steps[r])):
				return bad("step number, want %d", len(c.Steps[r]))
			case err3 != nil || err4 != nil:
				return bad("address or offset is not a number")
			case off > c.Regions[r] || len(c.Steps[r]) > 0 && off < c.Steps[r][len(c.Steps[r])-1].Offset:
				return bad("offset %d outside the region or before the previous step's", off)
			}
			c.Steps[r] = append(c.Steps[r], Mark{Addr: addr, Offset: off})
		case "unterminated":
			if !next(2) || len(f) != 2 {
				return bad("want one unterminated <k> line after the regions")
			}
			v, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil || v == 0 {
				return bad("count of unterminated regions")
			}
			unterminated = v
		case "warning":
			if !next(3) || len(f) != 3 || f[1] != "unmatched_end" {
				return bad("want one warning unmatched_end <k> line before the total")
			}
			v, err := strconv.ParseUint(f[2], 10, 64)
			if err != nil || v == 0 {
				return bad("count of unmatched ends")
			}
			c.UnmatchedEnds = v
		case "error":
			if !next(4) {
				return bad("out of place")
			}
			errText = strings.TrimSpace(strings.TrimPrefix(line, "error"))
		case "total":
			if !next(5) || len(f) != 2 {
				return bad("want one total <instructions> line")
			}
			v, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return bad("total: %v", err)
			}
			c.Total, haveTotal = v, true
		case "end":
			if !next(6) || len(f) != 1 {
				return bad("out of place")
			}
		default:
			return bad("unknown line")
		}
	}
	if err := sc.Err(); err != nil {
		return Counts{}, err
	}
	if c.Steps != nil {
		for len(c.Steps) < len(c.Regions) {
			c.Steps = append(c.Steps, nil)
		}
	}
	switch {
	case stage != 6:
		return Counts{}, errors.New("incomplete result file (no final \"end\" line)")
	case !haveTotal:
		return Counts{}, errors.New("no total line")
	case errText != "":
		return Counts{}, fmt.Errorf("plugin error: %s", errText)
	case unterminated > 0:
		return Counts{}, fmt.Errorf("%d unterminated region(s): begin marker ran without a following end marker", unterminated)
	}
	return c, nil
}

// MarkerOverhead returns the fixed number of instructions a region
// includes beyond the measured code on arch ("arm" or "riscv32") when the
// markers are the two empty functions of the package comment called back
// to back around the region, compiled by GCC 12 at -O2 or -Os and linked
// with the default linker relaxation.
//
// The values were measured under QEMU 7.2; TestFirmwareRegions measures
// them again as the region of back-to-back marker calls and checks them
// against loops of known length:
//   - arm (Thumb): bx lr of bench_begin + bl bench_end = 2.
//   - riscv32 (RV32IMAC): ret (c.jr ra) of bench_begin + call bench_end,
//     which the linker relaxes to one c.jal = 2.
//
// Other builds differ: at -O0 the markers keep a frame (7 on arm), and
// RISC-V linked with -mno-relax calls through auipc+jalr (3).
func MarkerOverhead(arch string) (uint64, error) {
	switch arch {
	case "arm", "riscv32":
		return 2, nil
	}
	return 0, fmt.Errorf("qemuplugin: no marker overhead known for architecture %q (have arm, riscv32)", arch)
}

// SymbolAddress returns the value of symbol name in the ELF file at
// elfPath. For ARM function symbols it clears bit 0 (the Thumb bit), giving
// the address of the first instruction, which is what the plugin compares.
// A name that is defined more than once is an error unless exactly one
// definition is global.
func SymbolAddress(elfPath, name string) (uint64, error) {
	f, err := elf.Open(elfPath)
	if err != nil {
		return 0, fmt.Errorf("qemuplugin: %w", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return 0, fmt.Errorf("qemuplugin: %s: symbols: %w", elfPath, err)
	}
	var global, local []elf.Symbol
	for _, s := range syms {
		if s.Name != name || s.Section == elf.SHN_UNDEF {
			continue
		}
		if b := elf.ST_BIND(s.Info); b == elf.STB_GLOBAL || b == elf.STB_WEAK {
			global = append(global, s)
		} else {
			local = append(local, s)
		}
	}
	var sym elf.Symbol
	switch {
	case len(global) == 1:
		sym = global[0]
	case len(global) == 0 && len(local) == 1:
		sym = local[0]
	case len(global)+len(local) == 0:
		return 0, fmt.Errorf("qemuplugin: %s: no symbol %q", elfPath, name)
	default:
		return 0, fmt.Errorf("qemuplugin: %s: symbol %q is defined %d times", elfPath, name, len(global)+len(local))
	}
	addr := sym.Value
	if f.Machine == elf.EM_ARM && elf.ST_TYPE(sym.Info) == elf.STT_FUNC {
		addr &^= 1
	}
	return addr, nil
}
