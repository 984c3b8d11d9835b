// Package kernels is tinygen's C kernel library: the C sources (common
// headers in include/, one kernel set per folder, starting with the
// portable reference/ set), embedded with embed.FS, and the Go manifest that
// says which kernel runs which op on which types, which files it needs and
// how its parameters are computed (Lower).
//
// The parameter structs and entry points of every kernel are declared once
// in include/tg_kernels.h; every kernel set implements the same symbols, so
// an emitter chooses a set by choosing files, never with #ifdef. Lower
// computes each kernel's parameters at compile time through package quant,
// the single source of truth for quantisation arithmetic, and returns them
// as plain values (Struct, Array, Int, Float) that the AOT emitter prints as
// C initialisers and the interpreter emitter will serialise.
package kernels

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed include/*.h reference/*.c
var sources embed.FS

// Reference is the name of the portable C99 kernel set.
const Reference = "reference"

// Headers are the common headers every generated project gets, in the order
// they are written.
var headers = []string{"tg_port.h", "tg_kernels.h", "tg_fixedpoint.h", "tg_broadcast.h"}

// Headers returns the names of the common headers every generated project
// includes (tg_port.h, tg_kernels.h and the kernels' internal helpers).
func Headers() []string {
	var out []string
	for _, h := range headers {
		if _, err := fs.Stat(sources, path.Join("include", h)); err == nil {
			out = append(out, h)
		}
	}
	return out
}

// Sets returns the names of the kernel sets, sorted.
func Sets() []string { return []string{Reference} }

// File returns the contents of a common header (see Headers) or of a source
// file of the kernel set.
func File(set, name string) ([]byte, error) {
	if set != Reference {
		return nil, fmt.Errorf("kernels: unknown kernel set %q (have %v)", set, Sets())
	}
	if b, err := sources.ReadFile(path.Join("include", name)); err == nil {
		return b, nil
	}
	b, err := sources.ReadFile(path.Join(set, name))
	if err != nil {
		return nil, fmt.Errorf("kernels: set %s has no file %q", set, name)
	}
	return b, nil
}

// SourceFiles returns the .c files of a kernel set, sorted.
func SourceFiles(set string) ([]string, error) {
	if set != Reference {
		return nil, fmt.Errorf("kernels: unknown kernel set %q (have %v)", set, Sets())
	}
	ents, err := sources.ReadDir(set)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names, nil
}
