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
	"io/fs"
	"path"
)

//go:embed include/*.h reference/*.c
var sources embed.FS

// Reference is the name of the portable C99 kernel set.
const Reference = "reference"

// Headers are the common headers every generated project gets, in the order
// they are written.
var headers = []string{"tg_port.h", "tg_kernels.h", "tg_fixedpoint.h", "tg_broadcast.h", "tg_window.h", "tg_int8.h"}

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

// Sets returns the names of the built-in kernel sets, Reference first.
func Sets() []string { return Builtin().Sets() }

// File returns a common header or a file of a built-in kernel set.
func File(set, name string) ([]byte, error) { return Builtin().File(set, name) }

// SourceFiles returns the .c files of a built-in kernel set, sorted.
func SourceFiles(set string) ([]string, error) { return Builtin().SourceFiles(set) }
