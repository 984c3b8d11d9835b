package bench

import (
	"debug/elf"
	"fmt"
	"path"
	"strings"
)

// notRAM are allocated writable sections that are not static data: free
// space the linker script reserves (heap, stack, the space of .tbss, which
// .tbss itself already counts) and the test vectors.
var notRAM = map[string]bool{".stack": true, ".heap": true, ".tbss_space": true, ".testdata": true}

// Attribution names the symbols MeasureELF attributes ROM and RAM to.
type Attribution struct {
	// Prefix is the generated model's C prefix (kws): the file kws.c
	// holds the schedule and its parameters, kws_weights.c the weights,
	// and kws_arena is the static arena.
	Prefix string
	// ArenaSymbol names the arena when it is not <Prefix>_arena (a
	// foreign firmware's, say).
	ArenaSymbol string
}

// MeasureELF reads a firmware's ROM and RAM from its section headers
// (only allocated sections count; ROM = PROGBITS sections, which includes
// the load image of .data; RAM = writable sections other than the stack,
// heap and test data) and splits them by symbol: the model's weights (the
// .rodata.tg_weights input sections bracketed by __tg_weights_start/end,
// or the <prefix>_weights.c objects), the model's schedule and parameters
// (<prefix>.c), the kernels (tg_*.c other than the board support and the
// harness) and the interpreter runtime (tg_rt_*.c); the rest of ROM is
// libc, startup and harness. Local symbols are attributed by the file
// symbol that precedes them, global ones by name.
func MeasureELF(elfPath string, at Attribution) (Memory, error) {
	f, err := elf.Open(elfPath)
	if err != nil {
		return Memory{}, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	m := Memory{}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		size := int64(s.Size)
		switch {
		case s.Name == ".testdata":
			m.TestData += size
			continue
		case s.Name == ".stack":
			m.StackReserved += size
			continue
		}
		if s.Type == elf.SHT_PROGBITS || s.Type == elf.SHT_INIT_ARRAY || s.Type == elf.SHT_FINI_ARRAY || s.Type == elf.SHT_PREINIT_ARRAY {
			m.ROM += size
		}
		if s.Flags&elf.SHF_WRITE != 0 && !notRAM[s.Name] {
			m.RAM += size
		}
	}
	syms, err := f.Symbols()
	if err != nil && err != elf.ErrNoSymbols {
		return m, fmt.Errorf("bench: %s: %w", elfPath, err)
	}
	inROM := func(s elf.Symbol) bool {
		if int(s.Section) <= 0 || int(s.Section) >= len(f.Sections) {
			return false
		}
		sec := f.Sections[s.Section]
		return sec.Flags&elf.SHF_ALLOC != 0 && sec.Type == elf.SHT_PROGBITS && sec.Name != ".testdata"
	}
	var weightsStart, weightsEnd uint64
	haveStart, haveEnd := false, false
	file := ""
	arenaName := at.ArenaSymbol
	if arenaName == "" && at.Prefix != "" {
		arenaName = at.Prefix + "_arena"
	}
	var weightsBySymbol int64
	type object struct{ addr, size uint64 }
	var objects []object
	m.RAMArena = -1 // unknown until the arena symbol is found
	for _, s := range syms {
		typ := elf.ST_TYPE(s.Info)
		if typ == elf.STT_FILE {
			file = path.Base(s.Name)
			continue
		}
		switch s.Name {
		case "__tg_weights_start":
			weightsStart, haveStart = s.Value, true
		case "__tg_weights_end":
			weightsEnd, haveEnd = s.Value, true
		}
		if s.Name == arenaName && typ == elf.STT_OBJECT {
			m.RAMArena = int64(s.Size)
		}
		if typ == elf.STT_OBJECT && s.Size > 0 {
			objects = append(objects, object{s.Value, s.Size})
		}
		if s.Size == 0 || (typ != elf.STT_FUNC && typ != elf.STT_OBJECT) || !inROM(s) {
			continue
		}
		src := file
		if elf.ST_BIND(s.Info) != elf.STB_LOCAL {
			src = ""
		}
		switch classify(src, s.Name, at.Prefix) {
		case "weights":
			weightsBySymbol += int64(s.Size)
		case "model":
			m.ROMModel += int64(s.Size)
		case "kernels":
			m.ROMKernels += int64(s.Size)
		case "runtime":
			m.ROMRuntime += int64(s.Size)
		}
	}
	// Weights are the sizes of the weight arrays, without the alignment
	// padding between them (driver.WeightBytes, the figure inspect
	// prints): the objects inside the bracketed section when the linker
	// script brackets it, else the symbols of <prefix>_weights.c.
	switch {
	case haveStart && haveEnd && weightsEnd > weightsStart:
		seen := map[uint64]bool{}
		m.ROMWeights = 0
		for _, o := range objects {
			if o.addr >= weightsStart && o.addr < weightsEnd && !seen[o.addr] {
				seen[o.addr] = true
				m.ROMWeights += int64(min(o.size, weightsEnd-o.addr))
			}
		}
	case at.Prefix != "":
		m.ROMWeights = weightsBySymbol
	default:
		m.ROMWeights = -1 // a foreign firmware: no way to tell
	}
	m.ROMOther = m.ROM - max(m.ROMWeights, 0) - m.ROMModel - m.ROMKernels - m.ROMRuntime
	if m.RAMArena >= 0 {
		m.RAMOther = m.RAM - m.RAMArena
	} else {
		m.RAMOther = -1
	}
	return m, nil
}

// classify attributes a symbol: its source file for local symbols (file
// non-empty), its name for global ones.
func classify(file, name, prefix string) string {
	if file != "" {
		base := strings.TrimSuffix(file, path.Ext(file))
		switch {
		case prefix != "" && base == prefix+"_weights":
			return "weights"
		case prefix != "" && base == prefix:
			return "model"
		case base == "tg_rt" || strings.HasPrefix(base, "tg_rt_"):
			return "runtime" // tg_rt.c's static helpers too
		case base == "tg_board" || base == "tg_startup" || base == "tg_bench_main":
			return "other"
		case strings.HasPrefix(base, "tg_"):
			return "kernels"
		}
		return "other"
	}
	switch {
	case prefix != "" && isWeightSymbol(name, prefix):
		return "weights"
	case prefix != "" && strings.HasPrefix(name, prefix+"_"):
		return "model"
	case strings.HasPrefix(name, "tg_rt_"):
		return "runtime"
	case strings.HasPrefix(name, "tg_board_") || strings.HasPrefix(name, "tg_bench_") || strings.HasPrefix(name, "tg_startup"):
		return "other"
	case strings.HasPrefix(name, "tg_"):
		return "kernels"
	}
	return "other"
}

// isWeightSymbol reports whether a global symbol is one of the generated
// model's constant arrays: <prefix>_op<N>_<role> (the constants first used
// by step N) or <prefix>_out_<role> (a constant graph output).
func isWeightSymbol(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix+"_")
	if !ok {
		return false
	}
	if strings.HasPrefix(rest, "out_") || rest == "blob" {
		// <prefix>_blob: an interpreter model's blob (codegen/blob).
		return true
	}
	digits, ok := strings.CutPrefix(rest, "op")
	if !ok {
		return false
	}
	n := 0
	for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	return n > 0 && n < len(digits) && digits[n] == '_'
}
