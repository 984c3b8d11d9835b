package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tinygen/tinygen/internal/qemuplugin"
	"github.com/tinygen/tinygen/internal/readfile"
	"github.com/tinygen/tinygen/internal/toolchain"
	"github.com/tinygen/tinygen/targets"
)

// maxFirmwareBytes bounds a prebuilt firmware file given to the runner
// (microcontroller images are far smaller).
const maxFirmwareBytes = 256 << 20

// Runner runs jobs in parallel.
type Runner struct {
	// Workers is the number of jobs run at once (1 if < 1).
	Workers int
	// CacheDir holds the QEMU plugin build (os.UserCacheDir()/tinygen if
	// empty).
	CacheDir string
	// Done, if set, is called after each job with the number of finished
	// jobs and the total (from one goroutine at a time).
	Done func(done, total int, r *Result)
	// Serial, if set, runs every job on a real board on a serial port
	// (serial.go) instead of the target's simulator; run one job at a
	// time.
	Serial *Serial

	pluginOnce sync.Once
	pluginPath string
	pluginErr  error
}

// plugin builds the instruction-count plugin once per Runner.
func (r *Runner) plugin(ctx context.Context) (string, error) {
	r.pluginOnce.Do(func() {
		dir := r.CacheDir
		if dir == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				base = os.TempDir()
			}
			dir = filepath.Join(base, "tinygen")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			r.pluginErr = err
			return
		}
		r.pluginPath, r.pluginErr = qemuplugin.Build(ctx, dir)
	})
	return r.pluginPath, r.pluginErr
}

// Run runs every job and returns their results in job order.
func (r *Runner) Run(ctx context.Context, jobs []*Job) []*Result {
	workers := max(r.Workers, 1)
	results := make([]*Result, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < min(workers, max(len(jobs), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res := r.RunJob(ctx, jobs[i])
				mu.Lock()
				results[i] = res
				done++
				if r.Done != nil {
					r.Done(done, len(jobs), res)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	for i, res := range results {
		if res == nil {
			res = newResult(jobs[i])
			res.Status, res.Error = StatusFailed, "not run: "+ctx.Err().Error()
			results[i] = res
		}
	}
	return results
}

// RunJob builds (unless the job names an ELF), runs, measures and
// validates one job, and writes result.json and run.sh into its folder.
func (r *Runner) RunJob(ctx context.Context, j *Job) *Result {
	start := time.Now()
	res := newResult(j)
	sc := &script{}
	defer func() {
		res.Seconds = time.Since(start).Seconds()
		_ = sc.write(filepath.Join(j.Dir, "run.sh"))
		if data, err := json.MarshalIndent(res, "", "  "); err == nil {
			_ = os.WriteFile(filepath.Join(j.Dir, "result.json"), append(data, '\n'), 0o644)
		}
	}()
	fail := func(err error) *Result {
		var fit *FitError
		if errors.As(err, &fit) {
			res.Status = StatusNoFit
		} else {
			res.Status = StatusFailed
		}
		res.Error = err.Error()
		return res
	}
	if err := os.MkdirAll(j.Dir, 0o755); err != nil {
		return fail(err)
	}
	if r.Serial != nil && r.Serial.Board != nil {
		// The user's board support in place of the target's (a copy of
		// the job: the caller's stays as it was).
		bj, err := r.Serial.Board.job(j)
		if err != nil {
			return fail(err)
		}
		j = bj
	}
	elfPath := j.ELF
	if j.Build != nil {
		var err error
		if elfPath, err = j.Build(ctx, j.Dir, sc.add); err != nil {
			return fail(err)
		}
	} else if elfPath == "" {
		var err error
		if elfPath, err = build(ctx, j, sc); err != nil {
			return fail(err)
		}
	} else {
		if err := CheckForeignTarget(j.Target); err != nil {
			return fail(err)
		}
		abs, err := filepath.Abs(elfPath)
		if err != nil {
			return fail(err)
		}
		local := filepath.Join(j.Dir, filepath.Base(abs))
		data, err := readfile.Read(abs, "firmware", maxFirmwareBytes)
		if err != nil {
			return fail(err)
		}
		if err := os.WriteFile(local, data, 0o755); err != nil {
			return fail(err)
		}
		elfPath = local
	}
	mem, err := MeasureELF(elfPath, Attribution{Prefix: j.Prefix})
	if err != nil {
		return fail(err)
	}
	res.Memory = mem
	if j.Target.BareMetal() {
		if err := checkFit(j, mem); err != nil {
			return fail(err)
		}
	}
	var sim *simulation
	if r.Serial != nil {
		sim, err = r.Serial.run(ctx, j, elfPath, sc)
	} else {
		sim, err = r.simulate(ctx, j, elfPath, sc)
	}
	if err != nil {
		var to *toolchain.TimeoutError
		if errors.As(err, &to) {
			return fail(fmt.Errorf("%w; output so far:\n%s", err, toolchain.Tail(to.Output, 30)))
		}
		return fail(err)
	}
	res.Counter = sim.counter
	out, perr := ParseOutput(sim.stdout)
	console := toolchain.Tail(strings.TrimSpace(string(sim.stdout)+"\n"+string(sim.stderr)), 30)
	switch {
	case perr != nil:
		return fail(fmt.Errorf("malformed firmware output: %v; output:\n%s", perr, console))
	case !out.Complete || !out.HasResult:
		return fail(fmt.Errorf("the firmware ended without the %s line (crash, fault or exit status %d); output:\n%s",
			"TINYGEN-END", sim.status, console))
	}
	if out.HasExit && sim.status == 0 {
		// Boards without an exit device stop with status 0 and report
		// the firmware's status on the exit line.
		sim.status = out.ExitStatus
	}
	res.Vectors, res.Passed = out.Vectors, out.Passed
	if j.Measure != nil {
		mem, err := j.Measure(elfPath, out.Fields)
		if err != nil {
			return fail(err)
		}
		res.Memory = mem
	}
	if out.StackBytes > 0 {
		res.StackUsed = out.StackBytes
	}
	if sim.regions != nil {
		if len(sim.regions) != out.Vectors+1 {
			return fail(fmt.Errorf("counted %d regions, want %d (initialisation and one per vector)", len(sim.regions), out.Vectors+1))
		}
		res.InitInstructions = int64(sim.regions[0])
		for _, n := range sim.regions[1:] {
			res.PerVector = append(res.PerVector, int64(n))
		}
		v := min(1, len(res.PerVector)-1)
		res.Inference = res.PerVector[v]
		if j.MACs > 0 {
			res.InstrPerMAC = float64(res.Inference) / float64(j.MACs)
		}
		if j.Profile {
			if len(sim.steps) != len(sim.regions) {
				return fail(fmt.Errorf("profile: %d profiled regions, %d counted", len(sim.steps), len(sim.regions)))
			}
			p, err := buildProfile(j, sim.steps[1+v], v, res.Inference, sim.stdout)
			if err != nil {
				return fail(err)
			}
			res.Profile = p
		}
	}
	if r.Serial != nil {
		if err := serialTimes(res, sim.stdout, out.Vectors); err != nil {
			return fail(err)
		}
	}
	if res.Memory.RAMArena >= 0 && res.Memory.RAMOther >= 0 && res.StackUsed >= 0 {
		res.StaticRAM = res.Memory.RAMArena + res.StackUsed + res.Memory.RAMOther
	}
	switch {
	case out.Passed != out.Vectors || len(out.Mismatches) > 0:
		res.Status = StatusMismatch
		res.Error = fmt.Sprintf("%d of %d vectors wrong: %s", out.Vectors-out.Passed, out.Vectors, strings.Join(typedMismatches(out.Mismatches), "; "))
	case sim.status != 0:
		return fail(fmt.Errorf("the firmware exited with status %d; output:\n%s", sim.status, console))
	default:
		res.Status = StatusOK
	}
	return res
}

// CheckForeignTarget refuses to run a finished ELF (bench --elf) on a
// target without a simulator: foreign firmware runs only on simulated
// targets, where it reaches the host through nothing but the board's
// UART, never natively on the host.
func CheckForeignTarget(t *targets.Target) error {
	if t.Simulator == nil || !t.BareMetal() {
		return fmt.Errorf("target %s runs firmware natively on this machine: a foreign ELF (--elf) runs only on a simulated target (tinygen targets lists them)", t.Name)
	}
	return nil
}

// checkFit catches what the linker did not: RAM left for the stack.
func checkFit(j *Job, m Memory) error {
	t := j.Target
	if m.ROM >= 0 && uint64(m.ROM) > t.Flash.Size {
		return &FitError{Target: t.Name, Region: "FLASH", Needs: uint64(m.ROM), Has: t.Flash.Size}
	}
	if m.RAM >= 0 && uint64(m.RAM)+t.StackSize > t.RAM.Size {
		return &FitError{Target: t.Name, Region: "RAM", Needs: uint64(m.RAM) + t.StackSize, Has: t.RAM.Size}
	}
	return nil
}
