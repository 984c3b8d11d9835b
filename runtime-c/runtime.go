// Package runtimec holds tinygen's interpreter-mode C runtime (src/: tg_rt.h,
// tg_rt.c, tg_rt_crc.c and the kernel-table interface tg_rt_kernel.h),
// embedded so that the blob emitter and `tinygen runtime` can copy it into
// a project unchanged. The runtime loads a blob written by codegen/blob,
// validates it and dispatches its steps to the kernels of a generated
// kernel table (codegen/blob.Table).
package runtimec

import (
	"embed"
	"sort"

	"github.com/tinygen/tinygen/internal/genfile"
)

//go:embed src/*.h src/*.c
var sources embed.FS

//go:embed host/tg_rt_host_main.c
var hostMain []byte

// HostMain is the host test harness (stdio; tests only): it runs one blob
// on raw input vectors from stdin, or many length-prefixed blobs
// ("--many") printing each one's init, CRC and invoke status.
func HostMain() genfile.File {
	return genfile.File{Name: "tg_rt_host_main.c", Data: append([]byte(nil), hostMain...), Origin: "the runtime's host harness"}
}

// Files returns the runtime's files, sorted by name.
func Files() []genfile.File {
	ents, err := sources.ReadDir("src")
	if err != nil {
		panic(err) // embedded at build time
	}
	var out []genfile.File
	for _, e := range ents {
		data, err := sources.ReadFile("src/" + e.Name())
		if err != nil {
			panic(err)
		}
		out = append(out, genfile.File{Name: e.Name(), Data: data, Origin: "the interpreter runtime"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
