// proc_test.go: isolated runs end with their whole process group.
package bench

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tinygen/tinygen/internal/toolchain"
)

// TestRunIsolatedKillsGroup runs a shell that leaves a grandchild
// sleeping: cancelling the run, or its time-out, kills the grandchild too.
func TestRunIsolatedKillsGroup(t *testing.T) {
	for _, how := range []string{"cancel", "timeout"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			timeout := time.Minute
			if how == "timeout" {
				timeout = 500 * time.Millisecond
			}
			errc := make(chan error, 1)
			go func() {
				_, err := runIsolated(ctx, timeout, dir, false, "sh", "-c", "sleep 300 & echo $! > child.pid; wait")
				errc <- err
			}()
			pidFile := filepath.Join(dir, "child.pid")
			var pid int
			for deadline := time.Now().Add(10 * time.Second); pid == 0; time.Sleep(20 * time.Millisecond) {
				if data, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(data), "\n") {
					pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
				}
				if time.Now().After(deadline) {
					t.Fatal("no grandchild")
				}
			}
			if how == "cancel" {
				cancel()
			}
			err := <-errc
			var to *toolchain.TimeoutError
			if how == "timeout" && !errors.As(err, &to) || how == "cancel" && !errors.Is(err, context.Canceled) {
				t.Errorf("error %v", err)
			}
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
				if err != nil || strings.Contains(string(data), ") Z ") {
					break
				}
				if time.Now().After(deadline) {
					_ = syscall.Kill(pid, syscall.SIGKILL)
					t.Fatalf("grandchild %d survived", pid)
				}
			}
		})
	}
}

// TestRunIsolatedBoundsOutput runs a program that prints without end: the
// run stops once MaxOutput bytes were kept, with an error saying so, long
// before its time-out, and keeps no more than MaxOutput bytes.
func TestRunIsolatedBoundsOutput(t *testing.T) {
	start := time.Now()
	res, err := runIsolated(context.Background(), 2*time.Minute, t.TempDir(), true, "yes", "0123456789abcdef")
	if err == nil || !strings.Contains(err.Error(), "printed more than") {
		t.Fatalf("error %v, want the output bound", err)
	}
	if len(res.Stdout) != MaxOutput {
		t.Errorf("kept %d bytes, want %d", len(res.Stdout), MaxOutput)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("took %v", d)
	}
}

// TestEndWatcher finds the end line however the output is split into
// writes, and only a whole line.
func TestEndWatcher(t *testing.T) {
	for _, c := range []struct {
		parts []string
		want  bool
	}{
		{[]string{"TINYGEN-END\n"}, true},
		{[]string{"x\nTINYGEN-", "END", "\n"}, true},
		{[]string{"x\nTINYGEN-E", "ND\ny"}, true},
		{[]string{"xTINYGEN-END\n"}, false},
		{[]string{"x\nTINYGEN-END"}, false},
		{[]string{"x\nTINYGEN-ENDS\n"}, false},
	} {
		w := &endWatcher{seen: make(chan struct{}), overflow: make(chan struct{})}
		for _, p := range c.parts {
			if _, err := w.Write([]byte(p)); err != nil {
				t.Fatal(err)
			}
		}
		got := false
		select {
		case <-w.seen:
			got = true
		default:
		}
		if got != c.want {
			t.Errorf("%q: end seen %v, want %v", c.parts, got, c.want)
		}
	}
}
