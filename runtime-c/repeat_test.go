// repeat_test.go: repeated layers. A model whose layers repeat on a
// ping-pong memory plan gives a blob whose repeated steps share one record
// and one run of operand entries; tg_rt_init checks those once, and still
// checks what each repeated step has of its own: its constant block, its
// entry count and its block size.

package runtimec_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// repeatFCIR is a model in tinygen's textual IR: an int8
// FULLY_CONNECTED layer from 16 to 8 values, n more from 8 to 8 of one
// geometry and quantisation (each with its own weights and bias), then
// cats CONCATENATIONs of the last tensor with itself (each doubling it).
func repeatFCIR(n, cats int) string {
	var b strings.Builder
	b.WriteString("tinygen-ir 1\n")
	fmt.Fprintf(&b, "graph \"repeat_fc\" source \"test\" description \"%d repeated int8 FULLY_CONNECTED layers, %d CONCATENATIONs\"\n", n, cats)
	b.WriteString("tensor %0 \"x\" i8[1,16] quant(scale=[0.05] zp=[2])\n")
	var ops []string
	prev, t := 0, 1
	for l := 0; l <= n; l++ {
		in := 8
		if l == 0 {
			in = 16
		}
		w := make([]byte, 8*in)
		for i := range w {
			w[i] = byte(37*l + 11*i + 5)
		}
		bias := make([]byte, 0, 32)
		for i := 0; i < 8; i++ {
			bias = binary.LittleEndian.AppendUint32(bias, uint32(int32(29*l-13*i)))
		}
		fmt.Fprintf(&b, "tensor %%%d \"fc%d/w\" i8[8,%d] quant(scale=[0.02] zp=[0]) data=hex\"%x\"\n", t, l, in, w)
		fmt.Fprintf(&b, "tensor %%%d \"fc%d/b\" i32[8] quant(scale=[0.001] zp=[0]) data=hex\"%x\"\n", t+1, l, bias)
		fmt.Fprintf(&b, "tensor %%%d \"fc%d\" i8[1,8] quant(scale=[0.05] zp=[2])\n", t+2, l)
		ops = append(ops, fmt.Sprintf("op %d FULLY_CONNECTED (%%%d, %%%d, %%%d) -> (%%%d) {Activation=RELU KeepNumDims=false}", len(ops), prev, t, t+1, t+2))
		prev, t = t+2, t+3
	}
	for c, width := 0, 16; c < cats; c, width = c+1, 2*width {
		fmt.Fprintf(&b, "tensor %%%d \"cat%d\" i8[1,%d] quant(scale=[0.05] zp=[2])\n", t, c, width)
		ops = append(ops, fmt.Sprintf("op %d CONCATENATION (%%%d, %%%d) -> (%%%d) {Axis=1 Activation=NONE}", len(ops), prev, prev, t))
		prev, t = t, t+1
	}
	b.WriteString("input %0\n")
	for _, o := range ops {
		b.WriteString(o + "\n")
	}
	fmt.Fprintf(&b, "output %%%d\n", prev)
	return b.String()
}

// repeatCase is a blob and the init status (and, when not rtOK, the
// detail) it must get.
type repeatCase struct {
	name         string
	blob         []byte
	init, detail int
}

// TestRepeatedSteps checks, for the kernel sets whose weights travel in
// the constant block (the reference kernels take them as operands, so
// their layers never share entries), that a model's repeated layers share
// their record and operand entries in the blob, and that it runs. The
// third repeated layer shares the first's entries, and the runtime takes
// them as checked: editing its block offset, its block size or its entry
// count must still be refused, naming the step. A kernel with a list
// never takes entries as checked: the last step, a CONCATENATION, edited
// to take the first two entries of the one before (its list and first
// element: as many entries as the kernel has arguments, but no output)
// must be refused, not run.
func TestRepeatedSteps(t *testing.T) {
	for _, set := range []string{"armv7em", "rv32"} {
		t.Run(set, func(t *testing.T) {
			src := irBlobWith(t, "repeat_fc", repeatFCIR(4, 2), set)
			steps := blobSteps(src)
			sharing := -1
			for i, s := range steps {
				for _, e := range steps[:i] {
					if e.id == s.id && e.rec == s.rec && e.first == s.first && e.entries == s.entries && e.block != s.block {
						sharing = i
						break
					}
				}
				if sharing >= 0 {
					break
				}
			}
			if sharing < 0 {
				t.Fatalf("no step shares an earlier step's record and operand entries: %+v", steps)
			}
			le := binary.LittleEndian
			st, last := steps[sharing], steps[len(steps)-1]
			total := int(le.Uint32(src[8:]))
			edit := func(f func(b []byte)) []byte {
				b := append([]byte(nil), src...)
				f(b)
				return b
			}
			cases := []repeatCase{
				{"intact", src, rtOK, 0},
				{"block unaligned", edit(func(b []byte) { le.PutUint32(b[st.at+12:], uint32(st.block+2)) }), rtStep, st.index},
				{"block past the end", edit(func(b []byte) { le.PutUint32(b[st.at+12:], uint32(total-st.cbytes+4)) }), rtStep, st.index},
				{"one entry fewer", edit(func(b []byte) { le.PutUint16(b[st.at+2:], uint16(st.entries-1)) }), rtArg, st.index},
				{"block smaller", edit(func(b []byte) { le.PutUint32(b[st.at+16:], uint32(st.cbytes-4)) }), rtParams, st.index},
				{"a list's prefix", edit(func(b []byte) {
					le.PutUint16(b[last.at+2:], 2)
					le.PutUint32(b[last.at+8:], uint32(steps[len(steps)-2].first))
				}), rtArg, last.index},
			}
			var blobs [][]byte
			for _, c := range cases {
				blobs = append(blobs, c.blob)
			}
			for i, line := range many(t, hostRuntimeOf(t, set), blobs) {
				c := cases[i]
				switch {
				case c.init == rtOK && (field(line, "init") != rtOK || field(line, "invoke") != rtOK):
					t.Errorf("%s: %s, want init=0 invoke=0", c.name, line)
				case c.init != rtOK && (field(line, "init") != c.init || field(line, "detail") != c.detail):
					t.Errorf("%s: %s, want init=%d detail=%d", c.name, line, c.init, c.detail)
				}
			}
		})
	}
}
