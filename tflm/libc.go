// This file gives Arm TFLM firmware the string routines of the libc the
// baselines were measured with: newlib-nano's word-wise memcpy, memmove
// and memset instead of picolibc's byte loops (docs/tflm.md, "libc").
package tflm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tinygen/tinygen/internal/toolchain"
	"github.com/tinygen/tinygen/targets"
)

// stringLib is the archive, in a run folder, of newlib-nano's string
// routines; it is linked after the TFLM archives and before the target's
// libc, so it provides memcpy, memmove and memset to the whole firmware.
const stringLib = "libtflm_string.a"

// newlibPackage is the Debian package of newlib-nano for arm-none-eabi.
const newlibPackage = "libnewlib-arm-none-eabi"

// stringMember returns the routine of a newlib-nano archive member taken
// (lib_a-<routine>.o for memcpy, memmove, memset and the EABI memcpy
// aliases, which call memcpy), or "" for any other member. (A function,
// not a package-level regexp: tinygen's start-up allocates nothing per
// package, TestOwnInitCost.)
func stringMember(name string) string {
	r, ok := strings.CutPrefix(name, "lib_a-")
	if !ok {
		return ""
	}
	r, ok = strings.CutSuffix(r, ".o")
	if !ok {
		return ""
	}
	switch r {
	case "memcpy", "memmove", "memset", "aeabi_memcpy":
		return r
	}
	return ""
}

// needsNewlibStrings reports whether firmware for t takes its string
// routines from newlib-nano: every Arm target, as the Cortex-M baselines
// (newlib-nano) did; RV32 and host keep their libc (the RV32 baselines
// used picolibc).
func needsNewlibStrings(t *targets.Target) bool { return t.Arch == targets.ArchARM }

// newlibStrings writes dir/libtflm_string.a from the target multilib's
// libc_nano.a and returns its name; record receives the commands for
// run.sh. A missing newlib-nano is an error naming its Debian package.
func newlibStrings(ctx context.Context, dir, cc, ar string, t *targets.Target, record func(name string, args ...string)) (string, error) {
	// The multilib's libc_nano.a: gcc prints the bare name when it does
	// not find the file.
	args := append(append([]string{}, t.CompileArchFlags...), "-print-file-name=libc_nano.a")
	out, err := runTool(ctx, linkTimeout, dir, nil, cc, args...)
	if err != nil {
		return "", fmt.Errorf("finding newlib-nano: %w", err)
	}
	lib := strings.TrimSpace(string(out))
	if fi, err := os.Stat(lib); !filepath.IsAbs(lib) || err != nil || !fi.Mode().IsRegular() {
		return "", fmt.Errorf("newlib-nano's libc_nano.a for %s not found (%s printed %q); install the Debian package %s",
			t.Name, toolchain.CommandLine(cc, args...), lib, newlibPackage)
	}
	lib = filepath.Clean(lib)
	list, err := runTool(ctx, linkTimeout, dir, nil, ar, "t", lib)
	if err != nil {
		return "", fmt.Errorf("listing %s: %w", lib, err)
	}
	members, err := pickStringMembers(lib, strings.Split(string(list), "\n"))
	if err != nil {
		return "", err
	}
	run := func(name string, args ...string) error {
		record(name, args...)
		_, err := runTool(ctx, linkTimeout, dir, nil, name, args...)
		return err
	}
	const sub = "obj/newlib"
	record("mkdir", "-p", sub)
	if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
		return "", err
	}
	if err := run(ar, append([]string{"x", "--output=" + sub, lib}, members...)...); err != nil {
		return "", fmt.Errorf("extracting newlib-nano's string routines: %w", err)
	}
	record("rm", "-f", stringLib)
	os.Remove(filepath.Join(dir, stringLib))
	objs := make([]string, len(members))
	for i, m := range members {
		objs[i] = sub + "/" + m
	}
	if err := run(ar, append([]string{"rcs", stringLib}, objs...)...); err != nil {
		return "", fmt.Errorf("archiving %s: %w", stringLib, err)
	}
	return stringLib, nil
}

// pickStringMembers selects the string routines from an archive's member
// list (lib names the archive in errors); memcpy, memmove and memset must
// be there.
func pickStringMembers(lib string, names []string) ([]string, error) {
	var out []string
	have := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if m := stringMember(n); m != "" && !have[m] {
			have[m] = true
			out = append(out, n)
		}
	}
	for _, want := range []string{"memcpy", "memmove", "memset"} {
		if !have[want] {
			return nil, fmt.Errorf("%s has no member lib_a-%s.o (not Debian's newlib-nano?)", lib, want)
		}
	}
	sort.Strings(out)
	return out, nil
}
