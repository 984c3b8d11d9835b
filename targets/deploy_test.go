// deploy_test.go: the deploy fields of the target data (arduino,
// overhead, arch avr).

package targets

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestAVRTarget(t *testing.T) {
	uno, err := Get("arduino-uno")
	if err != nil {
		t.Fatal(err)
	}
	if uno.Arch != ArchAVR || uno.Counter != CounterNone || uno.BareMetal() != true {
		t.Errorf("arduino-uno: arch %q counter %q", uno.Arch, uno.Counter)
	}
	if uno.Flash.Size != 32256 || uno.RAM.Size != 2048 || uno.RAM.Origin != 0x800100 {
		t.Errorf("arduino-uno: flash %+v ram %+v", uno.Flash, uno.RAM)
	}
	if uno.Arduino == nil || uno.Arduino.FQBN != "arduino:avr:uno" || uno.Arduino.FCPU != 16_000_000 || uno.Arduino.Core != "arduino-core-avr" {
		t.Errorf("arduino-uno: arduino %+v", uno.Arduino)
	}
	if uno.Overhead == nil || uno.Overhead.RAM == 0 || uno.Overhead.Flash == 0 {
		t.Errorf("arduino-uno: overhead %+v", uno.Overhead)
	}
	if _, err := uno.SupportFiles(); err == nil {
		t.Error("arduino-uno has board support; bench would try to build for it")
	}
}

func TestNano33BLEOneDefinition(t *testing.T) {
	board, err := Get("arduino-nano33ble")
	if err != nil {
		t.Fatal(err)
	}
	nano, err := Get("nano33ble")
	if err != nil {
		t.Fatal(err)
	}
	if board.Parents[0] != "nano33ble" || board.Flash != nano.Flash || board.RAM != nano.RAM || board.CPU != nano.CPU {
		t.Errorf("arduino-nano33ble does not inherit nano33ble: parents %v flash %+v ram %+v", board.Parents, board.Flash, board.RAM)
	}
	if board.Arduino == nil || board.Arduino.FQBN != "arduino:mbed_nano:nano33ble" || nano.Arduino != nil {
		t.Errorf("arduino data: board %+v nano %+v", board.Arduino, nano.Arduino)
	}
}

func TestDeployFieldErrors(t *testing.T) {
	const base = `{"name": "b", "description": "d", "arch": "avr", "cpu": "atmega328p",
  "compiler": {"command": "avr-gcc", "package": "gcc-avr"}, "compile_flags": [], "link_flags": [],
  "flash": {"origin": "0", "size": "32 KiB"}, "ram": {"origin": "0x800100", "size": "2 KiB"},
  "counter": "none", "arena_align": 4, "kernel_sets": ["reference"], %s}`
	tests := []struct {
		name, extra, want string
	}{
		{"bad fqbn", `"arduino": {"fqbn": "uno", "mcu": "atmega328p", "f_cpu": "16000000"}`, "arduino.fqbn"},
		{"fqbn with space", `"arduino": {"fqbn": "arduino:avr:uno x", "mcu": "atmega328p", "f_cpu": "16000000"}`, "arduino.fqbn"},
		{"bad clock", `"arduino": {"fqbn": "arduino:avr:uno", "mcu": "atmega328p", "f_cpu": "fast"}`, "arduino.f_cpu"},
		{"zero clock", `"arduino": {"fqbn": "arduino:avr:uno", "mcu": "atmega328p", "f_cpu": "0"}`, "arduino.f_cpu"},
		{"bad overhead", `"arduino": {"fqbn": "arduino:avr:uno", "mcu": "atmega328p", "f_cpu": "1"}, "overhead": {"flash": "lots"}`, "overhead.flash"},
		{"avr without board", `"overhead": {"flash": "1"}`, "must name its Arduino board"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"b.json": {Data: []byte(strings.Replace(base, "%s", tc.extra, 1))}}
			_, err := Load(fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
