// This file runs the compilers of the TFLM build: in a process group of
// their own, so that a time-out or Ctrl-C also stops the compiler proper
// (cc1plus) that the driver started.
package tflm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/tinygen/tinygen/internal/toolchain"
)

// runTool runs name with args in dir, feeding stdin when non-nil, and
// returns its stdout; a failure carries the end of its stderr.
func runTool(ctx context.Context, timeout time.Duration, dir string, stdin []byte, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	line := toolchain.CommandLine(name, args...)
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return nil, fmt.Errorf("%s did not finish within %v (stopped)", line, timeout)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%s: %w", line, ctx.Err())
	case err != nil:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			msg := fmt.Sprintf("%s exited with status %d", line, exit.ExitCode())
			if s := strings.TrimSpace(stderr.String()); s != "" {
				msg += ":\n" + toolchain.Tail(s, 40)
			}
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf("%s: %w", line, err)
	}
	return stdout.Bytes(), nil
}
