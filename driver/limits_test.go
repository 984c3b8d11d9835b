// Tests of the resource limits: large generated graphs must load, plan and
// compile in near-linear time and memory.
package driver

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/tinygen/tinygen/internal/hostile"
	"github.com/tinygen/tinygen/plan"
)

// writeChain writes a chain of n RELU ops as .tflite into a temporary
// folder and returns its path.
func writeChain(tb testing.TB, n int) string {
	tb.Helper()
	data, err := hostile.ChainTFLite(n, hostile.ChainRelu)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), fmt.Sprintf("chain%d.tflite", n))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkCompileChain loads and compiles chains of 10,000, 20,000 and
// 40,000 ops.
func BenchmarkCompileChain(b *testing.B) {
	for _, n := range []int{10_000, 20_000, 40_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			path := writeChain(b, n)
			b.ReportAllocs()
			for b.Loop() {
				m, err := Load(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := Compile(m, CompileOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestMaxOpsMatchesHostile keeps the hostile suite's copy of the limit in
// step with the driver's.
func TestMaxOpsMatchesHostile(t *testing.T) {
	if MaxOps != hostile.MaxOps {
		t.Fatalf("driver.MaxOps %d, hostile.MaxOps %d", MaxOps, hostile.MaxOps)
	}
}

// allocated returns the bytes and objects fn allocates (runtime totals,
// which do not depend on the machine's load).
func allocated(fn func()) (bytes, objects uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, after.Mallocs - before.Mallocs
}

// TestPlanScaling checks that planning (storage classes, every planner,
// the order search, Verify) and compiling cost near-linear memory in the
// number of ops: a chain twice as long allocates at most 2.5 times the
// bytes and objects. Allocation totals, not wall time, keep it stable on
// a loaded machine. The old union-find copied a class's members at every
// in-place union and the order search copied an n-bit set per state.
func TestPlanScaling(t *testing.T) {
	if testing.Short() {
		t.Skip("large graphs")
	}
	for _, c := range []struct {
		name string
		run  func(*Model) error
	}{
		{"compile", func(m *Model) error { _, _, err := Compile(m, CompileOptions{}); return err }},
		{"plan-no-aliasing", func(m *Model) error {
			_, err := PlanMemory(m.Graph, MemoryOptions{Aliasing: plan.AliasNone})
			return err
		}},
		{"plan-include-io", func(m *Model) error {
			_, err := PlanMemory(m.Graph, MemoryOptions{IncludeIO: true})
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b, o [2]uint64
			for k, n := range []int{5_000, 10_000} {
				m, err := Load(writeChain(t, n))
				if err != nil {
					t.Fatal(err)
				}
				b[k], o[k] = allocated(func() {
					if err := c.run(m); err != nil {
						t.Fatal(err)
					}
				})
			}
			t.Logf("5,000 ops: %d bytes, %d objects; 10,000 ops: %d bytes, %d objects", b[0], o[0], b[1], o[1])
			if float64(b[1]) > 2.5*float64(b[0]) || float64(o[1]) > 2.5*float64(o[0]) {
				t.Fatalf("doubling the ops multiplied bytes by %.2f and objects by %.2f (want ≤ 2.5)",
					float64(b[1])/float64(b[0]), float64(o[1])/float64(o[0]))
			}
		})
	}
}

// TestCompileChain40k compiles a 40,000-op chain and plans it without
// aliasing (40,000 arena buffers for the planners, CheckLayout and
// Verify) well inside generous bounds: the old code took 36 s and minutes
// respectively; now each takes about a second.
func TestCompileChain40k(t *testing.T) {
	if testing.Short() {
		t.Skip("large graph")
	}
	m, err := Load(writeChain(t, 40_000))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	bytes, _ := allocated(func() {
		if _, _, err := Compile(m, CompileOptions{PassControls: PassControls{Check: true}}); err != nil {
			t.Fatal(err)
		}
		mp, err := PlanMemory(m.Graph, MemoryOptions{Aliasing: plan.AliasNone})
		if err != nil {
			t.Fatal(err)
		}
		if mp.Schedule == nil || mp.Schedule.Method != plan.MethodExact || mp.Plan.Size != 64 {
			t.Fatalf("schedule %+v, arena %d; want the exact (single) order and 64 bytes", mp.Schedule, mp.Plan.Size)
		}
	})
	took := time.Since(start)
	t.Logf("40,000 ops: %v, %d MB allocated", took, bytes>>20)
	if took > 60*time.Second || bytes > 3<<30 {
		t.Fatalf("40,000 ops took %v and allocated %d MB (bounds: 60 s, 3 GB)", took, bytes>>20)
	}
}
