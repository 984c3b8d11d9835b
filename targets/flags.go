package targets

// Section and garbage-collection flags every build uses: each function and
// object in its own section, so --gc-sections drops what is not reachable.
var sectionFlags = []string{"-ffunction-sections", "-fdata-sections"}

// CompileFlags returns the flags for compiling C for the target: the
// architecture flags, the libc specs on bare-metal targets and
// -ffunction-sections -fdata-sections. Optimisation, warning and include
// flags are the caller's.
func (t *Target) CompileFlags() []string {
	out := append([]string{}, t.CompileArchFlags...)
	if t.Libc != nil {
		out = append(out, "--specs="+t.Libc.Specs)
	}
	return append(out, sectionFlags...)
}

// LinkFlags returns the flags for linking the target's objects, without
// a linker script (see LinkFlagsFor). On bare-metal targets: the
// architecture flags, the libc specs (picolibc as a library only),
// -nostartfiles (tg_startup.c is the startup code) and -Wl,--gc-sections.
// Put them after the object files: on the host they end with -lm.
func (t *Target) LinkFlags() []string {
	if !t.BareMetal() {
		return append([]string{}, t.LinkArchFlags...)
	}
	out := append([]string{}, t.LinkArchFlags...)
	if t.Libc != nil {
		out = append(out, "--specs="+t.Libc.Specs)
	}
	return append(out, "-nostartfiles", "-Wl,--gc-sections")
}

// LinkFlagsFor returns LinkFlags plus "-T scriptPath", the linker script
// written from LinkerScript. The host uses the system's default script, so
// there scriptPath is ignored.
func (t *Target) LinkFlagsFor(scriptPath string) []string {
	out := t.LinkFlags()
	if t.BareMetal() && scriptPath != "" {
		out = append(out, "-T", scriptPath)
	}
	return out
}
