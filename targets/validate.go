package targets

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// rawTarget is a target file after inheritance, as JSON describes it.
type rawTarget struct {
	Name         string        `json:"name"`
	Inherits     string        `json:"inherits"`
	Abstract     bool          `json:"abstract"`
	Description  string        `json:"description"`
	Arch         string        `json:"arch"`
	CPU          string        `json:"cpu"`
	Compiler     *rawTool      `json:"compiler"`
	Libc         *rawLibc      `json:"libc"`
	CompileFlags []string      `json:"compile_flags"`
	LinkFlags    []string      `json:"link_flags"`
	FPU          bool          `json:"fpu"`
	Flash        *rawRegion    `json:"flash"`
	RAM          *rawRegion    `json:"ram"`
	TestData     *rawRegion    `json:"testdata"`
	StackSize    string        `json:"stack_size"`
	Simulator    *rawSimulator `json:"simulator"`
	Counter      string        `json:"counter"`
	ArenaAlign   int           `json:"arena_align"`
	KernelSets   []string      `json:"kernel_sets"`
	Arduino      *rawArduino   `json:"arduino"`
	Overhead     *rawOverhead  `json:"overhead"`
}

type rawTool struct {
	Command string `json:"command"`
	Package string `json:"package"`
}

type rawLibc struct {
	Name    string `json:"name"`
	Specs   string `json:"specs"`
	Package string `json:"package"`
}

type rawRegion struct {
	Origin string `json:"origin"`
	Size   string `json:"size"`
}

type rawSimulator struct {
	Command string   `json:"command"`
	Package string   `json:"package"`
	Machine string   `json:"machine"`
	Args    []string `json:"args"`
}

// Limits the data is checked against.
const (
	addrSpace32   = 1 << 32
	maxArenaAlign = 4096
	// regionAlign keeps region boundaries, and so the top of the stack,
	// aligned for the strictest ABI (RISC-V: 16-byte stack alignment).
	regionAlign = 16
)

// target validates a concrete rawTarget and converts it. parents is the
// inheritance chain, nearest first.
func (r *rawTarget) target(parents []string) (*Target, error) {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	t := &Target{
		Name:             r.Name,
		Description:      r.Description,
		Parents:          parents,
		Arch:             Arch(r.Arch),
		CPU:              r.CPU,
		CompileArchFlags: append([]string{}, r.CompileFlags...),
		LinkArchFlags:    append([]string{}, r.LinkFlags...),
		FPU:              r.FPU,
		Counter:          Counter(r.Counter),
		ArenaAlign:       r.ArenaAlign,
		KernelSets:       append([]string{}, r.KernelSets...),
	}
	switch {
	case r.Description == "":
		fail("description", "missing")
	case strings.ContainsAny(r.Description, "\n\r") || strings.Contains(r.Description, "*/"):
		fail("description", "must be one line without \"*/\" (it goes into C comments)")
	}
	if r.CPU == "" {
		fail("cpu", "missing")
	}
	switch t.Arch {
	case ArchARM, ArchRISCV32, ArchHost, ArchAVR:
	case "":
		fail("arch", "missing (want %q, %q, %q or %q)", ArchARM, ArchRISCV32, ArchAVR, ArchHost)
	default:
		fail("arch", "unknown %q (want %q, %q, %q or %q)", r.Arch, ArchARM, ArchRISCV32, ArchAVR, ArchHost)
	}
	if r.Compiler == nil || r.Compiler.Command == "" || r.Compiler.Package == "" {
		fail("compiler", "want both command and package")
	} else {
		t.Compiler = Tool(*r.Compiler)
	}
	for _, fl := range []struct {
		field string
		flags []string
	}{{"compile_flags", r.CompileFlags}, {"link_flags", r.LinkFlags}} {
		if fl.flags == nil {
			fail(fl.field, "missing (use [] for none)")
		}
		for i, f := range fl.flags {
			if !strings.HasPrefix(f, "-") || strings.ContainsFunc(f, unicode.IsSpace) {
				fail(fmt.Sprintf("%s[%d]", fl.field, i), "%q is not one flag (must start with '-', no spaces)", f)
			}
		}
	}
	switch {
	case len(r.KernelSets) == 0:
		fail("kernel_sets", "missing (list the preferred kernel sets, ending in \"reference\")")
	case r.KernelSets[len(r.KernelSets)-1] != "reference":
		fail("kernel_sets", "%v must end in \"reference\", the set every kernel falls back to", r.KernelSets)
	}
	for i, k := range r.KernelSets {
		if k == "" || strings.ContainsFunc(k, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '_' && c != '-' }) {
			fail(fmt.Sprintf("kernel_sets[%d]", i), "%q is not a kernel set name", k)
		}
	}
	if r.ArenaAlign <= 0 || r.ArenaAlign > maxArenaAlign || r.ArenaAlign&(r.ArenaAlign-1) != 0 {
		fail("arena_align", "%d is not a power of two in [1, %d]", r.ArenaAlign, maxArenaAlign)
	}
	switch t.Counter {
	case CounterQEMUPlugin:
		if r.Simulator == nil || !strings.HasPrefix(r.Simulator.Command, "qemu-system-") {
			fail("counter", "%q needs a QEMU simulator", r.Counter)
		}
	case CounterCallgrind:
		if t.Arch != ArchHost {
			fail("counter", "%q counts native code: only for arch %q", r.Counter, ArchHost)
		}
	case CounterNone:
	default:
		fail("counter", "unknown %q (want %q, %q or %q)", r.Counter, CounterQEMUPlugin, CounterCallgrind, CounterNone)
	}
	errs = append(errs, r.deployFields(t)...)
	switch t.Arch {
	case ArchHost:
		errs = append(errs, r.checkHost()...)
	case ArchAVR:
		errs = append(errs, r.convertAVR(t)...)
	case "":
	default:
		errs = append(errs, r.convertBareMetal(t)...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

// checkHost refuses the bare-metal fields on the host target.
func (r *rawTarget) checkHost() []error {
	var errs []error
	for _, f := range []struct {
		name    string
		present bool
	}{
		{"libc", r.Libc != nil}, {"flash", r.Flash != nil}, {"ram", r.RAM != nil},
		{"testdata", r.TestData != nil}, {"stack_size", r.StackSize != ""},
		{"simulator", r.Simulator != nil},
	} {
		if f.present {
			errs = append(errs, fmt.Errorf("%s: not allowed on arch %q (the host runs natively)", f.name, ArchHost))
		}
	}
	return errs
}

// convertBareMetal checks and fills in the fields every bare-metal target
// needs: libc, memory regions, stack and simulator.
func (r *rawTarget) convertBareMetal(t *Target) []error {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if r.Libc == nil || r.Libc.Name == "" || r.Libc.Specs == "" || r.Libc.Package == "" {
		fail("libc", "want name, specs and package")
	} else {
		l := Libc(*r.Libc)
		t.Libc = &l
	}
	if len(r.CompileFlags) == 0 || len(r.LinkFlags) == 0 {
		fail("compile_flags/link_flags", "a cross target needs its architecture flags")
	}
	regions := []struct {
		field string
		raw   *rawRegion
		dst   *Region
	}{{"flash", r.Flash, &t.Flash}, {"ram", r.RAM, &t.RAM}, {"testdata", r.TestData, &t.TestData}}
	ok := true
	for _, reg := range regions {
		v, err := reg.raw.region()
		if err != nil {
			fail(reg.field, "%v", err)
			ok = false
			continue
		}
		*reg.dst = v
	}
	if ok {
		for i := range regions {
			for j := i + 1; j < len(regions); j++ {
				a, b := *regions[i].dst, *regions[j].dst
				if a.Overlaps(b) {
					fail(regions[j].field, "[%#x, %#x) overlaps %s [%#x, %#x)",
						b.Origin, b.End(), regions[i].field, a.Origin, a.End())
				}
			}
		}
	}
	if r.StackSize == "" {
		fail("stack_size", "missing")
	} else if s, err := parseSize(r.StackSize); err != nil {
		fail("stack_size", "%v", err)
	} else {
		t.StackSize = s
		switch {
		case s == 0 || s%regionAlign != 0:
			fail("stack_size", "%d is not a positive multiple of %d", s, regionAlign)
		case ok && s >= t.RAM.Size:
			fail("stack_size", "%d leaves no room in ram (%d bytes)", s, t.RAM.Size)
		}
	}
	if t.Arch == ArchARM {
		abi := floatABI(r.CompileFlags)
		if abi != floatABI(r.LinkFlags) {
			fail("link_flags", "-mfloat-abi=%s differs from compile_flags' -mfloat-abi=%s", floatABI(r.LinkFlags), abi)
		}
		if hasFPU := abi == "hard" || abi == "softfp"; hasFPU != r.FPU {
			fail("fpu", "%v contradicts -mfloat-abi=%s in compile_flags", r.FPU, abi)
		}
	}
	sim, err := r.Simulator.simulator()
	if err != nil {
		fail("simulator", "%v", err)
	} else {
		t.Simulator = sim
	}
	return errs
}

// floatABI returns the value of the last -mfloat-abi= flag, "soft" when
// there is none (gcc's default for arm-none-eabi).
func floatABI(flags []string) string {
	abi := "soft"
	for _, f := range flags {
		if v, ok := strings.CutPrefix(f, "-mfloat-abi="); ok {
			abi = v
		}
	}
	return abi
}

// region parses and checks one memory region.
func (r *rawRegion) region() (Region, error) {
	if r == nil {
		return Region{}, errors.New("missing (want {\"origin\": ..., \"size\": ...})")
	}
	o, err := parseNumber(r.Origin, false)
	if err != nil {
		return Region{}, fmt.Errorf("origin: %w", err)
	}
	s, err := parseSize(r.Size)
	if err != nil {
		return Region{}, fmt.Errorf("size: %w", err)
	}
	reg := Region{Origin: o, Size: s}
	switch {
	case s == 0:
		return Region{}, errors.New("size: must not be 0")
	case o%regionAlign != 0 || s%regionAlign != 0:
		return Region{}, fmt.Errorf("origin %#x and size %#x must be multiples of %d", o, s, regionAlign)
	case o >= addrSpace32 || s > addrSpace32-o:
		return Region{}, fmt.Errorf("[%#x, %#x) leaves the 32-bit address space", o, o+s)
	}
	return reg, nil
}

// simulator checks the simulator description and substitutes {machine}.
func (r *rawSimulator) simulator() (*Simulator, error) {
	if r == nil {
		return nil, errors.New("missing: a cross target needs one")
	}
	if r.Command == "" || r.Package == "" || r.Machine == "" {
		return nil, errors.New("want command, package and machine")
	}
	s := &Simulator{Tool: Tool{Command: r.Command, Package: r.Package}, Machine: r.Machine}
	elfs := 0
	for i, a := range r.Args {
		rest := a
		for {
			open := strings.IndexByte(rest, '{')
			if open < 0 {
				break
			}
			end := strings.IndexByte(rest[open:], '}')
			if end < 0 {
				return nil, fmt.Errorf("args[%d]: unclosed '{' in %q", i, a)
			}
			switch ph := rest[open : open+end+1]; ph {
			case "{elf}":
				elfs++
			case "{machine}":
			default:
				return nil, fmt.Errorf("args[%d]: unknown placeholder %s (want {elf} or {machine})", i, ph)
			}
			rest = rest[open+end+1:]
		}
		s.Args = append(s.Args, strings.ReplaceAll(a, "{machine}", r.Machine))
	}
	if elfs != 1 {
		return nil, fmt.Errorf("args: want exactly one {elf} placeholder, found %d", elfs)
	}
	return s, nil
}

// validName reports whether a target name is safe in file names, C
// string literals and comments: lower-case letters, digits, '.', '_' and
// '-', starting with a letter or digit.
func validName(n string) bool {
	if n == "" {
		return false
	}
	for i, c := range n {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// parseSize parses a size: hex ("0x4000") or decimal, optionally with a
// binary unit ("16 KiB", "4MiB").
func parseSize(s string) (uint64, error) {
	return parseNumber(s, true)
}

// parseNumber parses "0x…" hex or decimal digits; with units, also a
// trailing KiB, MiB or GiB.
func parseNumber(s string, units bool) (uint64, error) {
	t := strings.TrimSpace(s)
	mult := uint64(1)
	if units {
		for _, u := range []struct {
			suffix string
			mult   uint64
		}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
			if v, ok := strings.CutSuffix(t, u.suffix); ok {
				t, mult = strings.TrimSpace(v), u.mult
				break
			}
		}
	}
	base, digits := 10, t
	if v, ok := strings.CutPrefix(t, "0x"); ok {
		base, digits = 16, v
	} else if v, ok := strings.CutPrefix(t, "0X"); ok {
		base, digits = 16, v
	}
	if digits == "" || strings.ContainsAny(digits, "_+-") {
		return 0, fmt.Errorf("%q is not a number (want hex 0x… or decimal%s)", s, unitsHint(units))
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number (want hex 0x… or decimal%s)", s, unitsHint(units))
	}
	if v > (1<<64-1)/mult {
		return 0, fmt.Errorf("%q overflows 64 bits", s)
	}
	return v * mult, nil
}

func unitsHint(units bool) string {
	if units {
		return ", optionally with KiB, MiB or GiB"
	}
	return ""
}
