// inmerge_test.go: how consecutive IN() conditions of a bounds rule are
// compiled (one merged test on Arm and Thumb-2, one test each elsewhere).

package blob

import (
	"strings"
	"testing"
)

func TestINMerge(t *testing.T) {
	leaves := []Leaf{
		{Path: "a", Kind: B4, Count: 1, Elem: "int32_t"},
		{Path: "b", Kind: B4, Count: 1, Elem: "int32_t"},
		{Path: "c", Kind: B4, Count: 1, Elem: "int32_t"},
	}
	args := []Param{{Name: "input", Elem: "int8_t", Const: true}}
	k := TableKernel{Symbol: "tg_x", ParamsType: "tg_x_params_t"}
	for _, c := range []struct {
		name      string
		rule      []string
		want      []string // in this order
		notWanted []string
	}{
		{
			name: "two groups merge on Arm, stay apart elsewhere",
			rule: []string{"IN(1, 65536, a, b)", "IN(0, 16383, c)", "NEED(input, F(a))"},
			want: []string{
				mergeINGuard + "\n",
				"((((uint32_t)TG_RTK_I32A(r + 0) - 1u) | ((uint32_t)TG_RTK_I32A(r + 4) - 1u)) >> 16 |\n",
				"(((uint32_t)TG_RTK_I32A(r + 8) - 0u)) >> 14) == 0u);\n#else\n",
				"(((uint32_t)TG_RTK_I32A(r + 0) - 1u) | ((uint32_t)TG_RTK_I32A(r + 4) - 1u)) < 65536u);\n",
				"(((uint32_t)TG_RTK_I32A(r + 8) - 0u)) < 16384u);\n#endif\n",
				"tg_rtk_need(in->arg_bytes[0], 1,",
			},
		},
		{
			name:      "a lone IN is one test",
			rule:      []string{"IN(-32, 31, a)", "NEED(input, F(b))", "IN(0, 7, c)"},
			want:      []string{"(((uint32_t)TG_RTK_I32A(r + 0) - 4294967264u)) < 64u);\n", "tg_rtk_need", "(((uint32_t)TG_RTK_I32A(r + 8) - 0u)) < 8u);\n  return !ok;"},
			notWanted: []string{"#if"},
		},
		{
			name:      "an IN inside a larger condition is not grouped",
			rule:      []string{"IN(0, 7, a) && F(b) <= 4", "IN(0, 7, c)", "NEED(input, F(a))"},
			want:      []string{"< 8u && (TG_RTK_I32A(r + 4)) <= 4);\n", "(((uint32_t)TG_RTK_I32A(r + 8) - 0u)) < 8u);\n"},
			notWanted: []string{"#if"},
		},
	} {
		got, err := expandRule(c.rule, k, leaves, args)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		rest := got
		for _, w := range c.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: %q missing (or out of order) in\n%s", c.name, w, got)
				break
			}
			rest = rest[i+len(w):]
		}
		for _, w := range c.notWanted {
			if strings.Contains(got, w) {
				t.Errorf("%s: %q in\n%s", c.name, w, got)
			}
		}
	}
	// A bad span in a merged group is still an error.
	if _, err := expandRule([]string{"IN(0, 6, a)", "IN(0, 7, b)", "NEED(input, F(a))"}, k, leaves, args); err == nil ||
		!strings.Contains(err.Error(), "power of two") {
		t.Errorf("IN(0, 6) in a group: error %v, want one about the span", err)
	}
}
