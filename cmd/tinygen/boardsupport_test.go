// boardsupport_test.go: tinygen bench --runner serial --board-support end
// to end: the QEMU board's generated support files as a user's folder, a
// --flash-cmd that starts QEMU with its UART on a TCP socket, and the
// report's validated row.

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/targets"
)

// shQuote quotes s for sh.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func TestBenchBoardSupportCLI(t *testing.T) {
	shared := sharedtest.Require(t)
	sharedtest.RequireTool(t, "arm-none-eabi-gcc", "gcc-arm-none-eabi")
	qemu := sharedtest.RequireTool(t, "qemu-system-arm", "qemu-system-arm")
	tg, err := targets.Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	// The user's folder: the QEMU board's own support, the script renamed.
	board := filepath.Join(tmp, "myboard")
	if err := os.Mkdir(board, 0o755); err != nil {
		t.Fatal(err)
	}
	support, err := tg.SupportFiles()
	if err != nil {
		t.Fatal(err)
	}
	script, err := tg.LinkerScript()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"qemu-m4.ld": []byte(script)}
	for _, f := range support {
		if f.Name != "tg_board.h" {
			files[f.Name] = f.Data
		}
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(board, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The "flasher": starts QEMU on the run's flash.elf with the UART on a
	// TCP server and returns.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, args, err := tg.SimulatorCommand("flash.elf")
	if err != nil {
		t.Fatal(err)
	}
	words := []string{shQuote(qemu)}
	for _, a := range args {
		if strings.HasPrefix(a, "stdio,id=con0") {
			a = fmt.Sprintf("socket,id=con0,host=127.0.0.1,port=%d,server=on,wait=on", port)
		}
		words = append(words, shQuote(a))
	}
	flasher := filepath.Join(tmp, "flash.sh")
	body := "#!/bin/sh\n" + strings.Join(words, " ") + " </dev/null >qemu.log 2>&1 &\n"
	if err := os.WriteFile(flasher, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(tmp, "res")
	model := filepath.Join(shared, "models", "hello_world", "hello_world_int8.tflite")
	var stdout, stderr bytes.Buffer
	code := run([]string{"bench", model, "--target", "cortex-m4", "--vectors", "2", "--results", results,
		"--runner", "serial", "--port", fmt.Sprintf("tcp:127.0.0.1:%d", port), "--serial-timeout", "20s",
		"--flash-cmd", "sh " + flasher + " {elf}", "--board-support", board}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(results, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Results []struct {
			Status  string `json:"status"`
			Vectors int    `json:"vectors"`
			Passed  int    `json:"passed"`
			Dir     string `json:"dir"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 1 || report.Results[0].Status != "ok" || report.Results[0].Vectors != 2 || report.Results[0].Passed != 2 {
		t.Fatalf("report: %s", data)
	}
	got, err := os.ReadFile(filepath.Join(report.Results[0].Dir, targets.LinkerScriptName))
	if err != nil || string(got) != script {
		t.Errorf("the run's %s is not the user's qemu-m4.ld: %v", targets.LinkerScriptName, err)
	}
}
