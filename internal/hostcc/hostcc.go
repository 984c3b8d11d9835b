// Package hostcc builds generated C on the host and runs it, for tests:
// the warning flags every generated file must pass, the sanitizer build the
// host validation uses, and a runner that feeds a harness raw input vectors
// on stdin and splits its stdout into output tensors.
package hostcc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// WarningFlags are the flags every generated file and kernel must compile
// cleanly with (docs/architecture.md, "Generated C").
var WarningFlags = []string{"-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic",
	"-Wvla", "-Wshadow", "-Wstrict-prototypes", "-Wmissing-prototypes", "-Wdouble-promotion"}

// SanitizerFlags build a host binary under AddressSanitizer and
// UndefinedBehaviorSanitizer, failing on the first report.
var SanitizerFlags = []string{"-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
	"-fno-omit-frame-pointer", "-ffp-contract=off"}

// CFiles returns the .c files of dir, sorted, optionally without those
// whose names end in one of the given suffixes.
func CFiles(dir string, without ...string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
outer:
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, ".c") {
			continue
		}
		for _, w := range without {
			if strings.HasSuffix(n, w) {
				continue outer
			}
		}
		out = append(out, filepath.Join(dir, n))
	}
	sort.Strings(out)
	return out, nil
}

// Run runs a command in dir with a time-out and returns its combined
// output in the error when it fails.
func Run(ctx context.Context, dir string, timeout time.Duration, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("%s timed out after %v", name, timeout)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// Compile compiles (-c) every file with cc and the flags into objects in
// a temporary folder below dir.
func Compile(ctx context.Context, cc, dir string, files []string, flags ...string) error {
	objDir, err := os.MkdirTemp(dir, "obj")
	if err != nil {
		return err
	}
	defer os.RemoveAll(objDir)
	for _, f := range files {
		args := append(append([]string{}, flags...), "-I", dir, "-c", f, "-o",
			filepath.Join(objDir, strings.TrimSuffix(filepath.Base(f), ".c")+".o"))
		if err := Run(ctx, dir, 2*time.Minute, cc, args...); err != nil {
			return err
		}
	}
	return nil
}

// Link compiles and links files into the executable out.
func Link(ctx context.Context, cc, dir, out string, files []string, flags ...string) error {
	args := append(append([]string{}, flags...), "-I", dir, "-o", out)
	args = append(args, files...)
	args = append(args, "-lm")
	return Run(ctx, dir, 5*time.Minute, cc, args...)
}

// RunVectors runs a harness built from <m>_host_main.c: every vector's
// inputs go to stdin back to back, and stdout is split into one output
// set per vector with the given output sizes. A model whose inputs have
// no bytes runs once (its harness cannot tell vectors apart, and its
// outputs cannot depend on them); each vector gets that run's outputs.
func RunVectors(ctx context.Context, bin string, vectors [][][]byte, outSizes []int) ([][][]byte, error) {
	var stdin bytes.Buffer
	for _, v := range vectors {
		for _, b := range v {
			stdin.Write(b)
		}
	}
	if stdin.Len() == 0 && len(vectors) > 1 {
		one, err := RunVectors(ctx, bin, vectors[:1], outSizes)
		if err != nil {
			return nil, err
		}
		outs := make([][][]byte, len(vectors))
		for i := range outs {
			outs[i] = one[0]
		}
		return outs, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Stdin = &stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", filepath.Base(bin), err, stderr.String())
	}
	per := 0
	for _, n := range outSizes {
		per += n
	}
	if stdout.Len() != per*len(vectors) {
		return nil, fmt.Errorf("%s wrote %d bytes, want %d (%d vectors × %d)\n%s",
			filepath.Base(bin), stdout.Len(), per*len(vectors), len(vectors), per, stderr.String())
	}
	data := stdout.Bytes()
	outs := make([][][]byte, len(vectors))
	for i := range vectors {
		for _, n := range outSizes {
			outs[i] = append(outs[i], data[:n:n])
			data = data[n:]
		}
	}
	return outs, nil
}
