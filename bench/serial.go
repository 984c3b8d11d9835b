// serial.go: the serial runner (bench --runner serial): a real board
// instead of a simulator. bench flashes the firmware with the user's own
// command, then reads the result protocol from the board's serial port
// (or a TCP socket standing in for one) with a baud rate, a silence
// time-out and a bounded buffer.

package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.bug.st/serial"

	"github.com/tinygen/tinygen/internal/readfile"
	"github.com/tinygen/tinygen/project"
)

// Serial describes a board on a serial port.
type Serial struct {
	// Port is a serial device (/dev/ttyACM0) or tcp:HOST:PORT, a TCP
	// socket standing in for one (QEMU's -serial tcp:…,server, ser2net).
	Port string
	// Baud is the device's speed (DefaultBaud if 0; ignored for tcp:).
	Baud int
	// FlashCommand is the user's flashing command line, already split
	// into words (no shell runs it); "{elf}" in a word is replaced by the
	// firmware's file name in the run folder, where the command runs.
	// Empty: the board already runs the firmware.
	FlashCommand []string
	// Silence is how long the port may stay silent before the run fails
	// (DefaultSilence if 0).
	Silence time.Duration
	// FlashTimeout bounds the flashing command (DefaultFlashTimeout if 0).
	FlashTimeout time.Duration
	// Board, if set, is the user's board support (boardsupport.go),
	// built into every tinygen firmware in place of the target's.
	Board *BoardSupport
}

// Serial runner defaults.
const (
	DefaultBaud         = 115200
	DefaultSilence      = 10 * time.Second
	DefaultFlashTimeout = 2 * time.Minute
	// flashELF is the firmware's name for the flash command: a fixed
	// name, so that no model text reaches the user's command line.
	flashELF = "flash.elf"
	// maxFlashLog bounds what is kept of the flash command's output.
	maxFlashLog = 1 << 20
)

// TimePrefix starts a line with the time of one region in microseconds
// on boards without an instruction counter: "TINYGEN-TIME region=<k>
// us=<n>" (docs/bench-protocol.md).
const TimePrefix = "TINYGEN-TIME"

// CounterMicros is the Result.Counter of a serial run whose firmware
// printed region times: the instruction columns hold microseconds.
const CounterMicros = "micros"

// Check validates the description before anything runs.
func (s *Serial) Check() error {
	if s.Port == "" {
		return errors.New("--runner serial needs --port DEV (a serial device, or tcp:HOST:PORT)")
	}
	if rest, ok := strings.CutPrefix(s.Port, "tcp:"); ok {
		if _, _, err := net.SplitHostPort(rest); err != nil {
			return fmt.Errorf("--port %s: want tcp:HOST:PORT (%v)", s.Port, err)
		}
	}
	if s.Baud < 0 || s.Baud > 10_000_000 {
		return fmt.Errorf("--baud %d is not a serial speed", s.Baud)
	}
	if s.Silence < 0 || s.FlashTimeout < 0 {
		return errors.New("serial time-outs must not be negative")
	}
	return nil
}

// run flashes elfPath and reads the board's output as a simulation.
func (s *Serial) run(ctx context.Context, j *Job, elfPath string, sc *script) (*simulation, error) {
	silence := s.Silence
	if silence == 0 {
		silence = DefaultSilence
	}
	deadline := j.Timeout
	if deadline == 0 {
		deadline = DefaultTimeout
	}
	var group int
	if len(s.FlashCommand) > 0 {
		pgid, err := s.flash(ctx, j, elfPath, sc)
		if pgid > 0 {
			// Whatever the command left running (a simulator standing in
			// for a board) ends with the run.
			group = pgid
			defer func() { _ = syscall.Kill(-group, syscall.SIGKILL) }()
		}
		if err != nil {
			return nil, err
		}
	}
	port, err := s.open(ctx, silence)
	if err != nil {
		return nil, err
	}
	defer port.Close()
	out, err := readProtocol(ctx, port, s.Port, silence, deadline)
	if err != nil {
		return nil, err
	}
	sim := &simulation{stdout: out, counter: "none", command: "serial " + s.Port}
	return sim, nil
}

// flash runs the flash command in the run folder, in a process group of
// its own, without a shell, and waits for it (bounded). It returns the
// group so that the caller can end what the command left behind.
func (s *Serial) flash(ctx context.Context, j *Job, elfPath string, sc *script) (int, error) {
	data, err := readfile.Read(elfPath, "firmware", maxFirmwareBytes)
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(j.Dir, flashELF), data, 0o644); err != nil {
		return 0, err
	}
	args := make([]string, len(s.FlashCommand))
	for i, a := range s.FlashCommand {
		args[i] = strings.ReplaceAll(a, "{elf}", flashELF)
	}
	sc.add(args[0], args[1:]...)
	timeout := s.FlashTimeout
	if timeout == 0 {
		timeout = DefaultFlashTimeout
	}
	log, err := os.Create(filepath.Join(j.Dir, "flash.log"))
	if err != nil {
		return 0, err
	}
	defer log.Close()
	lw := &limitWriter{w: log, n: maxFlashLog}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = j.Dir
	cmd.Stdout, cmd.Stderr = lw, lw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("flash command %s: %w", args[0], err)
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return pgid, fmt.Errorf("flash command failed (%v); its output is in %s", err, filepath.Join(j.Dir, "flash.log"))
		}
		return pgid, nil
	case <-time.After(timeout):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
		return pgid, fmt.Errorf("flash command did not finish in %v (stopped); its output is in %s", timeout, filepath.Join(j.Dir, "flash.log"))
	case <-ctx.Done():
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
		return pgid, ctx.Err()
	}
}

// limitWriter keeps the first n bytes and drops the rest.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
		l.n -= k
	}
	return len(p), nil
}

// conn is a port: reads with a time-out.
type conn interface {
	io.ReadCloser
	// setTimeout makes the next reads return (0, nil) or a time-out
	// error after d without data.
	setTimeout(d time.Duration) error
}

type tcpConn struct{ net.Conn }

func (c tcpConn) setTimeout(d time.Duration) error { return c.SetReadDeadline(time.Now().Add(d)) }

type serialConn struct{ serial.Port }

func (c serialConn) setTimeout(d time.Duration) error { return c.SetReadTimeout(d) }

// open opens the port. A tcp: port is dialled until it answers or the
// silence time-out passes (the stand-in may still be starting).
func (s *Serial) open(ctx context.Context, silence time.Duration) (conn, error) {
	if addr, ok := strings.CutPrefix(s.Port, "tcp:"); ok {
		end := time.Now().Add(silence)
		for {
			d := net.Dialer{Timeout: time.Second}
			c, err := d.DialContext(ctx, "tcp", addr)
			if err == nil {
				return tcpConn{c}, nil
			}
			if time.Now().After(end) || ctx.Err() != nil {
				return nil, fmt.Errorf("serial port %s: nothing answers (%v)", s.Port, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	st, err := os.Stat(s.Port)
	if err != nil {
		return nil, fmt.Errorf("serial port %s: %w", s.Port, err)
	}
	if st.Mode()&os.ModeCharDevice == 0 {
		return nil, fmt.Errorf("serial port %s is not a character device (want a serial device such as /dev/ttyACM0, or tcp:HOST:PORT)", s.Port)
	}
	baud := s.Baud
	if baud == 0 {
		baud = DefaultBaud
	}
	p, err := serial.Open(s.Port, &serial.Mode{BaudRate: baud})
	if err != nil {
		return nil, fmt.Errorf("serial port %s: %w", s.Port, err)
	}
	return serialConn{p}, nil
}

// readProtocol reads until the protocol's end line (and a short grace for
// the exit line), failing when the port stays silent for silence, when
// the run takes longer than deadline or prints more than MaxOutput.
func readProtocol(ctx context.Context, c conn, name string, silence, deadline time.Duration) ([]byte, error) {
	var out []byte
	buf := make([]byte, 4096)
	start := time.Now()
	lastData := time.Now()
	var endAt time.Time
	for {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		wait := min(silence, 200*time.Millisecond)
		if err := c.setTimeout(wait); err != nil {
			return out, fmt.Errorf("serial port %s: %w", name, err)
		}
		n, err := c.Read(buf)
		if n > 0 {
			out = append(out, buf[:n]...)
			lastData = time.Now()
			if len(out) > MaxOutput {
				return out[:MaxOutput], fmt.Errorf("serial port %s: the board printed more than %d bytes; stopped", name, MaxOutput)
			}
			if endAt.IsZero() && hasEndLine(out) {
				endAt = time.Now()
			}
		}
		if err != nil {
			var ne net.Error
			timeout := errors.As(err, &ne) && ne.Timeout()
			if !timeout {
				if endAt.IsZero() && !errors.Is(err, io.EOF) {
					return out, fmt.Errorf("serial port %s: %w", name, err)
				}
				if endAt.IsZero() {
					return out, fmt.Errorf("serial port %s closed before %s; output:\n%s", name, project.Sentinel, tail(out))
				}
				return out, nil
			}
		}
		now := time.Now()
		switch {
		case !endAt.IsZero() && (hasExitLine(out) || now.Sub(endAt) > 500*time.Millisecond):
			return out, nil
		case endAt.IsZero() && now.Sub(lastData) > silence && len(out) == 0:
			return out, fmt.Errorf("serial port %s was silent for %v: no output from the board (check the port, the baud rate and that the firmware prints docs/bench-protocol.md)", name, silence)
		case endAt.IsZero() && now.Sub(lastData) > silence:
			return out, fmt.Errorf("serial port %s went silent for %v before %s; output so far:\n%s", name, silence, project.Sentinel, tail(out))
		case now.Sub(start) > deadline:
			return out, fmt.Errorf("serial port %s: no %s after %v; output so far:\n%s", name, project.Sentinel, deadline, tail(out))
		}
	}
}

func hasEndLine(out []byte) bool {
	s := "\n" + strings.ReplaceAll(string(out), "\r", "")
	return strings.Contains(s, "\n"+project.Sentinel+"\n")
}

func hasExitLine(out []byte) bool {
	s := "\n" + strings.ReplaceAll(string(out), "\r", "")
	i := strings.Index(s, "\n"+exitPrefix)
	return i >= 0 && strings.Contains(s[i+1:], "\n")
}

func tail(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// parseTimes reads the TINYGEN-TIME lines: microseconds per region.
func parseTimes(out []byte) (map[int]int64, error) {
	times := map[int]int64{}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimRight(line, "\r")
		rest, ok := strings.CutPrefix(line, TimePrefix+" ")
		if !ok {
			continue
		}
		region, us := -1, int64(-1)
		for _, f := range strings.Fields(rest) {
			k, v, _ := strings.Cut(f, "=")
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("time line %q: %s is not a non-negative integer", line, f)
			}
			switch k {
			case "region":
				if n > 1<<20 {
					return nil, fmt.Errorf("time line %q: region out of range", line)
				}
				region = int(n)
			case "us":
				us = n
			}
		}
		if region < 0 || us < 0 {
			return nil, fmt.Errorf("time line %q needs region= and us=", line)
		}
		times[region] = us
	}
	return times, nil
}

// serialTimes fills a serial run's time columns from its TINYGEN-TIME
// lines: the instruction columns hold microseconds (Counter "micros").
// A firmware without time lines leaves them unknown.
func serialTimes(res *Result, out []byte, vectors int) error {
	times, err := parseTimes(out)
	if err != nil {
		return err
	}
	if len(times) == 0 {
		return nil
	}
	res.Counter = CounterMicros
	if t, ok := times[0]; ok {
		res.InitInstructions = t
	}
	for k := 1; k <= vectors; k++ {
		t, ok := times[k]
		if !ok {
			return fmt.Errorf("the firmware printed %s lines but none for region %d", TimePrefix, k)
		}
		res.PerVector = append(res.PerVector, t)
	}
	if len(res.PerVector) > 0 {
		res.Inference = res.PerVector[min(1, len(res.PerVector)-1)]
	}
	return nil
}
