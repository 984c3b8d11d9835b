// Package toolchain finds the compilers and simulators tinygen drives and
// runs them with time-outs. A tool that is not installed is reported with
// the Debian package that provides it, and a run that exceeds its time-out
// is a TimeoutError carrying what the tool printed so far.
package toolchain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// MissingError says a tool is not installed and which package provides it.
type MissingError struct {
	Tool    string
	Package string
}

// Error names the tool and the install command.
func (e *MissingError) Error() string {
	return fmt.Sprintf("%s not found: install the Debian package %s (apt-get install %s)", e.Tool, e.Package, e.Package)
}

// Find returns the path of a tool on PATH, or a MissingError naming pkg.
func Find(tool, pkg string) (string, error) {
	p, err := exec.LookPath(tool)
	if err != nil {
		return "", &MissingError{Tool: tool, Package: pkg}
	}
	return p, nil
}

// TimeoutError is a run that did not finish in time.
type TimeoutError struct {
	Command string
	Timeout time.Duration
	// Output is what the tool wrote to stdout and stderr before it was
	// stopped.
	Output string
}

// Error names the command and the time-out.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s did not finish within %v (stopped)", e.Command, e.Timeout)
}

// ExitError is a run that ended with a non-zero status.
type ExitError struct {
	Command string
	Status  int
	Stdout  string
	Stderr  string
}

// Error names the command, its status and the end of its error output.
func (e *ExitError) Error() string {
	msg := fmt.Sprintf("%s exited with status %d", e.Command, e.Status)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ":\n" + Tail(s, 40)
	}
	return msg
}

// Result is a finished run.
type Result struct {
	Stdout, Stderr []byte
	// Elapsed is the wall time of the run.
	Elapsed time.Duration
}

// Run runs name with args in dir (the current folder if empty) and stdin,
// stopping it after timeout. A non-zero exit is an *ExitError (with the
// output attached); a time-out a *TimeoutError.
func Run(ctx context.Context, timeout time.Duration, dir string, stdin []byte, name string, args ...string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// WaitDelay bounds the wait for the output pipes after the process
	// has exited (or was killed): a grandchild that keeps them open must
	// not hang the run. It was 2 s, which a loaded machine exceeded while
	// the pipes were still being drained (exec.ErrWaitDelay on a good run).
	cmd.WaitDelay = 30 * time.Second
	start := time.Now()
	err := cmd.Run()
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Elapsed: time.Since(start)}
	line := CommandLine(name, args...)
	if ctx.Err() == context.DeadlineExceeded {
		return res, &TimeoutError{Command: line, Timeout: timeout, Output: stdout.String() + stderr.String()}
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return res, &ExitError{Command: line, Status: exit.ExitCode(), Stdout: stdout.String(), Stderr: stderr.String()}
		}
		return res, fmt.Errorf("%s: %w", line, err)
	}
	return res, nil
}

// CommandLine quotes a command for a shell, for messages and scripts.
func CommandLine(name string, args ...string) string {
	parts := []string{ShellQuote(name)}
	for _, a := range args {
		parts = append(parts, ShellQuote(a))
	}
	return strings.Join(parts, " ")
}

// ShellQuote quotes s for a POSIX shell when it needs quoting.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=+,:@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Tail returns the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return "…\n" + strings.Join(lines[len(lines)-n:], "\n")
}
