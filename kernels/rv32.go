// rv32.go: the RV32IMC int8 kernel set "rv32" and the compile-time
// specialisation of its kernels (weight reordering, zero point folded into
// the bias, requantisation records).

package kernels

import (
	"embed"
	"fmt"
	"io/fs"
	"math"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

//go:embed rv32/*.c rv32/*.h
var rv32Sources embed.FS

// RV32 is the name of the RV32IMC int8 kernel set.
const RV32 = "rv32"

// rv32Simple reports whether every record of recs has no left shift and a
// right shift of at least 1 (the usual case: every effective scale below
// 1), which lets a kernel use those two as constants.
func rv32Simple(recs Array) bool {
	for i := 0; i+rv32Chan <= len(recs.Ints); i += rv32Chan {
		if sh := recs.Ints[i+3]; sh&255 != 0 || sh>>8 < 1 {
			return false
		}
	}
	return true
}

// rv32Chan is the length of a per-channel record (TG_RV32_CHAN): folded
// bias, doubled multiplier (as uint32 bits), rounding constant with the
// output offset folded in, left | right << 8.
const rv32Chan = 4

// rv32Set returns the kernel set "rv32": int8 CONV_2D, DEPTHWISE_CONV_2D,
// FULLY_CONNECTED, AVERAGE_POOL_2D and MAX_POOL_2D for RV32IM cores (register-blocked portable C99 that runs
// and is tested on the host too). docs/kernels.md describes the algorithms.
func rv32Set() Set {
	files, err := fs.Sub(rv32Sources, RV32)
	if err != nil {
		panic(err) // the embedded folder exists: a build error, not input
	}
	return Set{
		Name:        RV32,
		Description: "RV32IMC int8: register-blocked conv, depthwise and fully-connected kernels, bit-exact with reference",
		Files:       files,
		Header:      "tg_rv32.h",
		Kernels: []Kernel{
			{Symbol: "tg_conv2d_s8_rv32", Set: RV32, Ops: []ir.OpKind{ir.Conv2D}, Types: "int8",
				ParamsType: "tg_conv2d_s8_rv32_params_t", Specialises: "tg_conv2d_s8",
				Specialise: rv32Conv, Scratch: rv32ConvScratch},
			{Symbol: "tg_depthwise_conv2d_s8_rv32", Set: RV32, Ops: []ir.OpKind{ir.DepthwiseConv2D}, Types: "int8",
				ParamsType: "tg_depthwise_conv2d_s8_rv32_params_t", Specialises: "tg_depthwise_conv2d_s8",
				Specialise: rv32Depthwise, Scratch: rv32DepthwiseScratch},
			{Symbol: "tg_fully_connected_s8_rv32", Set: RV32, Ops: []ir.OpKind{ir.FullyConnected}, Types: "int8",
				ParamsType: "tg_fully_connected_s8_rv32_params_t", Specialises: "tg_fully_connected_s8",
				Specialise: rv32FullyConnected},
			{Symbol: "tg_average_pool2d_s8_rv32", Set: RV32, Ops: []ir.OpKind{ir.AveragePool2D}, Types: "int8",
				ParamsType: "tg_pool_s8_params_t", Specialises: "tg_average_pool2d_s8", Specialise: specialisePool},
			{Symbol: "tg_max_pool2d_s8_rv32", Set: RV32, Ops: []ir.OpKind{ir.MaxPool2D}, Types: "int8",
				ParamsType: "tg_pool_s8_params_t", Specialises: "tg_max_pool2d_s8", Specialise: specialisePool},
		},
	}
}

// refParams indexes the fields of a reference call's parameters by name.
type refParams map[string]Value

func paramsOf(ref Call) refParams {
	m := refParams{}
	for _, f := range ref.Params.Fields {
		m[f.Name] = f.Value
	}
	return m
}

func (m refParams) int(name string) (int64, error) {
	v, ok := m[name].(Int)
	if !ok {
		return 0, fmt.Errorf("reference parameters have no integer %s", name)
	}
	return int64(v), nil
}

func (m refParams) ints(name string) ([]int64, error) {
	v, ok := m[name].(Array)
	if !ok || v.Elem == "float" {
		return nil, fmt.Errorf("reference parameters have no integer array %s", name)
	}
	return v.Ints, nil
}

// win returns the fields of the reference's tg_window_t by name.
func (m refParams) win() (refParams, Struct, error) {
	w, ok := m["win"].(Struct)
	if !ok {
		return nil, Struct{}, fmt.Errorf("reference parameters have no window")
	}
	out := refParams{}
	for _, f := range w.Fields {
		out[f.Name] = f.Value
	}
	return out, w, nil
}

// rv32Quant is what every rv32 kernel takes from the reference call: the
// offsets, the activation range and one multiplier and shift per output
// channel.
type rv32Quant struct {
	inOff, outOff, lo, hi int64
	mult, shift           []int64
}

func rv32QuantOf(p refParams, channels int) (rv32Quant, error) {
	var q rv32Quant
	var err error
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"input_offset", &q.inOff}, {"output_offset", &q.outOff}, {"act_min", &q.lo}, {"act_max", &q.hi}} {
		if *f.dst, err = p.int(f.name); err != nil {
			return q, err
		}
	}
	if q.mult, err = p.ints("multiplier"); err != nil {
		return q, err
	}
	if q.shift, err = p.ints("shift"); err != nil {
		return q, err
	}
	if len(q.mult) == 1 && channels > 1 { // a per-tensor FULLY_CONNECTED
		m, s := q.mult[0], q.shift[0]
		q.mult, q.shift = make([]int64, channels), make([]int64, channels)
		for i := range q.mult {
			q.mult[i], q.shift[i] = m, s
		}
	}
	if len(q.mult) != channels || len(q.shift) != channels {
		return q, fmt.Errorf("reference parameters have %d multipliers and %d shifts for %d channels", len(q.mult), len(q.shift), channels)
	}
	return q, nil
}

// rv32Records builds the TG_RV32_CHAN records of channels 0..padTo-1 (the
// ones past len(sumW) are zero): the bias with the input offset folded in
// (bias + input_offset * sum of the channel's weights, wrapped to int32
// like the reference's accumulator) and the requantisation split into
// multiplier, and left shift | right shift << 8. A channel whose weights are all 0 gets a record
// that yields its constant output. ok is false when a right shift exceeds
// 31, when the bound on a channel's accumulator (|folded bias| + 128 *
// sum |weight|) times 2^(left+1) does not fit int32, or when the rounding
// constant with the output offset folded in (2^(e-1) + off * 2^e) plus the
// bound on the rounded product does not fit int32, which
// tg_rv32_requant's exactness needs: such an op stays with the reference
// kernel.
func rv32Records(q rv32Quant, bias []int32, sumW, sumAbsW []int64, padTo int) (Array, bool) {
	recs := make([]int64, padTo*rv32Chan)
	for c := range sumW {
		var b int64
		if bias != nil {
			b = int64(bias[c])
		}
		folded := int64(int32(uint32(b + q.inOff*sumW[c])))
		if sumAbsW[c] == 0 {
			// All weights 0: the accumulator is the folded bias, so the
			// output is a constant v. The record gives it exactly, with
			// shift -1 like most channels (see rv32Simple):
			// MultiplyByQuantizedMultiplier(4v, 2^30, -1) is v (v
			// clamped to +-2^20, which saturates the final clamp the
			// same way).
			v := int64(quant.MultiplyByQuantizedMultiplier(int32(folded), int32(q.mult[c]), int(q.shift[c])))
			v = min(max(v, -1<<20), 1<<20)
			copy(recs[c*rv32Chan:], []int64{4 * v, rv32M2(1 << 30), 1 + 2*q.outOff, 1 << 8})
			continue
		}
		left, right := max(q.shift[c], 0), max(-q.shift[c], 0)
		if right > 31 || left > 30 || q.mult[c] < 0 {
			return Array{}, false
		}
		// 2 * acc * 2^left must fit int32; then |r| < 2^30 and
		// r + 2^(e-1) cannot overflow (tg_rv32_requant).
		bound := abs64(folded) + 128*sumAbsW[c]
		if bound >= 1<<31 || bound<<(left+1) >= 1<<31 {
			return Array{}, false
		}
		// The output offset is folded into the rounding constant
		// (TG_RV32_ROUND_OF): |r| + 2^(e-1) + |off| * 2^e must fit int32,
		// r = round(x * m / 2^31) with |x| <= bound * 2^left.
		rmax := (bound<<left*q.mult[c]+1<<30)>>31 + 1
		if abs64(q.outOff) >= 1<<24 || rmax+(1<<right>>1)+abs64(q.outOff)<<right >= 1<<31 {
			return Array{}, false
		}
		copy(recs[c*rv32Chan:], []int64{folded, rv32M2(q.mult[c]), 1<<right>>1 + q.outOff<<right, left | right<<8})
	}
	return Array{Elem: "int32_t", Ints: recs}, true
}

// rv32M2 returns the record's multiplier 2m (below 2^32) as the int32
// with its bits (TG_RV32_MULT is read as uint32_t).
func rv32M2(m int64) int64 {
	return int64(int32(uint32(2 * m)))
}

// rv32Limit bounds the scratch and weight arrays the rv32 kernels index
// with int32 arithmetic.
const rv32Limit = math.MaxInt32 / 8

// rv32ConvScratch is tg_conv2d_s8_rv32's scratch: 4 pixels of k taps.
func rv32ConvScratch(op *ir.Op) int {
	w := op.Inputs[1]
	if w == nil || len(w.Shape) != 4 {
		return 0
	}
	return 4 * w.Shape[1] * w.Shape[2] * w.Shape[3]
}

// rv32Conv accepts an int8 CONV_2D with one group and constant filter and
// bias, and builds tg_conv2d_s8_rv32's call: the weights as blocks of 4
// output channels [ceil(out_c/4)][k][4] and the channel records.
func rv32Conv(op *ir.Op, ref Call) (Call, bool, error) {
	p := paramsOf(ref)
	wp, win, err := p.win()
	if err != nil {
		return Call{}, false, err
	}
	filt := op.Inputs[1]
	wd, ok := constInt8(filt)
	if !ok || len(filt.Shape) != 4 {
		return Call{}, false, nil
	}
	outC, k := filt.Shape[0], filt.Shape[1]*filt.Shape[2]*filt.Shape[3]
	inC, err := wp.int("in_c")
	if err != nil {
		return Call{}, false, err
	}
	if int64(filt.Shape[3]) != inC || outC <= 0 || k <= 0 || 4*k > rv32Limit {
		return Call{}, false, nil // grouped, or empty
	}
	bias, ok := constBias(op.Input(2), outC)
	if !ok {
		return Call{}, false, nil
	}
	q, err := rv32QuantOf(p, outC)
	if err != nil {
		return Call{}, false, err
	}
	blocks := (outC + 3) / 4
	if int64(blocks)*4*int64(k) > rv32Limit {
		return Call{}, false, nil
	}
	weights := make([]int64, blocks*4*k)
	sumW, sumAbs := make([]int64, outC), make([]int64, outC)
	for c := 0; c < outC; c++ {
		for i := 0; i < k; i++ {
			v := int64(wd[c*k+i])
			weights[((c/4)*k+i)*4+c%4] = v
			sumW[c] += v
			sumAbs[c] += abs64(v)
		}
	}
	chans, ok := rv32Records(q, bias, sumW, sumAbs, blocks*4)
	if !ok {
		return Call{}, false, nil
	}
	return Call{
		Params: rv32ConvParams(win, k, q, weights, chans),
		Args: []Arg{in("input", op.Inputs[0], "int8_t"), out(op.Outputs[0], "int8_t"),
			{Name: "scratch", Elem: "int8_t", Scratch: true}},
	}, true, nil
}

// rv32ConvParams builds a tg_conv2d_s8_rv32_params_t.
func rv32ConvParams(win Struct, k int, q rv32Quant, weights []int64, chans Array) Struct {
	return Struct{Type: "tg_conv2d_s8_rv32_params_t", Fields: []Field{
		f("win", win), fi("k", k), f("input_zp", Int(-q.inOff)),
		f("output_offset", Int(q.outOff)), f("act_min", Int(q.lo)), f("act_max", Int(q.hi)),
		fi("simple", b2i(rv32Simple(chans))),
		f("weights", Array{Elem: "int8_t", Ints: weights}), f("chan", chans)}}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rv32Plane returns the padded plane of a DEPTHWISE_CONV_2D: the rows and
// columns of input (padding included) that its outputs read.
func rv32Plane(op *ir.Op) (h, w int, ok bool) {
	a, isDW := op.Attrs.(ir.DepthwiseConv2DAttrs)
	f, y := op.Inputs[1], op.Outputs[0]
	if !isDW || f == nil || len(f.Shape) != 4 || len(y.Shape) != 4 || y.Shape[1] <= 0 || y.Shape[2] <= 0 {
		return 0, 0, false
	}
	h = (y.Shape[1]-1)*a.StrideH + (f.Shape[1]-1)*a.DilationH + 1
	w = (y.Shape[2]-1)*a.StrideW + (f.Shape[2]-1)*a.DilationW + 1
	if h <= 0 || w <= 0 || int64(h)*int64(w)*4 > rv32Limit {
		return 0, 0, false
	}
	return h, w, true
}

// rv32DepthwiseScratch is tg_depthwise_conv2d_s8_rv32's scratch: the
// plane of 4 channels, or with one input channel the im2col rows of 4
// pixels.
func rv32DepthwiseScratch(op *ir.Op) int {
	if rv32DepthwiseDirect(op) {
		h, w, _ := rv32Plane(op)
		return h * w
	}
	if rv32DepthwiseAsConv(op) {
		f := op.Inputs[1]
		return 4 * f.Shape[1] * f.Shape[2]
	}
	h, w, ok := rv32Plane(op)
	if !ok {
		return 0
	}
	return h * w * 4
}

// rv32DepthwiseAsConv reports whether a DEPTHWISE_CONV_2D has one input
// channel, so that it is a convolution with depth_multiplier filters.
func rv32DepthwiseAsConv(op *ir.Op) bool {
	x, f := op.Inputs[0], op.Inputs[1]
	return len(x.Shape) == 4 && x.Shape[3] == 1 && f != nil && len(f.Shape) == 4
}

// rv32DepthwiseDirect reports whether a one-input-channel
// DEPTHWISE_CONV_2D runs as mode 4: no dilation, stride_w 2 and out_w a
// multiple of 4, so that each block of 4 output pixels reads its taps at
// constant offsets (0, 2, 4, 6) of a one-channel padded plane instead of
// an im2col copy.
func rv32DepthwiseDirect(op *ir.Op) bool {
	a, ok := op.Attrs.(ir.DepthwiseConv2DAttrs)
	if !ok || !rv32DepthwiseAsConv(op) || len(op.Outputs[0].Shape) != 4 {
		return false
	}
	if _, _, ok := rv32Plane(op); !ok {
		return false
	}
	return a.DilationH == 1 && a.DilationW == 1 && a.StrideW == 2 && op.Outputs[0].Shape[2]%4 == 0
}

// rv32Depthwise accepts an int8 DEPTHWISE_CONV_2D with constant filter and
// bias, and builds tg_depthwise_conv2d_s8_rv32's call: the weights
// channel-major [out_c][filter_h * filter_w], the channel records and the
// loop variant (3x3 stride 1, 3x3 stride 2, or any window).
func rv32Depthwise(op *ir.Op, ref Call) (Call, bool, error) {
	p := paramsOf(ref)
	wp, win, err := p.win()
	if err != nil {
		return Call{}, false, err
	}
	filt := op.Inputs[1]
	wd, ok := constInt8(filt)
	if !ok || len(filt.Shape) != 4 || filt.Shape[0] != 1 {
		return Call{}, false, nil
	}
	ph, pw, ok := rv32Plane(op)
	if !ok {
		return Call{}, false, nil
	}
	fh, fw, outC := filt.Shape[1], filt.Shape[2], filt.Shape[3]
	taps := fh * fw
	bias, ok := constBias(op.Input(2), outC)
	if !ok || outC <= 0 || taps <= 0 {
		return Call{}, false, nil
	}
	dm, err := p.int("depth_multiplier")
	if err != nil {
		return Call{}, false, err
	}
	q, err := rv32QuantOf(p, outC)
	if err != nil {
		return Call{}, false, err
	}
	// Mode 3 (one input channel): the convolution layout, blocks of 4
	// channels [ceil(out_c/4)][taps][4].
	asConv := rv32DepthwiseAsConv(op)
	padC, layout := outC, func(c, t int) int { return c*taps + t }
	if asConv {
		padC = (outC + 3) / 4 * 4
		layout = func(c, t int) int { return ((c/4)*taps+t)*4 + c%4 }
	}
	weights := make([]int64, padC*taps)
	sumW, sumAbs := make([]int64, outC), make([]int64, outC)
	for t := 0; t < taps; t++ {
		for c := 0; c < outC; c++ {
			v := int64(wd[t*outC+c])
			weights[layout(c, t)] = v
			sumW[c] += v
			sumAbs[c] += abs64(v)
		}
	}
	chans, ok := rv32Records(q, bias, sumW, sumAbs, padC)
	if !ok {
		return Call{}, false, nil
	}
	// fill_plane's runs assume the plane starts at or left of the image.
	if ph0, _ := wp.int("pad_h"); ph0 < 0 {
		return Call{}, false, nil
	}
	if pw0, _ := wp.int("pad_w"); pw0 < 0 {
		return Call{}, false, nil
	}
	sh, _ := wp.int("stride_h")
	sw, _ := wp.int("stride_w")
	dh, _ := wp.int("dilation_h")
	dw, _ := wp.int("dilation_w")
	mode := 0
	if fh == 3 && fw == 3 && dh == 1 && dw == 1 && sh == sw && (sh == 1 || sh == 2) && rv32Simple(chans) {
		mode = int(sh)
	}
	k := 0
	if asConv {
		mode, k = 3, taps
		if rv32DepthwiseDirect(op) {
			mode = 4
		}
	}
	return Call{
		Params: Struct{Type: "tg_depthwise_conv2d_s8_rv32_params_t", Fields: []Field{
			f("c", rv32ConvParams(win, k, q, weights, chans)), f("depth_multiplier", Int(dm)),
			fi("plane_h", ph), fi("plane_w", pw), fi("mode", mode)}},
		Args: []Arg{in("input", op.Inputs[0], "int8_t"), out(op.Outputs[0], "int8_t"),
			{Name: "scratch", Elem: "int8_t", Scratch: true}},
	}, true, nil
}

// rv32FullyConnected accepts an int8 FULLY_CONNECTED with a constant
// filter of zero point 0 and a constant bias, and builds
// tg_fully_connected_s8_rv32's call: the weights as blocks of 8 units
// [depth][8], then of 4, then of 1 (never padded), and the unit records.
func rv32FullyConnected(op *ir.Op, ref Call) (Call, bool, error) {
	p := paramsOf(ref)
	filt := op.Inputs[1]
	wd, ok := constInt8(filt)
	if !ok || len(filt.Shape) != 2 {
		return Call{}, false, nil
	}
	units, depth := filt.Shape[0], filt.Shape[1]
	fo, err := p.int("filter_offset")
	if err != nil {
		return Call{}, false, err
	}
	batches, err := p.int("batches")
	if err != nil {
		return Call{}, false, err
	}
	if fo != 0 || units <= 0 || depth <= 0 || int64(units)*int64(depth) > rv32Limit {
		return Call{}, false, nil
	}
	bias, ok := constBias(op.Input(2), units)
	if !ok {
		return Call{}, false, nil
	}
	q, err := rv32QuantOf(p, units)
	if err != nil {
		return Call{}, false, err
	}
	// Blocks of 8 units [depth][8], then one of 4 [depth][4] if 4 to 7
	// units remain, then the last units one by one [depth].
	weights := make([]int64, 0, units*depth)
	sumW, sumAbs := make([]int64, units), make([]int64, units)
	for u0 := 0; u0 < units; {
		n := 1
		switch {
		case units-u0 >= 8:
			n = 8
		case units-u0 >= 4:
			n = 4
		}
		for d := 0; d < depth; d++ {
			for u := u0; u < u0+n; u++ {
				v := int64(wd[u*depth+d])
				weights = append(weights, v)
				sumW[u] += v
				sumAbs[u] += abs64(v)
			}
		}
		u0 += n
	}
	chans, ok := rv32Records(q, bias, sumW, sumAbs, units)
	if !ok {
		return Call{}, false, nil
	}
	return Call{
		Params: Struct{Type: "tg_fully_connected_s8_rv32_params_t", Fields: []Field{
			f("batches", Int(batches)), fi("units", units), fi("depth", depth),
			f("output_offset", Int(q.outOff)), f("act_min", Int(q.lo)), f("act_max", Int(q.hi)),
			f("weights", Array{Elem: "int8_t", Ints: weights}), f("chan", chans)}},
		Args: []Arg{in("input", op.Inputs[0], "int8_t"), out(op.Outputs[0], "int8_t")},
	}, true, nil
}
