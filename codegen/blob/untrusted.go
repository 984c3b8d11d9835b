// untrusted.go: the kernel configuration of interpreter projects: kernels
// built there take their parameters from a blob, so they harden the
// arithmetic whose operands the validator does not range-check.

package blob

// UntrustedDefine is the macro an interpreter project's tg_kernels.h
// defines: the armv7em and rv32 kernels then wrap the sums and mask the
// shifts of their requantisation (docs/blob-format.md), which lets
// tg_rt_init skip the values of the per-channel records.
const UntrustedDefine = "TG_UNTRUSTED_PARAMS"

// untrustedConfig is put at the top of an interpreter project's copy of
// tg_kernels.h, which every kernel includes.
const untrustedConfig = `/* Kernel configuration of this interpreter project (tinygen compile
 * --mode interp, tinygen runtime): kernel parameters come from a blob that
 * tg_rt_init checks for memory safety only, so the kernels harden their
 * requantisation arithmetic (wrapping sums, defined shifts). */
#ifndef ` + UntrustedDefine + `
#define ` + UntrustedDefine + ` 1
#endif

`

// UntrustedKernels returns files with tg_kernels.h (when present)
// configured for untrusted parameters; the other files are shared, not
// copied.
func UntrustedKernels(files []File) []File {
	out := make([]File, len(files))
	for i, f := range files {
		if f.Name == "tg_kernels.h" {
			f = File{Name: f.Name, Data: append([]byte(untrustedConfig), f.Data...), Origin: f.Origin}
		}
		out[i] = f
	}
	return out
}
