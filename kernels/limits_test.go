// limits_test.go: tests of checkLimits, the int32 bounds of lowered calls.
package kernels

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tinygen/tinygen/ir"
)

// TestScalarFieldsAreInt32 keeps scalarCType true: every scalar integer
// member of a parameter struct in tg_kernels.h is int32_t (arrays carry
// their own element type in Array.Elem).
func TestScalarFieldsAreInt32(t *testing.T) {
	h, err := os.ReadFile(filepath.Join("include", "tg_kernels.h"))
	if err != nil {
		t.Fatal(err)
	}
	member := regexp.MustCompile(`^\s*(?:const\s+)?([a-z0-9_]+)\s+([^;]+);`)
	in, n := false, 0
	for _, line := range strings.Split(string(h), "\n") {
		switch {
		case strings.HasPrefix(line, "typedef struct {"):
			in = true
			continue
		case strings.HasPrefix(line, "}"):
			in = false
			continue
		}
		m := member.FindStringSubmatch(line)
		if !in || m == nil {
			continue
		}
		typ := m[1]
		for _, name := range strings.Split(m[2], ",") {
			name = strings.TrimSpace(name)
			if strings.HasPrefix(name, "*") || strings.Contains(name, "[") {
				continue // pointer or inline array: Array.Elem
			}
			n++
			switch typ {
			case scalarCType, "float", "tg_window_t", "tg_broadcast_t", "tg_reduce_t":
			default:
				t.Errorf("tg_kernels.h: member %s has type %s, but lower.go emits scalar integers as %s", name, typ, scalarCType)
			}
		}
	}
	if n < 50 {
		t.Fatalf("found only %d scalar members: the header's layout changed", n)
	}
}

// i8 returns an int8 tensor quantised per tensor (data may be nil).
func i8(id int, shape ir.Shape, data []byte) *ir.Tensor {
	return &ir.Tensor{ID: id, Name: fmt.Sprint("t", id), DType: ir.Int8, Shape: shape,
		Quant: &ir.Quant{Scale: []float32{0.05}, ZeroPoint: []int64{-3}}, Data: data}
}

// convOp is an int8 CONV_2D of a 1xHxWx1 input with a 1xKxKx1 filter.
func convOp(h, w, k int, a ir.Conv2DAttrs) *ir.Op {
	o := &ir.Op{Kind: ir.Conv2D, Attrs: a, Inputs: []*ir.Tensor{i8(0, ir.Shape{1, h, w, 1}, nil), i8(1, ir.Shape{1, k, k, 1}, make([]byte, k*k))}}
	out, err := ir.InferShape(o)
	if err != nil {
		panic(err)
	}
	o.Outputs = []*ir.Tensor{i8(2, out, nil)}
	return o
}

func poolOp(h, w, k, s int) *ir.Op { return poolKindOp(ir.MaxPool2D, h, w, k, s) }

func poolKindOp(kind ir.OpKind, h, w, k, s int) *ir.Op {
	a := ir.Pool2DAttrs{Padding: ir.PadSame, FilterH: k, FilterW: k, StrideH: s, StrideW: s}
	o := &ir.Op{Kind: kind, Attrs: a, Inputs: []*ir.Tensor{i8(0, ir.Shape{1, h, w, 1}, nil)}}
	out, err := ir.InferShape(o)
	if err != nil {
		panic(err)
	}
	o.Outputs = []*ir.Tensor{i8(1, out, nil)}
	return o
}

func dil(d int) ir.Conv2DAttrs {
	return ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: 1, StrideW: 1, DilationH: d, DilationW: 1}
}

// TestLowerLimits lowers ops at and beyond the int32 bounds.
func TestLowerLimits(t *testing.T) {
	tests := []struct {
		name string
		op   *ir.Op
		want string // "" = lowers
	}{
		{"plain conv", convOp(5, 5, 3, dil(1)), ""},
		{"dilation with (k-1)*d = 2^31-2", convOp(5, 5, 2, dil(math.MaxInt32-1)), ""},
		{"dilation with (k-1)*d = 2^31", convOp(5, 5, 3, dil(1<<30)), "(k-1)*dilation = (3-1)*1073741824 = 2147483648 overflow int32"},
		{"largest dilation", convOp(5, 5, 3, dil(math.MaxInt32)), "dilation_h 2147483647"},
		{"huge stride, one output", convOp(5, 5, 3, ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: math.MaxInt32, StrideW: math.MaxInt32, DilationH: 1, DilationW: 1}), ""},
		{"pool window larger than the image", poolOp(5, 5, math.MaxInt32, 1), ""},
		{"pool stride", poolOp(7, 7, 2, math.MaxInt32), ""},
		{"average pool window larger than the image", poolKindOp(ir.AveragePool2D, 5, 5, math.MaxInt32, 1), ""},
		{"average pool of 2^23 in-image taps", poolKindOp(ir.AveragePool2D, 4096, 2048, 4096, 4096), ""},
		{"average pool of 2^23+4096 in-image taps", poolKindOp(ir.AveragePool2D, 4096, 2049, 4096, 4096), "8392704-tap average pool window overflows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Lower(tc.op)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Lower: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("Lower succeeded, want an error with %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("Lower: %v, want %q", err, tc.want)
			}
		})
	}
}

// TestCheckParams checks the central range check of parameter values.
func TestCheckParams(t *testing.T) {
	tests := []struct {
		name string
		s    Struct
		want string
	}{
		{"int32 bounds", Struct{Fields: []Field{fi("a", math.MaxInt32), fi("b", math.MinInt32)}}, ""},
		{"above int32", Struct{Fields: []Field{fi("size", math.MaxInt32+1)}}, "parameter size = 2147483648 does not fit the kernel's int32_t"},
		{"below int32", Struct{Fields: []Field{f("win", Struct{Fields: []Field{fi("pad_h", math.MinInt32-1)}})}}, "parameter win.pad_h = -2147483649"},
		{"int8 array", Struct{Fields: []Field{f("table", Array{Elem: "int8_t", Ints: []int64{-128, 127, 128}})}}, "parameter table[2] = 128 does not fit the kernel's int8_t"},
		{"uint8 array", Struct{Fields: []Field{f("fill", Array{Elem: "uint8_t", Ints: []int64{-1}})}}, "parameter fill[0] = -1"},
		{"int32 array", Struct{Fields: []Field{f("dims", Array{Elem: "int32_t", Ints: []int64{1 << 40}})}}, "parameter dims[0] = 1099511627776"},
		{"floats", Struct{Fields: []Field{f("t", Array{Elem: "float", Floats: []float32{1e30}}), f("x", Float(1e30))}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkParams("", tc.s)
			if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("checkParams: %v, want %q", err, tc.want)
			}
		})
	}
}

// TestCheckWalk checks the walk bound of the broadcast, gather, pad and
// reduce kernels.
func TestCheckWalk(t *testing.T) {
	tests := []struct {
		name          string
		base          int64
		dims, strides []int64
		esz           int64
		ok            bool
	}{
		{"fits", 0, []int64{1, 1, 1, 1, 2, 3}, []int64{0, 0, 0, 0, 3, 1}, 4, true},
		{"exactly int32", math.MaxInt32 - 2, []int64{1, 2}, []int64{0, 1}, 1, true},
		{"one beyond", math.MaxInt32 - 1, []int64{1, 2}, []int64{0, 1}, 1, false},
		{"bytes beyond", 0, []int64{1 << 28}, []int64{1}, 8, false},
		{"negative strides count", 100, []int64{1 << 30, 2}, []int64{-2, 0}, 1, false},
		{"saturates", 0, []int64{math.MaxInt32, math.MaxInt32, math.MaxInt32}, []int64{math.MaxInt32, math.MaxInt32, math.MaxInt32}, 8, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkWalk("x", tc.base, tc.dims, tc.strides, tc.esz)
			if (err == nil) != tc.ok {
				t.Fatalf("checkWalk: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestRefusedConvOverflowsUnderUBSan shows that the refusal is needed: it
// lowers the huge-dilation convolution without checkLimits, builds the C
// kernel with those parameters under UndefinedBehaviorSanitizer and
// requires the signed overflow report that Lower's check prevents; the
// same harness with dilation 1 runs clean.
func TestRefusedConvOverflowsUnderUBSan(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc missing (Debian package gcc)")
	}
	run := func(d int) (string, error) {
		op := convOp(5, 5, 3, dil(d))
		c, err := lower(op)
		if err != nil {
			t.Fatal(err)
		}
		var win []string
		for _, fl := range c.Params.Fields[0].Value.(Struct).Fields {
			win = append(win, fmt.Sprint(int64(fl.Value.(Int))))
		}
		main := fmt.Sprintf(`#include <stddef.h>
#include "tg_kernels.h"
static const int32_t mult[1] = {1073741824};
static const int32_t shift[1] = {0};
static int8_t input[25], filter[9], output[25];
int main(void) {
  const tg_conv2d_s8_params_t p = {{%s}, 1, 3, 0, -128, 127, mult, shift};
  tg_conv2d_s8(&p, input, filter, NULL, output);
  return output[0] == 0 ? 0 : 0;
}
`, strings.Join(win, ", "))
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.c"), []byte(main), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		bin := filepath.Join(dir, "conv")
		build := exec.CommandContext(ctx, cc, "-std=c99", "-O0", "-fsanitize=undefined", "-fno-sanitize-recover=all",
			"-Iinclude", filepath.Join(dir, "main.c"), filepath.Join("reference", "tg_conv2d_s8.c"), "-o", bin)
		if out, err := build.CombinedOutput(); err != nil {
			t.Skipf("cannot build with UBSan: %v\n%s", err, out)
		}
		out, err := exec.CommandContext(ctx, bin).CombinedOutput()
		return string(out), err
	}
	if out, err := run(1); err != nil {
		t.Fatalf("dilation 1: %v\n%s", err, out)
	}
	out, err := run(1 << 30)
	if err == nil || !strings.Contains(out, "signed integer overflow") {
		t.Fatalf("dilation 2^30: want a UBSan signed overflow report, got %v\n%s", err, out)
	}
	if _, err := Lower(convOp(5, 5, 3, dil(1<<30))); err == nil {
		t.Fatal("Lower accepts the overflowing convolution")
	}
}
