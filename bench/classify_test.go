// classify_test.go: which ROM column a symbol's source file or name lands in.

package bench

import "testing"

// TestClassifyRuntime: the runtime column holds tg_rt.c's static helpers
// (local symbols of file tg_rt.c) and the tg_rt_* globals, not the kernel
// table's per-kernel checks (tg_rtk_table.c) nor the kernels.
func TestClassifyRuntime(t *testing.T) {
	for _, c := range []struct{ file, name, want string }{
		{"tg_rt.c", "find_kernel", "runtime"},
		{"tg_rt_crc.c", "crc_nibble", "runtime"},
		{"tg_rtk_table.c", "check_tg_softmax_s8", "kernels"},
		{"tg_softmax_s8.c", "tg_exp", "kernels"},
		{"", "tg_rt_init", "runtime"},
		{"", "tg_rt_kernels", "runtime"},
		{"", "tg_conv2d_s8", "kernels"},
		{"aww.c", "steps", "model"},
	} {
		if got := classify(c.file, c.name, "aww"); got != c.want {
			t.Errorf("classify(%q, %q) = %q, want %q", c.file, c.name, got, c.want)
		}
	}
}
