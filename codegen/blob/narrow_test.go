// narrow_test.go: which products of a bounds rule take tg_rtk_mulu, and
// that tg_rtk_mulu gives tg_rtk_mul's value on every operand it may get.

package blob

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

func TestNarrowMuls(t *testing.T) {
	bounded := map[string]bool{"a": true, "b": true, "win.c": true}
	for _, c := range []struct{ in, want string }{
		{"NEED(x, tg_rtk_mul(F(a), F(b)))", "NEED(x, tg_rtk_mulu(F(a), F(b)))"},
		{"tg_rtk_mul(F(a), F(z))", "tg_rtk_mul(F(a), F(z))"},
		{"tg_rtk_mul(tg_rtk_mul(F(a), F(b)), tg_rtk_mul(F(win.c), 4))",
			"tg_rtk_mulu(tg_rtk_mulu(F(a), F(b)), tg_rtk_mulu(F(win.c), 4))"},
		// An unbounded factor inside keeps the outer product general.
		{"tg_rtk_mul(tg_rtk_mul(F(a), F(z)), F(b))", "tg_rtk_mul(tg_rtk_mul(F(a), F(z)), F(b))"},
		{"tg_rtk_mul((F(a)), ((F(b))))", "tg_rtk_mulu((F(a)), ((F(b))))"},
		// Arithmetic, negative or too large literals and ternaries are
		// not known counts.
		{"tg_rtk_mul(F(a) - 1, F(b))", "tg_rtk_mul(F(a) - 1, F(b))"},
		{"tg_rtk_mul((F(a) + 3) / 4 * 4, F(b))", "tg_rtk_mul((F(a) + 3) / 4 * 4, F(b))"},
		{"tg_rtk_mul(F(a), -1)", "tg_rtk_mul(F(a), -1)"},
		{"tg_rtk_mul(F(a), 2147483650)", "tg_rtk_mul(F(a), 2147483650)"},
		{"tg_rtk_mul(F(a), 2147483649)", "tg_rtk_mulu(F(a), 2147483649)"},
		{"tg_rtk_mul(F(a) < F(b) ? F(a) : F(b), F(b))", "tg_rtk_mul(F(a) < F(b) ? F(a) : F(b), F(b))"},
		{"F(a) == tg_rtk_mul(F(b), F(a)) && tg_rtk_mul(F(z), 2) > 0", "F(a) == tg_rtk_mulu(F(b), F(a)) && tg_rtk_mul(F(z), 2) > 0"},
		// Another helper whose name ends the same way, and unbalanced
		// text, are left alone.
		{"my_tg_rtk_mul(F(a), F(b))", "my_tg_rtk_mul(F(a), F(b))"},
		{"tg_rtk_mul(F(a), F(b)", "tg_rtk_mul(F(a), F(b)"},
	} {
		if got := narrowMuls(c.in, bounded); got != c.want {
			t.Errorf("narrowMuls(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestNarrowMulsBounds: only a whole-condition IN() with a non-negative
// range bounds its fields, and only for the conditions after it.
func TestNarrowMulsBounds(t *testing.T) {
	leaves, args, k := abcKernel()
	rule := []string{
		"NEED(input, tg_rtk_mul(F(a), F(b)))", // before any bound
		"IN(1, 65536, a, b)",
		"IN(-4, 3, c)",
		"F(c) == 0 || IN(0, 7, c)",
		"NEED(input, tg_rtk_mul(F(a), F(b)))",
		"NEED(input, tg_rtk_mul(F(a), F(c)))",
	}
	body, err := expandRule(rule, k, leaves, args)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(body, "tg_rtk_mulu("); n != 1 {
		t.Errorf("%d tg_rtk_mulu calls, want 1 (the product after the IN):\n%s", n, body)
	}
	if n := strings.Count(body, "tg_rtk_mul("); n != 2 {
		t.Errorf("%d tg_rtk_mul calls, want 2:\n%s", n, body)
	}
}

// mulMain compares tg_rtk_mulu with tg_rtk_mul on the edges of their
// common domain [0, 2^31 + 1] and on a walk through it.
const mulMain = `#include <stdint.h>
#include <stdio.h>
%s
int main(void) {
  static const int64_t edge[] = {0, 1, 2, 3, 255, 256, 65535, 65536, 65537, 46340, 46341,
                                 0x7fffffff, 0x80000000, 0x80000001, 0x40000000, 0x3fffffff};
  unsigned long bad = 0, n = 0;
  uint32_t x = 12345u;
  size_t i, j;
  for (i = 0; i < sizeof edge / sizeof edge[0]; i++) {
    for (j = 0; j < sizeof edge / sizeof edge[0]; j++, n++) {
      bad += tg_rtk_mulu(edge[i], edge[j]) != tg_rtk_mul(edge[i], edge[j]);
    }
  }
  for (i = 0; i < 1000000; i++, n++) {
    int64_t a, b;
    x = x * 1103515245u + 12345u;
    a = (int64_t)(x %% 0x80000002u) >> (x & 31u);
    x = x * 1103515245u + 12345u;
    b = (int64_t)(x %% 0x80000002u) >> (x & 31u);
    bad += tg_rtk_mulu(a, b) != tg_rtk_mul(a, b);
  }
  printf("mismatches %%lu of %%lu\n", bad, n);
  return bad != 0;
}
`

func TestMulu(t *testing.T) {
	cc := sharedtest.RequireTool(t, "gcc", "gcc")
	dir := t.TempDir()
	helpers := usedHelpers("tg_rtk_mulu( tg_rtk_mul(")
	src := strings.Replace(mulMain, "%s", helpers, 1)
	src = strings.ReplaceAll(src, "%%", "%")
	if err := os.WriteFile(filepath.Join(dir, "main.c"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "mul")
	if err := hostcc.Link(context.Background(), cc, dir, bin, []string{"main.c"}, append([]string{"-std=c99", "-Wall", "-Wextra", "-Werror", "-O2"}, hostcc.SanitizerFlags...)...); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "mismatches 0 of ") {
		t.Fatalf("tg_rtk_mulu differs from tg_rtk_mul: %v\n%s", err, out)
	}
}
