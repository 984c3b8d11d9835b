// inmerge_test.go: how consecutive IN() conditions of a bounds rule are
// compiled (one merged test on Arm and Thumb-2, one test each elsewhere).

package blob

import (
	"strings"
	"testing"
)

// abcKernel is a test kernel tg_x whose record holds int32 fields a, b
// and c, with one int8 input.
func abcKernel() ([]Leaf, []Param, TableKernel) {
	leaves := []Leaf{
		{Path: "a", Kind: B4, Count: 1, Elem: "int32_t"},
		{Path: "b", Kind: B4, Count: 1, Elem: "int32_t"},
		{Path: "c", Kind: B4, Count: 1, Elem: "int32_t"},
	}
	args := []Param{{Name: "input", Elem: "int8_t", Const: true}}
	return leaves, args, TableKernel{Symbol: "tg_x", ParamsType: "tg_x_params_t"}
}

func TestINMerge(t *testing.T) {
	leaves, args, k := abcKernel()
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
				"((uint32_t)TG_RTK_I32A(r + 4) - 1u)) < 65536u);\n",
				"(((uint32_t)TG_RTK_I32A(r + 8) - 0u)) < 16384u);\n#endif\n",
				"tg_rtk_need(in->arg_bytes[0], 1,",
			},
		},
		{
			name:      "a lone IN is one test",
			rule:      []string{"IN(-32, 31, a)", "NEED(input, F(b))", "IN(0, 7, c)"},
			want:      []string{"(((uint32_t)TG_RTK_I32A(r + 0) - 4294967264u)) < 64u);\n", "tg_rtk_need", "(((uint32_t)TG_RTK_I32A(r + 8) - 0u)) < 8u);\n  }\n  return !ok;"},
			notWanted: []string{"#if"},
		},
		{
			name:      "an IN inside a larger condition is not grouped",
			rule:      []string{"IN(0, 7, a) && F(b) <= 4", "IN(0, 7, c)", "NEED(input, F(a))"},
			want:      []string{"< 8u && (TG_RTK_I32A(r + 4)) <= 4);\n", "(((uint32_t)TG_RTK_I32A(r + 8) - 0u)) < 8u);\n"},
			notWanted: []string{"#if"},
		},
		{
			// Conditions that read a constant's bytes or a list run even
			// for a step the runtime's memo matched; the others, in rule
			// order, are skipped as one block.
			name: "memo blocks",
			rule: []string{"IN(0, 7, a)", "PNEED(p, F(a))", "tg_rtk_x(PD(p))", "NEED(input, F(b))"},
			want: []string{
				// The pointer field's offset is checked first.
				"  if (in->memo == 0u) {\n    ok = (((uint32_t)TG_RTK_I32A(r + 12)) & 3u) == 0u &&\n        (uint32_t)TG_RTK_I32A(r + 12) <= in->cbytes;\n",
				"    ok = ok && ((((uint32_t)TG_RTK_I32A(r + 0) - 0u)) < 8u);\n",
				"    ok = ok && (tg_rtk_need(in->cbytes - (uint32_t)TG_RTK_I32A(r + 12), 1, (TG_RTK_I32A(r + 0))));\n  }\n",
				"  ok = ok && (tg_rtk_x((in->block + TG_RTK_I32A(r + 12))));\n",
				"  if (in->memo == 0u) {\n    ok = ok && (tg_rtk_need(in->arg_bytes[0], 1, (TG_RTK_I32A(r + 4))));\n  }\n  return !ok;",
			},
			notWanted: []string{"#if"},
		},
	} {
		lv := leaves
		if c.name == "memo blocks" {
			lv = append(append([]Leaf(nil), leaves...), Leaf{Path: "p", Kind: Ptr, Count: 1, Elem: "int8_t"})
		}
		got, err := expandRule(c.rule, k, lv, args)
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
