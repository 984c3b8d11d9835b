// This file finds C++ standard headers for targets whose toolchain lacks
// them: Debian's riscv64-unknown-elf ships gcc and picolibc but no
// libstdc++ at all (../shared/tflm/README.md, "RV32 C++ headers").
package tflm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tinygen/tinygen/targets"
)

// CxxIncludeEnvVar names extra C++ header folders (separated by the
// path list separator) for a target compiler without its own, for
// example the headers built from gcc-12-source as the TFLM README shows.
const CxxIncludeEnvVar = "TINYGEN_TFLM_CXX_INCLUDE"

// newlibCxxRoot is where Debian's libstdc++-arm-none-eabi-dev installs
// the libstdc++ headers configured for a bare-metal newlib target.
const newlibCxxRoot = "/usr/include/newlib/c++"

// cxxIncludes returns the -I flags a target's C++ compiler needs for the
// standard headers: none when <cstddef> compiles as is; else the folders
// of $TINYGEN_TFLM_CXX_INCLUDE; else the bare-metal libstdc++ headers of
// the same GCC version from Debian's Arm toolchain. Those are
// target-independent templates configured for newlib, whose C interface
// picolibc implements; TFLM needs only header code of them (no
// libstdc++ or libsupc++ object is linked: the firmware links with the C
// driver, and -fno-exceptions -fno-rtti -fno-threadsafe-statics
// -fno-use-cxa-atexit leave nothing to reference).
func cxxIncludes(ctx context.Context, cxx string, t *targets.Target) ([]string, error) {
	if compilesCstddef(ctx, cxx, t, nil) {
		return nil, nil
	}
	var candidates [][]string
	if env := os.Getenv(CxxIncludeEnvVar); env != "" {
		var flags []string
		for _, d := range filepath.SplitList(env) {
			if d != "" {
				flags = append(flags, "-I"+d)
			}
		}
		candidates = append(candidates, flags)
	} else if ver, err := runTool(ctx, time.Minute, "", nil, cxx, "-dumpfullversion"); err == nil {
		v := strings.TrimSpace(string(ver))
		major, _, _ := strings.Cut(v, ".")
		dirs, _ := filepath.Glob(filepath.Join(newlibCxxRoot, major+".*"))
		for _, d := range dirs {
			candidates = append(candidates, []string{"-I" + d, "-I" + filepath.Join(d, "arm-none-eabi")})
		}
	}
	for _, flags := range candidates {
		if compilesCstddef(ctx, cxx, t, flags) {
			return flags, nil
		}
	}
	return nil, fmt.Errorf("%s has no C++ standard headers (<cstddef>), which TFLM needs: install gcc-arm-none-eabi's libstdc++-arm-none-eabi-dev of the same GCC version (its bare-metal headers are used), or set %s to folders of libstdc++ headers (../shared/tflm/README.md builds them from gcc-12-source)", cxx, CxxIncludeEnvVar)
}

// compilesCstddef reports whether <cstddef> and <cmath> compile for the
// target with the extra flags.
func compilesCstddef(ctx context.Context, cxx string, t *targets.Target, extra []string) bool {
	args := append(append(append([]string{}, t.CompileFlags()...), extra...), "-std=c++17", "-x", "c++", "-fsyntax-only", "-")
	_, err := runTool(ctx, time.Minute, "", []byte("#include <cstddef>\n#include <cmath>\n#include <algorithm>\n"), cxx, args...)
	return err == nil
}
