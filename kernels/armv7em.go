// armv7em.go: the "armv7em" kernel set (Armv7E-M and Armv8-M Mainline
// with DSP): its kernels and the compile-time work they rely on (packed
// and widened weights, biases with the input zero point folded in,
// requantisation parameters for the 32-bit path).

package kernels

import (
	"embed"
	"fmt"
	"io/fs"
	"math"

	"github.com/tinygen/tinygen/ir"
)

//go:embed armv7em/*.h armv7em/*.c
var armv7emFiles embed.FS

// ArmV7EM is the name of the DSP kernel set for Armv7E-M and Armv8-M
// Mainline with the DSP extension (Cortex-M4, M7, M33; M55 until a
// Helium set exists).
const ArmV7EM = "armv7em"

// armv7emSet returns the armv7em kernel set. Its kernels specialise the
// int8 CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, AVERAGE_POOL_2D
// and MAX_POOL_2D reference kernels;
// docs/kernels.md describes their algorithms and why they are exact.
func armv7emSet() Set {
	files, err := fs.Sub(armv7emFiles, ArmV7EM)
	if err != nil {
		panic(err) // the embedded folder exists: a build error, not input
	}
	conv := []ir.OpKind{ir.Conv2D}
	return Set{
		Name:        ArmV7EM,
		Description: "Armv7E-M / Armv8-M DSP (SMLAD) int8 kernels, weights packed at compile time",
		Files:       files,
		Header:      "tg_armv7em.h",
		Kernels: []Kernel{
			{Symbol: "tg_conv2d_s8_pw_armv7em", Ops: conv, Types: "int8", Set: ArmV7EM,
				ParamsType: "tg_conv2d_s8_pw_armv7em_params_t", Specialises: "tg_conv2d_s8", Specialise: specialisePointwise},
			{Symbol: "tg_conv2d_s8_im2col_armv7em", Ops: conv, Types: "int8", Set: ArmV7EM,
				ParamsType: "tg_conv2d_s8_im2col_armv7em_params_t", Specialises: "tg_conv2d_s8",
				Specialise: specialiseIm2col, Scratch: im2colScratch},
			{Symbol: "tg_depthwise_conv2d_s8_c1_armv7em", Ops: []ir.OpKind{ir.DepthwiseConv2D}, Types: "int8", Set: ArmV7EM,
				ParamsType: "tg_conv2d_s8_im2col_armv7em_params_t", Specialises: "tg_depthwise_conv2d_s8",
				Specialise: specialiseDepthwiseC1, Scratch: im2colScratch},
			{Symbol: "tg_add_s8_armv7em", Ops: []ir.OpKind{ir.Add}, Types: "int8", Set: ArmV7EM, InPlace: true,
				ParamsType: "tg_add_s8_armv7em_params_t", Specialises: "tg_add_s8", Specialise: specialiseAdd},
			{Symbol: "tg_depthwise_conv2d_s8_armv7em", Ops: []ir.OpKind{ir.DepthwiseConv2D}, Types: "int8", Set: ArmV7EM,
				ParamsType: "tg_depthwise_conv2d_s8_armv7em_params_t", Specialises: "tg_depthwise_conv2d_s8",
				Specialise: specialiseDepthwise, Scratch: depthwiseScratch},
			{Symbol: "tg_fully_connected_s8_armv7em", Ops: []ir.OpKind{ir.FullyConnected}, Types: "int8", Set: ArmV7EM,
				ParamsType: "tg_fully_connected_s8_armv7em_params_t", Specialises: "tg_fully_connected_s8",
				Specialise: specialiseFullyConnected},
			{Symbol: "tg_average_pool2d_s8_armv7em", Ops: []ir.OpKind{ir.AveragePool2D}, Types: "int8", Set: ArmV7EM,
				ParamsType: "tg_pool_s8_params_t", Specialises: "tg_average_pool2d_s8", Specialise: specialisePool},
			{Symbol: "tg_max_pool2d_s8_armv7em", Ops: []ir.OpKind{ir.MaxPool2D}, Types: "int8", Set: ArmV7EM,
				ParamsType: "tg_pool_s8_params_t", Specialises: "tg_max_pool2d_s8", Specialise: specialisePool},
		},
	}
}

// armRef are the fields of a reference int8 convolution-like call that
// the armv7em kernels reuse.
type armRef struct {
	win                 Struct
	inOffset, outOffset int32
	actMin, actMax      int32
	filterOffset        int32
	mult, shift         []int64
}

func (r armRef) winInt(name string) int {
	for _, f := range r.win.Fields {
		if f.Name == name {
			if v, ok := f.Value.(Int); ok {
				return int(v)
			}
		}
	}
	return -1
}

// readRef extracts armRef from a reference call.
func readRef(ref Call) (armRef, error) {
	var r armRef
	for _, f := range ref.Params.Fields {
		switch v := f.Value.(type) {
		case Struct:
			if f.Name == "win" {
				r.win = v
			}
		case Int:
			switch f.Name {
			case "input_offset":
				r.inOffset = int32(v)
			case "output_offset":
				r.outOffset = int32(v)
			case "act_min":
				r.actMin = int32(v)
			case "act_max":
				r.actMax = int32(v)
			case "filter_offset":
				r.filterOffset = int32(v)
			}
		case Array:
			switch f.Name {
			case "multiplier":
				r.mult = v.Ints
			case "shift":
				r.shift = v.Ints
			}
		}
	}
	if len(r.mult) == 0 || len(r.mult) != len(r.shift) {
		return r, fmt.Errorf("reference parameters %s have no multipliers", ref.Params.Type)
	}
	return r, nil
}

// maxInput is the largest |x + inOffset| over int8 inputs x.
func maxInput(inOffset int32) int64 {
	a, b := int64(-128+inOffset), int64(127+inOffset)
	return max(abs64(a), abs64(b))
}

// fastFoldRight is the largest right shift with which the 32-bit
// requantisation folds the output offset into its rounding term: with
// |v| <= 2^29 + 1, 2^(e-1) and |output offset| * 2^e <= 2^7 * 2^22 the
// rounding sum stays below 2^31. Larger shifts (up to 31, where
// |v| + 2^(e-1) <= 2^29 + 1 + 2^30 still fits) add the offset after the
// shift (requant_fast 2).
const fastFoldRight = 22

// requantParams returns the 4 int32 per channel of the kernels' requant
// array and requant_fast: 1 or 2 when the 32-bit path is exact for every
// channel, 3 or 4 when its "plus" form is (see requantPlus), 0 otherwise.
// The path is exact when the right shift e is in
// [1, 31], the multiplier is not INT32_MIN and the accumulator bound times
// 2^(left shift + 1) is at most 2^30, so that the doubled, left-shifted
// accumulator fits int32 (SMMULR(2a, M) is then
// SaturatingRoundingDoublingHighMul(a, M)), |v| <= 2^29 + 1 and the
// rounding sum v + 2^(e-1) (+ offset*2^e when folded) + (v >> 31) of
// RoundingDivideByPOT cannot overflow. A channel whose multiplier is 0, or
// whose right shift is large but whose rounded result is 0 for every
// accumulator within the bound, is the constant output offset. bound[c]
// bounds |accumulator| of channel c. Every fast mode needs a right shift,
// so the left shift is 0: the kernels shift by the constant 1 (modes 1
// and 2) or 0 (modes 3 and 4) and ignore the stored left shift.
func requantParams(mult, shift []int64, bound []int64, outOffset int32) ([]int64, int) {
	fast := 1
	constant := make([]bool, len(mult))
	for c := range mult {
		left, right := max(shift[c], 0), max(-shift[c], 0)
		if mult[c] == 0 {
			// SaturatingRoundingDoublingHighMul(acc << left, 0) = 0 for
			// every accumulator: the channel is the output offset.
			constant[c] = true
			continue
		}
		if right > 1 && left == 0 && mult[c] > 0 && bound[c] <= 1<<31 {
			// |SaturatingRoundingDoublingHighMul(acc, M)| <= vmax; when
			// vmax < 2^(right-1) the rounding shift gives 0 for every
			// accumulator: the channel is the output offset.
			vmax := bound[c]*mult[c]>>31 + 1
			if vmax < int64(1)<<(right-1) {
				constant[c] = true
				continue
			}
		}
		if right < 1 || right > 31 || mult[c] == math.MinInt32 || left+1 > 30 || bound[c] > (int64(1)<<30)>>(left+1) {
			fast = 0
			break
		}
		if right > fastFoldRight {
			fast = 2
		}
	}
	if fast == 0 {
		if rq, mode, ok := requantPlus(mult, shift, bound, outOffset); ok {
			return rq, mode
		}
	}
	rq := make([]int64, 0, 4*len(mult))
	for c := range mult {
		switch {
		case fast == 0:
			rq = append(rq, mult[c], shift[c], 0, 0)
		case constant[c] && fast == 1:
			rq = append(rq, 0, 1, 1, 1+int64(outOffset)<<1)
		case constant[c]:
			rq = append(rq, 0, 1, 1, 1)
		default:
			right := -shift[c]
			rc := int64(1) << (right - 1)
			if fast == 1 {
				rc += int64(outOffset) << right
			}
			rq = append(rq, mult[c], max(shift[c], 0)+1, right, rc)
		}
	}
	return rq, fast
}

// requantPlus plans the "plus" form of the 32-bit requantisation
// (requant_fast 3, offset folded, or 4, offset added after the shift), for
// accumulators too large to double: with M in [2^30, 2^31) and x = acc <<
// left (no wrap: bound * 2^left < 2^31),
// SaturatingRoundingDoublingHighMul(x, M) = SMMULR(x, 2M - 2^32) + x for
// every int32 x (docs/kernels.md, armv7em), so the kernels store m = 2M -
// 2^32 and ls = left. The rounding sum of RoundingDivideByPOT must still
// fit int32: |v| <= bound * 2^left * M / 2^31 + 1 is checked per channel.
// A channel with multiplier 0 (TFLM outputs the offset) gets m = -2^31,
// ls 0, rs 31, rc 2^30: v = floor((acc + 1) / 2) and, for |acc| <= 2^31 -
// 4, the shift gives 0; such a channel needs the offset added after the
// shift (mode 4). ok is false when a channel does not qualify.
func requantPlus(mult, shift []int64, bound []int64, outOffset int32) ([]int64, int, bool) {
	const lim = int64(1) << 31
	fits := func(mode int) bool {
		for c := range mult {
			if mult[c] == 0 {
				if mode == 3 || bound[c] > lim-4 {
					return false
				}
				continue
			}
			left, right := max(shift[c], 0), max(-shift[c], 0)
			if mult[c] < 1<<30 || mult[c] >= lim || right < 1 || right > 31 || left > 30 {
				return false
			}
			x := bound[c] << uint(left)
			if bound[c] >= lim || x >= lim {
				return false
			}
			sum := x*mult[c]>>31 + 1 + int64(1)<<(right-1) + 1
			if mode == 3 {
				sum += abs64(int64(outOffset)) << uint(right)
			}
			if sum >= lim {
				return false
			}
		}
		return true
	}
	mode := 3
	if !fits(3) {
		if !fits(4) {
			return nil, 0, false
		}
		mode = 4
	}
	rq := make([]int64, 0, 4*len(mult))
	for c := range mult {
		if mult[c] == 0 {
			rq = append(rq, -lim, 0, 31, 1<<30)
			continue
		}
		right := -shift[c]
		rc := int64(1) << (right - 1)
		if mode == 3 {
			rc += int64(outOffset) << right
		}
		rq = append(rq, 2*mult[c]-2*lim, max(shift[c], 0), right, rc)
	}
	return rq, mode, true
}

// gemmPlan is the compile-time part of tg_a7_gemm_t.
type gemmPlan struct {
	weights, bias, requant []int64
	fast                   int
}

// planGemm packs the filter w ([cols][depth], row-major) for the GEMM core
// (see tg_a7_gemm_t in tg_armv7em.h), folds inOffset into the bias
// (modulo 2^32, which is exact because the C accumulates modulo 2^32 and
// im2col pads with the input zero point) and plans requantisation.
func planGemm(w []int8, bias []int32, cols, depth int, inOffset, outOffset int32, mult, shift []int64) gemmPlan {
	d4 := (depth + 3) &^ 3
	var p gemmPlan
	p.weights = make([]int64, 0, cols*d4)
	group := func(n, g int) {
		for k := 4 * g; k < 4*g+4; k++ {
			if k < depth {
				p.weights = append(p.weights, int64(w[n*depth+k]))
			} else {
				p.weights = append(p.weights, 0)
			}
		}
	}
	n := 0
	for ; n+1 < cols; n += 2 {
		for g := 0; g < d4/4; g++ {
			group(n, g)
			group(n+1, g)
		}
	}
	if n < cols {
		for g := 0; g < d4/4; g++ {
			group(n, g)
		}
	}
	bound := make([]int64, cols)
	xmax := maxInput(inOffset)
	p.bias = make([]int64, cols)
	for c := 0; c < cols; c++ {
		var sum, sumAbs int64
		for k := 0; k < depth; k++ {
			v := int64(w[c*depth+k])
			sum += v
			sumAbs += abs64(v)
		}
		p.bias[c] = int64(int32(uint32(int64(bias[c]) + int64(inOffset)*sum)))
		bound[c] = abs64(int64(bias[c])) + sumAbs*xmax
	}
	p.requant, p.fast = requantParams(mult, shift, bound, outOffset)
	return p
}

// struct returns the tg_a7_gemm_t value of the plan.
func (p gemmPlan) value(rows, cols, depth int, r armRef) Struct {
	return Struct{Type: "tg_a7_gemm_t", Fields: []Field{
		fi("rows", rows), fi("cols", cols), fi("depth", depth),
		f("output_offset", Int(r.outOffset)), f("act_min", Int(r.actMin)), f("act_max", Int(r.actMax)),
		fi("requant_fast", p.fast),
		f("weights", Array{Elem: "int8_t", Ints: p.weights}),
		f("bias", Array{Elem: "int32_t", Ints: p.bias}),
		f("requant", Array{Elem: "int32_t", Ints: p.requant}),
	}}
}

// convGeometry returns the CONV_2D op's filter values and shape when the
// armv7em kernels can run it: int8 constant filter and bias, one group.
func convGeometry(op *ir.Op, ref Call) (w []int8, bias []int32, r armRef, ok bool, err error) {
	if op.Kind != ir.Conv2D || len(op.Inputs) < 2 {
		return nil, nil, r, false, nil
	}
	x, filt := op.Inputs[0], op.Inputs[1]
	if len(filt.Shape) != 4 || len(x.Shape) != 4 || filt.Shape[3] != x.Shape[3] {
		return nil, nil, r, false, nil // grouped convolutions stay reference
	}
	w, ok = constInt8(filt)
	if !ok {
		return nil, nil, r, false, nil
	}
	bias, ok = constBias(op.Input(2), filt.Shape[0])
	if !ok {
		return nil, nil, r, false, nil
	}
	r, err = readRef(ref)
	if err != nil {
		return nil, nil, r, false, err
	}
	if len(r.mult) != filt.Shape[0] {
		return nil, nil, r, false, fmt.Errorf("%d multipliers for %d output channels", len(r.mult), filt.Shape[0])
	}
	return w, bias, r, true, nil
}

// specialisePointwise accepts a CONV_2D with a 1x1 filter (never padded),
// a GEMM over the input pixels the strides select.
func specialisePointwise(op *ir.Op, ref Call) (Call, bool, error) {
	w, bias, r, ok, err := convGeometry(op, ref)
	if !ok || err != nil {
		return Call{}, false, err
	}
	if r.winInt("filter_h") != 1 || r.winInt("filter_w") != 1 || r.winInt("pad_h") != 0 || r.winInt("pad_w") != 0 {
		return Call{}, false, nil
	}
	x, y := op.Inputs[0], op.Outputs[0]
	cols, depth := y.Shape[3], x.Shape[3]
	p := planGemm(w, bias, cols, depth, r.inOffset, r.outOffset, r.mult, r.shift)
	return Call{
		Params: Struct{Type: "tg_conv2d_s8_pw_armv7em_params_t", Fields: []Field{f("win", r.win),
			f("gemm", p.value(2, cols, depth, r))}},
		Args: []Arg{in("input", x, "int8_t"), out(y, "int8_t")},
	}, true, nil
}

// im2colRowLen is the scratch row of tg_conv2d_s8_im2col_armv7em: one
// receptive field, rounded up to 4 bytes.
func im2colRowLen(op *ir.Op) int {
	if len(op.Inputs) < 2 || op.Inputs[1] == nil || len(op.Inputs[1].Shape) != 4 {
		return 0
	}
	s := op.Inputs[1].Shape
	return (s[1]*s[2]*s[3] + 3) &^ 3
}

// im2colScratch is the scratch memory of tg_conv2d_s8_im2col_armv7em: two
// im2col rows.
func im2colScratch(op *ir.Op) int { return 2 * im2colRowLen(op) }

// specialiseIm2col accepts any other one-group CONV_2D with constant
// weights.
func specialiseIm2col(op *ir.Op, ref Call) (Call, bool, error) {
	w, bias, r, ok, err := convGeometry(op, ref)
	if !ok || err != nil {
		return Call{}, false, err
	}
	s := op.Inputs[1].Shape
	cols, depth := s[0], s[1]*s[2]*s[3]
	if int64(im2colScratch(op)) > math.MaxInt32/2 {
		return Call{}, false, nil
	}
	return im2colCall(op, w, bias, cols, depth, r), true, nil
}

// im2colCall is the call of the im2col convolution for the filter w
// ([cols][depth], depth = filter_h*filter_w*in_c): the GEMM runs on the
// scratch rows' padded depth (row_len), whose extra weights are zero.
func im2colCall(op *ir.Op, w []int8, bias []int32, cols, depth int, r armRef) Call {
	x, y := op.Inputs[0], op.Outputs[0]
	rowLen := (depth + 3) &^ 3
	p := planGemm(w, bias, cols, depth, r.inOffset, r.outOffset, r.mult, r.shift)
	return Call{
		Params: Struct{Type: "tg_conv2d_s8_im2col_armv7em_params_t", Fields: []Field{
			f("win", r.win), f("pad_value", Int(-r.inOffset)), fi("row_len", rowLen),
			f("gemm", p.value(2, cols, rowLen, r))}},
		Args: []Arg{in("input", x, "int8_t"), out(y, "int8_t"), {Name: "scratch", Elem: "int8_t", Scratch: true}},
	}
}

// specialiseFullyConnected accepts a FULLY_CONNECTED with constant int8
// weights whose zero point is 0 (per-channel, or symmetric per-tensor).
func specialiseFullyConnected(op *ir.Op, ref Call) (Call, bool, error) {
	if len(op.Inputs) < 2 {
		return Call{}, false, nil
	}
	x, filt, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if len(filt.Shape) != 2 || filt.Shape[0] == 0 {
		return Call{}, false, nil
	}
	units, depth := filt.Shape[0], filt.Shape[1]
	w, ok := constInt8(filt)
	if !ok {
		return Call{}, false, nil
	}
	bias, ok := constBias(op.Input(2), units)
	if !ok {
		return Call{}, false, nil
	}
	r, err := readRef(ref)
	if err != nil {
		return Call{}, false, err
	}
	if r.filterOffset != 0 {
		return Call{}, false, nil
	}
	mult, shift := r.mult, r.shift
	if len(mult) == 1 && units > 1 {
		mult, shift = make([]int64, units), make([]int64, units)
		for i := range mult {
			mult[i], shift[i] = r.mult[0], r.shift[0]
		}
	}
	if len(mult) != units {
		return Call{}, false, fmt.Errorf("%d multipliers for %d units", len(mult), units)
	}
	rows := y.Shape.Elements() / units
	if rows*depth != x.Shape.Elements() {
		return Call{}, false, nil
	}
	p := planGemm(w, bias, units, depth, r.inOffset, r.outOffset, mult, shift)
	return Call{
		Params: Struct{Type: "tg_fully_connected_s8_armv7em_params_t", Fields: []Field{f("gemm", p.value(rows, units, depth, r))}},
		Args:   []Arg{in("input", x, "int8_t"), out(y, "int8_t")},
	}, true, nil
}

// specialiseDepthwise accepts a DEPTHWISE_CONV_2D with depth multiplier 1
// and constant int8 weights.
func specialiseDepthwise(op *ir.Op, ref Call) (Call, bool, error) {
	a, ok := op.Attrs.(ir.DepthwiseConv2DAttrs)
	if !ok || a.DepthMultiplier != 1 || len(op.Inputs) < 2 {
		return Call{}, false, nil
	}
	x, filt, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if len(filt.Shape) != 4 || len(x.Shape) != 4 || filt.Shape[3] != x.Shape[3] || y.Shape[3] != x.Shape[3] || x.Shape[3] == 1 {
		return Call{}, false, nil // one input channel: tg_depthwise_conv2d_s8_c1_armv7em
	}
	w, ok := constInt8(filt)
	if !ok {
		return Call{}, false, nil
	}
	ch, taps := x.Shape[3], filt.Shape[1]*filt.Shape[2]
	if taps > dwMaxTaps {
		return Call{}, false, nil
	}
	bias, ok := constBias(op.Input(2), ch)
	if !ok {
		return Call{}, false, nil
	}
	r, err := readRef(ref)
	if err != nil {
		return Call{}, false, err
	}
	if len(r.mult) != ch {
		return Call{}, false, fmt.Errorf("%d multipliers for %d channels", len(r.mult), ch)
	}
	// Widened filter: per group of 4 channels, per tap, the int16 pairs
	// (c, c+2) and (c+1, c+3) as two int32 words.
	groups := (ch + 3) / 4
	wide := make([]int64, 0, groups*taps*2)
	at := func(t, c int) int64 {
		if c < ch {
			return int64(w[t*ch+c])
		}
		return 0
	}
	pair := func(lo, hi int64) int64 { return int64(int32(uint32(lo)&0xffff | uint32(hi)<<16)) }
	for g := 0; g < groups; g++ {
		for t := 0; t < taps; t++ {
			c := 4 * g
			wide = append(wide, pair(at(t, c), at(t, c+2)), pair(at(t, c+1), at(t, c+3)))
		}
	}
	bound := make([]int64, ch)
	xmax := maxInput(r.inOffset)
	b64 := make([]int64, ch)
	for c := 0; c < ch; c++ {
		var sumAbs int64
		for t := 0; t < taps; t++ {
			sumAbs += abs64(int64(w[t*ch+c]))
		}
		bound[c] = abs64(int64(bias[c])) + sumAbs*xmax
		b64[c] = int64(bias[c])
	}
	rq, fast := requantParams(r.mult, r.shift, bound, r.outOffset)
	return Call{
		Params: Struct{Type: "tg_depthwise_conv2d_s8_armv7em_params_t", Fields: []Field{
			f("win", r.win), f("input_offset", Int(r.inOffset)), f("output_offset", Int(r.outOffset)),
			f("act_min", Int(r.actMin)), f("act_max", Int(r.actMax)), fi("requant_fast", fast),
			f("weights", Array{Elem: "int32_t", Ints: wide}),
			f("bias", Array{Elem: "int32_t", Ints: b64}),
			f("requant", Array{Elem: "int32_t", Ints: rq}),
		}},
		Args: []Arg{in("input", x, "int8_t"), out(y, "int8_t"), {Name: "scratch", Elem: "int8_t", Scratch: true}},
	}, true, nil
}

// dwMaxTaps is TG_A7_DW_MAX_TAPS of tg_armv7em.h.
const dwMaxTaps = 64

// depthwiseScratch is the scratch memory of tg_depthwise_conv2d_s8_armv7em:
// one pixel of input zero points (in_c bytes, rounded up to 4).
func depthwiseScratch(op *ir.Op) int {
	s := op.Inputs[0].Shape
	if len(s) != 4 {
		return 0
	}
	return (s[3] + 3) &^ 3
}

// specialiseDepthwiseC1 accepts a DEPTHWISE_CONV_2D with one input channel
// (any depth multiplier) and constant int8 weights, and runs it as the
// CONV_2D with the transposed filter: output channel m reads the input
// through filter[0, fy, fx, m], conv filter [m, fy, fx, 0].
func specialiseDepthwiseC1(op *ir.Op, ref Call) (Call, bool, error) {
	if len(op.Inputs) < 2 {
		return Call{}, false, nil
	}
	x, filt, y := op.Inputs[0], op.Inputs[1], op.Outputs[0]
	if len(filt.Shape) != 4 || len(x.Shape) != 4 || len(y.Shape) != 4 || x.Shape[3] != 1 || filt.Shape[3] != y.Shape[3] {
		return Call{}, false, nil
	}
	dw, ok := constInt8(filt)
	if !ok {
		return Call{}, false, nil
	}
	cols, taps := filt.Shape[3], filt.Shape[1]*filt.Shape[2]
	bias, ok := constBias(op.Input(2), cols)
	if !ok {
		return Call{}, false, nil
	}
	r, err := readRef(ref)
	if err != nil {
		return Call{}, false, err
	}
	if len(r.mult) != cols {
		return Call{}, false, fmt.Errorf("%d multipliers for %d channels", len(r.mult), cols)
	}
	if int64(im2colScratch(op)) > math.MaxInt32/2 {
		return Call{}, false, nil
	}
	w := make([]int8, cols*taps)
	for m := 0; m < cols; m++ {
		for t := 0; t < taps; t++ {
			w[m*taps+t] = dw[t*cols+m]
		}
	}
	return im2colCall(op, w, bias, cols, taps, r), true, nil
}

// specialiseAdd accepts an int8 ADD without broadcasting whose three
// rescalings all fit the 32-bit form: with |a + offset| <= 255 and
// shift = left_shift + 1, x = (a + offset) << shift must stay below 2^30
// so that SMMULR(x, m) is SaturatingRoundingDoublingHighMul(x / 2, m)
// (|result| <= 2^28 + 1); each right shift e is in [1, 29] (or 0 for an
// input, whose rounding the kernel then skips), so the rounding sum
// v + 2^(e-1) + (v >> 31) cannot overflow; and 2 (sx + sy) <= 2^30 + 4
// fits for the output's SMMULR.
// addInputTable is an ADD input's rescaled value for each int8 input
// x = -128 .. 127 at index uint8(x) (the kernel indexes with the
// unsigned byte: one LDRB, no offset), computed as the 32-bit form the kernel
// used per element: RoundingDivideByPOT(SMMULR((x + offset) << shift, m),
// e) with the rounding term rc (2^(e-1), or 0 for e = 0), which
// specialiseAdd has proved equal to TFLM's. The kernel then reads two
// table entries per element instead of two rescalings (1 KiB of ROM per
// input).
func addInputTable(offset, shift, m, e, rc int64) []int64 {
	t := make([]int64, 256)
	for x := int64(-128); x < 128; x++ {
		a := int64(int32(uint32(x+offset) << uint(shift)))
		v := (a*m + 1<<31) >> 32
		nm := int64(0)
		if e > 0 {
			nm = -1
		}
		t[uint8(int8(x))] = (v + rc + ((v >> 31) & nm)) >> uint(e)
	}
	return t
}

func specialiseAdd(op *ir.Op, ref Call) (Call, bool, error) {
	var bc Struct
	vals := map[string]int64{}
	for _, fl := range ref.Params.Fields {
		switch v := fl.Value.(type) {
		case Struct:
			bc = v
		case Int:
			vals[fl.Name] = int64(v)
		}
	}
	size, broadcast := int64(-1), int64(-1)
	for _, fl := range bc.Fields {
		if v, ok := fl.Value.(Int); ok {
			switch fl.Name {
			case "size":
				size = int64(v)
			case "broadcast":
				broadcast = int64(v)
			}
		}
	}
	if broadcast != 0 || size < 0 {
		return Call{}, false, nil
	}
	shift := vals["left_shift"] + 1
	if shift < 1 || 255<<shift >= 1<<30 {
		return Call{}, false, nil
	}
	right := func(s int64, zeroOK bool) (int64, int64, bool) {
		e := -s
		switch {
		case e == 0 && zeroOK:
			return 0, 0, true
		case e < 1 || e > 29:
			return 0, 0, false
		}
		return e, 1 << (e - 1), true
	}
	e1, rc1, ok1 := right(vals["input1_shift"], true)
	e2, rc2, ok2 := right(vals["input2_shift"], true)
	eo, rco, ok3 := right(vals["output_shift"], false)
	if !ok1 || !ok2 || !ok3 {
		return Call{}, false, nil
	}
	for _, m := range []string{"input1_multiplier", "input2_multiplier", "output_multiplier"} {
		if vals[m] < 0 {
			return Call{}, false, nil
		}
	}
	i := func(v int64) Value { return Int(v) }
	t1 := addInputTable(vals["input1_offset"], shift, vals["input1_multiplier"], e1, rc1)
	t2 := addInputTable(vals["input2_offset"], shift, vals["input2_multiplier"], e2, rc2)
	return Call{
		Params: Struct{Type: "tg_add_s8_armv7em_params_t", Fields: []Field{
			f("size", i(size)), f("input1_offset", i(vals["input1_offset"])), f("input2_offset", i(vals["input2_offset"])),
			f("shift", i(shift)),
			f("m1", i(vals["input1_multiplier"])), f("e1", i(e1)), f("rc1", i(rc1)),
			f("m2", i(vals["input2_multiplier"])), f("e2", i(e2)), f("rc2", i(rc2)),
			f("mo", i(vals["output_multiplier"])), f("eo", i(eo)), f("rco", i(rco)),
			f("output_offset", i(vals["output_offset"])), f("act_min", i(vals["act_min"])), f("act_max", i(vals["act_max"])),
			f("table1", Array{Elem: "int32_t", Ints: t1}), f("table2", Array{Elem: "int32_t", Ints: t2})}},
		Args: ref.Args,
	}, true, nil
}
