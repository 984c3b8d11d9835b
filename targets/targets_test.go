package targets

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// warningFlags are the flags generated C must pass (the same list as
// internal/hostcc.WarningFlags); the board support files are held to them.
var warningFlags = []string{"-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic",
	"-Wvla", "-Wshadow", "-Wstrict-prototypes", "-Wmissing-prototypes", "-Wdouble-promotion"}

func TestAllTargetsValid(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tg := range all {
		names = append(names, tg.Name)
	}
	want := []string{"arduino-nano33ble", "arduino-uno", "cortex-m3", "cortex-m33", "cortex-m4", "cortex-m55", "cortex-m7", "host", "nano33ble", "rv32imc"}
	if !slices.Equal(names, want) {
		t.Fatalf("All() = %v, want %v", names, want)
	}
	for _, tg := range all {
		if tg.Arch == ArchAVR {
			continue // deploy-only: TestAVRTarget
		}
		if tg.ArenaAlign != 16 {
			t.Errorf("%s: ArenaAlign = %d, want 16", tg.Name, tg.ArenaAlign)
		}
		if !tg.BareMetal() {
			continue
		}
		if tg.StackSize != 16<<10 {
			t.Errorf("%s: StackSize = %d, want the 16 KiB default", tg.Name, tg.StackSize)
		}
		if tg.Counter != CounterQEMUPlugin {
			t.Errorf("%s: Counter = %q, want %q", tg.Name, tg.Counter, CounterQEMUPlugin)
		}
		for _, a := range tg.Simulator.Args {
			if strings.Contains(a, "icount") || strings.Contains(a, "{machine}") {
				t.Errorf("%s: simulator argument %q: want no -icount and {machine} substituted", tg.Name, a)
			}
		}
	}
}

func TestResolvedTargets(t *testing.T) {
	const kib, mib = 1 << 10, 1 << 20
	tests := []struct {
		name      string
		parents   []string
		arch      Arch
		fpu       bool
		machine   string
		flash     Region
		ram       Region
		testdata  Region
		compile   []string
		link      []string
		compiler  string
		simulator string
	}{
		{"cortex-m3", []string{"cortex-m"}, ArchARM, false, "mps2-an385",
			Region{0, 4 * mib}, Region{0x20000000, 4 * mib}, Region{0x21000000, 16 * mib},
			[]string{"-mcpu=cortex-m3", "-mthumb"}, []string{"-mcpu=cortex-m3", "-mthumb"},
			"arm-none-eabi-gcc", "qemu-system-arm"},
		{"cortex-m4", []string{"cortex-m"}, ArchARM, true, "mps2-an386",
			Region{0, 4 * mib}, Region{0x20000000, 4 * mib}, Region{0x21000000, 16 * mib},
			[]string{"-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"},
			[]string{"-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"},
			"arm-none-eabi-gcc", "qemu-system-arm"},
		{"cortex-m7", []string{"cortex-m"}, ArchARM, true, "mps2-an500",
			Region{0, 4 * mib}, Region{0x20000000, 4 * mib}, Region{0x60000000, 16 * mib},
			[]string{"-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16", "-mfloat-abi=hard"},
			[]string{"-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16", "-mfloat-abi=hard"},
			"arm-none-eabi-gcc", "qemu-system-arm"},
		{"cortex-m33", []string{"cortex-m"}, ArchARM, true, "mps2-an505",
			Region{0x10000000, 4 * mib}, Region{0x38000000, 4 * mib}, Region{0x80000000, 16 * mib},
			[]string{"-mcpu=cortex-m33", "-mthumb", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard"},
			[]string{"-mcpu=cortex-m33", "-mthumb", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard"},
			"arm-none-eabi-gcc", "qemu-system-arm"},
		{"cortex-m55", []string{"cortex-m"}, ArchARM, true, "mps3-an547",
			Region{0x10000000, 512 * kib}, Region{0x30000000, 512 * kib}, Region{0x60000000, 16 * mib},
			[]string{"-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"},
			[]string{"-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"},
			"arm-none-eabi-gcc", "qemu-system-arm"},
		{"nano33ble", []string{"cortex-m4", "cortex-m"}, ArchARM, true, "mps2-an386",
			Region{0, 1 * mib}, Region{0x20000000, 256 * kib}, Region{0x21000000, 16 * mib},
			[]string{"-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"},
			[]string{"-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"},
			"arm-none-eabi-gcc", "qemu-system-arm"},
		{"rv32imc", []string{"riscv"}, ArchRISCV32, false, "virt",
			Region{0x80000000, 4 * mib}, Region{0x80400000, 4 * mib}, Region{0x81000000, 16 * mib},
			[]string{"-march=rv32imc_zicsr", "-mabi=ilp32", "-mcmodel=medany"},
			[]string{"-march=rv32imc", "-mabi=ilp32"},
			"riscv64-unknown-elf-gcc", "qemu-system-riscv32"},
		{"host", nil, ArchHost, true, "", Region{}, Region{}, Region{},
			[]string{}, []string{"-lm"}, "gcc", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := Get(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tg.Parents, tc.parents) {
				t.Errorf("Parents = %v, want %v", tg.Parents, tc.parents)
			}
			if tg.Arch != tc.arch || tg.FPU != tc.fpu {
				t.Errorf("Arch, FPU = %s, %v; want %s, %v", tg.Arch, tg.FPU, tc.arch, tc.fpu)
			}
			if tg.Flash != tc.flash || tg.RAM != tc.ram || tg.TestData != tc.testdata {
				t.Errorf("regions = %+v %+v %+v; want %+v %+v %+v", tg.Flash, tg.RAM, tg.TestData, tc.flash, tc.ram, tc.testdata)
			}
			if !slices.Equal(tg.CompileArchFlags, tc.compile) || !slices.Equal(tg.LinkArchFlags, tc.link) {
				t.Errorf("flags = %v / %v; want %v / %v", tg.CompileArchFlags, tg.LinkArchFlags, tc.compile, tc.link)
			}
			if tg.Compiler.Command != tc.compiler {
				t.Errorf("compiler = %q, want %q", tg.Compiler.Command, tc.compiler)
			}
			if tc.simulator == "" {
				if tg.Simulator != nil || tg.Counter != CounterCallgrind {
					t.Errorf("host: Simulator = %v, Counter = %q; want none and %q", tg.Simulator, tg.Counter, CounterCallgrind)
				}
				return
			}
			if tg.Simulator.Command != tc.simulator || tg.Simulator.Machine != tc.machine {
				t.Errorf("simulator = %s -M %s, want %s -M %s", tg.Simulator.Command, tg.Simulator.Machine, tc.simulator, tc.machine)
			}
			if !slices.Contains(tg.Simulator.Args, tc.machine) {
				t.Errorf("simulator args %v do not contain the machine %q", tg.Simulator.Args, tc.machine)
			}
		})
	}
}

func TestGetErrors(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"cortex-m99", []string{`unknown target "cortex-m99"`, "arduino-nano33ble, arduino-uno, cortex-m3, cortex-m33, cortex-m4, cortex-m55, cortex-m7, host, nano33ble, rv32imc"}},
		{"cortex-m", []string{`target "cortex-m" is abstract`, "base for arduino-nano33ble, cortex-m3, cortex-m33, cortex-m4, cortex-m55, cortex-m7, nano33ble", "valid targets: arduino-nano33ble, arduino-uno, cortex-m3"}},
		{"riscv", []string{`target "riscv" is abstract (a base for rv32imc)`}},
		{"", []string{`unknown target ""`}},
	}
	for _, tc := range tests {
		_, err := Get(tc.name)
		if err == nil {
			t.Errorf("Get(%q): no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Get(%q) = %q, want it to contain %q", tc.name, err, w)
			}
		}
	}
}

func TestGetReturnsCopies(t *testing.T) {
	a, err := Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	a.CompileArchFlags[0] = "-changed"
	a.Simulator.Args[0] = "-changed"
	b, err := Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	if b.CompileArchFlags[0] != "-mcpu=cortex-m4" || b.Simulator.Args[0] != "-M" {
		t.Errorf("a change to one Target leaked into the next Get: %v %v", b.CompileArchFlags, b.Simulator.Args)
	}
}

// A minimal valid pair of files the error cases below modify.
const (
	baseJSON = `{"name": "base", "abstract": true, "description": "d", "arch": "arm",
	 "compiler": {"command": "cc", "package": "p"},
	 "libc": {"name": "picolibc", "specs": "picolibc.specs", "package": "p"},
	 "compile_flags": ["-mthumb"], "link_flags": ["-mthumb"], "stack_size": "16 KiB",
	 "simulator": {"command": "qemu-system-arm", "package": "q", "args": ["-M", "{machine}", "-kernel", "{elf}"]},
	 "counter": "qemu-plugin", "arena_align": 16, "kernel_sets": ["reference"]}`
	boardJSON = `{"name": "board", "inherits": "base", "cpu": "c",
	 "flash": {"origin": "0x0", "size": "1 MiB"}, "ram": {"origin": "0x20000000", "size": "64 KiB"},
	 "testdata": {"origin": "0x21000000", "size": "16 MiB"}, "simulator": {"machine": "m"}}`
)

func TestLoadValid(t *testing.T) {
	c, err := Load(fstest.MapFS{"base.json": {Data: []byte(baseJSON)}, "board.json": {Data: []byte(boardJSON)}})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.Get("board")
	if err != nil {
		t.Fatal(err)
	}
	if tg.RAM != (Region{0x20000000, 64 << 10}) || tg.StackSize != 16<<10 || tg.Simulator.Machine != "m" ||
		!slices.Equal(tg.Simulator.Args, []string{"-M", "m", "-kernel", "{elf}"}) {
		t.Errorf("resolved board = %+v, %+v", tg, tg.Simulator)
	}
	cmd, args, err := tg.SimulatorCommand("/tmp/fw.elf")
	if err != nil || cmd != "qemu-system-arm" || !slices.Equal(args, []string{"-M", "m", "-kernel", "/tmp/fw.elf"}) {
		t.Errorf("SimulatorCommand = %q %v %v", cmd, args, err)
	}
}

func TestLoadErrors(t *testing.T) {
	// A fixture edit that does not apply leaves the files valid, and the
	// case fails with "no error".
	edit := func(s, old, new string) string { return strings.Replace(s, old, new, 1) }
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"cycle", map[string]string{
			"a.json": `{"name": "a", "inherits": "b"}`, "b.json": `{"name": "b", "inherits": "a"}`},
			"inheritance cycle a -> b -> a"},
		{"self cycle", map[string]string{"a.json": `{"name": "a", "inherits": "a"}`}, "inheritance cycle a -> a"},
		{"unknown parent", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"inherits": "base"`, `"inherits": "bse"`)},
			`inherits: unknown target "bse"`},
		{"unknown field", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"cpu"`, `"cpuu"`)},
			`unknown field "cpuu"`},
		{"name mismatch", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"name": "board"`, `"name": "bored"`)},
			`name "bored" does not match the file name`},
		{"missing cpu", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"cpu": "c",`, ``)},
			"cpu: missing"},
		{"missing region", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"ram": {"origin": "0x20000000", "size": "64 KiB"},`, ``)},
			"ram: missing"},
		{"overlap", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"origin": "0x21000000"`, `"origin": "0x20008000"`)},
			"testdata: [0x20008000, 0x21008000) overlaps ram [0x20000000, 0x20010000)"},
		{"bad address", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"origin": "0x20000000"`, `"origin": "0x2000_0000"`)},
			`ram: origin: "0x2000_0000" is not a number`},
		{"octal-looking size", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"size": "64 KiB"`, `"size": "64 KB"`)},
			`ram: size: "64 KB" is not a number`},
		{"beyond 32 bits", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"origin": "0x21000000"`, `"origin": "0xFF800000"`)},
			"leaves the 32-bit address space"},
		{"stack too big", map[string]string{"base.json": edit(baseJSON, `"16 KiB"`, `"64 KiB"`), "board.json": boardJSON},
			"stack_size: 65536 leaves no room in ram"},
		{"unaligned stack", map[string]string{"base.json": edit(baseJSON, `"16 KiB"`, `"1000"`), "board.json": boardJSON},
			"stack_size: 1000 is not a positive multiple of 16"},
		{"no elf placeholder", map[string]string{"base.json": edit(baseJSON, `"{elf}"`, `"fw.elf"`), "board.json": boardJSON},
			"args: want exactly one {elf} placeholder, found 0"},
		{"unknown placeholder", map[string]string{"base.json": edit(baseJSON, `"{elf}"`, `"{elf}{cpu}"`), "board.json": boardJSON},
			"unknown placeholder {cpu}"},
		{"bad counter", map[string]string{"base.json": edit(baseJSON, `"qemu-plugin"`, `"perf"`), "board.json": boardJSON},
			`counter: unknown "perf"`},
		{"bad arch", map[string]string{"base.json": edit(baseJSON, `"arch": "arm"`, `"arch": "mips"`), "board.json": boardJSON},
			`arch: unknown "mips"`},
		{"fpu without hard float", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"cpu": "c",`, `"cpu": "c", "fpu": true,`)},
			"fpu: true contradicts -mfloat-abi=soft"},
		{"float abi mismatch", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"cpu": "c",`, `"cpu": "c", "fpu": true, "compile_flags": ["-mfloat-abi=hard"],`)},
			"link_flags: -mfloat-abi=soft differs from compile_flags' -mfloat-abi=hard"},
		{"flag with space", map[string]string{"base.json": edit(baseJSON, `["-mthumb"], "link_flags"`, `["-mthumb -O2"], "link_flags"`), "board.json": boardJSON},
			`compile_flags[0]: "-mthumb -O2" is not one flag`},
		{"arena align", map[string]string{"base.json": edit(baseJSON, `"arena_align": 16`, `"arena_align": 12`), "board.json": boardJSON},
			"arena_align: 12 is not a power of two"},
		{"null removes", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"simulator": {"machine": "m"}`, `"simulator": null`)},
			"simulator: missing"},
		{"host with simulator", map[string]string{"h.json": `{"name": "h", "description": "d", "arch": "host", "cpu": "n",
			"compiler": {"command": "gcc", "package": "gcc"}, "compile_flags": [], "link_flags": [],
			"counter": "callgrind", "arena_align": 16, "kernel_sets": ["reference"], "simulator": {"command": "x", "package": "y", "machine": "m", "args": ["{elf}"]}}`},
			`simulator: not allowed on arch "host"`},
		{"callgrind on arm", map[string]string{"base.json": edit(baseJSON, `"qemu-plugin"`, `"callgrind"`), "board.json": boardJSON},
			`counter: "callgrind" counts native code`},
		{"bad json", map[string]string{"a.json": `{"name": "a",}`}, "a.json: invalid JSON"},
		{"bad name", map[string]string{"base.json": baseJSON, "board.json": boardJSON, "My Board.json": `{"name": "My Board"}`},
			`invalid target name "My Board"`},
		{"comment in description", map[string]string{"base.json": baseJSON, "board.json": edit(boardJSON, `"cpu": "c",`, `"cpu": "c", "description": "a */ b",`)},
			`description: must be one line without "*/"`},
		{"trailing data", map[string]string{"a.json": `{"name": "a"} {}`}, "a.json: invalid JSON: data after the object"},
		{"only abstract", map[string]string{"base.json": baseJSON}, "no concrete target"},
		{"empty", map[string]string{}, "no target files"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for n, d := range tc.files {
				fsys[n] = &fstest.MapFile{Data: []byte(d)}
			}
			_, err := Load(fsys)
			if err == nil {
				t.Fatalf("Load: no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error:\n%v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLinkerScriptMemory(t *testing.T) {
	all, err := boardTargets()
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^\s*(FLASH|RAM|TESTDATA)\s+\((\w+)\)\s*:\s*ORIGIN = (0x[0-9A-F]+), LENGTH = (0x[0-9A-F]+)$`)
	for _, tg := range all {
		script, err := tg.LinkerScript()
		if !tg.BareMetal() {
			if err == nil {
				t.Errorf("%s: LinkerScript: no error for the host", tg.Name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tg.Name, err)
		}
		got := map[string]Region{}
		for _, m := range line.FindAllStringSubmatch(script, -1) {
			o, _ := strconv.ParseUint(m[3], 0, 64)
			s, _ := strconv.ParseUint(m[4], 0, 64)
			got[m[1]] = Region{o, s}
		}
		want := map[string]Region{"FLASH": tg.Flash, "RAM": tg.RAM, "TESTDATA": tg.TestData}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: MEMORY = %v, want %v", tg.Name, got, want)
		}
		for _, w := range []string{"KEEP(*(.rodata.tg_weights*))", "__tg_weights_start = .;", "__tg_weights_end = .;",
			fmt.Sprintf("__tg_stack_size = 0x%08X;", tg.StackSize), ".stack (NOLOAD)", "/DISCARD/", "} > TESTDATA"} {
			if !strings.Contains(script, w) {
				t.Errorf("%s: linker script lacks %q", tg.Name, w)
			}
		}
	}
	nano, err := Get("nano33ble")
	if err != nil {
		t.Fatal(err)
	}
	script, err := nano.LinkerScript()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"FLASH    (rx) : ORIGIN = 0x00000000, LENGTH = 0x00100000", "RAM      (rwx) : ORIGIN = 0x20000000, LENGTH = 0x00040000"} {
		if !strings.Contains(script, w) {
			t.Errorf("nano33ble linker script lacks %q", w)
		}
	}
}

func TestFlags(t *testing.T) {
	rv, err := Get("rv32imc")
	if err != nil {
		t.Fatal(err)
	}
	wantC := []string{"-march=rv32imc_zicsr", "-mabi=ilp32", "-mcmodel=medany", "--specs=picolibc.specs", "-ffunction-sections", "-fdata-sections"}
	wantL := []string{"-march=rv32imc", "-mabi=ilp32", "--specs=picolibc.specs", "-nostartfiles", "-Wl,--gc-sections", "-T", "x/tg_link.ld"}
	if got := rv.CompileFlags(); !slices.Equal(got, wantC) {
		t.Errorf("CompileFlags = %v, want %v", got, wantC)
	}
	if got := rv.LinkFlagsFor("x/tg_link.ld"); !slices.Equal(got, wantL) {
		t.Errorf("LinkFlagsFor = %v, want %v", got, wantL)
	}
	host, err := Get("host")
	if err != nil {
		t.Fatal(err)
	}
	if got := host.LinkFlagsFor("ignored.ld"); !slices.Equal(got, []string{"-lm"}) {
		t.Errorf("host LinkFlagsFor = %v, want [-lm]", got)
	}
}

func TestSupportFiles(t *testing.T) {
	all, err := boardTargets()
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range all {
		files, err := tg.SupportFiles()
		if err != nil {
			t.Fatalf("%s: %v", tg.Name, err)
		}
		var names []string
		for _, f := range files {
			names = append(names, f.Name)
		}
		want := []string{"tg_board.h", "tg_board.c", "tg_startup.c"}
		if !tg.BareMetal() {
			want = want[:2]
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s: files %v, want %v", tg.Name, names, want)
		}
		h := string(files[0].Data)
		for _, w := range []string{"void tg_board_puts(const char *s);", "void tg_board_exit(int status) __attribute__((noreturn));",
			"uint32_t tg_board_stack_used(void);", "void tg_bench_begin(void);", "void tg_bench_end(void);",
			`#define TG_BOARD_NAME "` + tg.Name + `"`} {
			if !strings.Contains(h, w) {
				t.Errorf("%s: tg_board.h lacks %q", tg.Name, w)
			}
		}
		wantTestdata := "#define TG_TESTDATA __attribute__((section(\".testdata\")))"
		if !tg.BareMetal() {
			wantTestdata = "#define TG_TESTDATA\n"
		}
		if !strings.Contains(h, wantTestdata) {
			t.Errorf("%s: tg_board.h lacks %q", tg.Name, wantTestdata)
		}
		if tg.BareMetal() {
			startup := string(files[2].Data)
			if got := strings.Contains(startup, "0xE000ED88"); tg.Arch == ArchARM && got != tg.FPU {
				t.Errorf("%s: CPACR set-up present = %v, want %v (FPU)", tg.Name, got, tg.FPU)
			}
			if !strings.Contains(startup, "_set_tls(__tls_base);") {
				t.Errorf("%s: startup does not set the TLS pointer", tg.Name)
			}
		}
	}
}

// TestSupportFilesCompile compiles the board support at the optimisation
// levels TestFirmware does not use, warning-free (naked functions and
// inline asm are sensitive to them).
func TestSupportFilesCompile(t *testing.T) {
	all, err := boardTargets()
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range all {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()
			needToolchain(t, tg)
			files, err := tg.SupportFiles()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, f := range files {
				if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, opt := range []string{"-O0", "-Os"} {
				for _, f := range files {
					if !strings.HasSuffix(f.Name, ".c") {
						continue
					}
					args := append(append(tg.CompileFlags(), opt, "-I.", "-c", f.Name, "-o", f.Name+opt+".o"), warningFlags...)
					if err := run(t.Context(), dir, tg.Compiler.Command, args...); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
}

// needTool skips (or fails under CI=true) when a command is missing.
func needTool(t *testing.T, command, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(command); err != nil {
		missing(t, fmt.Sprintf("%s not found: install Debian package %s", command, pkg))
	}
}

func missing(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// needToolchain checks the compiler, the libc and the simulator.
func needToolchain(t *testing.T, tg *Target) {
	t.Helper()
	needTool(t, tg.Compiler.Command, tg.Compiler.Package)
	if tg.Libc != nil {
		out, err := exec.Command(tg.Compiler.Command, "--specs="+tg.Libc.Specs, "-print-libgcc-file-name").CombinedOutput()
		if err != nil {
			missing(t, fmt.Sprintf("%s cannot read %s (%s): install Debian package %s",
				tg.Compiler.Command, tg.Libc.Specs, bytes.TrimSpace(out), tg.Libc.Package))
		}
	}
	if tg.Simulator != nil {
		needTool(t, tg.Simulator.Command, tg.Simulator.Package)
	}
}

// firmwareMain exercises the board API, libm, libc's errno (TLS), .data,
// .bss, .tdata, .testdata, the weights section and the stack watermark.
const firmwareMain = `#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "tg_board.h"

static char *put_str(char *p, const char *s) { while (*s) *p++ = *s++; return p; }
static char *put_u32(char *p, uint32_t v) {
    char tmp[10]; int n = 0;
    do { tmp[n++] = (char)('0' + v % 10u); v /= 10u; } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}
static char *put_hex(char *p, uint32_t v) {
    int i; for (i = 28; i >= 0; i -= 4) *p++ = "0123456789abcdef"[(v >> i) & 15u]; return p;
}
static void line(const char *a, uint32_t v, int hex) {
    char buf[96]; char *p = put_str(buf, "tg: "); p = put_str(p, a); p = put_str(p, "=");
    p = hex ? put_hex(p, v) : put_u32(p, v); *p++ = '\n'; *p = 0; tg_board_puts(buf);
}

__thread int tls_counter = 42;
int data_init = 1234;
int bss_zero[8];
const uint32_t vectors[4] TG_TESTDATA = {1u, 2u, 3u, 0xCAFEF00Du};
const uint8_t w1[100] __attribute__((section(".rodata.tg_weights"))) = {1};
const uint8_t w2[28] __attribute__((section(".rodata.tg_weights"))) = {2};
volatile float in_big = 100.0f, in_t = 0.5f, in_r = 2.5f;
volatile int idx = 3;
const char *volatile big_str = "1e50";

#ifdef TG_BOARD_BARE_METAL
extern char __tdata_start[], __tdata_end[], __tbss_start[], __tbss_end[];
static uint32_t in(const void *p, const char *a, const char *b) {
    return (uintptr_t)p >= (uintptr_t)a && (uintptr_t)p < (uintptr_t)b;
}
#endif

__attribute__((noinline)) static uint32_t use_stack(uint32_t seed) {
    volatile uint8_t buf[4096];
    uint32_t i, s = 0;
    for (i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(seed + i);
    for (i = 0; i < sizeof buf; i++) s += buf[i];
    return s;
}

int main(void) {
    union { float f; uint32_t u; } e;
    float t;
    uint32_t sum;
    tg_board_puts("tg: hello " TG_BOARD_NAME "\n");
#ifdef TG_TEST_FAULT
    __builtin_trap();
#endif
    tg_bench_begin();
    sum = use_stack(3);
    tg_bench_end();
    line("stack_fn", sum, 0);
    errno = 0;
    e.f = expf(in_big);
    line("expf", e.u, 1);
    line("math_errno", (math_errhandling & MATH_ERRNO) != 0, 0);
    line("expf_erange", errno == ERANGE, 0);
    errno = 0;
    e.f = strtof(big_str, NULL);
    line("strtof", e.u, 1);
    line("strtof_erange", errno == ERANGE, 0);
    t = tanhf(in_t);
    line("tanhf_e6", (uint32_t)(t * 1e6f), 0);
    line("roundf", (uint32_t)roundf(in_r), 0);
    (*(volatile int *)&tls_counter)++;
    line("tls", (uint32_t)tls_counter, 0);
#ifdef TG_BOARD_BARE_METAL
    line("tls_in_tdata", in(&tls_counter, __tdata_start, __tdata_end), 0);
    line("errno_in_tbss", in(&errno, __tbss_start, __tbss_end), 0);
#endif
    line("data", (uint32_t)data_init, 0);
    line("bss", (uint32_t)bss_zero[idx], 0);
    line("testdata", vectors[idx], 1);
    line("w", w1[0] + w2[0], 0);
    line("stack_used", tg_board_stack_used(), 0);
    return 7;
}
`

// expectedOutput is what firmwareMain prints, up to the stack figure.
func expectedOutput(tg *Target) string {
	var sum uint32
	for i := 0; i < 4096; i++ {
		sum += uint32(uint8(3 + i))
	}
	// picolibc is built with _IEEE_LIBM: its libm never sets errno
	// (math_errhandling lacks MATH_ERRNO); glibc sets ERANGE.
	mathErrno := 0
	if !tg.BareMetal() {
		mathErrno = 1
	}
	inf := math.Float32bits(float32(math.Inf(1)))
	var b strings.Builder
	fmt.Fprintf(&b, "tg: hello %s\n", tg.Name)
	fmt.Fprintf(&b, "tg: stack_fn=%d\n", sum)
	fmt.Fprintf(&b, "tg: expf=%08x\ntg: math_errno=%d\ntg: expf_erange=%d\n", inf, mathErrno, mathErrno)
	fmt.Fprintf(&b, "tg: strtof=%08x\ntg: strtof_erange=1\n", inf)
	fmt.Fprintf(&b, "tg: tanhf_e6=%d\n", uint32(float32(math.Tanh(0.5))*1e6))
	fmt.Fprintf(&b, "tg: roundf=%d\n", int(math.Round(2.5)))
	fmt.Fprintf(&b, "tg: tls=43\n")
	if tg.BareMetal() {
		fmt.Fprintf(&b, "tg: tls_in_tdata=1\ntg: errno_in_tbss=1\n")
	}
	fmt.Fprintf(&b, "tg: data=1234\ntg: bss=0\ntg: testdata=cafef00d\ntg: w=3\n")
	return b.String()
}

// build writes the support files, the linker script and main.c into dir
// and builds dir/fw.elf. The support files must compile warning-free.
func build(ctx context.Context, tg *Target, dir, mainSrc string, defines ...string) (string, error) {
	files, err := tg.SupportFiles()
	if err != nil {
		return "", err
	}
	var srcs []string
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return "", err
		}
		if strings.HasSuffix(f.Name, ".c") {
			srcs = append(srcs, f.Name)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "main.c"), []byte(mainSrc), 0o644); err != nil {
		return "", err
	}
	script := ""
	if tg.BareMetal() {
		s, err := tg.LinkerScript()
		if err != nil {
			return "", err
		}
		script = LinkerScriptName
		if err := os.WriteFile(filepath.Join(dir, script), []byte(s), 0o644); err != nil {
			return "", err
		}
	}
	cc := tg.Compiler.Command
	var objs []string
	for _, src := range append(srcs, "main.c") {
		args := append(tg.CompileFlags(), "-O2", "-I.", "-c", src, "-o", src+".o")
		if src != "main.c" {
			args = append(args, warningFlags...)
		}
		args = append(args, defines...)
		if err := run(ctx, dir, cc, args...); err != nil {
			return "", err
		}
		objs = append(objs, src+".o")
	}
	args := append(append([]string{"-o", "fw.elf"}, objs...), tg.LinkFlagsFor(script)...)
	if err := run(ctx, dir, cc, args...); err != nil {
		return "", err
	}
	return filepath.Join(dir, "fw.elf"), nil
}

func run(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// execute runs the firmware (natively or in the simulator) with a
// time-out and returns stdout and the exit status.
func execute(ctx context.Context, tg *Target, elfPath string) (string, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	name, args := elfPath, []string(nil)
	if tg.Simulator != nil {
		var err error
		if name, args, err = tg.SimulatorCommand(elfPath); err != nil {
			return "", 0, err
		}
	}
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return stdout.String(), 0, fmt.Errorf("%s timed out: %v\nstdout:\n%s", name, ctx.Err(), stdout.String())
	}
	status := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		status = exit.ExitCode()
	} else if err != nil {
		return "", 0, fmt.Errorf("%s: %v\n%s", name, err, stderr.String())
	}
	out := stdout.String()
	if tg.Simulator == nil {
		return out, status, nil
	}
	// Bare metal: tg_board_exit prints the status (the only report of it
	// on boards without a finisher), then stops the simulator.
	i := strings.LastIndex(out, "TINYGEN-EXIT status=")
	if i < 0 {
		return out, status, fmt.Errorf("%s: no TINYGEN-EXIT line (simulator status %d); stdout:\n%s", name, status, out)
	}
	var printed int
	if _, err := fmt.Sscanf(out[i:], "TINYGEN-EXIT status=%d\n", &printed); err != nil {
		return out, status, fmt.Errorf("%s: malformed TINYGEN-EXIT line: %v", name, err)
	}
	if tg.Arch == ArchRISCV32 && status != printed {
		return out, status, fmt.Errorf("%s: simulator status %d but the firmware printed %d", name, status, printed)
	}
	return out[:i], printed, nil
}

func TestFirmware(t *testing.T) {
	all, err := boardTargets()
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range all {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()
			needToolchain(t, tg)
			ctx := t.Context()
			dir := t.TempDir()
			elfPath, err := build(ctx, tg, dir, firmwareMain)
			if err != nil {
				t.Fatal(err)
			}
			out, status, err := execute(ctx, tg, elfPath)
			if err != nil {
				t.Fatal(err)
			}
			if status != 7 {
				t.Errorf("exit status %d, want 7 (main's return value); output:\n%s", status, out)
			}
			want := expectedOutput(tg)
			if !strings.HasPrefix(out, want) {
				t.Fatalf("output:\n%s\nwant it to start with:\n%s", out, want)
			}
			rest := strings.TrimPrefix(out, want)
			var used uint64
			if _, err := fmt.Sscanf(rest, "tg: stack_used=%d\n", &used); err != nil {
				t.Fatalf("no stack figure in %q: %v", rest, err)
			}
			if tg.BareMetal() && (used < 4096 || used >= tg.StackSize) {
				t.Errorf("stack_used = %d, want in [4096, %d)", used, tg.StackSize)
			}
			if !tg.BareMetal() && used != 0 {
				t.Errorf("host stack_used = %d, want 0", used)
			}
			t.Logf("%s: stack high-water mark %d bytes", tg.Name, used)
			checkELF(t, tg, elfPath)
			if !tg.BareMetal() {
				return
			}

			// A fault reaches the handler, which prints and exits with FaultStatus.
			fdir := t.TempDir()
			felf, err := build(ctx, tg, fdir, firmwareMain, "-DTG_TEST_FAULT")
			if err != nil {
				t.Fatal(err)
			}
			out, status, err = execute(ctx, tg, felf)
			if err != nil {
				t.Fatal(err)
			}
			wantFault := "tg: fault HardFault exc=0x00000003 pc=0x"
			if tg.Arch == ArchRISCV32 {
				wantFault = "tg: trap mcause=0x00000003 mepc=0x" // breakpoint
			}
			if status != FaultStatus || !strings.Contains(out, wantFault) {
				t.Errorf("fault firmware: status %d, output %q; want %d and %q", status, out, FaultStatus, wantFault)
			}
		})
	}
}

// checkELF checks the layout of a firmware built by TestFirmware.
func checkELF(t *testing.T, tg *Target, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	sym := map[string]elf.Symbol{}
	for _, s := range syms {
		sym[s.Name] = s
	}
	begin, okB := sym["tg_bench_begin"]
	end, okE := sym["tg_bench_end"]
	if !okB || !okE {
		t.Fatalf("markers missing from the symbol table")
	}
	for _, s := range []elf.Symbol{begin, end} {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || elf.ST_BIND(s.Info) != elf.STB_GLOBAL {
			t.Errorf("%s: type %v bind %v, want a global function", s.Name, elf.ST_TYPE(s.Info), elf.ST_BIND(s.Info))
		}
	}
	if begin.Value&^1 == end.Value&^1 {
		t.Errorf("tg_bench_begin and tg_bench_end share address %#x", begin.Value)
	}
	if !tg.BareMetal() {
		return
	}
	if w := sym["__tg_weights_end"].Value - sym["__tg_weights_start"].Value; w != 128 {
		t.Errorf("weights span %d bytes, want 128 (100 + 28)", w)
	}
	if e, s := sym["_estack"].Value, sym["_sstack"].Value; e != tg.RAM.End() || e-s != tg.StackSize {
		t.Errorf("stack [%#x, %#x), want %d bytes ending at %#x", s, e, tg.StackSize, tg.RAM.End())
	}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Size == 0 {
			continue
		}
		switch {
		case s.Name == ".testdata":
			if !tg.TestData.Contains(s.Addr, s.Size) {
				t.Errorf(".testdata at %#x outside TESTDATA %+v", s.Addr, tg.TestData)
			}
		case s.Flags&elf.SHF_WRITE != 0:
			if !tg.RAM.Contains(s.Addr, s.Size) {
				t.Errorf("%s at %#x+%d outside RAM", s.Name, s.Addr, s.Size)
			}
		default:
			if !tg.Flash.Contains(s.Addr, s.Size) {
				t.Errorf("%s at %#x+%d outside FLASH", s.Name, s.Addr, s.Size)
			}
		}
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Filesz == 0 && p.Paddr != p.Vaddr {
			t.Errorf("zero-filled segment at %#x is loaded at %#x: the simulator would clear that memory", p.Vaddr, p.Paddr)
		}
	}
	switch tg.Arch {
	case ArchARM:
		vec := f.Section(".isr_vector")
		if vec == nil || vec.Addr != tg.Flash.Origin {
			t.Fatalf(".isr_vector missing or not at %#x", tg.Flash.Origin)
		}
		data, err := vec.Data()
		if err != nil || len(data) < 8 {
			t.Fatalf("vector table: %v", err)
		}
		sp, pc := f.ByteOrder.Uint32(data), f.ByteOrder.Uint32(data[4:])
		if uint64(sp) != sym["_estack"].Value || uint64(pc) != sym["Reset_Handler"].Value || pc&1 != 1 {
			t.Errorf("vectors sp %#x pc %#x, want _estack %#x and Reset_Handler %#x (Thumb bit set)",
				sp, pc, sym["_estack"].Value, sym["Reset_Handler"].Value)
		}
	case ArchRISCV32:
		if f.Entry != tg.Flash.Origin || sym["_start"].Value != tg.Flash.Origin {
			t.Errorf("entry %#x, _start %#x; want both at %#x", f.Entry, sym["_start"].Value, tg.Flash.Origin)
		}
	}
}

func TestLinkOverflow(t *testing.T) {
	tests := []struct {
		target string
		region string
		decl   string // an object of size bytes placed by the declaration
		size   uint64
	}{
		{"nano33ble", "FLASH", "const uint8_t big[%d] = {1};", 1100 << 10},
		{"nano33ble", "RAM", "uint8_t big[%d];", 250 << 10},
		{"rv32imc", "FLASH", "const uint8_t big[%d] = {1};", 5 << 20},
		{"cortex-m3", "TESTDATA", "const uint8_t big[%d] TG_TESTDATA = {1};", 17 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.target+"/"+tc.region, func(t *testing.T) {
			t.Parallel()
			tg, err := Get(tc.target)
			if err != nil {
				t.Fatal(err)
			}
			needToolchain(t, tg)
			src := "#include <stdint.h>\n#include \"tg_board.h\"\n" + fmt.Sprintf(tc.decl, tc.size) +
				"\nvolatile int i;\nint main(void) { return big[i]; }\n"
			_, err = build(t.Context(), tg, t.TempDir(), src)
			if err == nil {
				t.Fatalf("the link succeeded; want region `%s' to overflow", tc.region)
			}
			m := regexp.MustCompile("region `" + tc.region + "' overflowed by ([0-9]+) bytes").FindStringSubmatch(err.Error())
			if m == nil {
				t.Fatalf("link error lacks \"region `%s' overflowed by N bytes\":\n%v", tc.region, err)
			}
			over, _ := strconv.ParseUint(m[1], 10, 64)
			budget := map[string]Region{"FLASH": tg.Flash, "RAM": tg.RAM, "TESTDATA": tg.TestData}[tc.region].Size
			need := tc.size
			if tc.region == "RAM" {
				need += tg.StackSize
			}
			// The rest of the program (code, libc, data) adds less than 64 KiB.
			if over < need-budget || over > need-budget+64<<10 {
				t.Errorf("overflowed by %d bytes, want %d plus the rest of the program", over, need-budget)
			}
		})
	}
}

// boardTargets returns the targets with board support (every target but
// the deploy-only AVR ones).
func boardTargets() ([]*Target, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	var out []*Target
	for _, tg := range all {
		if tg.Arch != ArchAVR {
			out = append(out, tg)
		}
	}
	return out, nil
}
