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
