// proc.go runs a simulator (QEMU, valgrind or the native host binary)
// isolated from tinygen's own process: in a process group of its own,
// killed with its whole group when the run times out, when tinygen is
// told to stop (the context), and by the kernel when tinygen dies.
package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/tinygen/tinygen/internal/toolchain"
	"github.com/tinygen/tinygen/project"
)

// endGrace is how long a firmware may keep running after it printed the
// protocol's end line before bench stops the simulator itself (firmware
// on boards without an exit device, or foreign firmware that loops).
const endGrace = 2 * time.Second

// termGrace is how long a simulator stopped with SIGTERM has to exit
// cleanly (QEMU then runs its exit handlers: the plugin writes its
// counts) before its group is killed.
const termGrace = 5 * time.Second

// procResult is a finished isolated run.
type procResult struct {
	toolchain.Result
	// Stopped is set when bench ended the simulator after the end line.
	Stopped bool
}

// MaxOutput bounds what bench keeps of a simulator's stdout and of its
// stderr: a firmware that prints more (a hostile or runaway one) is
// stopped and its run fails, instead of filling tinygen's memory until the
// time-out. The result protocol of a model with thousands of outputs fits
// many times over.
const MaxOutput = 16 << 20

// endWatcher is a bounded stdout buffer that reports, once, when the
// protocol's end line has been written, and once when the output passed
// MaxOutput.
type endWatcher struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	seen     chan struct{}
	once     sync.Once
	overflow chan struct{}
	overOnce sync.Once
}

// Write keeps p (up to MaxOutput bytes in all) and checks the new bytes,
// with the line before them, for the end line.
func (w *endWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	keep := p
	if room := MaxOutput - w.buf.Len(); len(keep) > room {
		keep = keep[:max(room, 0)]
		w.overOnce.Do(func() { close(w.overflow) })
	}
	// Only the tail can complete the end line: look at the new bytes
	// and as much of the old ones as the line is long.
	from := max(w.buf.Len()-len(project.Sentinel)-1, 0)
	w.buf.Write(keep)
	tail := w.buf.Bytes()[from:]
	if bytes.Contains(tail, []byte("\n"+project.Sentinel+"\n")) || (from == 0 && bytes.HasPrefix(tail, []byte(project.Sentinel+"\n"))) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

// bytes returns a copy of what was written.
func (w *endWatcher) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]byte(nil), w.buf.Bytes()...)
}

// lockedBuffer is a bytes.Buffer safe for one writer and later readers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p, keeping at most MaxOutput bytes in all.
func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := MaxOutput - b.buf.Len(); room < len(p) {
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

// runIsolated runs name with args in dir, stdin /dev/null, in a process
// group of its own with SIGKILL as its parent-death signal. It returns the
// same errors as toolchain.Run: *toolchain.TimeoutError after timeout,
// *toolchain.ExitError for a non-zero status, and the context's error
// when ctx ends first (the group is killed in both cases). When watchEnd
// is set and the output shows the protocol's end line, the simulator has
// endGrace to exit by itself; then bench sends its group SIGTERM (a clean
// QEMU exit), and SIGKILL after termGrace.
func runIsolated(ctx context.Context, timeout time.Duration, dir string, watchEnd bool, name string, args ...string) (procResult, error) {
	line := toolchain.CommandLine(name, args...)
	stdout := &endWatcher{seen: make(chan struct{}), overflow: make(chan struct{})}
	stderr := &lockedBuffer{}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 2 * time.Second
	// Pdeathsig fires when the thread that started the child exits, not
	// the process: the goroutine below keeps its thread locked from
	// Start to Wait.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}

	started := make(chan error, 1)
	waited := make(chan error, 1)
	start := time.Now()
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		waited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return procResult{}, fmt.Errorf("%s: %w", line, err)
	}
	pgid := cmd.Process.Pid
	signalGroup := func(sig syscall.Signal) { _ = syscall.Kill(-pgid, sig) }

	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	var seen <-chan struct{}
	if watchEnd {
		seen = stdout.seen
	}
	var grace, kill <-chan time.Time
	var err error
	var stopped, timedOut, overflowed bool
	var ctxErr error
wait:
	for {
		select {
		case err = <-waited:
			break wait
		case <-ctx.Done():
			ctxErr = ctx.Err()
			signalGroup(syscall.SIGKILL)
			err = <-waited
			break wait
		case <-deadline.C:
			timedOut = true
			signalGroup(syscall.SIGKILL)
			err = <-waited
			break wait
		case <-stdout.overflow:
			overflowed = true
			signalGroup(syscall.SIGKILL)
			err = <-waited
			break wait
		case <-seen:
			seen = nil
			grace = time.After(endGrace)
		case <-grace:
			grace = nil
			stopped = true
			signalGroup(syscall.SIGTERM)
			kill = time.After(termGrace)
		case <-kill:
			kill = nil
			signalGroup(syscall.SIGKILL)
		}
	}
	// Whatever the leader did, nothing of its group outlives the run.
	signalGroup(syscall.SIGKILL)
	res := procResult{Result: toolchain.Result{Stdout: stdout.bytes(), Stderr: stderr.bytes(), Elapsed: time.Since(start)}, Stopped: stopped}
	switch {
	case ctxErr != nil:
		return res, fmt.Errorf("%s: stopped: %w", line, ctxErr)
	case timedOut:
		return res, &toolchain.TimeoutError{Command: line, Timeout: timeout, Output: string(res.Stdout) + string(res.Stderr)}
	case overflowed:
		return res, fmt.Errorf("%s: the firmware printed more than %d bytes; stopped", line, MaxOutput)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if stopped {
			// Our own SIGTERM: the firmware had finished.
			return res, nil
		}
		return res, &toolchain.ExitError{Command: line, Status: exit.ExitCode(), Stdout: string(res.Stdout), Stderr: string(res.Stderr)}
	}
	if err != nil && !errors.Is(err, exec.ErrWaitDelay) {
		return res, fmt.Errorf("%s: %w", line, err)
	}
	return res, nil
}
