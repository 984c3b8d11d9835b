// profile.go: per-step instruction profiles (bench --profile): which
// addresses or functions mark a step, how the simulator's step marks
// become one profile per inference, and the step lines foreign firmware
// may print (docs/bench-protocol.md, "Profiles").

package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tinygen/tinygen/internal/qemuplugin"
)

// StepSymbol is the protocol's optional step marker: foreign firmware
// calls it (an empty, never-inlined function like tg_bench_begin) as each
// step of an inference begins.
const StepSymbol = "tg_bench_step"

// StepPrefix starts the optional lines that name a foreign firmware's
// steps: "TINYGEN-STEP index=<k> [op=<op>] [kernel=<name>] [set=<set>]
// [macs=<n>]".
const StepPrefix = "TINYGEN-STEP"

// maxProfileSteps bounds the steps of one profile (the plugin's bound on
// step addresses is separate: a program's kernels, not its steps).
const maxProfileSteps = 1 << 16

// ProfileStep describes one step of the program a job runs, in execution
// order: what the profile's rows say. A step begins when its kernel
// (Kernel, a function symbol of the firmware) is entered.
type ProfileStep struct {
	// Index is the step's index in the program; Op the operator ("CONV_2D"
	// or "CONV_2D #3": kind and source index).
	Index int    `json:"index"`
	Op    string `json:"op"`
	// Kernel is the C function the step calls; Set its kernel set.
	Kernel string `json:"kernel"`
	Set    string `json:"set,omitempty"`
	// MACs is the step's multiply-accumulate count (0 if none or unknown).
	MACs int64 `json:"macs"`
}

// StepCount is one row of a profile: a step and its instructions.
type StepCount struct {
	ProfileStep
	// Instructions counts from the entry of the step's kernel (or its
	// step mark) to the next step's, or to the end of the inference: the
	// kernel, its return and the schedule's glue up to the next call.
	Instructions int64 `json:"instructions"`
	// InstrPerMAC is Instructions / MACs (0 without MACs); Share is
	// Instructions / the inference's instructions.
	InstrPerMAC float64 `json:"instructions_per_mac"`
	Share       float64 `json:"share"`
}

// Profile is the per-step profile of one inference.
type Profile struct {
	// Vector is the test vector whose inference was profiled (the one
	// Result.Inference counts).
	Vector int `json:"vector"`
	// Steps are the steps in execution order.
	Steps []StepCount `json:"steps"`
	// Remainder is the inference's instructions before the first step
	// (the harness's call, the schedule's entry and its first argument
	// set-up), so that the steps plus Remainder equal Total exactly.
	Remainder int64 `json:"remainder_instructions"`
	// Total equals Result.Inference.
	Total int64 `json:"total_instructions"`
}

// segment is one step of a measured region: the key of the mark that
// began it (a kernel symbol) and its instructions.
type segment struct {
	key   string
	instr uint64
}

// regionSteps is a region cut at its step marks: the instructions before
// the first mark, then one segment per mark. The two marker instructions
// of the region (docs/bench-protocol.md) are still included: one in lead,
// one in the last segment (or in lead when there is none).
type regionSteps struct {
	lead  uint64
	steps []segment
}

// stepWatch returns the step addresses for the plugin and their names:
// the entries of the job's kernels, or for a job without steps (foreign
// firmware) the protocol's StepSymbol.
func stepWatch(j *Job, elfPath string) ([]uint64, map[uint64]string, error) {
	names := map[uint64]string{}
	var addrs []uint64
	add := func(sym string) error {
		a, err := qemuplugin.SymbolAddress(elfPath, sym)
		if err != nil {
			return err
		}
		if other, ok := names[a]; ok && other != sym {
			return fmt.Errorf("profile: kernels %s and %s share the address %#x (identical code folded by the linker); the profile cannot tell them apart", other, sym, a)
		}
		if _, ok := names[a]; !ok {
			names[a] = sym
			addrs = append(addrs, a)
		}
		return nil
	}
	if len(j.Steps) == 0 {
		if err := add(StepSymbol); err != nil {
			return nil, nil, fmt.Errorf("%w (--profile of a foreign firmware needs the step marker %s, docs/bench-protocol.md)", err, StepSymbol)
		}
		return addrs, names, nil
	}
	for _, s := range j.Steps {
		if err := add(s.Kernel); err != nil {
			return nil, nil, fmt.Errorf("profile: step %d: %w", s.Index, err)
		}
	}
	if len(addrs) > qemuplugin.MaxStepAddrs {
		return nil, nil, fmt.Errorf("profile: %d kernels, the counter watches at most %d", len(addrs), qemuplugin.MaxStepAddrs)
	}
	sort.Slice(addrs, func(a, b int) bool { return addrs[a] < addrs[b] })
	return addrs, names, nil
}

// splitMarks cuts the plugin's regions at their step marks.
func splitMarks(c qemuplugin.Counts, names map[uint64]string) ([]regionSteps, error) {
	out := make([]regionSteps, len(c.Regions))
	for r, total := range c.Regions {
		var marks []qemuplugin.Mark
		if r < len(c.Steps) {
			marks = c.Steps[r]
		}
		if len(marks) == 0 {
			out[r].lead = total
			continue
		}
		out[r].lead = marks[0].Offset
		for k, m := range marks {
			end := total
			if k+1 < len(marks) {
				end = marks[k+1].Offset
			}
			name, ok := names[m.Addr]
			if !ok {
				return nil, fmt.Errorf("profile: a step mark at %#x, which is no step address", m.Addr)
			}
			out[r].steps = append(out[r].steps, segment{key: name, instr: end - m.Offset})
		}
	}
	return out, nil
}

// callgrindProfileArgs returns callgrind's options that dump its counters
// on entry to every step function as well (a dump per step).
func callgrindProfileArgs(j *Job) []string {
	seen := map[string]bool{}
	var args []string
	fns := []string{StepSymbol}
	if len(j.Steps) > 0 {
		fns = nil
		for _, s := range j.Steps {
			fns = append(fns, s.Kernel)
		}
	}
	for _, fn := range fns {
		if !seen[fn] {
			seen[fn] = true
			args = append(args, "--dump-before="+fn)
		}
	}
	return args
}

// readCallgrindProfile reads callgrind's dumps of a profiled run (see
// callgrindProfileArgs): every dump's trigger names the function entered;
// a tg_bench_end dump closes a region, a step function's dump closes the
// region's lead or its previous step.
func readCallgrindProfile(dir string) ([]regionSteps, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type dump struct {
		n       int
		trigger string
		ins     uint64
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
		d := dump{n: n}
		found := false
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "desc: Trigger: --dump-before="); ok {
				d.trigger = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(line, "totals: "); ok {
				f := strings.Fields(v)
				if len(f) == 0 {
					return nil, fmt.Errorf("callgrind %s: empty totals line", e.Name())
				}
				if d.ins, err = strconv.ParseUint(f[0], 10, 64); err != nil {
					return nil, fmt.Errorf("callgrind %s: %w", e.Name(), err)
				}
				found = true
			}
		}
		if !found || d.trigger == "" {
			return nil, fmt.Errorf("callgrind %s: no totals or trigger line", e.Name())
		}
		dumps = append(dumps, d)
	}
	sort.Slice(dumps, func(a, b int) bool { return dumps[a].n < dumps[b].n })
	var out []regionSteps
	cur, open := regionSteps{}, false
	var curKey string
	for i, d := range dumps {
		if d.n != i+1 {
			return nil, fmt.Errorf("callgrind dumps are not numbered 1…%d", len(dumps))
		}
		// d.ins counts from the previous dump (or the zeroing at
		// tg_bench_begin) to this trigger.
		if !open {
			cur.lead = d.ins
		} else {
			cur.steps = append(cur.steps, segment{key: curKey, instr: d.ins})
		}
		if d.trigger == endSymbol {
			out = append(out, cur)
			cur, open = regionSteps{}, false
			continue
		}
		open, curKey = true, d.trigger
	}
	if open {
		return nil, fmt.Errorf("callgrind: a step began after the last %s", endSymbol)
	}
	return out, nil
}

// regionTotals returns each region's instructions (markers included).
func regionTotals(rs []regionSteps) []uint64 {
	out := make([]uint64, len(rs))
	for i, r := range rs {
		out[i] = r.lead
		for _, s := range r.steps {
			out[i] += s.instr
		}
	}
	return out
}

// buildProfile turns the measured region of vector v (inference instructions
// total, markers removed) into a Profile. A tinygen job's steps must be
// entered exactly in the program's order; foreign firmware's steps are
// named by its TINYGEN-STEP lines, or "step k".
func buildProfile(j *Job, r regionSteps, v int, total int64, stdout []byte) (*Profile, error) {
	if len(r.steps) > maxProfileSteps {
		return nil, fmt.Errorf("profile: %d steps in one inference (at most %d)", len(r.steps), maxProfileSteps)
	}
	steps := j.Steps
	if len(steps) == 0 {
		named, err := parseStepLines(stdout)
		if err != nil {
			return nil, err
		}
		for k := range r.steps {
			s, ok := named[k]
			if !ok {
				s = ProfileStep{Index: k, Op: fmt.Sprintf("step %d", k), Kernel: StepSymbol}
			}
			steps = append(steps, s)
		}
	} else {
		if len(r.steps) != len(steps) {
			return nil, fmt.Errorf("profile: the inference entered %d step kernels, the program has %d steps (a kernel that calls another program kernel, or code the linker folded)", len(r.steps), len(steps))
		}
		for k, s := range r.steps {
			if s.key != steps[k].Kernel {
				return nil, fmt.Errorf("profile: step %d entered %s, the program calls %s", k, s.key, steps[k].Kernel)
			}
		}
	}
	p := &Profile{Vector: v, Total: total}
	var sum int64
	for k, s := range r.steps {
		n := int64(s.instr)
		if k == len(r.steps)-1 && n > 0 {
			n-- // the call of tg_bench_end (a marker instruction)
		}
		sc := StepCount{ProfileStep: steps[k], Instructions: n}
		if sc.MACs > 0 {
			sc.InstrPerMAC = float64(n) / float64(sc.MACs)
		}
		if total > 0 {
			sc.Share = float64(n) / float64(total)
		}
		sum += n
		p.Steps = append(p.Steps, sc)
	}
	p.Remainder = total - sum
	if p.Remainder < 0 {
		return nil, fmt.Errorf("profile: the steps count %d instructions, more than the inference's %d", sum, total)
	}
	return p, nil
}

// parseStepLines reads the TINYGEN-STEP lines of a foreign firmware's
// output: index is required, op, kernel and set are single words, macs a
// non-negative integer; unknown keys are ignored.
func parseStepLines(out []byte) (map[int]ProfileStep, error) {
	named := map[int]ProfileStep{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		rest, ok := strings.CutPrefix(line, StepPrefix+" ")
		if !ok {
			continue
		}
		s := ProfileStep{Index: -1}
		for _, f := range strings.Fields(rest) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				return nil, fmt.Errorf("step line %q: field %q is not key=value", line, f)
			}
			switch k {
			case "index":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n >= maxProfileSteps {
					return nil, fmt.Errorf("step line %q: index is not an integer in [0, %d)", line, maxProfileSteps)
				}
				s.Index = n
			case "op":
				s.Op = stepWord(v)
			case "kernel":
				s.Kernel = stepWord(v)
			case "set":
				s.Set = stepWord(v)
			case "macs":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("step line %q: macs is not a non-negative integer", line)
				}
				s.MACs = n
			}
		}
		if s.Index < 0 {
			return nil, fmt.Errorf("step line %q has no index=", line)
		}
		if s.Op == "" {
			s.Op = fmt.Sprintf("step %d", s.Index)
		}
		if s.Kernel == "" {
			s.Kernel = StepSymbol
		}
		named[s.Index] = s
	}
	return named, sc.Err()
}

// stepWord keeps a foreign firmware's step name printable in every report:
// printable ASCII other than '|' and ',' (table and CSV separators, which
// the reports would otherwise have to escape), at most 64 bytes.
func stepWord(v string) string {
	var b strings.Builder
	for i := 0; i < len(v) && b.Len() < 64; i++ {
		c := v[i]
		if c > ' ' && c < 0x7f && c != '|' && c != ',' {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
