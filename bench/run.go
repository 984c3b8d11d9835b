package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tinygen/tinygen/internal/qemuplugin"
	"github.com/tinygen/tinygen/internal/toolchain"
	"github.com/tinygen/tinygen/project"
	"github.com/tinygen/tinygen/targets"
)

// Protocol symbols and lines (docs/bench-protocol.md).
const (
	beginSymbol = "tg_bench_begin"
	endSymbol   = "tg_bench_end"
)

// markerOverhead is the number of instructions a region counts beyond the
// measured code: the return of tg_bench_begin and the call of
// tg_bench_end, on every architecture with the markers as tg_board.c
// writes them (measured by internal/qemuplugin's tests on Arm and RISC-V,
// and with callgrind on x86-64).
const markerOverhead = 2

// Output is what a firmware printed, parsed by the protocol.
type Output struct {
	// Vectors and Passed come from the TINYGEN-RESULT line; StackBytes
	// from its stack_bytes field (-1 if absent); Fields holds every field.
	Vectors, Passed int
	StackBytes      int64
	Fields          map[string]int64
	// Mismatches are the TINYGEN-MISMATCH lines.
	Mismatches []string
	// Complete is set when the sentinel line was printed.
	Complete bool
	// HasResult is set when a result line was printed.
	HasResult bool
	// ExitStatus is the status of the TINYGEN-EXIT line bare-metal board
	// support prints before it stops the simulator; HasExit says there
	// was one.
	ExitStatus int
	HasExit    bool
}

// exitPrefix starts the line tg_board_exit prints on bare-metal targets
// (docs/bench-protocol.md).
const exitPrefix = "TINYGEN-EXIT status="

// ParseOutput reads a firmware's console output. It fails on a malformed
// result line; a missing result line or sentinel is reported through
// HasResult and Complete.
func ParseOutput(out []byte) (Output, error) {
	o := Output{StackBytes: -1}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case line == project.Sentinel:
			o.Complete = true
		case strings.HasPrefix(line, exitPrefix):
			n, err := strconv.ParseInt(strings.TrimPrefix(line, exitPrefix), 10, 32)
			if err != nil {
				return o, fmt.Errorf("exit line %q: the status is not a decimal integer", line)
			}
			o.ExitStatus, o.HasExit = int(n), true
		case strings.HasPrefix(line, project.MismatchPrefix+" "):
			o.Mismatches = append(o.Mismatches, line)
		case strings.HasPrefix(line, project.ResultPrefix+" "):
			if o.HasResult {
				return o, fmt.Errorf("two %s lines", project.ResultPrefix)
			}
			o.HasResult = true
			fields := map[string]int64{}
			for _, f := range strings.Fields(strings.TrimPrefix(line, project.ResultPrefix)) {
				k, v, ok := strings.Cut(f, "=")
				if !ok {
					return o, fmt.Errorf("result line field %q is not key=value", f)
				}
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 0 {
					return o, fmt.Errorf("result line field %q: not a non-negative integer", f)
				}
				fields[k] = n
			}
			o.Fields = fields
			vec, ok1 := fields["vectors"]
			pass, ok2 := fields["passed"]
			if !ok1 || !ok2 || pass > vec {
				return o, fmt.Errorf("result line %q needs vectors= and passed= (passed ≤ vectors)", line)
			}
			o.Vectors, o.Passed = int(vec), int(pass)
			if s, ok := fields["stack_bytes"]; ok {
				o.StackBytes = s
			}
		}
	}
	return o, sc.Err()
}

// simulation is a finished firmware run.
type simulation struct {
	stdout, stderr []byte
	status         int
	regions        []uint64      // instructions per region, overhead removed; nil if not counted
	steps          []regionSteps // per region, with Job.Profile; markers not removed
	counter        string
	command        string
}

// simulate runs an ELF on its target and counts the instructions of each
// marked region.
func (r *Runner) simulate(ctx context.Context, j *Job, elfPath string, sc *script) (*simulation, error) {
	t := j.Target
	timeout := j.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	if t.BareMetal() {
		return r.simulateQEMU(ctx, j, elfPath, timeout, sc)
	}
	return r.simulateHost(ctx, j, elfPath, timeout, sc)
}

func (r *Runner) simulateQEMU(ctx context.Context, j *Job, elfPath string, timeout time.Duration, sc *script) (*simulation, error) {
	t := j.Target
	name, args, err := t.SimulatorCommand(filepath.Base(elfPath))
	if err != nil {
		return nil, err
	}
	sim, err := toolchain.Find(name, t.Simulator.Package)
	if err != nil {
		return nil, err
	}
	s := &simulation{}
	var names map[uint64]string
	countsFile := filepath.Join(filepath.Dir(elfPath), "counts.txt")
	if t.Counter == targets.CounterQEMUPlugin {
		so, err := r.plugin(ctx)
		if err != nil {
			return nil, err
		}
		begin, err := qemuplugin.SymbolAddress(elfPath, beginSymbol)
		if err != nil {
			return nil, fmt.Errorf("%w (the firmware must define the protocol's markers, docs/bench-protocol.md)", err)
		}
		end, err := qemuplugin.SymbolAddress(elfPath, endSymbol)
		if err != nil {
			return nil, fmt.Errorf("%w (the firmware must define the protocol's markers, docs/bench-protocol.md)", err)
		}
		if j.Profile {
			addrs, n, err := stepWatch(j, elfPath)
			if err != nil {
				return nil, err
			}
			names = n
			args = append(args, qemuplugin.StepArgs(so, begin, end, addrs, "counts.txt")...)
		} else {
			args = append(args, qemuplugin.Args(so, begin, end, "counts.txt")...)
		}
		s.counter = "qemu-plugin"
	}
	os.Remove(countsFile)
	if err := s.run(ctx, timeout, filepath.Dir(elfPath), true, sc, sim, args...); err != nil {
		return s, err
	}
	if s.counter != "" {
		counts, err := qemuplugin.ReadCounts(countsFile)
		if err != nil {
			return s, fmt.Errorf("instruction counts: %w", err)
		}
		s.regions = subtractOverhead(counts.Regions)
		if j.Profile {
			if s.steps, err = splitMarks(counts, names); err != nil {
				return s, err
			}
		}
	}
	return s, nil
}

func (r *Runner) simulateHost(ctx context.Context, j *Job, elfPath string, timeout time.Duration, sc *script) (*simulation, error) {
	dir := filepath.Dir(elfPath)
	s := &simulation{}
	name, args := "./"+filepath.Base(elfPath), []string(nil)
	valgrind, verr := exec.LookPath("valgrind")
	cgDir := filepath.Join(dir, "callgrind")
	if j.Target.Counter == targets.CounterCallgrind && verr == nil {
		os.RemoveAll(cgDir)
		if err := os.MkdirAll(cgDir, 0o755); err != nil {
			return nil, err
		}
		args = []string{"--tool=callgrind", "--callgrind-out-file=callgrind/out", "--zero-before=" + beginSymbol,
			"--dump-before=" + endSymbol}
		if j.Profile {
			args = append(args, callgrindProfileArgs(j)...)
		}
		args = append(args, name)
		name = valgrind
		s.counter = "callgrind"
	}
	if err := s.run(ctx, timeout, dir, false, sc, name, args...); err != nil {
		return s, err
	}
	if s.counter == "callgrind" && j.Profile {
		steps, err := readCallgrindProfile(cgDir)
		if err != nil {
			return s, err
		}
		s.steps = steps
		s.regions = subtractOverhead(regionTotals(s.steps))
	} else if s.counter == "callgrind" {
		regions, err := readCallgrindDumps(cgDir)
		if err != nil {
			return s, err
		}
		s.regions = subtractOverhead(regions)
	}
	return s, nil
}

// run runs the simulator (or the native binary) in dir, isolated
// (runIsolated; watchEnd as there), records the command in the script and
// the log, and keeps its output and exit status; only a failure to run at
// all (or a time-out, or ctx ending) is an error.
func (s *simulation) run(ctx context.Context, timeout time.Duration, dir string, watchEnd bool, sc *script, name string, args ...string) error {
	sc.add(name, args...)
	s.command = toolchain.CommandLine(name, args...)
	res, err := runIsolated(ctx, timeout, dir, watchEnd, name, args...)
	s.stdout, s.stderr = res.Stdout, res.Stderr
	writeLog(dir, s.command, res.Result, err)
	var exit *toolchain.ExitError
	if errors.As(err, &exit) {
		s.status = exit.Status
		return nil
	}
	return err
}

// readCallgrindDumps reads the totals of callgrind/out.1, out.2, … (one
// dump per tg_bench_end call).
func readCallgrindDumps(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type dump struct {
		n   int
		ins uint64
	}
	var dumps []dump
	for _, e := range ents {
		suffix, ok := strings.CutPrefix(e.Name(), "out.")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(suffix)
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		var total uint64
		found := false
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "totals: "); ok {
				total, err = strconv.ParseUint(strings.Fields(v)[0], 10, 64)
				if err != nil {
					return nil, fmt.Errorf("callgrind %s: %w", e.Name(), err)
				}
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("callgrind %s: no totals line", e.Name())
		}
		dumps = append(dumps, dump{n, total})
	}
	sort.Slice(dumps, func(a, b int) bool { return dumps[a].n < dumps[b].n })
	out := make([]uint64, len(dumps))
	for i, d := range dumps {
		if d.n != i+1 {
			return nil, fmt.Errorf("callgrind dumps are not numbered 1…%d", len(dumps))
		}
		out[i] = d.ins
	}
	return out, nil
}

func subtractOverhead(regions []uint64) []uint64 {
	out := make([]uint64, len(regions))
	for i, n := range regions {
		if n >= markerOverhead {
			out[i] = n - markerOverhead
		}
	}
	return out
}

// writeLog keeps what the simulator printed beside the ELF.
func writeLog(dir, command string, res toolchain.Result, err error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "$ %s\n# wall time %.3f s", command, res.Elapsed.Seconds())
	if err != nil {
		fmt.Fprintf(&b, "; %v", firstLine(err.Error()))
	}
	b.WriteString("\n--- stdout\n")
	b.Write(res.Stdout)
	b.WriteString("\n--- stderr\n")
	b.Write(res.Stderr)
	_ = os.WriteFile(filepath.Join(dir, "sim.log"), b.Bytes(), 0o644)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
