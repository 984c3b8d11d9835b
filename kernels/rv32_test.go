// Tests of the rv32 kernel set's compile-time parameters: the requantisation
// records against quant.MultiplyByQuantizedMultiplier, and which ops each
// Specialise accepts and with which loop variant.

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// requantRecord is tg_rv32_requant (tg_rv32.h) in Go: the C kernels'
// arithmetic on one record, with the output offset folded into the
// rounding constant (TG_RV32_ROUND) and the one-compare clamp.
func requantRecord(acc int32, rec []int64, lo, hi int32) int32 {
	m2, round, left, right := int64(uint32(rec[1])), int32(rec[2]), rec[3]&255, rec[3]>>8
	var neg int64
	if right > 0 {
		neg = -1
	}
	x := int64(int32(uint32(acc) << left))
	ab := x * m2
	r := int32(uint32(uint64(ab)>>32)) + int32(uint32(uint64(ab))>>31)
	r = (r + round + ((r >> 31) & int32(neg))) >> right
	if uint32(r)-uint32(lo) > uint32(hi)-uint32(lo) {
		if r < lo {
			return lo
		}
		return hi
	}
	return r
}

// TestRV32RequantIsExact checks, for multipliers and shifts over their
// whole range and accumulators within each record's bound, that the rv32
// requantisation equals MultiplyByQuantizedMultiplier bit for bit.
func TestRV32RequantIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	mults := []int64{1 << 30, 1<<30 + 1, 1<<31 - 1, 1518500250, 1073741824 + 12345}
	for range 20 {
		mults = append(mults, 1<<30+rng.Int64N(1<<30))
	}
	checked := 0
	for _, m := range mults {
		for shift := int64(-31); shift <= 8; shift++ {
			// One channel with weights summing to sumAbs in magnitude
			// and no bias: the bound is 128 * sumAbs.
			sumAbs := int64(1 + rng.IntN(4000))
			offs := []int64{0, -128, 127, 128, int64(rng.IntN(256)) - 128}
			off := offs[rng.IntN(len(offs))]
			lo, hi := int32(-128), int32(127)
			if rng.IntN(2) == 0 {
				lo = int32(min(max(-off, -128), 127))
			}
			q := rv32Quant{outOff: off, mult: []int64{m}, shift: []int64{shift}}
			recs, ok := rv32Records(q, nil, []int64{0}, []int64{sumAbs}, 1)
			bound := 128 * sumAbs
			if !ok {
				if off == 0 && bound<<(max(shift, 0)+1) < 1<<31 {
					t.Errorf("m=%d shift=%d bound %d: record refused within the bound", m, shift, bound)
				}
				continue
			}
			accs := []int64{0, 1, -1, 2, -2, bound, -bound, bound - 1, -bound + 1}
			for range 200 {
				accs = append(accs, rng.Int64N(2*bound+1)-bound)
			}
			// Ties of the final rounding: multiples of 2^(e-1) after the
			// multiplication are the interesting values; sweep near 0.
			for a := int64(-300); a <= 300; a++ {
				accs = append(accs, a)
			}
			for _, a := range accs {
				if a > bound || a < -bound {
					continue
				}
				want := min(max(quant.MultiplyByQuantizedMultiplier(int32(a), int32(m), int(shift))+int32(off), lo), hi)
				if got := requantRecord(int32(a), recs.Ints, lo, hi); got != want {
					t.Fatalf("m=%d shift=%d acc=%d: rv32 %d, reference %d", m, shift, a, got, want)
				}
				checked++
			}
		}
	}
	t.Logf("%d requantisations checked", checked)
}

// TestRV32Records checks the folded bias, the constant record of a channel
// whose weights are all 0, and the refusals.
func TestRV32Records(t *testing.T) {
	q := rv32Quant{inOff: 7, mult: []int64{1 << 30, 1395864371, 1 << 30}, shift: []int64{-3, -40, 2}}
	// Channel 0: bias 100, weights summing to -5: folded 100 + 7*-5.
	recs, ok := rv32Records(rv32Quant{inOff: 7, mult: q.mult[:1], shift: q.shift[:1]}, []int32{100}, []int64{-5}, []int64{9}, 4)
	if !ok {
		t.Fatal("record refused")
	}
	if len(recs.Ints) != 4*rv32Chan || recs.Ints[0] != 65 || recs.Elem != "int32_t" {
		t.Errorf("records %v, want 4 records with folded bias 65", recs.Ints)
	}
	for _, v := range recs.Ints[rv32Chan:] {
		if v != 0 {
			t.Fatalf("padding records %v, want 0", recs.Ints[rv32Chan:])
		}
	}
	// A right shift of 40 is refused, unless the channel's weights are
	// all 0: then its output is the constant MBQM(bias).
	if _, ok := rv32Records(rv32Quant{mult: q.mult[1:2], shift: q.shift[1:2]}, []int32{5}, []int64{3}, []int64{3}, 1); ok {
		t.Error("right shift 40 accepted")
	}
	for _, bias := range []int32{0, 1, -1, 123456, -987654, 1 << 30, -1 << 31, 1<<31 - 1} {
		for _, c := range []struct{ m, s int64 }{{1 << 30, -3}, {1395864371, -40}, {1 << 30, 2}, {2147483647, 20}} {
			cq := rv32Quant{mult: []int64{c.m}, shift: []int64{c.s}}
			recs, ok := rv32Records(cq, []int32{bias}, []int64{0}, []int64{0}, 1)
			if !ok {
				t.Fatalf("constant channel refused")
			}
			want := int64(quant.MultiplyByQuantizedMultiplier(bias, int32(c.m), int(c.s)))
			want = min(max(want, -1<<20), 1<<20)
			if got := requantRecord(int32(recs.Ints[0]), recs.Ints, math.MinInt32, math.MaxInt32); int64(got) != want {
				t.Errorf("bias %d m %d shift %d: constant channel gives %d, want %d", bias, c.m, c.s, got, want)
			}
			if !rv32Simple(recs) {
				t.Errorf("constant record %v is not simple", recs.Ints)
			}
		}
	}
	// An accumulator bound that does not fit (huge bias) is refused.
	if _, ok := rv32Records(rv32Quant{mult: []int64{1 << 30}, shift: []int64{-1}}, []int32{1 << 30}, []int64{1}, []int64{1}, 1); ok {
		t.Error("bound 2^30 + 128 accepted")
	}
	// An output offset that does not fold into the rounding constant
	// (128 * 2^24 = 2^31) is refused; the same record with offset 127 is
	// taken.
	for _, c := range []struct {
		off int64
		ok  bool
	}{{128, false}, {-128, false}, {127, true}, {0, true}} {
		cq := rv32Quant{outOff: c.off, mult: []int64{1 << 30}, shift: []int64{-24}}
		if _, ok := rv32Records(cq, nil, []int64{1}, []int64{1}, 1); ok != c.ok {
			t.Errorf("output offset %d with right shift 24: accepted %v, want %v", c.off, ok, c.ok)
		}
	}
}

// rv32TestOp builds a one-op graph's op: input [1,h,w,c] int8, a constant
// filter of shape fshape (values from seed), a bias when withBias.
func rv32TestOp(kind ir.OpKind, in ir.Shape, fshape ir.Shape, out ir.Shape, attrs ir.Attrs, withBias bool, filterZP int64) *ir.Op {
	q := func(s float32, zp int64) *ir.Quant { return &ir.Quant{Scale: []float32{s}, ZeroPoint: []int64{zp}} }
	x := &ir.Tensor{Name: "x", DType: ir.Int8, Shape: in, Quant: q(0.05, -3)}
	n := fshape.Elements()
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(int8(i*37%255 - 127))
	}
	f := &ir.Tensor{Name: "f", DType: ir.Int8, Shape: fshape, Quant: q(0.02, filterZP), Data: data}
	y := &ir.Tensor{Name: "y", DType: ir.Int8, Shape: out, Quant: q(0.1, 2)}
	inputs := []*ir.Tensor{x, f}
	if withBias {
		ch := out[len(out)-1]
		bias := make([]int32, ch)
		for i := range bias {
			bias[i] = int32(i*1000 - 3000)
		}
		inputs = append(inputs, &ir.Tensor{Name: "b", DType: ir.Int32, Shape: ir.Shape{ch}, Quant: q(0.001, 0), Data: ir.Int32Data(bias)})
	}
	return &ir.Op{Kind: kind, Inputs: inputs, Outputs: []*ir.Tensor{y}, Attrs: attrs}
}

// TestRV32Specialise checks which ops the rv32 kernels take and the
// depthwise loop variant they choose.
func TestRV32Specialise(t *testing.T) {
	conv := func(sh, sw int) ir.Conv2DAttrs {
		return ir.Conv2DAttrs{Padding: ir.PadSame, StrideH: sh, StrideW: sw, DilationH: 1, DilationW: 1}
	}
	dw := func(s, d, m int) ir.DepthwiseConv2DAttrs {
		return ir.DepthwiseConv2DAttrs{Padding: ir.PadSame, StrideH: s, StrideW: s, DilationH: d, DilationW: d, DepthMultiplier: m}
	}
	cases := []struct {
		name   string
		op     *ir.Op
		kernel string // "" when the reference kernel stays
		mode   int64  // depthwise mode, -1 when not depthwise
	}{
		{"pointwise", rv32TestOp(ir.Conv2D, ir.Shape{1, 5, 5, 8}, ir.Shape{6, 1, 1, 8}, ir.Shape{1, 5, 5, 6}, conv(1, 1), true, 0), "tg_conv2d_s8_rv32", -1},
		{"conv 3x3 stride 2 no bias", rv32TestOp(ir.Conv2D, ir.Shape{1, 7, 7, 3}, ir.Shape{8, 3, 3, 3}, ir.Shape{1, 4, 4, 8}, conv(2, 2), false, 0), "tg_conv2d_s8_rv32", -1},
		{"grouped conv", rv32TestOp(ir.Conv2D, ir.Shape{1, 5, 5, 8}, ir.Shape{8, 1, 1, 4}, ir.Shape{1, 5, 5, 8}, conv(1, 1), true, 0), "", -1},
		{"depthwise 3x3 s1", rv32TestOp(ir.DepthwiseConv2D, ir.Shape{1, 6, 5, 6}, ir.Shape{1, 3, 3, 6}, ir.Shape{1, 6, 5, 6}, dw(1, 1, 1), true, 0), "tg_depthwise_conv2d_s8_rv32", 1},
		{"depthwise 3x3 s2", rv32TestOp(ir.DepthwiseConv2D, ir.Shape{1, 7, 7, 5}, ir.Shape{1, 3, 3, 5}, ir.Shape{1, 4, 4, 5}, dw(2, 1, 1), true, 0), "tg_depthwise_conv2d_s8_rv32", 2},
		{"depthwise dilated", rv32TestOp(ir.DepthwiseConv2D, ir.Shape{1, 7, 7, 4}, ir.Shape{1, 3, 3, 8}, ir.Shape{1, 7, 7, 8}, dw(1, 2, 2), true, 0), "tg_depthwise_conv2d_s8_rv32", 0},
		{"depthwise one channel", rv32TestOp(ir.DepthwiseConv2D, ir.Shape{1, 9, 8, 1}, ir.Shape{1, 4, 3, 5}, ir.Shape{1, 9, 8, 5}, dw(1, 1, 5), true, 0), "tg_depthwise_conv2d_s8_rv32", 3},
		{"depthwise one channel stride 2 out_w 4k", rv32TestOp(ir.DepthwiseConv2D, ir.Shape{1, 9, 16, 1}, ir.Shape{1, 3, 3, 8}, ir.Shape{1, 5, 8, 8}, dw(2, 1, 8), true, 0), "tg_depthwise_conv2d_s8_rv32", 4},
		{"depthwise one channel stride 2 out_w odd", rv32TestOp(ir.DepthwiseConv2D, ir.Shape{1, 9, 10, 1}, ir.Shape{1, 3, 3, 8}, ir.Shape{1, 5, 5, 8}, dw(2, 1, 8), true, 0), "tg_depthwise_conv2d_s8_rv32", 3},
		{"fully connected", rv32TestOp(ir.FullyConnected, ir.Shape{1, 20}, ir.Shape{11, 20}, ir.Shape{1, 11}, ir.FullyConnectedAttrs{}, true, 0), "tg_fully_connected_s8_rv32", -1},
		{"fully connected filter zero point", rv32TestOp(ir.FullyConnected, ir.Shape{1, 20}, ir.Shape{11, 20}, ir.Shape{1, 11}, ir.FullyConnectedAttrs{}, true, 3), "", -1},
	}
	lib := Builtin()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			call, err := lib.Select(c.op, []string{RV32, Reference})
			if err != nil {
				t.Fatal(err)
			}
			want := c.kernel
			if want == "" {
				ref, err := Lower(c.op)
				if err != nil {
					t.Fatal(err)
				}
				want = ref.Kernel.Symbol
			}
			if call.Kernel.Symbol != want {
				t.Fatalf("kernel %s, want %s", call.Kernel.Symbol, want)
			}
			if c.mode >= 0 {
				var mode Value
				for _, f := range call.Params.Fields {
					if f.Name == "mode" {
						mode = f.Value
					}
				}
				if mode != Int(c.mode) {
					t.Errorf("mode %v, want %d", mode, c.mode)
				}
			}
			if c.kernel != "" && call.Kernel.Scratch != nil && call.ScratchBytes(c.op) <= 0 {
				t.Errorf("no scratch memory for %s", c.kernel)
			}
		})
	}
}
