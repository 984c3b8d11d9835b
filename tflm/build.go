// This file builds a TFLM benchmark firmware: cached TFLM objects, the
// target's board support and linker script (targets/board), the
// generated main and data, two archives and one link.
package tflm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/genfile"
	"github.com/tinygen/tinygen/internal/outdir"
	"github.com/tinygen/tinygen/internal/toolchain"
	"github.com/tinygen/tinygen/targets"
)

// linkTimeout bounds one link or archive step.
const linkTimeout = 10 * time.Minute

// Archive names in a run folder: ROM from members of the first is the
// TFLM framework ("runtime"), from the second the kernels.
const (
	frameworkLib = "libtflm_framework.a"
	kernelsLib   = "libtflm_kernels.a"
)

// Builder builds TFLM firmware from one tree through one object cache;
// one Builder serves every job of a bench invocation, so a matrix
// compiles each object once.
type Builder struct {
	Tree  *Tree
	Cache *Cache

	mu     sync.Mutex
	cxxInc map[string][]string // C++ header flags per compiler and target
}

// cxxIncludes memoises the package function per compiler and target.
func (b *Builder) cxxIncludes(ctx context.Context, cxx string, t *targets.Target) ([]string, error) {
	key := cxx + "\x00" + t.Name
	b.mu.Lock()
	flags, ok := b.cxxInc[key]
	b.mu.Unlock()
	if ok {
		return flags, nil
	}
	flags, err := cxxIncludes(ctx, cxx, t)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	if b.cxxInc == nil {
		b.cxxInc = map[string][]string{}
	}
	b.cxxInc[key] = flags
	b.mu.Unlock()
	return flags, nil
}

// ModelOps returns the builtin operator names of a .tflite model's
// operator codes, refusing custom operators (no TFLM registration is
// known for them). path names the file in errors.
func ModelOps(path string, model []byte) ([]string, error) {
	codes, err := tflite.OperatorCodes(model)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var names []string
	for _, c := range codes {
		if c.Custom != "" || c.Builtin == "CUSTOM" {
			return nil, fmt.Errorf("%s: custom operator %q: the TFLM backend registers builtin operators only", path, c.Custom)
		}
		names = append(names, c.Builtin)
	}
	return names, nil
}

// DefaultArenaBytes is the static arena a firmware searches its smallest
// working arena in: 2 MiB, less on targets whose RAM is smaller (the
// stack and 64 KiB for everything else stay free), 16 MiB on the host.
func DefaultArenaBytes(t *targets.Target) int {
	if !t.BareMetal() {
		return 16 << 20
	}
	n := uint64(2 << 20)
	if free := t.RAM.Size; free > t.StackSize+(64<<10) {
		n = min(n, free-t.StackSize-(64<<10))
	}
	return int(n &^ 15)
}

// Build writes the firmware of fw for target t and variant v into dir
// and links dir/fw.elf; record receives every command for the run's
// run.sh.
func (b *Builder) Build(ctx context.Context, dir string, t *targets.Target, v Variant, fw *Firmware, record func(name string, args ...string)) (string, error) {
	if err := CheckVariant(v, t); err != nil {
		return "", err
	}
	cc, err := toolchain.Find(t.Compiler.Command, t.Compiler.Package)
	if err != nil {
		return "", err
	}
	cxx, err := toolchain.Find(cxxCompiler(t.Compiler.Command), t.Compiler.Package)
	if err != nil {
		return "", err
	}
	cxxInc, err := b.cxxIncludes(ctx, cxx, t)
	if err != nil {
		return "", err
	}
	units, err := b.Tree.units(t, v, fw.Ops)
	if err != nil {
		return "", err
	}
	named := *fw
	named.kernels = b.Tree.opKernels(t, v, fw.Ops)
	gen, err := named.Files()
	if err != nil {
		return "", err
	}
	files := append([]genfile.File{}, gen...)
	support, err := t.SupportFiles()
	if err != nil {
		return "", err
	}
	files = append(files, support...)
	if t.BareMetal() {
		script, err := t.LinkerScript()
		if err != nil {
			return "", err
		}
		files = append(files, genfile.File{Name: targets.LinkerScriptName, Data: []byte(script)})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if _, err := outdir.Write(dir, files, outdir.Options{Force: true}); err != nil {
		return "", fmt.Errorf("TFLM firmware: %w", err)
	}

	// TFLM objects, through the cache, in parallel (the cache bounds the
	// compiler processes).
	var incAbs []string
	for _, inc := range includes(v) {
		incAbs = append(incAbs, "-I"+filepath.Join(b.Tree.Dir, inc))
	}
	objs := make([]string, len(units))
	errs := make([]error, len(units))
	var wg sync.WaitGroup
	for i, u := range units {
		wg.Add(1)
		go func() {
			defer wg.Done()
			compiler := cxx
			if u.kind == cmsisC {
				compiler = cc
			}
			args := append(targetFlags(t, v, u.kind != cmsisC), optFlag(u.kind))
			if u.kind != cmsisC {
				args = append(args, cxxInc...)
			}
			for _, inc := range includes(v) {
				args = append(args, "-I"+inc)
			}
			objs[i], errs[i] = b.Cache.Object(ctx, b.Tree, compiler, args, u.path)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	var fwObjs, kObjs []string
	for i, u := range units {
		if u.kind == framework {
			fwObjs = append(fwObjs, objs[i])
		} else {
			kObjs = append(kObjs, objs[i])
		}
	}

	// The firmware's own objects, in the run folder.
	run := func(name string, args ...string) error {
		record(name, args...)
		_, err := runTool(ctx, linkTimeout, dir, nil, name, args...)
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "obj"), 0o755); err != nil {
		return "", err
	}
	record("mkdir", "-p", "obj")
	var local []string
	for _, f := range support {
		if !strings.HasSuffix(f.Name, ".c") {
			continue
		}
		obj := filepath.Join("obj", strings.TrimSuffix(f.Name, ".c")+".o")
		args := append(append([]string{}, t.CompileFlags()...), "-std=c99", "-O2", "-Wall", "-Wextra", "-I.", "-c", f.Name, "-o", obj)
		if err := run(cc, args...); err != nil {
			return "", fmt.Errorf("compiling %s: %w", f.Name, err)
		}
		local = append(local, obj)
	}
	// The main (the heaviest compile of a firmware: all of TFLM's
	// headers) goes through the cache too, keyed by its contents.
	args := append(append(append(targetFlags(t, v, true), "-O2"), cxxInc...), "-I.")
	args = append(args, incAbs...)
	cached, err := b.Cache.GeneratedObject(ctx, b.Tree, dir, cxx, args, MainFile, "tg_board.h")
	if err != nil {
		return "", fmt.Errorf("compiling %s: %w", MainFile, err)
	}
	mainObj := filepath.Join("obj", "tflm_main.o")
	record(cxx, append(append([]string{}, args...), "-c", MainFile, "-o", mainObj)...)
	if err := copyFile(cached, filepath.Join(dir, mainObj)); err != nil {
		return "", err
	}
	dataObj := filepath.Join("obj", "tflm_data.o")
	args = append(append([]string{}, t.CompileFlags()...), "-c", DataFile, "-o", dataObj)
	if err := run(cc, args...); err != nil {
		return "", fmt.Errorf("assembling %s: %w", DataFile, err)
	}
	local = append(local, mainObj, dataObj)

	ar, err := toolchain.Find(archiver(t.Compiler.Command), t.Compiler.Package)
	if err != nil {
		return "", err
	}
	for _, lib := range []struct {
		name string
		objs []string
	}{{frameworkLib, fwObjs}, {kernelsLib, kObjs}} {
		os.Remove(filepath.Join(dir, lib.name))
		record("rm", "-f", lib.name)
		if err := run(ar, append([]string{"rcs", lib.name}, lib.objs...)...); err != nil {
			return "", fmt.Errorf("archiving %s: %w", lib.name, err)
		}
	}
	var libs []string
	if needsNewlibStrings(t) {
		lib, err := newlibStrings(ctx, dir, cc, ar, t, record)
		if err != nil {
			return "", err
		}
		libs = append(libs, lib)
	}
	linker := cc // the gcc driver: no libstdc++ (Debian's RISC-V toolchain has none)
	if !t.BareMetal() {
		linker = cxx
	}
	args = append([]string{}, local...)
	args = append(args, "-Wl,--start-group", kernelsLib, frameworkLib, "-Wl,--end-group")
	args = append(args, libs...)
	args = append(args, t.LinkFlagsFor(targets.LinkerScriptName)...)
	args = append(args, "-Wl,-Map=fw.map", "-o", "fw.elf", "-lm")
	if err := run(linker, args...); err != nil {
		return "", fmt.Errorf("linking the TFLM firmware: %w", err)
	}
	return filepath.Join(dir, "fw.elf"), nil
}

// archiver derives binutils' ar from the C compiler's name.
func archiver(cc string) string {
	if strings.HasSuffix(cc, "-gcc") {
		return strings.TrimSuffix(cc, "gcc") + "ar"
	}
	return "ar"
}

// copyFile copies a cached object into the run folder.
func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}
