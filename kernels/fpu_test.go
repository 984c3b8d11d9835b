// Tests of the fpu kernel set: which ops it takes, its compile-time filter
// packing, and its Arm code (VMLA, never a fused multiply-add).

package kernels_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/shared/sharedtest"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
)

// seq returns n floats 0, 1, 2, ...
func seq(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(i)
	}
	return out
}

// fpuOp builds one op of a fresh graph: input x, filter w (constant when
// constW), bias, output y.
func fpuOp(kind ir.OpKind, dt ir.DType, xs, ws, ys ir.Shape, constW bool, attrs ir.Attrs) *ir.Op {
	g := &ir.Graph{Name: "fpu"}
	q := func() *ir.Quant {
		if dt == ir.Float32 {
			return nil
		}
		return &ir.Quant{Scale: []float32{0.5}, ZeroPoint: []int64{0}}
	}
	x := g.AddTensor(&ir.Tensor{Name: "x", DType: dt, Shape: xs, Quant: q()})
	w := &ir.Tensor{Name: "w", DType: dt, Shape: ws, Quant: q()}
	if constW && dt == ir.Float32 {
		w.Data = ir.Float32Data(seq(ws.Elements()))
	} else if constW {
		w.Data = make([]byte, ws.Elements())
	}
	g.AddTensor(w)
	y := g.AddTensor(&ir.Tensor{Name: "y", DType: dt, Shape: ys, Quant: q()})
	op := g.AddOp(&ir.Op{Kind: kind, Inputs: []*ir.Tensor{x, w, nil}, Outputs: []*ir.Tensor{y}, SourceIndex: 0, Attrs: attrs})
	g.Inputs, g.Outputs = []*ir.Tensor{x}, []*ir.Tensor{y}
	return op
}

func TestFPUSelection(t *testing.T) {
	conv := ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	dw := func(m int) ir.DepthwiseConv2DAttrs {
		return ir.DepthwiseConv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: m}
	}
	cases := []struct {
		name string
		op   *ir.Op
		want string
	}{
		{"conv", fpuOp(ir.Conv2D, ir.Float32, ir.Shape{1, 5, 5, 3}, ir.Shape{6, 3, 3, 3}, ir.Shape{1, 5, 5, 6}, true, conv), "tg_conv2d_f32_fpu"},
		{"grouped conv", fpuOp(ir.Conv2D, ir.Float32, ir.Shape{1, 5, 5, 4}, ir.Shape{6, 3, 3, 2}, ir.Shape{1, 5, 5, 6}, true, conv), "tg_conv2d_f32"},
		{"conv, filter not constant", fpuOp(ir.Conv2D, ir.Float32, ir.Shape{1, 5, 5, 3}, ir.Shape{6, 3, 3, 3}, ir.Shape{1, 5, 5, 6}, false, conv), "tg_conv2d_f32"},
		{"int8 conv", fpuOp(ir.Conv2D, ir.Int8, ir.Shape{1, 5, 5, 3}, ir.Shape{6, 3, 3, 3}, ir.Shape{1, 5, 5, 6}, true, conv), "tg_conv2d_s8"},
		{"depthwise", fpuOp(ir.DepthwiseConv2D, ir.Float32, ir.Shape{1, 5, 5, 6}, ir.Shape{1, 3, 3, 6}, ir.Shape{1, 5, 5, 6}, true, dw(1)), "tg_depthwise_conv2d_f32_fpu"},
		{"depthwise, multiplier 2", fpuOp(ir.DepthwiseConv2D, ir.Float32, ir.Shape{1, 5, 5, 3}, ir.Shape{1, 3, 3, 6}, ir.Shape{1, 5, 5, 6}, true, dw(2)), "tg_depthwise_conv2d_f32"},
		{"fully connected", fpuOp(ir.FullyConnected, ir.Float32, ir.Shape{1, 3}, ir.Shape{6, 3}, ir.Shape{1, 6}, true, ir.FullyConnectedAttrs{}), "tg_fully_connected_f32_fpu"},
		{"fully connected, filter not constant", fpuOp(ir.FullyConnected, ir.Float32, ir.Shape{1, 3}, ir.Shape{6, 3}, ir.Shape{1, 6}, false, ir.FullyConnectedAttrs{}), "tg_fully_connected_f32"},
	}
	lib := kernels.Builtin()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			call, err := lib.Select(c.op, []string{kernels.FPU, kernels.Reference})
			if err != nil {
				t.Fatal(err)
			}
			if call.Kernel.Symbol != c.want {
				t.Fatalf("selected %s, want %s", call.Kernel.Symbol, c.want)
			}
			// Preferring reference alone never selects fpu.
			ref, err := lib.Select(c.op, []string{kernels.Reference})
			if err != nil {
				t.Fatal(err)
			}
			if ref.Kernel.Set != kernels.Reference {
				t.Errorf("reference preference selected %s (%s)", ref.Kernel.Symbol, ref.Kernel.Set)
			}
			if call.Kernel.Set != kernels.FPU {
				return
			}
			for _, a := range call.Args {
				if a.Name == "filter" && call.Kernel.Symbol != "tg_depthwise_conv2d_f32_fpu" {
					t.Errorf("%s passes the unpacked filter too", call.Kernel.Symbol)
				}
			}
		})
	}
}

// TestFPUPacking checks the packed filter of a 6-channel conv (3x3x3 taps:
// 27 per channel): a block of 4 channels [27][4], then a block of 2
// [27][2], and of a 6-unit fully-connected (depth 3) likewise.
func TestFPUPacking(t *testing.T) {
	conv := ir.Conv2DAttrs{Padding: ir.PadValid, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	for _, c := range []struct {
		op         *ir.Op
		rows, cols int
	}{
		{fpuOp(ir.Conv2D, ir.Float32, ir.Shape{1, 5, 5, 3}, ir.Shape{6, 3, 3, 3}, ir.Shape{1, 3, 3, 6}, true, conv), 6, 27},
		{fpuOp(ir.FullyConnected, ir.Float32, ir.Shape{1, 3}, ir.Shape{6, 3}, ir.Shape{1, 6}, true, ir.FullyConnectedAttrs{}), 6, 3},
	} {
		call, err := kernels.Builtin().Select(c.op, []string{kernels.FPU})
		if err != nil {
			t.Fatal(err)
		}
		var packed []float32
		for _, f := range call.Params.Fields {
			if a, ok := f.Value.(kernels.Array); ok && f.Name == "packed" && !a.Inline {
				packed = a.Floats
			}
		}
		var want []float32
		for r0 := 0; r0 < c.rows; r0 += 4 {
			n := min(4, c.rows-r0)
			for col := 0; col < c.cols; col++ {
				for j := 0; j < n; j++ {
					want = append(want, float32((r0+j)*c.cols+col)) // the filter holds 0, 1, 2, ...
				}
			}
		}
		if len(packed) != len(want) {
			t.Fatalf("%s: packed %d floats, want %d", call.Kernel.Symbol, len(packed), len(want))
		}
		for i := range want {
			if packed[i] != want[i] {
				t.Fatalf("%s: packed[%d] = %v, want %v", call.Kernel.Symbol, i, packed[i], want[i])
			}
		}
	}
}

// TestFPUNoFusedMultiplyAdd compiles every fpu source for each FPU core
// at -O2 and -Os, even with -ffp-contract=fast, and checks the object code:
// VMLA.F32 (product rounded before the addition) and never VFMA/VFMS/VFNMA
// (fused), which would change results.
func TestFPUNoFusedMultiplyAdd(t *testing.T) {
	gcc := sharedtest.RequireTool(t, "arm-none-eabi-gcc", "gcc-arm-none-eabi")
	objdump := sharedtest.RequireTool(t, "arm-none-eabi-objdump", "binutils-arm-none-eabi")
	dir := t.TempDir()
	files := map[string][]byte{}
	srcs, err := kernels.SourceFiles(kernels.FPU)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(append([]string{"tg_fpu.h"}, kernels.Headers()...), srcs...) {
		b, err := kernels.File(kernels.FPU, name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	// Calls and includes only: the words may appear in comments.
	forbidden := regexp.MustCompile(`\b(malloc|calloc|realloc|free|alloca|printf|fprintf|puts)\s*\(|<stdio\.h>`)
	for name, b := range files {
		if m := forbidden.Find(b); m != nil {
			t.Errorf("%s uses %s", name, m)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fused := regexp.MustCompile(`\bv(fma|fms|fnma|fnms)\b`)
	cores := [][]string{{"-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16"}, {"-mcpu=cortex-m7", "-mfpu=fpv5-d16"},
		{"-mcpu=cortex-m33", "-mfpu=fpv5-sp-d16"}, {"-mcpu=cortex-m55"}}
	for _, core := range cores {
		for _, opt := range []string{"-O2", "-Os"} {
			for _, src := range srcs {
				obj := filepath.Join(dir, strings.TrimSuffix(src, ".c")+".o")
				args := append(append([]string{"-std=c99", opt, "-ffp-contract=fast", "-mthumb", "-mfloat-abi=hard", "-Wall", "-Wextra",
					"-Werror", "-pedantic", "-Wvla", "-Wshadow", "-Wstrict-prototypes", "-Wmissing-prototypes", "-Wdouble-promotion",
					"-c", "-o", obj}, core...), filepath.Join(dir, src))
				if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
					t.Fatalf("%s %s: %v\n%s", gcc, strings.Join(args, " "), err, out)
				}
				dis, err := exec.Command(objdump, "-d", obj).Output()
				if err != nil {
					t.Fatal(err)
				}
				if m := fused.FindString(string(dis)); m != "" {
					t.Errorf("%s %s %s: fused multiply-add %s in the object code", src, core[0], opt, m)
				}
				// Kernels that multiply-accumulate (the pools only add and
				// compare) must do it with VMLA.
				if strings.Contains(string(files[src]), "TG_FPU_MAC(") && !strings.Contains(string(dis), "vmla.f32") {
					t.Errorf("%s %s %s: no vmla.f32", src, core[0], opt)
				}
			}
		}
	}
}
