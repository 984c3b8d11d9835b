// armv7em_internal_test.go: the armv7em set's compile-time arithmetic
// (32-bit requantisation parameters, packing, ADD parameters) reproduces
// the reference arithmetic of package quant on every value it accepts.

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// rqFast is tg_a7_rq_fast of tg_armv7em.h in Go (SMMULR, the rounding
// shift with (v >> 31)) plus the post offset of requant_fast 2.
func rqFast(acc int32, q []int64, post int32) int32 {
	// The kernels shift by the constant 1: every fast mode has q[1] = 1.
	a := int32(uint32(acc) << 1)
	v := int32((int64(a)*q[0] + 1<<31) >> 32)
	r := (int64(v) + q[3] + int64(v>>31)) >> uint(q[2])
	return int32(r) + post
}

// rqPlus is tg_a7_rq_plus of tg_armv7em.h in Go (requant_fast 3 and 4):
// SMMULR(x, m) + x, wrapping, then the same rounding shift.
func rqPlus(acc int32, q []int64, post int32) int32 {
	// The kernels do not shift: every plus mode has q[1] = 0.
	x := acc
	s := int32((int64(x)*q[0] + 1<<31) >> 32)
	v := int32(uint32(s) + uint32(x))
	r := (int64(v) + q[3] + int64(v>>31)) >> uint(q[2])
	return int32(r) + post
}

// TestSMMULRPlusIdentity checks SaturatingRoundingDoublingHighMul(a, M) =
// SMMULR(a, 2M - 2^32) + a (wrapping) for M in [2^30, 2^31) on random and
// extreme int32 a, the identity requant_fast 3 and 4 rely on.
func TestSMMULRPlusIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	as := []int32{math.MinInt32, math.MinInt32 + 1, -1 << 30, -1, 0, 1, 1 << 30, math.MaxInt32 - 1, math.MaxInt32}
	ms := []int64{1 << 30, 1<<30 + 1, 3 << 29, math.MaxInt32 - 1, math.MaxInt32}
	for i := 0; i < 200000; i++ {
		as = append(as[:9], int32(r.Uint32()))
		ms = append(ms[:5], 1<<30+r.Int64N(1<<30))
		a, m := as[i%len(as)], ms[i%len(ms)]
		if i%7 == 0 {
			a = int32(r.Uint32())
		}
		want := quant.SaturatingRoundingDoublingHighMul(a, int32(m))
		s := int32((int64(a)*(2*m-1<<32) + 1<<31) >> 32)
		if got := int32(uint32(s) + uint32(a)); got != want {
			t.Fatalf("a %d M %d: SMMULR(a, 2M-2^32)+a = %d, want %d", a, m, got, want)
		}
	}
}

func TestRequantParamsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	checked := map[int]int{}
	for trial := 0; trial < 3000; trial++ {
		n := 1 + r.IntN(4)
		mult, shift, bound := make([]int64, n), make([]int64, n), make([]int64, n)
		for c := range mult {
			switch r.IntN(8) {
			case 0:
				mult[c] = 0
			default:
				mult[c] = 1<<30 + r.Int64N(1<<30)
			}
			shift[c] = int64(r.IntN(36)) - 32 // -32 .. 3
			bound[c] = r.Int64N(int64(1) << uint(10+r.IntN(22)))
			if trial%3 == 0 {
				// Biases near 2^30 and beyond (vww): the plus form.
				bound[c] = 1<<29 + r.Int64N(1<<31-1<<29)
			}
		}
		off := int32(r.IntN(256) - 128)
		rq, fast := requantParams(mult, shift, bound, off)
		checked[fast]++
		post := int32(0)
		if fast == 2 || fast == 4 {
			post = off
		}
		for c := range mult {
			q := rq[4*c : 4*c+4]
			for k := 0; k < 50; k++ {
				acc := int32(r.Int64N(2*bound[c]+1) - bound[c])
				if k == 0 {
					acc = int32(bound[c])
				} else if k == 1 {
					acc = int32(-bound[c])
				}
				want := quant.MultiplyByQuantizedMultiplier(acc, int32(mult[c]), int(shift[c])) + off
				var got int32
				if fast != 0 && q[1] != map[bool]int64{true: 0, false: 1}[fast >= 3] {
					t.Fatalf("fast %d channel %d: left shift field %d, the kernels assume %d", fast, c, q[1], map[bool]int64{true: 0, false: 1}[fast >= 3])
				}
				if fast == 0 {
					got = quant.MultiplyByQuantizedMultiplier(acc, int32(q[0]), int(q[1])) + off
				} else if fast >= 3 {
					got = rqPlus(acc, q, post)
				} else {
					got = rqFast(acc, q, post)
				}
				if got != want {
					t.Fatalf("fast %d channel %d mult %d shift %d bound %d acc %d off %d: got %d, want %d (rq %v)",
						fast, c, mult[c], shift[c], bound[c], acc, off, got, want, q)
				}
			}
		}
	}
	for _, mode := range []int{0, 1, 2, 3, 4} {
		if checked[mode] == 0 {
			t.Errorf("no random layer took requant_fast %d (%v)", mode, checked)
		}
	}
}

func TestPlanGemmPacksAndFolds(t *testing.T) {
	// 3 channels, depth 5: pairs (0, 1) in groups of 4 with zero padding,
	// then channel 2 alone.
	w := []int8{1, 2, 3, 4, 5, -1, -2, -3, -4, -5, 7, 0, 0, 0, 9}
	p := planGemm(w, []int32{10, 20, 30}, 3, 5, 3, 0, []int64{1 << 30, 1 << 30, 1 << 30}, []int64{-1, -1, -1})
	want := []int64{1, 2, 3, 4, -1, -2, -3, -4, 5, 0, 0, 0, -5, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0}
	if len(p.weights) != len(want) {
		t.Fatalf("weights %v, want %v", p.weights, want)
	}
	for i := range want {
		if p.weights[i] != want[i] {
			t.Fatalf("weights %v, want %v", p.weights, want)
		}
	}
	for c, b := range []int64{10 + 3*15, 20 - 3*15, 30 + 3*16} {
		if p.bias[c] != b {
			t.Errorf("bias[%d] = %d, want %d", c, p.bias[c], b)
		}
	}
}

// TestAddFastExact checks the arithmetic of tg_add_s8_armv7em against
// quant.AddElement for random scales, on every input pair.
func TestAddFastExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	accepted := 0
	for trial := 0; trial < 200; trial++ {
		s1, s2, so := 0.001+r.Float32()*0.2, 0.001+r.Float32()*0.2, 0.001+r.Float32()*0.3
		z1, z2, zo := int32(r.IntN(256)-128), int32(r.IntN(256)-128), int32(r.IntN(256)-128)
		p, err := quant.PrepareAdd(s1, s2, so, z1, z2, zo, ir.ActNone, ir.Int8)
		if err != nil {
			t.Fatal(err)
		}
		ref := Call{Params: Struct{Fields: []Field{
			f("bc", Struct{Fields: []Field{fi("size", 4), fi("broadcast", 0)}}),
			fi("left_shift", p.LeftShift), f("input1_offset", Int(p.Input1Offset)), f("input2_offset", Int(p.Input2Offset)),
			f("output_offset", Int(p.OutputOffset)),
			f("input1_multiplier", Int(p.Input1.Multiplier)), fi("input1_shift", p.Input1.Shift),
			f("input2_multiplier", Int(p.Input2.Multiplier)), fi("input2_shift", p.Input2.Shift),
			f("output_multiplier", Int(p.Output.Multiplier)), fi("output_shift", p.Output.Shift),
			f("act_min", Int(p.Min)), f("act_max", Int(p.Max))}}}
		c, ok, err := specialiseAdd(nil, ref)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		accepted++
		v := map[string]int64{}
		tables := map[string][]int64{}
		for _, fl := range c.Params.Fields {
			switch x := fl.Value.(type) {
			case Int:
				v[fl.Name] = int64(x)
			case Array:
				tables[fl.Name] = x.Ints
			}
		}
		if len(tables["table1"]) != 256 || len(tables["table2"]) != 256 {
			t.Fatalf("tables %d, %d entries, want 256", len(tables["table1"]), len(tables["table2"]))
		}
		round := func(x, rc, e int64) int64 {
			nm := int64(0)
			if e > 0 {
				nm = -1
			}
			return (x + rc + ((x >> 31) & nm)) >> uint(e)
		}
		smmulr := func(a, b int64) int64 { return (a*b + 1<<31) >> 32 }
		for a := -128; a < 128; a++ {
			for b := -128; b < 128; b++ {
				x := round(smmulr(int64(int32(uint32(int64(a)+v["input1_offset"])<<uint(v["shift"]))), v["m1"]), v["rc1"], v["e1"])
				y := round(smmulr(int64(int32(uint32(int64(b)+v["input2_offset"])<<uint(v["shift"]))), v["m2"]), v["rc2"], v["e2"])
				ia, ib := uint8(int8(a)), uint8(int8(b))
				if x != tables["table1"][ia] || y != tables["table2"][ib] {
					t.Fatalf("tables at (%d, %d): %d, %d, want %d, %d", a, b, tables["table1"][ia], tables["table2"][ib], x, y)
				}
				o := round(smmulr((x+y)*2, v["mo"]), v["rco"], v["eo"]) + v["output_offset"]
				o = min(max(o, v["act_min"]), v["act_max"])
				if want := quant.AddElement(p, int32(a), int32(b)); int32(o) != want {
					t.Fatalf("scales %v %v %v zero points %d %d %d: add(%d, %d) = %d, want %d", s1, s2, so, z1, z2, zo, a, b, o, want)
				}
			}
		}
	}
	if accepted < 150 {
		t.Errorf("only %d of 200 random ADDs take the fast kernel", accepted)
	}
}
