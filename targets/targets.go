// Package targets describes the machines tinygen builds for, as data, and
// renders the files a bare-metal build needs: board support C (tg_board.h,
// tg_board.c, tg_startup.c) and a linker script per target.
//
// # Data
//
// Every target is one JSON file in data/ (embedded), named after the
// target. A file may name a parent with "inherits"; the child is the
// parent's fields overridden by the child's. Merging is per field:
//
//   - objects ("compiler", "libc", "flash", "ram", "testdata",
//     "simulator") merge key by key, recursively, so a child can change
//     only "simulator.machine";
//   - strings, numbers, booleans and lists are replaced as a whole: a
//     child that sets "compile_flags" gives the complete list (lists are
//     never concatenated, so a target's flags can be read in one file);
//   - an explicit null removes the inherited value;
//   - "name", "inherits" and "abstract" are never inherited.
//
// A target marked "abstract" (cortex-m, riscv) is only a base: Get refuses
// it and All leaves it out. Addresses and sizes are JSON strings: hex
// ("0x20000000") or decimal, sizes also with a KiB/MiB/GiB suffix
// ("256 KiB"). The fields of a file are:
//
//	name          string   target name, equal to the file name without .json
//	inherits      string   parent target (optional)
//	abstract      bool     a base only, not runnable (optional)
//	description   string   one line for humans
//	arch          string   "arm", "riscv32" or "host"
//	cpu           string   core name ("cortex-m4", "rv32imc", "native")
//	compiler      {command, package}           C compiler and its Debian package
//	libc          {name, specs, package}       bare-metal C library (picolibc)
//	compile_flags [string] architecture flags for compiling
//	link_flags    [string] architecture flags for linking
//	fpu           bool     the core has a hardware FPU the code uses
//	flash, ram    {origin, size}  the board's budget, enforced by the linker script
//	testdata      {origin, size}  simulator memory outside the budget, for test vectors
//	stack_size    string   stack reserved at the top of ram
//	simulator     {command, package, machine, args}  args with {machine} and {elf}
//	counter       string   "qemu-plugin" or "callgrind"
//	arena_align   number   alignment of the tensor arena and of constants in bytes
//	kernel_sets   [string] kernel sets in order of preference, ending in "reference"
//	arduino       {fqbn, core, mcu, f_cpu}  the Arduino board (deploy projects)
//	overhead      {flash, ram, kernel_flash} the runtime's bytes, for the budget check
//
// Arch "avr" (arduino-uno) builds deploy projects only: it needs compiler,
// flash, ram, arduino and counter "none"; no libc specs or test data.
//
// The package has no side effects: it reads its embedded data and renders
// text; only its tests run compilers and simulators.
package targets

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed data/*.json
var dataFS embed.FS

// Arch is a target's instruction-set family.
type Arch string

// The architectures a target can have.
const (
	// ArchARM is 32-bit Arm (Cortex-M, Thumb).
	ArchARM Arch = "arm"
	// ArchRISCV32 is 32-bit RISC-V.
	ArchRISCV32 Arch = "riscv32"
	// ArchHost is the machine tinygen runs on, built with its native gcc.
	ArchHost Arch = "host"
)

// Counter names how instructions are counted between tg_bench_begin and
// tg_bench_end.
type Counter string

// The instruction counting methods.
const (
	// CounterQEMUPlugin counts executed guest instructions with a TCG
	// plugin loaded into QEMU (docs/targets.md §5).
	CounterQEMUPlugin Counter = "qemu-plugin"
	// CounterCallgrind counts native instructions with valgrind's callgrind.
	CounterCallgrind Counter = "callgrind"
)

// Tool is an external program and the Debian package that provides it.
type Tool struct {
	// Command is the executable's name, looked up in PATH.
	Command string
	// Package is the Debian package to install when Command is missing.
	Package string
}

// Libc is the C library a bare-metal target links against.
type Libc struct {
	// Name is the library's name ("picolibc").
	Name string
	// Specs is the GCC specs file selecting it ("picolibc.specs").
	Specs string
	// Package is the Debian package that provides it.
	Package string
}

// Region is a range of target memory.
type Region struct {
	// Origin is the first address.
	Origin uint64
	// Size is the length in bytes.
	Size uint64
}

// End returns the first address after the region.
func (r Region) End() uint64 { return r.Origin + r.Size }

// Overlaps reports whether r and o share at least one byte.
func (r Region) Overlaps(o Region) bool {
	return r.Size > 0 && o.Size > 0 && r.Origin < o.End() && o.Origin < r.End()
}

// Contains reports whether [addr, addr+size) lies inside r.
func (r Region) Contains(addr, size uint64) bool {
	return addr >= r.Origin && addr+size <= r.End() && addr+size >= addr
}

// Simulator is the program that runs a target's firmware.
type Simulator struct {
	Tool
	// Machine is the simulated board (QEMU -M).
	Machine string
	// Args is the complete argument list; the element "{elf}" (or any
	// element containing it) is replaced by the firmware path. {machine}
	// is already substituted.
	Args []string
}

// Target is a resolved, validated, concrete target: every inherited field
// filled in.
type Target struct {
	// Name identifies the target ("cortex-m4").
	Name string
	// Description is one line for humans.
	Description string
	// Parents lists the inheritance chain, nearest first
	// (nano33ble: ["cortex-m4", "cortex-m"]).
	Parents []string
	// Arch is the instruction-set family.
	Arch Arch
	// CPU is the core name (gcc's -mcpu for Arm, the ISA string for RISC-V).
	CPU string
	// Compiler is the C compiler.
	Compiler Tool
	// Libc is the bare-metal C library; nil on the host.
	Libc *Libc
	// CompileArchFlags are the architecture flags for compiling.
	CompileArchFlags []string
	// LinkArchFlags are the architecture flags for linking (they differ
	// from CompileArchFlags on RISC-V: see docs/targets.md §6).
	LinkArchFlags []string
	// FPU reports whether code is compiled for a hardware FPU.
	FPU bool
	// Flash is the code and constant budget (zero on the host).
	Flash Region
	// RAM is the data, bss and stack budget (zero on the host).
	RAM Region
	// TestData is simulator memory outside the budget where test vectors
	// go (section .testdata), so that they are not counted (zero on the
	// host).
	TestData Region
	// StackSize is the stack reserved at the top of RAM, in bytes (0 on
	// the host, where the OS owns the stack).
	StackSize uint64
	// Simulator runs the firmware; nil on the host, which runs it natively.
	Simulator *Simulator
	// Counter is the instruction counting method.
	Counter Counter
	// ArenaAlign is the alignment of the tensor arena, of every offset in
	// it and of the constant arrays in flash, in bytes.
	ArenaAlign int
	// KernelSets are the kernel sets the target prefers, in order; the
	// last is always "reference", to which every kernel falls back.
	KernelSets []string
	// Arduino is the Arduino board the target is (nil: not one); deploy
	// projects of kind arduino need it.
	Arduino *Arduino
	// Overhead estimates what the board's runtime takes (nil: nothing
	// known); the budget check adds it to the model's bytes.
	Overhead *Overhead
}

// BareMetal reports whether the target runs firmware without an OS (all
// but the host).
func (t *Target) BareMetal() bool { return t.Arch != ArchHost }

// SimulatorCommand returns the simulator and its arguments for running
// the firmware elf.
func (t *Target) SimulatorCommand(elf string) (string, []string, error) {
	if t.Simulator == nil {
		return "", nil, fmt.Errorf("target %s has no simulator: it runs natively", t.Name)
	}
	args := make([]string, len(t.Simulator.Args))
	for i, a := range t.Simulator.Args {
		args[i] = strings.ReplaceAll(a, "{elf}", elf)
	}
	return t.Simulator.Command, args, nil
}

// Catalog is a validated set of target descriptions.
type Catalog struct {
	targets  map[string]*Target // concrete targets
	abstract map[string][]string
}

// Load reads every *.json file at the root of fsys (one target each),
// resolves inheritance and validates the result. All problems are
// reported together.
func Load(fsys fs.FS) (*Catalog, error) {
	files, err := readFiles(fsys)
	if err != nil {
		return nil, err
	}
	return resolveAll(files)
}

// defaultCatalog loads the embedded data.
func defaultCatalog() (*Catalog, error) {
	sub, err := fs.Sub(dataFS, "data")
	if err != nil {
		return nil, fmt.Errorf("targets: embedded data: %w", err)
	}
	return Load(sub)
}

// Names returns the names of the concrete targets, sorted.
func (c *Catalog) Names() []string {
	names := make([]string, 0, len(c.targets))
	for n := range c.targets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Get returns a copy of the named concrete target.
func (c *Catalog) Get(name string) (*Target, error) {
	if t, ok := c.targets[name]; ok {
		return t.clone(), nil
	}
	valid := strings.Join(c.Names(), ", ")
	if kids, ok := c.abstract[name]; ok {
		base := "a base only"
		if len(kids) > 0 {
			base = "a base for " + strings.Join(kids, ", ")
		}
		return nil, fmt.Errorf("target %q is abstract (%s), not runnable; valid targets: %s", name, base, valid)
	}
	return nil, fmt.Errorf("unknown target %q; valid targets: %s", name, valid)
}

// All returns copies of the concrete targets, sorted by name.
func (c *Catalog) All() []*Target {
	var out []*Target
	for _, n := range c.Names() {
		out = append(out, c.targets[n].clone())
	}
	return out
}

// Get returns the named concrete target from the embedded data. An
// unknown or abstract name gives an error listing the valid names.
func Get(name string) (*Target, error) {
	c, err := defaultCatalog()
	if err != nil {
		return nil, err
	}
	return c.Get(name)
}

// All returns every concrete target of the embedded data, sorted by name.
func All() ([]*Target, error) {
	c, err := defaultCatalog()
	if err != nil {
		return nil, err
	}
	return c.All(), nil
}

func (t *Target) clone() *Target {
	c := *t
	c.Parents = append([]string(nil), t.Parents...)
	c.CompileArchFlags = append([]string(nil), t.CompileArchFlags...)
	c.LinkArchFlags = append([]string(nil), t.LinkArchFlags...)
	if t.Libc != nil {
		l := *t.Libc
		c.Libc = &l
	}
	if t.Simulator != nil {
		s := *t.Simulator
		s.Args = append([]string(nil), t.Simulator.Args...)
		c.Simulator = &s
	}
	if t.Arduino != nil {
		a := *t.Arduino
		c.Arduino = &a
	}
	if t.Overhead != nil {
		o := *t.Overhead
		c.Overhead = &o
	}
	return &c
}
