// limits.go: the bounds that keep a lowered kernel call inside its C types.
package kernels

import (
	"fmt"
	"math"
	"strings"

	"github.com/tinygen/tinygen/ir"
)

// The reference kernels (kernels/reference/*.c) hold every size, stride,
// coordinate and element or byte offset in int32_t. checkLimits, called by
// Lower on every call it builds, refuses a call for which some constant or
// some intermediate value of a kernel's index arithmetic would leave that
// type (signed overflow is undefined behaviour in C). The bounds are
// computed in int64 from the parameter values the kernel receives; every
// factor is at most 2^31 (checkParams runs first), so no product below
// overflows int64.
//
// The int32 accumulators of the int8 kernels are not bounded: they are
// uint32 in the C and wrap modulo 2^32 exactly as the evaluator's int32
// arithmetic and TFLM's do, so a deep accumulation gives the same bits
// everywhere and no undefined behaviour.

// maxC is the largest value of int32_t, the type of the kernels' indices.
const maxC = math.MaxInt32

// checkLimits checks a lowered call: its parameter values against their C
// field types, its tensors' byte sizes, and the index arithmetic of its
// kernel family.
func checkLimits(c Call) error {
	if err := checkParams("", c.Params); err != nil {
		return err
	}
	if err := checkTensorBytes(c.Args); err != nil {
		return err
	}
	return checkIndexMath(c)
}

// cRange returns the range of a C integer type of the parameter structs.
func cRange(ctype string) (lo, hi int64, ok bool) {
	switch ctype {
	case "int8_t":
		return math.MinInt8, math.MaxInt8, true
	case "uint8_t":
		return 0, math.MaxUint8, true
	case "int16_t":
		return math.MinInt16, math.MaxInt16, true
	case "int32_t":
		return math.MinInt32, math.MaxInt32, true
	}
	return 0, 0, false
}

// scalarCType is the C type of every scalar integer member of the
// parameter structs in tg_kernels.h (TestScalarFieldsAreInt32 reads the
// header to keep this true).
const scalarCType = "int32_t"

// checkParams checks every integer value of a parameter struct against
// the range of its C field type: an Int against int32_t, an Array's
// elements against its element type. Errors name the field path
// ("win.dilation_h").
func checkParams(prefix string, s Struct) error {
	for _, fl := range s.Fields {
		name := prefix + fl.Name
		switch v := fl.Value.(type) {
		case Int:
			if lo, hi, _ := cRange(scalarCType); int64(v) < lo || int64(v) > hi {
				return fmt.Errorf("parameter %s = %d does not fit the kernel's %s", name, int64(v), scalarCType)
			}
		case Array:
			if v.Elem == "float" {
				continue
			}
			lo, hi, ok := cRange(v.Elem)
			if !ok {
				return fmt.Errorf("parameter %s has unknown element type %s", name, v.Elem)
			}
			for i, x := range v.Ints {
				if x < lo || x > hi {
					return fmt.Errorf("parameter %s[%d] = %d does not fit the kernel's %s", name, i, x, v.Elem)
				}
			}
		case Struct:
			if err := checkParams(name+".", v); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkTensorBytes refuses a tensor whose size in bytes the kernels'
// int32 byte offsets cannot reach (the data-movement kernels index bytes;
// the others index elements, which are fewer).
func checkTensorBytes(args []Arg) error {
	for _, a := range args {
		ts := a.List
		if a.Tensor != nil {
			ts = []*ir.Tensor{a.Tensor}
		}
		for _, t := range ts {
			if t == nil {
				continue
			}
			n := int64(t.Shape.Elements()) * int64(t.DType.Size())
			if n > maxC {
				return fmt.Errorf("%s %v is %d bytes, more than the kernels' int32 offsets can address", a.Name, t, n)
			}
		}
	}
	return nil
}

// checkIndexMath dispatches on the parameter struct's members to the
// bound of the kernel family's index arithmetic.
func checkIndexMath(c Call) error {
	fields := fieldMap(c.Params)
	if w, ok := fields["win"].(Struct); ok {
		if strings.HasPrefix(c.Kernel.Symbol, "tg_average_pool2d_s8") {
			// The int8 average pools sum the in-image part of a window
			// in int32 (the reference signed): at most 2^23 taps of
			// |x| <= 128 cannot overflow.
			wf := fieldMap(w)
			get := func(n string) int64 { return int64(wf[n].(Int)) }
			if taps := min(get("filter_h"), get("in_h")) * min(get("filter_w"), get("in_w")); taps > 1<<23 {
				return fmt.Errorf("a %d-tap average pool window overflows the int32 window sum (at most %d taps; in %s)", taps, 1<<23, c.Kernel.Symbol)
			}
		}
		return checkWindow(w, c.Kernel.Symbol)
	}
	if bc, ok := fields["bc"].(Struct); ok {
		b := fieldMap(bc)
		dims := b["dims"].(Array).Ints
		if err := checkWalk("input a", 0, dims, b["a_strides"].(Array).Ints, 1); err != nil {
			return err
		}
		return checkWalk("input b", 0, dims, b["b_strides"].(Array).Ints, 1)
	}
	if r, ok := fields["r"].(Struct); ok {
		m := fieldMap(r)
		if err := checkWalk("kept axes", 0, m["kept_dims"].(Array).Ints, m["kept_strides"].(Array).Ints, 1); err != nil {
			return err
		}
		return checkWalk("reduced axes", 0, m["reduced_dims"].(Array).Ints, m["reduced_strides"].(Array).Ints, 1)
	}
	esz, _ := fields["elem_bytes"].(Int)
	base, _ := fields["base"].(Int)
	if d, ok := fields["dims"].(Array); ok { // tg_gather
		return checkWalk("input", int64(base), d.Ints, fields["strides"].(Array).Ints, int64(esz))
	}
	if d, ok := fields["in_dims"].(Array); ok { // tg_pad
		return checkWalk("output", int64(base), d.Ints, fields["out_strides"].(Array).Ints, int64(esz))
	}
	return nil
}

func fieldMap(s Struct) map[string]Value {
	m := make(map[string]Value, len(s.Fields))
	for _, fl := range s.Fields {
		m[fl.Name] = fl.Value
	}
	return m
}

// checkWalk bounds the offsets of TG_WALK_ROWS / TG_BROADCAST_EACH /
// tg_reduce_t walks: starting at base, each loop adds its stride once per
// iteration (and once more on leaving it), so every running offset is at
// most |base| + sum dims[k]*|strides[k]| in magnitude; the byte kernels
// then multiply offsets and strides by the element size esz.
func checkWalk(what string, base int64, dims, strides []int64, esz int64) error {
	sum := abs(base)
	for k := range dims {
		if k < len(strides) {
			sum = satAdd(sum, satMul(dims[k], abs(strides[k])))
		}
	}
	if v := satMul(sum, max(esz, 1)); v > maxC {
		return fmt.Errorf("%s offsets reach %d (|base| + sum of dims*|strides|, times %d-byte elements), which overflows int32", what, v, max(esz, 1))
	}
	return nil
}

// satLimit caps the bound arithmetic: anything above it overflows int32
// anyway, and capping keeps sums and products of int32 values in int64.
const satLimit = 1 << 62

// satMul returns a*b for a, b >= 0, capped at satLimit.
func satMul(a, b int64) int64 {
	if a != 0 && b > satLimit/a {
		return satLimit
	}
	return min(a*b, satLimit)
}

// satAdd returns a+b for a, b >= 0, capped at satLimit.
func satAdd(a, b int64) int64 { return min(a+b, satLimit) }

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// checkWindow bounds the coordinate arithmetic of the conv, depthwise
// conv and pooling kernels over one tg_window_t: the row y0 = oy*stride -
// pad of the first tap, the tap offset dilation*fy, the tapped row iy = y0
// + dilation*fy, the pools' clipping in - y0, and the pools' index of the
// first in-image tap ((b*in_h + y)*in_w + x)*in_c, where y and x are the
// clipped window's first row and column (computed even for an empty
// window). Products of in-range coordinates with the tensor's dimensions
// stay below the tensor's element count, which checkTensorBytes bounds.
func checkWindow(w Struct, symbol string) error {
	v := map[string]int64{}
	for _, fl := range w.Fields {
		v[fl.Name] = int64(fl.Value.(Int))
	}
	if v["batches"] == 0 || v["out_h"] == 0 || v["out_w"] == 0 || v["out_c"] == 0 {
		return nil // the kernel's loops run no iteration
	}
	firstRow := [2]int64{}
	for i, ax := range [2]struct{ dim, axis string }{{"h", "row"}, {"w", "column"}} {
		out, in := v["out_"+ax.dim], v["in_"+ax.dim]
		k, s, d, p := v["filter_"+ax.dim], v["stride_"+ax.dim], v["dilation_"+ax.dim], v["pad_"+ax.dim]
		y0max := (out-1)*s - p
		checks := []struct {
			expr string
			val  int64
		}{
			{fmt.Sprintf("(out-1)*stride = (%d-1)*%d", out, s), (out - 1) * s},
			{fmt.Sprintf("(k-1)*dilation = (%d-1)*%d", k, d), (k - 1) * d},
			{fmt.Sprintf("(out-1)*stride-pad+(k-1)*dilation = (%d-1)*%d-%d+(%d-1)*%d", out, s, p, k, d), y0max + (k-1)*d},
			{fmt.Sprintf("in-(-pad) = %d+%d", in, p), in + p},
			{fmt.Sprintf("in-((out-1)*stride-pad) = %d-%d", in, y0max), in - y0max},
		}
		for _, c := range checks {
			if c.val > maxC || c.val < math.MinInt32 {
				return fmt.Errorf("stride_%s %d, dilation_%s %d and pad_%s %d make input %s index %s = %d overflow int32 (in %s)",
					ax.dim, s, ax.dim, d, ax.dim, p, ax.axis, c.expr, c.val, symbol)
			}
		}
		firstRow[i] = max(y0max, 0)
	}
	// The pools' first-tap index, factor by factor.
	t := satAdd(satMul(v["batches"]-1, v["in_h"]), firstRow[0])
	t = satAdd(satMul(t, v["in_w"]), firstRow[1])
	t = satMul(t, v["in_c"])
	if t > maxC {
		return fmt.Errorf("the window's first input tap ((b*in_h+y)*in_w+x)*in_c reaches %d and overflows int32 (in %s)", t, symbol)
	}
	return nil
}
