package targets

import (
	"bytes"
	"embed"
	"fmt"
	"strconv"
	"text/template"

	"github.com/tinygen/tinygen/internal/genfile"
)

//go:embed board/*.tmpl
var boardFS embed.FS

// File is one rendered file (genfile.File).
type File = genfile.File

// LinkerScriptName is the conventional file name for LinkerScript's
// output.
const LinkerScriptName = "tg_link.ld"

// StackPaint is the word the startup code fills the stack with at reset;
// tg_board_stack_used counts the words that lost it.
const StackPaint = 0xDEADBEEF

// FaultStatus is the exit status of the fault and trap handlers.
const FaultStatus = 98

// boardView is everything the board templates print; all strings are
// computed here.
type boardView struct {
	Name        string
	Description string
	BareMetal   bool
	ARM         bool
	RISCV       bool
	FPU         bool
	MVE         bool
	StackSize   string
	Paint       string
	FaultStatus int
	PutsHow     string
	ExitHow     string
	Machine     string
	UART        string
	UARTNote    string
	Finisher    string
}

// console is where a simulated board's firmware writes its output and how
// it ends the run: the UART the simulator connects to its stdout and, on
// boards that have one, the device that stops the simulator.
type console struct {
	uart, note, finisher string
}

// consoles lists the supported QEMU machines. Firmware reaches the host
// only through these devices: the simulator runs without semihosting.
var consoles = map[string]console{
	"mps2-an385": {uart: "0x40004000"},
	"mps2-an386": {uart: "0x40004000"},
	"mps2-an500": {uart: "0x40004000"},
	"mps2-an505": {uart: "0x50200000", note: "Secure alias of 0x40200000"},
	"mps3-an547": {uart: "0x59303000", note: "Secure alias of 0x49303000"},
	"virt":       {uart: "0x10000000", finisher: "0x00100000"},
}

func (t *Target) boardView() boardView {
	v := boardView{
		Name:        t.Name,
		Description: t.Description,
		BareMetal:   t.BareMetal(),
		ARM:         t.Arch == ArchARM,
		RISCV:       t.Arch == ArchRISCV32,
		FPU:         t.FPU && t.Arch == ArchARM,
		MVE:         t.Arch == ArchARM && t.CPU == "cortex-m55",
		StackSize:   strconv.FormatUint(t.StackSize, 10),
		Paint:       fmt.Sprintf("0x%08X", uint32(StackPaint)),
		FaultStatus: FaultStatus,
		PutsHow:     "stdout",
		ExitHow:     "exit(status) after flushing stdout",
	}
	if v.BareMetal && t.Simulator != nil {
		c := consoles[t.Simulator.Machine]
		v.Machine, v.UART, v.UARTNote, v.Finisher = t.Simulator.Machine, c.uart, c.note, c.finisher
		v.PutsHow = "the board's UART0 at " + c.uart + ", which the simulator connects to stdout"
		v.ExitHow = "prints TINYGEN-EXIT status=<status>, then requests a system reset, which ends the simulator"
		if c.finisher != "" {
			v.ExitHow = "prints TINYGEN-EXIT status=<status>, then stops the simulator with the status through the finisher at " + c.finisher
		}
	}
	return v
}

// SupportFiles renders the board support for the target: tg_board.h (the
// API the harness uses: tg_board_puts, tg_board_exit, tg_board_stack_used,
// tg_bench_begin, tg_bench_end, TG_TESTDATA) and tg_board.c for every
// target, plus tg_startup.c (vector table or _start, stack painting,
// .data/.bss/TLS set-up, fault handlers) on bare-metal targets.
func (t *Target) SupportFiles() ([]File, error) {
	if t.Arch == ArchAVR {
		return nil, fmt.Errorf("target %s (AVR) has no bench board support: build its Arduino sketch with tinygen compile --project arduino --target %s (its README runs it in simavr)", t.Name, t.Name)
	}
	v := t.boardView()
	if v.BareMetal && v.UART == "" {
		machine := "(none)"
		if t.Simulator != nil {
			machine = t.Simulator.Machine
		}
		return nil, fmt.Errorf("target %s: no console UART known for simulator machine %q", t.Name, machine)
	}
	files := []struct{ name, tmpl string }{
		{"tg_board.h", "tg_board.h.tmpl"},
		{"tg_board.c", "tg_board.c.tmpl"},
	}
	switch t.Arch {
	case ArchARM:
		files = append(files, struct{ name, tmpl string }{"tg_startup.c", "tg_startup_arm.c.tmpl"})
	case ArchRISCV32:
		files = append(files, struct{ name, tmpl string }{"tg_startup.c", "tg_startup_riscv.c.tmpl"})
	case ArchHost:
	default:
		return nil, fmt.Errorf("target %s: no board support for arch %q", t.Name, t.Arch)
	}
	out := make([]File, 0, len(files))
	for _, f := range files {
		data, err := render(f.tmpl, v)
		if err != nil {
			return nil, fmt.Errorf("target %s: %s: %w", t.Name, f.name, err)
		}
		out = append(out, File{Name: f.name, Data: data})
	}
	return out, nil
}

// regionView is one MEMORY line.
type regionView struct {
	Name, Attr, Origin, Length string
}

// scriptView is everything the linker script template prints.
type scriptView struct {
	Name          string
	Entry         string
	FirstSection  string
	FirstInput    string
	FirstComment  string
	Regions       []regionView
	StackSize     string
	StackSizeHex  string
	GlobalPointer bool
	ARM           bool
}

// LinkerScript renders the target's linker script (write it as
// LinkerScriptName and pass it with LinkFlagsFor). Its MEMORY regions
// FLASH, RAM and TESTDATA are the target's Flash, RAM and TestData; the
// vector table (Arm) or _start (RISC-V) comes first; the weights
// (.rodata.tg_weights*) are bracketed by __tg_weights_start and
// __tg_weights_end; the stack (_sstack, _estack) is a NOLOAD section of
// StackSize bytes at the top of RAM. The host has no linker script.
func (t *Target) LinkerScript() (string, error) {
	hex := func(v uint64) string { return fmt.Sprintf("0x%08X", v) }
	v := scriptView{
		Name:         t.Name,
		StackSize:    strconv.FormatUint(t.StackSize, 10),
		StackSizeHex: hex(t.StackSize),
		Regions: []regionView{
			{"FLASH", "rx", hex(t.Flash.Origin), hex(t.Flash.Size)},
			{"RAM", "rwx", hex(t.RAM.Origin), hex(t.RAM.Size)},
			{"TESTDATA", "r", hex(t.TestData.Origin), hex(t.TestData.Size)},
		},
	}
	switch t.Arch {
	case ArchARM:
		v.Entry, v.FirstSection, v.FirstInput = "Reset_Handler", "isr_vector", ".isr_vector"
		v.FirstComment = "Vector table at the reset VTOR: initial sp, Reset_Handler, exceptions."
		v.ARM = true
	case ArchRISCV32:
		v.Entry, v.FirstSection, v.FirstInput = "_start", "start", ".text.tg_start"
		v.FirstComment = "_start at the start of FLASH, where the reset vector jumps."
		v.GlobalPointer = true
	default:
		return "", fmt.Errorf("target %s: arch %q uses the system linker's default script", t.Name, t.Arch)
	}
	data, err := render("tg_link.ld.tmpl", v)
	if err != nil {
		return "", fmt.Errorf("target %s: linker script: %w", t.Name, err)
	}
	return string(data), nil
}

// render executes one embedded template.
func render(name string, view any) ([]byte, error) {
	tmpl, err := template.New(name).Option("missingkey=error").ParseFS(boardFS, "board/"+name)
	if err != nil {
		return nil, fmt.Errorf("parsing template: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, view); err != nil {
		return nil, fmt.Errorf("rendering: %w", err)
	}
	return buf.Bytes(), nil
}
