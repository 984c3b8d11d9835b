// Tests of the plugin's step marks (profiles) on real firmware.

package qemuplugin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFirmwareSteps marks the first instruction of bench_loop's loop body
// (two instructions per iteration) as a step address: the initialisation
// region (two back-to-back markers) has no mark, a loop region of N
// iterations exactly N, the first at the same offset in every region and
// each next exactly 2 instructions later, and the last step closes the
// region with the same tail in every region, so lead + steps = region.
// Bad step arguments stop QEMU with the plugin's message.
func TestFirmwareSteps(t *testing.T) {
	need(t, "gcc", "gcc")
	so, err := Build(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	loopCounts := []uint64{1, 10, 1000}
	for _, tg := range targets() {
		t.Run(tg.arch, func(t *testing.T) {
			t.Parallel()
			elfPath := buildFirmware(t, tg, loopCounts)
			need(t, tg.qemu, tg.qPkg)
			begin := symbol(t, tg, elfPath, "bench_begin")
			end := symbol(t, tg, elfPath, "bench_end")
			// A plain label (not a function symbol): no Thumb bit to clear.
			body, err := SymbolAddress(elfPath, "bench_loop_body")
			if err != nil {
				t.Fatal(err)
			}
			never := symbol(t, tg, elfPath, tg.neverRuns)
			out := filepath.Join(t.TempDir(), "steps.txt")
			// A repeated address and one that never runs change nothing.
			r := runQEMU(t, tg, elfPath, false, StepArgs(so, begin, end, []uint64{body, never, body}, out)...)
			if r.exit != 0 {
				t.Fatalf("exit status %d\n%s", r.exit, r.stderr)
			}
			c, err := ReadCounts(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Regions) != 1+len(loopCounts) || len(c.Steps) != len(c.Regions) {
				data, _ := os.ReadFile(out)
				t.Fatalf("%d regions, %d step lists; want %d each\n%s", len(c.Regions), len(c.Steps), 1+len(loopCounts), data)
			}
			if len(c.Steps[0]) != 0 {
				t.Errorf("initialisation region: marks %v, want none", c.Steps[0])
			}
			var lead, tail uint64
			for i, n := range loopCounts {
				m := c.Steps[i+1]
				if uint64(len(m)) != n {
					t.Fatalf("loop of %d: %d marks, want %d", n, len(m), n)
				}
				for k, mk := range m {
					if mk.Addr != body || k > 0 && mk.Offset != m[k-1].Offset+2 {
						t.Fatalf("loop of %d: mark %d = %+v, want at %#x 2 instructions after the previous", n, k, mk, body)
					}
				}
				last := c.Regions[i+1] - m[len(m)-1].Offset
				if i == 0 {
					lead, tail = m[0].Offset, last
				}
				if m[0].Offset != lead || last != tail {
					t.Errorf("loop of %d: lead %d, last step %d; want %d and %d as in the first region", n, m[0].Offset, last, lead, tail)
				}
				if got := lead + 2*(n-1) + tail; got != c.Regions[i+1] {
					t.Errorf("loop of %d: lead + steps = %d, region %d", n, got, c.Regions[i+1])
				}
			}

			for _, b := range []struct {
				steps []uint64
				msg   string
			}{
				{[]uint64{begin}, "a step address is the begin or end address"},
				{make([]uint64, MaxStepAddrs+1), fmt.Sprintf("more than %d step= addresses", MaxStepAddrs)},
			} {
				r := runQEMU(t, tg, elfPath, false, StepArgs(so, begin, end, b.steps, filepath.Join(t.TempDir(), "x"))...)
				if r.exit == 0 || !strings.Contains(r.stderr, "insncount: "+b.msg) {
					t.Errorf("%d step addresses: exit %d, stderr %q; want failure with %q", len(b.steps), r.exit, r.stderr, b.msg)
				}
			}
		})
	}
}
