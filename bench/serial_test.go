// serial_test.go: the serial runner without hardware: QEMU with its UART
// on a TCP socket stands in for a board on a port; a silent socket, a
// fake board that prints region times, and the flash command's failures.

package bench_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/internal/toolchain"
	"github.com/tinygen/tinygen/targets"
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// fakeBoard listens on a port and, for one connection, writes script
// (nothing for a silent board) and keeps the connection open until the
// test ends.
func fakeBoard(t *testing.T, script string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.Write([]byte(script))
		<-done
	}()
	return "tcp:" + l.Addr().String()
}

func helloJob(t *testing.T, target string) []*bench.Job {
	t.Helper()
	dir := sharedtest.Require(t)
	return jobs(t, driver.BenchOptions{Models: []string{filepath.Join(dir, "models", "hello_world", "hello_world_int8.tflite")},
		Targets: []string{target}, Vectors: 2})
}

// TestSerialRunnerQEMUOnSocket measures a QEMU Cortex-M4 board whose UART
// is a TCP server, flashed ("started") by a --flash-cmd, like a real
// board on a port.
func TestSerialRunnerQEMUOnSocket(t *testing.T) {
	sharedtest.RequireTool(t, "arm-none-eabi-gcc", "gcc-arm-none-eabi")
	qemu := sharedtest.RequireTool(t, "qemu-system-arm", "qemu-system-arm")
	tg, err := targets.Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	_, args, err := tg.SimulatorCommand("{elf}")
	if err != nil {
		t.Fatal(err)
	}
	// The board: the bench's sandboxed QEMU line with the UART on a TCP
	// server that waits for the runner, started in the background.
	for i, a := range args {
		if strings.HasPrefix(a, "stdio,id=con0") {
			args[i] = fmt.Sprintf("socket,id=con0,host=127.0.0.1,port=%d,server=on,wait=on", port)
		}
	}
	line := toolchain.CommandLine(qemu, args...)
	flash := []string{"sh", "-c", line + " </dev/null >qemu.log 2>&1 &"}
	runner := &bench.Runner{Serial: &bench.Serial{Port: fmt.Sprintf("tcp:127.0.0.1:%d", port), FlashCommand: flash,
		Silence: 20 * time.Second}}
	js := helloJob(t, "cortex-m4")
	res := runner.Run(context.Background(), js)
	r := res[0]
	if !r.Validated() || r.Vectors != 2 {
		t.Fatalf("%s: %s %d/%d: %s", r.ID, r.Status, r.Passed, r.Vectors, r.Error)
	}
	if r.Counter != "none" || r.Inference != -1 || r.Memory.ROM <= 0 || r.StackUsed <= 0 {
		t.Errorf("serial run: counter %q inference %d ROM %d stack %d", r.Counter, r.Inference, r.Memory.ROM, r.StackUsed)
	}
}

func TestSerialRunnerSilentPort(t *testing.T) {
	sharedtest.RequireTool(t, "arm-none-eabi-gcc", "gcc-arm-none-eabi")
	port := fakeBoard(t, "")
	runner := &bench.Runner{Serial: &bench.Serial{Port: port, Silence: 700 * time.Millisecond}}
	start := time.Now()
	r := runner.Run(context.Background(), helloJob(t, "cortex-m4"))[0]
	if r.Status != bench.StatusFailed || !strings.Contains(r.Error, "was silent for 700ms: no output from the board") {
		t.Errorf("silent port: %s: %s", r.Status, r.Error)
	}
	if time.Since(start) > time.Minute {
		t.Errorf("the silent port took %v", time.Since(start))
	}
}

// TestSerialRunnerMicroseconds: a board that prints region times gets
// them in the instruction columns, marked as microseconds.
func TestSerialRunnerMicroseconds(t *testing.T) {
	sharedtest.RequireTool(t, "arm-none-eabi-gcc", "gcc-arm-none-eabi")
	script := "booting\r\nTINYGEN-TIME region=0 us=12\r\nTINYGEN-TIME region=1 us=1500\r\nTINYGEN-TIME region=2 us=1499\r\n" +
		"TINYGEN-RESULT vectors=2 passed=2 stack_bytes=300\r\nTINYGEN-END\r\n"
	runner := &bench.Runner{Serial: &bench.Serial{Port: fakeBoard(t, script), Silence: 5 * time.Second}}
	r := runner.Run(context.Background(), helloJob(t, "cortex-m4"))[0]
	if !r.Validated() || r.Counter != bench.CounterMicros || r.InitInstructions != 12 || r.Inference != 1499 {
		t.Fatalf("%s %s: counter %q init %d inference %d", r.Status, r.Error, r.Counter, r.InitInstructions, r.Inference)
	}
	var b strings.Builder
	if err := bench.NewReport([]*bench.Result{r}, nil).WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "1499 µs") {
		t.Errorf("table lacks the time in µs:\n%s", b.String())
	}
}

func TestSerialRunnerErrors(t *testing.T) {
	sharedtest.RequireTool(t, "arm-none-eabi-gcc", "gcc-arm-none-eabi")
	tests := []struct {
		name   string
		serial bench.Serial
		want   string
	}{
		{"failing flash command", bench.Serial{Port: "tcp:127.0.0.1:1", FlashCommand: []string{"false"}}, "flash command failed"},
		{"missing flash tool", bench.Serial{Port: "tcp:127.0.0.1:1", FlashCommand: []string{"no-such-flasher-xyz", "{elf}"}}, "flash command no-such-flasher-xyz"},
		{"slow flash command", bench.Serial{Port: "tcp:127.0.0.1:1", FlashCommand: []string{"sleep", "30"}, FlashTimeout: 300 * time.Millisecond}, "did not finish in 300ms"},
		{"nothing on the port", bench.Serial{Port: "tcp:127.0.0.1:1", Silence: 300 * time.Millisecond}, "nothing answers"},
		{"not a device", bench.Serial{Port: "/etc/hostname"}, "not a character device"},
		{"truncated output", bench.Serial{Port: fakeBoard(t, "TINYGEN-RESULT vectors=2 passed=2\n"), Silence: 300 * time.Millisecond}, "went silent for 300ms before TINYGEN-END"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.serial
			r := (&bench.Runner{Serial: &s}).Run(context.Background(), helloJob(t, "cortex-m4"))[0]
			if r.Status != bench.StatusFailed || !strings.Contains(r.Error, tc.want) {
				t.Errorf("%s: %s", r.Status, r.Error)
			}
		})
	}
}
