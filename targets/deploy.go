// deploy.go: the target data that deploy projects need (tinygen compile
// --project): the Arduino board a target is, and the budget overheads
// of a board's runtime that the budget check adds to the model's bytes.

package targets

import (
	"fmt"
	"strings"
	"unicode"
)

// ArchAVR is 8-bit AVR (ATmega): 16-bit int, constants in flash read
// with pgm_read_*. AVR targets build deploy projects only (the Arduino
// sketch); bench has no board support for them.
const ArchAVR Arch = "avr"

// CounterNone means the target has no instruction counter: a firmware
// reports time in microseconds from the board's clock instead.
const CounterNone Counter = "none"

// Arduino says which Arduino board a target is, for sketches.
type Arduino struct {
	// FQBN is the fully qualified board name ("arduino:avr:uno").
	FQBN string
	// Core is the Debian package of the board's Arduino core
	// ("arduino-core-avr"); empty when Debian does not package it.
	Core string
	// MCU is the chip ("atmega328p", "nrf52840").
	MCU string
	// FCPU is the CPU clock in Hz.
	FCPU uint64
}

// Overhead is what a board's runtime (Arduino core or startup code, libc,
// board support) takes before the model, and the flash a kernel takes:
// estimates the budget check adds to the model's own bytes.
type Overhead struct {
	// Flash and RAM are the runtime's bytes.
	Flash, RAM uint64
	// KernelFlash is the code of one kernel, on average.
	KernelFlash uint64
}

type rawArduino struct {
	FQBN string `json:"fqbn"`
	Core string `json:"core"`
	MCU  string `json:"mcu"`
	FCPU string `json:"f_cpu"`
}

type rawOverhead struct {
	Flash       string `json:"flash"`
	RAM         string `json:"ram"`
	KernelFlash string `json:"kernel_flash"`
}

// deployFields checks and converts "arduino" and "overhead".
func (r *rawTarget) deployFields(t *Target) []error {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if a := r.Arduino; a != nil {
		parts := strings.Split(a.FQBN, ":")
		ok := len(parts) >= 3
		for _, p := range parts {
			if p == "" || strings.ContainsFunc(p, func(c rune) bool {
				return !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '_' && c != '-' && c != '.' && c != '='
			}) {
				ok = false
			}
		}
		if !ok {
			fail("arduino.fqbn", "%q is not a board name like arduino:avr:uno", a.FQBN)
		}
		if !validName(a.MCU) {
			fail("arduino.mcu", "%q is not a chip name", a.MCU)
		}
		if a.Core != "" && !validName(a.Core) {
			fail("arduino.core", "%q is not a Debian package name", a.Core)
		}
		hz, err := parseNumber(a.FCPU, false)
		switch {
		case err != nil:
			fail("arduino.f_cpu", "%v", err)
		case hz == 0 || hz > 10_000_000_000:
			fail("arduino.f_cpu", "%d Hz is not a clock frequency", hz)
		}
		t.Arduino = &Arduino{FQBN: a.FQBN, Core: a.Core, MCU: a.MCU, FCPU: hz}
	}
	if o := r.Overhead; o != nil {
		t.Overhead = &Overhead{}
		for _, f := range []struct {
			name string
			raw  string
			dst  *uint64
		}{{"flash", o.Flash, &t.Overhead.Flash}, {"ram", o.RAM, &t.Overhead.RAM}, {"kernel_flash", o.KernelFlash, &t.Overhead.KernelFlash}} {
			if f.raw == "" {
				continue
			}
			v, err := parseSize(f.raw)
			if err != nil {
				fail("overhead."+f.name, "%v", err)
				continue
			}
			*f.dst = v
		}
	}
	return errs
}

// convertAVR checks the fields an AVR target needs: its compiler, flash
// and RAM (data-space addresses as avr-gcc links them), optionally a
// stack reserve and simavr as its simulator. No libc specs, no test data.
func (r *rawTarget) convertAVR(t *Target) []error {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	for _, reg := range []struct {
		field string
		raw   *rawRegion
		dst   *Region
	}{{"flash", r.Flash, &t.Flash}, {"ram", r.RAM, &t.RAM}} {
		v, err := reg.raw.region()
		if err != nil {
			fail(reg.field, "%v", err)
			continue
		}
		*reg.dst = v
	}
	if r.StackSize != "" {
		s, err := parseSize(r.StackSize)
		if err != nil {
			fail("stack_size", "%v", err)
		} else {
			t.StackSize = s
		}
	}
	if r.TestData != nil {
		fail("testdata", "not allowed on arch %q", ArchAVR)
	}
	if r.Simulator != nil {
		sim, err := r.Simulator.simulator()
		if err != nil {
			fail("simulator", "%v", err)
		} else {
			t.Simulator = sim
		}
	}
	if t.Counter != CounterNone {
		fail("counter", "%q: an AVR target has no instruction counter (want %q)", t.Counter, CounterNone)
	}
	if r.Arduino == nil {
		fail("arduino", "an AVR target must name its Arduino board")
	}
	return errs
}
