// serial.go: the flags of bench --runner serial (a real board on a serial
// port); the work is bench.Serial.

package main

import (
	"fmt"
	"time"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/targets"
)

// serialFlags are bench's --runner, --port, --baud, --flash-cmd,
// --serial-timeout and --board-support.
type serialFlags struct {
	kind, port, flashCmd  string
	boardSupport          string
	baud                  int
	silence, flashTimeout time.Duration
}

func (s *serialFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&s.kind, "runner", "sim", "where firmware runs: sim (the target's simulator or the host) or serial (a real board on --port)")
	fl.StringVar(&s.port, "port", "", "serial runner: the board's serial device (/dev/ttyACM0) or tcp:HOST:PORT")
	fl.IntVar(&s.baud, "baud", bench.DefaultBaud, "serial runner: the port's speed")
	fl.StringVar(&s.flashCmd, "flash-cmd", "", "serial runner: your command that flashes the board, run without a shell in the run's folder; {elf} is the firmware file")
	fl.DurationVar(&s.silence, "serial-timeout", bench.DefaultSilence, "serial runner: fail when the port stays silent this long")
	fl.DurationVar(&s.flashTimeout, "flash-timeout", bench.DefaultFlashTimeout, "serial runner: time-out of --flash-cmd")
	fl.StringVar(&s.boardSupport, "board-support", "", "serial runner: folder with your board's tg_board.c, optionally tg_startup.c and one NAME.ld, used instead of the target's (docs/bench-protocol.md)")
}

// runner returns the serial runner the flags ask for, nil for the
// simulator.
func (s *serialFlags) runner(targetNames []string) (*bench.Serial, error) {
	switch s.kind {
	case "sim", "":
		if s.port != "" || s.flashCmd != "" {
			return nil, usageError{fmt.Errorf("--port and --flash-cmd need --runner serial")}
		}
		if s.boardSupport != "" {
			// A simulator runs the target's simulated board, whose devices
			// the target's own board support drives; a real board's UART
			// and timer are not there.
			return nil, usageError{fmt.Errorf("--board-support needs --runner serial (a simulator runs the target's own board support)")}
		}
		return nil, nil
	case "serial":
	default:
		return nil, usageError{fmt.Errorf("unknown --runner %q (want sim or serial)", s.kind)}
	}
	if len(targetNames) != 1 {
		return nil, usageError{fmt.Errorf("--runner serial needs exactly one --target: the board's")}
	}
	t, err := targets.Get(targetNames[0])
	if err != nil {
		return nil, usageError{err}
	}
	if !t.BareMetal() {
		return nil, usageError{fmt.Errorf("--runner serial: target %s is not a board", t.Name)}
	}
	// The user's own command line, split into words like a shell would
	// (quotes, backslashes) but never run by one.
	words, err := shlex.Split(s.flashCmd)
	if err != nil {
		return nil, usageError{fmt.Errorf("--flash-cmd: %v", err)}
	}
	sr := &bench.Serial{Port: s.port, Baud: s.baud, FlashCommand: words, Silence: s.silence, FlashTimeout: s.flashTimeout}
	if err := sr.Check(); err != nil {
		return nil, usageError{err}
	}
	if s.boardSupport != "" {
		// Read and checked once, before any run.
		if sr.Board, err = bench.LoadBoardSupport(s.boardSupport); err != nil {
			return nil, err
		}
	}
	return sr, nil
}
