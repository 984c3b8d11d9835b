// This file splits a TFLM firmware's ROM and RAM: TFLM framework, kernels
// (with CMSIS-NN), the model flatbuffer and the arena, from the ELF and
// the linker's map file.
package tflm

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tinygen/tinygen/bench"
)

// maxMapBytes bounds the map file read (our own linker's output).
const maxMapBytes = 64 << 20

// Measure reads the memory of a TFLM firmware built by Build: the totals
// as bench.MeasureELF counts them, ROMRuntime and ROMKernels from the
// archive members the map file attributes allocated sections to,
// ROMWeights the model flatbuffer. fields are the firmware's result-line
// fields: with arena_used and arena_min, RAMArena is arena_used_bytes()
// and RAM counts the static arena as arena_min bytes (the smallest arena
// AllocateTensors accepted, which the firmware would be built with).
func Measure(elfPath string, fields map[string]int64) (bench.Memory, error) {
	m, err := bench.MeasureELF(elfPath, bench.Attribution{ArenaSymbol: arenaSymbol})
	if err != nil {
		return m, err
	}
	f, err := elf.Open(elfPath)
	if err != nil {
		return m, fmt.Errorf("TFLM firmware %s: %w", elfPath, err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return m, fmt.Errorf("TFLM firmware %s: %w", elfPath, err)
	}
	m.ROMWeights = -1
	for _, s := range syms {
		if s.Name == modelSymbol {
			m.ROMWeights = int64(s.Size)
		}
	}
	rt, k, err := mapSplit(filepath.Join(filepath.Dir(elfPath), "fw.map"))
	if err != nil {
		return m, err
	}
	m.ROMRuntime, m.ROMKernels, m.ROMModel = rt, k, 0
	m.ROMOther = m.ROM - max(m.ROMWeights, 0) - rt - k
	arenaArray := m.RAMArena
	used, okU := fields["arena_used"]
	least, okM := fields["arena_min"]
	if okU && okM && arenaArray >= 0 && least <= arenaArray {
		m.RAM = m.RAM - arenaArray + least
		m.RAMArena = used
		m.RAMOther = m.RAM - used
	}
	return m, nil
}

// romSection reports whether an input section's bytes are in flash.
func romSection(name string) bool {
	for _, p := range []string{".bss", ".sbss", ".tbss", "COMMON", ".noinit", ".stack", ".heap", ".testdata", ".comment", ".debug", ".note", ".ARM.attributes", ".riscv.attributes"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	return true
}

// mapSplit sums the sizes of the flash input sections the GNU ld map file
// attributes to the framework and kernel archives. Discarded sections
// (listed before the memory map) are not counted.
func mapSplit(path string) (runtime, kernels int64, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("TFLM firmware: %w", err)
	}
	if fi.Size() > maxMapBytes {
		return 0, 0, fmt.Errorf("TFLM firmware: %s is larger than %d MiB", path, maxMapBytes>>20)
	}
	file, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	inMap := false
	pending := ""
	for sc.Scan() {
		line := sc.Text()
		if !inMap {
			inMap = strings.HasPrefix(line, "Linker script and memory map")
			continue
		}
		if line == "" || line[0] != ' ' {
			pending = ""
			continue
		}
		fields := strings.Fields(line)
		var sec, size, obj string
		switch {
		case len(fields) == 1 && line[1] != ' ':
			pending = fields[0]
			continue
		case len(fields) == 4 && line[1] != ' ' && strings.HasPrefix(fields[1], "0x"):
			sec, size, obj = fields[0], fields[2], fields[3]
		case len(fields) == 3 && pending != "" && strings.HasPrefix(fields[0], "0x") && strings.HasPrefix(fields[1], "0x"):
			sec, size, obj = pending, fields[1], fields[2]
		default:
			pending = ""
			continue
		}
		pending = ""
		if !romSection(sec) {
			continue
		}
		u, err := strconv.ParseUint(strings.TrimPrefix(size, "0x"), 16, 64)
		if err != nil || u > 1<<32 {
			continue // not a size a 32- or 64-bit firmware section has
		}
		n := int64(u)
		switch {
		case strings.Contains(obj, frameworkLib+"("):
			runtime += n
		case strings.Contains(obj, kernelsLib+"("):
			kernels += n
		}
	}
	return runtime, kernels, sc.Err()
}
