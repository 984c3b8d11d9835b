package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tinygen/tinygen/internal/outdir"
	"github.com/tinygen/tinygen/internal/toolchain"
	"github.com/tinygen/tinygen/targets"
)

// buildTimeout bounds one compiler or linker invocation.
const buildTimeout = 10 * time.Minute

// warningFlags are used for every firmware build; generated code is
// clean under -Werror in the tests, but a user's newer compiler must not
// fail a benchmark over a new warning.
var warningFlags = []string{"-std=c99", "-Wall", "-Wextra"}

// weightsDefine puts the model's constants into their own input section,
// which the targets' linker scripts bracket with __tg_weights_start/end.
const weightsDefine = `-DTG_WEIGHTS_SECTION=__attribute__((section(".rodata.tg_weights")))`

// script collects the commands of a run for run.sh.
type script struct{ lines []string }

func (s *script) add(name string, args ...string) {
	s.lines = append(s.lines, toolchain.CommandLine(name, args...))
}

func (s *script) write(path string) error {
	body := "#!/bin/sh\n# Rebuilds and reruns this benchmark run; written by tinygen bench.\nset -e\ncd \"$(dirname \"$0\")\"\n" +
		strings.Join(s.lines, "\n") + "\n"
	return os.WriteFile(path, []byte(body), 0o755)
}

// build compiles and links the job's sources into dir/fw.elf and returns
// the ELF's path.
func build(ctx context.Context, j *Job, sc *script) (string, error) {
	t := j.Target
	cc, err := toolchain.Find(t.Compiler.Command, t.Compiler.Package)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(j.Dir, 0o755); err != nil {
		return "", err
	}
	var sources []string
	for _, f := range j.Files {
		if strings.HasSuffix(f.Name, ".c") {
			sources = append(sources, f.Name)
		}
	}
	// The run folder is bench's own: files of earlier runs are replaced
	// (Force), but never written through a link.
	if _, err := outdir.Write(j.Dir, j.Files, outdir.Options{Force: true}); err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	sort.Strings(sources)
	if len(sources) == 0 {
		return "", fmt.Errorf("bench: %s has no C sources", j.ID)
	}
	objDir := filepath.Join(j.Dir, "obj")
	if err := os.MkdirAll(objDir, 0o755); err != nil {
		return "", err
	}
	sc.lines = append(sc.lines, "mkdir -p obj")
	flags := append(append(append([]string{}, t.CompileFlags()...), warningFlags...), j.CFlags...)
	flags = append(flags, weightsDefine, "-I", ".")
	var objs []string
	for _, src := range sources {
		obj := filepath.Join("obj", strings.TrimSuffix(src, ".c")+".o")
		args := append(append([]string{}, flags...), "-c", src, "-o", obj)
		sc.add(cc, args...)
		if _, err := toolchain.Run(ctx, buildTimeout, j.Dir, nil, cc, args...); err != nil {
			return "", fmt.Errorf("compiling %s: %w", src, err)
		}
		objs = append(objs, obj)
	}
	elfPath := filepath.Join(j.Dir, "fw.elf")
	args := append([]string{}, objs...)
	args = append(args, t.LinkFlagsFor(targets.LinkerScriptName)...)
	args = append(args, "-Wl,-Map=fw.map", "-o", "fw.elf", "-lm")
	sc.add(cc, args...)
	if _, err := toolchain.Run(ctx, buildTimeout, j.Dir, nil, cc, args...); err != nil {
		var exit *toolchain.ExitError
		if errors.As(err, &exit) {
			if fit := fitError(t, exit.Stderr); fit != nil {
				return "", fit
			}
		}
		return "", fmt.Errorf("linking: %w", err)
	}
	return elfPath, nil
}

// overflow matches GNU ld's "region `FLASH' overflowed by 123 bytes"; it
// is compiled on first use, not at every start of the binary.
var overflow = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile("region `([A-Za-z0-9_]+)' overflowed by ([0-9]+) bytes")
})

// fitError turns the largest region overflow in a link log into a
// FitError, or nil.
func fitError(t *targets.Target, log string) *FitError {
	var worst *FitError
	for _, m := range overflow().FindAllStringSubmatch(log, -1) {
		by, err := strconv.ParseUint(m[2], 10, 64)
		if err != nil {
			continue
		}
		var has uint64
		switch m[1] {
		case "FLASH":
			has = t.Flash.Size
		case "RAM":
			has = t.RAM.Size
		case "TESTDATA":
			has = t.TestData.Size
		default:
			continue
		}
		f := &FitError{Target: t.Name, Region: m[1], Needs: has + by, Has: has}
		if worst == nil || f.Needs-f.Has > worst.Needs-worst.Has {
			worst = f
		}
	}
	return worst
}
