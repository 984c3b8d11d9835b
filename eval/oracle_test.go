package eval

// An independent sanity oracle for the int8 kernels.
//
// The golden vectors from real TFLM runs only exercise a few operators. The
// tests in this file check every int8 operator against the function it is
// meant to approximate, not against TFLM's integer algorithm: the inputs are
// dequantised (real = scale·(q − zero point)), the real-valued function is
// computed in float64, the fused activation is applied to the real value, and
// the result is quantised to the output (round half away from zero, then
// saturate to int8). eval must agree with that oracle to within a small
// bound per operator, over many random scales and zero points (deterministic
// PCG seeds) and all or many int8 input values.
//
// The bounds come from the fixed-point algorithms in numerics.md (§n below).
// If |eval − oracle| ≤ 1 is claimed, the argument is always: the integer
// pipeline yields round(v) for a value v with |v − exact| < 1 output LSB
// (usually far less), and rounding is monotone with round(a+1) = round(a)+1,
// so round(v) and round(exact) differ by at most 1. Where the algorithm is
// exact (RELU6, MAX_POOL_2D, DEQUANTIZE, QUANTIZE against its float32
// quotient, requantization with equal scales, data movement) the bound is 0.
// An operator that is off
// by more than its documented bound is a bug in eval or quant, not a reason
// to widen the bound.
//
// TFLM preconditions respected here (and why the parameters are sampled the
// way they are):
//   - Scales are float32, int8 input scales log-uniform in [1e-3, 1] (a tenth
//     of the LOGISTIC/TANH ones in [1, 2), see there); output scales are
//     mostly derived from the input scales (so that the output range is used
//     rather than saturated) and kept in [1e-3, 1], except MUL (its natural
//     output scale is ≈ 64·s1·s2, allowed down to 1e-5). With these ranges
//     no MultiplyByQuantizedMultiplier left shift overflows int32 (§2.3:
//     x·2^left is unguarded in TFLM).
//   - ADD/SUB: the input multipliers are ≤ 1/2 by construction and the output
//     multiplier 2·max(s1,s2)/(2^20·so) is far below 1 (QuantizeMultiplier-
//     SmallerThanOneExp CHECKs it, §1.2); (x − z)·2^20 fits int32.
//   - LOGISTIC output is scale 1/256, zero point −128 and TANH output 1/128,
//     0, which TFLM's kernels assume (§10.1, §15.10).
//   - SOFTMAX output is 1/256, −128 (Prepare requires it, §9.1); beta·s·2^26
//     stays in (1, 2^31) and rows are at most 1000 long (the Q12.19 sum wraps
//     beyond 4096 maximal terms, §9.2).
//   - HARD_SWISH: Prepare requires the output multiplier in/(128·out) < 1
//     (§13), so s_in/s_out < 128; s_out stays ≥ 1e-3 (see the test for why
//     the int16 algorithm's error grows like 3/s_out below that).
//   - RELU6 and the pooling ops do not requantize (§6, §13): their output
//     quantisation equals the input's, which the oracle then assumes.
//   - CONCATENATION inputs share the output quantisation (§12.3).

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// orcScale multiplies the number of random configurations of every oracle
// test, for a deeper (slower) search: go test ./eval -run Oracle -oracle.scale=100.
var orcScale = flag.Int("oracle.scale", 1, "multiply the number of random configurations of the eval oracle tests")

// orcN returns n configurations, scaled by -oracle.scale.
func orcN(n int) int { return n * max(1, *orcScale) }

// ---------------------------------------------------------------------------
// Oracle helpers.

// orcDeq is the real value of code q.
func orcDeq(q int32, s float32, z int32) float64 { return float64(s) * float64(q-z) }

// orcQuant quantises the real value r to int8 with scale s and zero point z:
// round half away from zero (math.Round), then saturate.
func orcQuant(r float64, s float32, z int32) int32 {
	q := math.Round(r/float64(s)) + float64(z)
	return int32(math.Min(math.Max(q, -128), 127))
}

// orcAct applies a fused activation to a real value.
func orcAct(a ir.Activation, r float64) float64 {
	switch a {
	case ir.ActRelu:
		return math.Max(r, 0)
	case ir.ActRelu6:
		return math.Min(math.Max(r, 0), 6)
	case ir.ActReluN1To1:
		return math.Min(math.Max(r, -1), 1)
	}
	return r
}

// orcRand returns the deterministic generator of one test.
func orcRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x0_7ac1e)) }

// orcLogU returns a float32 log-uniform in [lo, hi].
func orcLogU(r *rand.Rand, lo, hi float64) float32 {
	return float32(lo * math.Pow(hi/lo, r.Float64()))
}

// orcScaleNear returns s·2^u, u uniform in [lo2, hi2], kept in [lo, hi].
func orcScaleNear(r *rand.Rand, s float64, lo2, hi2, lo, hi float64) float32 {
	v := s * math.Exp2(lo2+(hi2-lo2)*r.Float64())
	return float32(math.Min(math.Max(v, lo), hi))
}

func orcZP(r *rand.Rand) int32 { return int32(r.IntN(256)) - 128 }

func orcI8s(r *rand.Rand, n int) []int8 {
	v := make([]int8, n)
	for i := range v {
		v[i] = int8(r.IntN(256) - 128)
	}
	return v
}

// orcI8sAround returns n codes clustered around a random centre with a random
// spread, so that means and maxima cover the whole int8 range.
func orcI8sAround(r *rand.Rand, n int) []int8 {
	c, w := r.IntN(256)-128, r.IntN(256)
	v := make([]int8, n)
	for i := range v {
		v[i] = int8(min(max(c+r.IntN(2*w+1)-w, -128), 127))
	}
	return v
}

var orcActs = []ir.Activation{ir.ActNone, ir.ActRelu, ir.ActRelu6, ir.ActReluN1To1}

// allI8 is every int8 code, −128..127.
var allI8 = seq8(256, -128)

// lsbCheck accumulates |eval − oracle| for one operator and fails the test
// when a difference exceeds the bound.
type lsbCheck struct {
	t       *testing.T
	name    string
	bound   int
	configs int
	cases   int
	hist    [3]int // |diff| = 0, 1, ≥ 2
	worst   int
	over    int
}

func newLSBCheck(t *testing.T, name string, bound int) *lsbCheck {
	return &lsbCheck{t: t, name: name, bound: bound}
}

// add records one comparison against the operator's bound. It returns true
// when the difference exceeds the bound and the caller should report the
// case (only the first few are reported individually).
func (c *lsbCheck) add(got, want int32) bool { return c.addWithin(got, want, c.bound) }

// addWithin is add with a per-case bound.
func (c *lsbCheck) addWithin(got, want int32, bound int) bool {
	d := int(got - want)
	if d < 0 {
		d = -d
	}
	c.cases++
	c.hist[min(d, 2)]++
	c.worst = max(c.worst, d)
	if d <= bound {
		return false
	}
	c.over++
	return c.over <= 8
}

func (c *lsbCheck) finish() {
	c.t.Helper()
	c.t.Logf("%s: %d configurations, %d cases, bound %d LSB; |eval−oracle| = 0: %d, = 1: %d, ≥ 2: %d (max %d)",
		c.name, c.configs, c.cases, c.bound, c.hist[0], c.hist[1], c.hist[2], c.worst)
	if c.over > 0 {
		c.t.Errorf("%s: %d of %d cases exceed the bound (max |diff| %d)", c.name, c.over, c.cases, c.worst)
	}
}

// runUnaryI8 evaluates a single int8 → int8 op on every int8 code.
func runUnaryI8(t *testing.T, kind ir.OpKind, attrs ir.Attrs, in, out *ir.Quant) []int8 {
	t.Helper()
	b := newBuilder()
	x := b.input(ir.Int8, ir.Shape{256}, in)
	b.op(kind, attrs, ir.Int8, ir.Shape{256}, out, x)
	return asI8(b.run(t, i8s(allI8...)))
}

// ---------------------------------------------------------------------------
// ADD, SUB, MUL.

// orcBroadcasts are shape triples (a, b, out) with NumPy broadcasting.
var orcBroadcasts = [][3]ir.Shape{
	{{2, 1, 3}, {4, 1}, {2, 4, 3}},
	{{3}, {5, 3}, {5, 3}},
	{{}, {7}, {7}},
	{{6, 1}, {}, {6, 1}},
	{{1, 5, 1, 3}, {2, 1, 4, 1}, {2, 5, 4, 3}},
	{{2, 1, 1, 1, 1, 3}, {1, 2, 1, 1, 2, 1}, {2, 2, 1, 1, 2, 3}},
}

// TestOracleArith checks ADD, SUB and MUL with fused NONE/RELU/RELU6/
// RELU_N1_TO_1, with and without broadcasting. Bound 1 LSB:
//   - ADD/SUB (§7): each input is scaled by 2^20 and a multiplier ≤ 1/2; one
//     unit of the rescaled inputs is worth 2·max(s1,s2)/2^20 in real terms,
//     so their two roundings (SRDHM + RDBPOT, < 1 unit each) amount to
//     < 4·max(s1,s2)/(2^20·so) < 0.004 output LSB for max(s1,s2)/so ≤ 1000.
//     The output MBQM rounds twice: SRDHM (≤ 1/2 unit of 2^−right) then
//     RDBPOT; the value rounded last is within 2^−(right+1) + 0.004 of exact
//     (right ≥ 9 here). Multipliers carry 31 bits (relative error 2^−31).
//   - MUL (§8): the product (x−z1)(y−z2) is exact; one MBQM as above.
//
// The activation range is [Q(0), Q(6)] etc. (§3), which equals quantising the
// clamped real value because rounding is monotone.
func TestOracleArith(t *testing.T) {
	for _, kind := range []ir.OpKind{ir.Add, ir.Sub, ir.Mul} {
		t.Run(kind.String(), func(t *testing.T) { oracleArith(t, kind) })
	}
}

func oracleArith(t *testing.T, kind ir.OpKind) {
	r := orcRand(uint64(kind))
	c := newLSBCheck(t, kind.String(), 1)
	for cfg := 0; cfg < orcN(300); cfg++ {
		s1, s2 := orcLogU(r, 1e-3, 1), orcLogU(r, 1e-3, 1)
		z1, z2, zo := orcZP(r), orcZP(r), orcZP(r)
		var so float32
		switch {
		case r.IntN(4) == 0: // unrelated output scale (often saturating)
			so = orcLogU(r, 1e-3, 1)
		case kind == ir.Mul: // product range ≈ 128·s1·128·s2 over 256 codes
			so = orcScaleNear(r, 64*float64(s1)*float64(s2), -2, 2, 1e-5, 1)
		default: // sum range ≈ 128·(s1+s2)
			so = orcScaleNear(r, float64(s1)+float64(s2), -1.5, 1, 1e-3, 1)
		}
		act := orcActs[r.IntN(len(orcActs))]

		var as, bs, outSh ir.Shape
		var xa, xb []int8
		switch {
		case cfg%20 == 0: // every pair of codes, through a broadcast
			as, bs, outSh = ir.Shape{256, 1}, ir.Shape{1, 256}, ir.Shape{256, 256}
			xa, xb = allI8, allI8
		case cfg%4 == 1:
			sh := orcBroadcasts[r.IntN(len(orcBroadcasts))]
			as, bs, outSh = sh[0], sh[1], sh[2]
			xa, xb = orcI8s(r, as.Elements()), orcI8s(r, bs.Elements())
		default:
			as, bs, outSh = ir.Shape{1024}, ir.Shape{1024}, ir.Shape{1024}
			xa, xb = orcI8s(r, 1024), orcI8s(r, 1024)
		}
		b := newBuilder()
		x := b.input(ir.Int8, as, qp(s1, int64(z1)))
		y := b.input(ir.Int8, bs, qp(s2, int64(z2)))
		b.op(kind, ir.BinaryAttrs{Activation: act}, ir.Int8, outSh, qp(so, int64(zo)), x, y)
		got := asI8(b.run(t, i8s(xa...), i8s(xb...)))

		var ia, ib []int
		refBroadcast(as, bs, outSh, func(i, j int) float32 {
			ia, ib = append(ia, i), append(ib, j)
			return 0
		})
		c.configs++
		for o, g := range got {
			u, v := orcDeq(int32(xa[ia[o]]), s1, z1), orcDeq(int32(xb[ib[o]]), s2, z2)
			var real float64
			switch kind {
			case ir.Add:
				real = u + v
			case ir.Sub:
				real = u - v
			default:
				real = u * v
			}
			want := orcQuant(orcAct(act, real), so, zo)
			if c.add(int32(g), want) {
				t.Errorf("%v %v: x=%d (s %v z %d), y=%d (s %v z %d), out s %v z %d, shapes %v %v: got %d, oracle %d (real %.6g, %.4f LSB)",
					kind, act, xa[ia[o]], s1, z1, xb[ib[o]], s2, z2, so, zo, as, bs, g, want, real, real/float64(so)+float64(zo))
			}
		}
	}
	c.finish()
}

// ---------------------------------------------------------------------------
// LOGISTIC and TANH.

// TestOracleLogisticTanh checks int8 LOGISTIC (output 1/256, −128) and TANH
// (output 1/128, 0) on every input code. Bound 1 LSB (§10): the input is
// rescaled to Q4.27 by one MBQM (error ~2^−27); gemmlowp's
// exp_on_negative_values and the three Newton–Raphson steps of
// one_over_one_plus_x / one_minus_x_over_one_plus_x are accurate to a few
// units of 2^−29 (the F2 intermediates; the NR error after three steps from
// the 1/17 start is ~(1/17)^8); the result is rounded once from Q0.31 to
// 8 bits (RDBPOT by 23 or 24).
//
// Inputs with |x − z| ≥ radius saturate without evaluation. With
// s·2^27 = f·2^e (f ∈ [1/2, 1)), radius = floor(15·2^(27−e)), so
// radius·s = 15·f ≥ 7.5 for s < 1 and radius·s ∈ [7, 14) for s ∈ [1, 2);
// σ(±7)·256 and tanh(7)·128 already round to the saturated codes, so the
// oracle agrees there too. Input scales stay in [1e-3, 2). Beyond that the
// floor bites (TFLM's CalculateInputRadius, reproduced by eval — not an eval
// bug): for s ∈ [4, 8) radius = 1, so LOGISTIC saturates |x − z| = 1 where
// σ(±s) is not yet saturated, e.g. s = 4.1701465, z = −6, x = −5 gives 127
// where round(256·σ(4.17)) − 128 = 124.
func TestOracleLogisticTanh(t *testing.T) {
	for _, kind := range []ir.OpKind{ir.Logistic, ir.Tanh} {
		t.Run(kind.String(), func(t *testing.T) {
			r := orcRand(uint64(kind) + 100)
			c := newLSBCheck(t, kind.String(), 1)
			outS, outZ, f := float32(1.0/256), int32(-128), func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
			if kind == ir.Tanh {
				outS, outZ, f = 1.0/128, 0, math.Tanh
			}
			scales := []float32{0.1, 0.0235294122, 1.0 / 16, 1.0 / 32, 0.5, 1, 1.5, 1.999}
			for cfg := 0; cfg < orcN(500); cfg++ {
				s := orcLogU(r, 1e-3, 1)
				if cfg%10 == 9 {
					s = orcLogU(r, 1, 1.999)
				}
				if cfg < len(scales) {
					s = scales[cfg]
				}
				z := orcZP(r)
				got := runUnaryI8(t, kind, ir.NoAttrs{}, qp(s, int64(z)), qp(outS, int64(outZ)))
				c.configs++
				for i, g := range got {
					x := allI8[i]
					want := orcQuant(f(orcDeq(int32(x), s, z)), outS, outZ)
					if c.add(int32(g), want) {
						t.Errorf("%v: x=%d s=%v z=%d: got %d, oracle %d (real %.6g)", kind, x, s, z, g, want, f(orcDeq(int32(x), s, z)))
					}
				}
			}
			c.finish()
		})
	}
}

// ---------------------------------------------------------------------------
// RELU, RELU6, LEAKY_RELU, HARD_SWISH.

// TestOracleRelu checks int8 RELU (which requantizes, §13) on every input
// code. Bound 1 LSB: one MBQM with the multiplier double(float32(in/out))
// (relative error ≤ 2^−24, i.e. < 0.02 LSB over ±255·1000 LSB). When the
// input and output quantisation are equal the multiplier is exactly 1.0 →
// (2^30, 1) and SRDHM(2v, 2^30) = v, so that subset must be exact.
func TestOracleRelu(t *testing.T) {
	r := orcRand(200)
	c := newLSBCheck(t, "RELU", 1)
	exact := newLSBCheck(t, "RELU (output quantisation = input quantisation)", 0)
	for cfg := 0; cfg < orcN(400); cfg++ {
		s, z := orcLogU(r, 1e-3, 1), orcZP(r)
		so, zo := orcScaleNear(r, float64(s), -2, 2, 1e-3, 1), orcZP(r)
		chk := c
		switch r.IntN(8) {
		case 0:
			so, zo, chk = s, z, exact
		case 1:
			so = orcLogU(r, 1e-3, 1)
		}
		got := runUnaryI8(t, ir.Relu, ir.NoAttrs{}, qp(s, int64(z)), qp(so, int64(zo)))
		chk.configs++
		for i, g := range got {
			x := allI8[i]
			want := orcQuant(math.Max(orcDeq(int32(x), s, z), 0), so, zo)
			if chk.add(int32(g), want) {
				t.Errorf("RELU: x=%d in (%v, %d) out (%v, %d): got %d, oracle %d", x, s, z, so, zo, g, want)
			}
		}
	}
	c.finish()
	exact.finish()
}

// TestOracleRelu6 checks int8 RELU6, which does not requantize (TFLM ignores
// the output parameters, §13), with output quantisation = input
// quantisation. Exact: the kernel computes clamp(x, z, z + round(6/s)) and
// the oracle round(clamp(s·(x−z), 0, 6)/s) + z = clamp(x−z, 0, round(6/s)) + z;
// they could only differ if 6/s were within float32 rounding of a half
// integer (TFLM divides in float32, the oracle in float64).
func TestOracleRelu6(t *testing.T) {
	r := orcRand(201)
	c := newLSBCheck(t, "RELU6", 0)
	for cfg := 0; cfg < orcN(400); cfg++ {
		s, z := orcLogU(r, 1e-3, 1), orcZP(r)
		if cfg%4 == 0 {
			s = orcLogU(r, 6.0/300, 6.0/100) // 6 inside the code range
		}
		got := runUnaryI8(t, ir.Relu6, ir.NoAttrs{}, qp(s, int64(z)), qp(s, int64(z)))
		c.configs++
		for i, g := range got {
			x := allI8[i]
			want := orcQuant(math.Min(math.Max(orcDeq(int32(x), s, z), 0), 6), s, z)
			if c.add(int32(g), want) {
				t.Errorf("RELU6: x=%d s=%v z=%d: got %d, oracle %d", x, s, z, g, want)
			}
		}
	}
	c.finish()
}

// TestOracleLeakyRelu checks int8 LEAKY_RELU with positive alpha (< 1 and
// > 1) and negative alpha on every input code. Bound 1 LSB: one MBQM per
// element with the multiplier double(float32(s·alpha/so)) or
// double(float32(s/so)) (relative error ≤ 2^−23, < 0.1 LSB over the ≤ 255·3000
// LSB range these scales allow).
func TestOracleLeakyRelu(t *testing.T) {
	r := orcRand(202)
	c := newLSBCheck(t, "LEAKY_RELU", 1)
	for cfg := 0; cfg < orcN(600); cfg++ {
		var alpha float32
		switch cfg % 3 {
		case 0:
			alpha = float32(0.01 + 0.98*r.Float64()) // usual leak
		case 1:
			alpha = -float32(0.01 + 1.99*r.Float64()) // negative, up to −2
		default:
			alpha = float32(1 + 2*r.Float64()) // steeper than identity
		}
		if cfg%50 < 3 {
			alpha = []float32{0, 1, -1}[cfg%50]
		}
		s, z := orcLogU(r, 1e-3, 1), orcZP(r)
		so := orcScaleNear(r, float64(s)*math.Max(1, math.Abs(float64(alpha))), -2, 1.5, 1e-3, 1)
		zo := orcZP(r)
		if alpha < 0 { // output ≥ 0 mostly: put the zero point low
			zo = int32(r.IntN(64)) - 128
		}
		got := runUnaryI8(t, ir.LeakyRelu, ir.LeakyReluAttrs{Alpha: alpha}, qp(s, int64(z)), qp(so, int64(zo)))
		c.configs++
		for i, g := range got {
			x := allI8[i]
			v := orcDeq(int32(x), s, z)
			if v < 0 {
				v *= float64(alpha)
			}
			want := orcQuant(v, so, zo)
			if c.add(int32(g), want) {
				t.Errorf("LEAKY_RELU alpha %v: x=%d in (%v, %d) out (%v, %d): got %d, oracle %d (%.4f LSB)",
					alpha, x, s, z, so, zo, g, want, v/float64(so)+float64(zo))
			}
		}
	}
	c.finish()
}

// TestOracleHardSwish checks int8 HARD_SWISH, x·relu6(x+3)/6, on every input
// code, with s_in/s_out log-uniform in [1/8, 2^6.95] (Prepare needs < 128),
// half of the configurations in [64, 128) where the output shift eo is 0, and
// both scales in [1e-3, 1]. Bound 1 LSB, from the int16 pipeline of §13
// (units: output LSB):
//   - vo = SRDHM16(128·v, qo16) is x/s_out in units of 2^eo, rounded
//     (≤ 2^eo/2); qo16 has 15 bits (relative error ≤ 2^−15, ≤ 0.01 LSB on an
//     unsaturated output);
//   - the reluish factor ρ = (x+3)/6 ∈ [0, 1] is a Q0.15 built with a 15-bit
//     multiplier, SRDHM16/RDBPOT roundings (doubled by the final ×2 when
//     er > 0) and a final >>1: error ≈ 1.5·2^−15, multiplied by |x|/s_out.
//     Where the output is not saturated, |x|/s_out is large only near
//     x = −3, where |x|/s_out ≤ 3/s_out ≤ 3000 and ρ·|x|/s_out ≤ 256, so
//     this term plus the vo rounding (·ρ) stays below ≈ 0.2 LSB for
//     s_out ≥ 1e-3;
//   - the product uses the truncating SaturatingDoublingHighMul16: error
//     < 2^eo, followed by one rounding (RDBPOT by −eo) when eo < 0; for
//     eo = 0 the truncation is the final step.
//
// For eo < 0 the value rounded last is within 1.5·2^−1 + 0.2 < 1 of exact,
// hence within 1 of the oracle after rounding; for eo = 0 the result is the
// truncation of a value within < 1/2 of exact (the vo and reluish terms do
// not peak together), again within 1 of round(exact).
//
// The 3/s_out factor is why s_out stays ≥ 1e-3: with s_out = 1.2420397e-4
// the reluish error alone is worth ~1 LSB. Example (outside this test's
// range, computed by hand from §13 and reproduced by eval, so inherent in
// TFLM's int16 algorithm, not an eval bug): s_in 0.01585835, z_in 80,
// s_out 1.2420397e-4, z_out 115, x = −108 (real −2.9814): vo = −24004,
// reluish 101 (exact 101.745), product truncated to −73 (exact −74.53),
// output 42 where the oracle is round(40.47) = 40.
func TestOracleHardSwish(t *testing.T) {
	r := orcRand(203)
	c := newLSBCheck(t, "HARD_SWISH", 1)
	for c.configs < orcN(1000) {
		s, z := orcLogU(r, 1e-3, 1), orcZP(r)
		ratio := math.Exp2(-3 + 9.95*r.Float64())
		if r.IntN(2) == 0 {
			ratio = 64 + 63.9*r.Float64() // eo = 0
		}
		so := float32(float64(s) / ratio)
		if so > 1 || so < 1e-3 {
			continue
		}
		zo := orcZP(r)
		if r.IntN(2) == 0 { // the usual layout: output range ≈ [−0.375, max]
			zo = int32(r.IntN(80)) - 128
		}
		got := runUnaryI8(t, ir.HardSwish, ir.NoAttrs{}, qp(s, int64(z)), qp(so, int64(zo)))
		c.configs++
		for i, g := range got {
			x := allI8[i]
			v := orcDeq(int32(x), s, z)
			real := v * math.Min(math.Max(v+3, 0), 6) / 6
			want := orcQuant(real, so, zo)
			if c.add(int32(g), want) {
				t.Errorf("HARD_SWISH: x=%d in (%v, %d) out (%v, %d), s_in/s_out %.3f: got %d, oracle %d (%.4f LSB)",
					x, s, z, so, zo, float64(s)/float64(so), g, want, real/float64(so)+float64(zo))
			}
		}
	}
	c.finish()
}

// ---------------------------------------------------------------------------
// QUANTIZE and DEQUANTIZE.

// TestOracleQuantizeFloat checks QUANTIZE float32 → int8. It must be exact
// against clamp(round(x / s) + z), where x / s is the float32 division TFLM
// performs (§11) and rounding is half away from zero; and within 1 LSB of
// the real-valued quotient (the float32 division's rounding can only move
// the quotient across a half-integer).
func TestOracleQuantizeFloat(t *testing.T) {
	r := orcRand(300)
	c := newLSBCheck(t, "QUANTIZE f32→i8 (float32 x/s)", 0)
	real := newLSBCheck(t, "QUANTIZE f32→i8 (real x/s)", 1)
	ties := 0
	for cfg := 0; cfg < orcN(400); cfg++ {
		s, z := orcLogU(r, 1e-3, 1), orcZP(r)
		var xs []float32
		for i := 0; i < 400; i++ {
			xs = append(xs, float32((r.Float64()*300-150)*float64(s)))
		}
		for i := 0; i < 200; i++ { // quotients at or next to k + 1/2
			k := float32(r.IntN(300) - 150)
			x := (k + 0.5) * s
			xs = append(xs, x, math.Nextafter32(x, 0), math.Nextafter32(x, float32(math.Inf(1))))
		}
		xs = append(xs, 0, negZero, 1e6, -1e6, 127.5*s, -128.5*s, float32(127-z)*s, float32(-128-z)*s)
		b := newBuilder()
		in := b.input(ir.Float32, ir.Shape{len(xs)}, nil)
		b.op(ir.Quantize, ir.QuantizeAttrs{}, ir.Int8, ir.Shape{len(xs)}, qp(s, int64(z)), in)
		got := asI8(b.run(t, f32s(xs...)))
		c.configs++
		real.configs++
		for i, g := range got {
			x := xs[i]
			q := x / s // float32 division
			if q-float32(math.Trunc(float64(q))) == 0.5 || q-float32(math.Trunc(float64(q))) == -0.5 {
				ties++
			}
			want := int32(math.Min(math.Max(math.Round(float64(q))+float64(z), -128), 127))
			if c.add(int32(g), want) {
				t.Errorf("QUANTIZE: x=%v s=%v z=%d (x/s = %v in float32): got %d, want %d", x, s, z, q, g, want)
			}
			if real.add(int32(g), orcQuant(float64(x), s, z)) {
				t.Errorf("QUANTIZE: x=%v s=%v z=%d: got %d, real-valued oracle %d", x, s, z, g, orcQuant(float64(x), s, z))
			}
		}
	}
	t.Logf("QUANTIZE f32→i8: %d inputs whose float32 quotient is an exact tie", ties)
	c.finish()
	real.finish()
}

// TestOracleRequantize checks QUANTIZE int8 → int8 on every input code.
// Bound 1 LSB: one MBQM with QuantizeMultiplier(double(s_in)/double(s_out))
// (§11). Equal scales give the multiplier 1.0 = (2^30, 1), applied exactly,
// so that subset (a pure zero-point shift, saturated) must be exact.
func TestOracleRequantize(t *testing.T) {
	r := orcRand(301)
	c := newLSBCheck(t, "QUANTIZE i8→i8", 1)
	same := newLSBCheck(t, "QUANTIZE i8→i8 (equal scales)", 0)
	for cfg := 0; cfg < orcN(400); cfg++ {
		s, z := orcLogU(r, 1e-3, 1), orcZP(r)
		so, zo := orcScaleNear(r, float64(s), -4, 4, 1e-3, 1), orcZP(r)
		chk := c
		switch r.IntN(6) {
		case 0:
			so, chk = s, same
		case 1:
			so = orcLogU(r, 1e-3, 1)
		}
		got := runUnaryI8(t, ir.Quantize, ir.QuantizeAttrs{}, qp(s, int64(z)), qp(so, int64(zo)))
		chk.configs++
		for i, g := range got {
			x := allI8[i]
			want := orcQuant(orcDeq(int32(x), s, z), so, zo)
			if chk.add(int32(g), want) {
				t.Errorf("requantize: x=%d in (%v, %d) out (%v, %d): got %d, oracle %d", x, s, z, so, zo, g, want)
			}
		}
	}
	c.finish()
	same.finish()
}

// TestOracleDequantize checks DEQUANTIZE int8, uint8 and int16 → float32
// bit for bit against the correctly rounded real value s·(q − z): the
// float32 product float32(s)·float32(q − z) is exact-then-rounded in IEEE
// arithmetic, as is TFLM's float32(double(s)·double(q − z)) (§11).
func TestOracleDequantize(t *testing.T) {
	r := orcRand(302)
	cases, configs := 0, 0
	for _, tc := range []struct {
		dt      ir.DType
		configs int
	}{{ir.Int8, 400}, {ir.UInt8, 100}, {ir.Int16, 20}} {
		lo, hi := tc.dt.Range()
		n := int(hi - lo + 1)
		for cfg := 0; cfg < orcN(tc.configs); cfg++ {
			s := orcLogU(r, 1e-3, 1)
			if tc.dt == ir.Int16 {
				s = orcLogU(r, 1e-6, 1e-2)
			}
			z := int32(lo) + int32(r.IntN(n))
			if tc.dt == ir.Int16 && cfg%2 == 0 {
				z = 0
			}
			b := newBuilder()
			in := b.input(tc.dt, ir.Shape{n}, qp(s, int64(z)))
			b.op(ir.Dequantize, ir.NoAttrs{}, ir.Float32, ir.Shape{n}, nil, in)
			raw := make([]byte, n*tc.dt.Size())
			for i := 0; i < n; i++ {
				setIntAt(raw, tc.dt, i, int32(lo)+int32(i))
			}
			got := asF32(b.run(t, raw))
			configs++
			for i, g := range got {
				q := int32(lo) + int32(i)
				want := s * float32(q-z)
				cases++
				if math.Float32bits(g) != math.Float32bits(want) {
					t.Fatalf("DEQUANTIZE %v: q=%d s=%v z=%d: got %v, want %v", tc.dt, q, s, z, g, want)
				}
			}
		}
	}
	t.Logf("DEQUANTIZE: %d configurations, %d cases, exact", configs, cases)
}

// ---------------------------------------------------------------------------
// MEAN.

// TestOracleMean checks int8 MEAN over the spatial axes of NHWC tensors
// (also over H or W alone), keep_dims true and false. Bound 1 LSB (§12.1):
// the code sum is exact; 1/n is folded into the multiplier with a truncating
// division leaving ≥ 29 significant bits (relative error ≤ 2^−29); one MBQM.
func TestOracleMean(t *testing.T) {
	r := orcRand(400)
	c := newLSBCheck(t, "MEAN", 1)
	for cfg := 0; cfg < orcN(2000); cfg++ {
		sh := ir.Shape{1 + r.IntN(2), 1 + r.IntN(9), 1 + r.IntN(9), 1 + r.IntN(4)}
		if cfg%10 == 0 {
			sh[1], sh[2] = 7+r.IntN(10), 7+r.IntN(10)
		}
		axes := []int{1, 2}
		switch r.IntN(6) {
		case 0:
			axes = []int{1}
		case 1:
			axes = []int{2}
		}
		keep := r.IntN(2) == 0
		var outShape ir.Shape
		for d, n := range sh {
			switch {
			case !slices.Contains(axes, d):
				outShape = append(outShape, n)
			case keep:
				outShape = append(outShape, 1)
			}
		}
		s, z := orcLogU(r, 1e-3, 1), orcZP(r)
		so, zo := orcScaleNear(r, float64(s), -2, 2, 1e-3, 1), orcZP(r)
		if r.IntN(4) == 0 {
			so, zo = s, z
		}
		xs := orcI8sAround(r, sh.Elements())
		b := newBuilder()
		in := b.input(ir.Int8, sh, qp(s, int64(z)))
		b.op(ir.Mean, ir.MeanAttrs{Axes: axes, KeepDims: keep}, ir.Int8, outShape, qp(so, int64(zo)), in)
		got := asI8(b.run(t, i8s(xs...)))
		c.configs++

		// Reference: accumulate real values per output element.
		red := make([]bool, 4)
		for _, a := range axes {
			red[a] = true
		}
		sum := make([]float64, len(got))
		cnt := make([]int, len(got))
		idx := make([]int, 4)
		for i, x := range xs {
			orcUnravel(i, sh, idx)
			o := 0
			for d := range 4 {
				if !red[d] {
					o = o*sh[d] + idx[d]
				}
			}
			sum[o] += orcDeq(int32(x), s, z)
			cnt[o]++
		}
		for o, g := range got {
			want := orcQuant(sum[o]/float64(cnt[o]), so, zo)
			if c.add(int32(g), want) {
				t.Errorf("MEAN %v axes %v: output %d, in (%v, %d) out (%v, %d), n=%d: got %d, oracle %d (%.4f LSB)",
					sh, axes, o, s, z, so, zo, cnt[o], g, want, sum[o]/float64(cnt[o])/float64(so)+float64(zo))
			}
		}
	}
	c.finish()
}

// orcUnravel writes the row-major multi-index of flat index i into idx.
func orcUnravel(i int, shape ir.Shape, idx []int) {
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
}

// orcRavel is the inverse of orcUnravel.
func orcRavel(idx []int, shape ir.Shape) int {
	k := 0
	for d := range shape {
		k = k*shape[d] + idx[d]
	}
	return k
}

// ---------------------------------------------------------------------------
// SOFTMAX.

// TestOracleSoftmax checks int8 → int8 SOFTMAX (output 1/256, −128) on random
// rows of length 1..1000. Bound 1 LSB, from §9: differences are rescaled to
// Q5.26 (one SRDHM, error 2^−26 in the exponent); exp_on_negative_values is
// accurate to a few 2^−31; each term is rounded to Q12.19 before summing, so
// the sum (≥ 1, the row maximum contributes exactly 1) is off by ≤ D·2^−20,
// a relative error ≤ 2^−10 for D ≤ 1024 (≤ 0.25 LSB on 256·p); GetReciprocal's three Newton–Raphson
// steps are accurate to ~2^−28; the final SRDHM + RDBPOT rounds once more.
// Output code u = 256·p·(1 + ε) with 256·|ε| < 0.3, then a single rounding:
// within 1 of round(256·p). Entries with x − max < diff_min (real difference
// below −15.5 at least) are forced to −128 and left out of the sum; their
// probabilities are < 256·e^−15.5 LSB, so the oracle rounds them to −128 too.
func TestOracleSoftmax(t *testing.T) {
	r := orcRand(500)
	c := newLSBCheck(t, "SOFTMAX", 1)
	depths := []int{1, 2, 3, 4, 5, 8, 10, 16, 32, 64, 100, 256, 1000}
	for cfg := 0; cfg < orcN(400); cfg++ {
		d := depths[r.IntN(len(depths))]
		rows := max(1, 512/d)
		s, z := orcLogU(r, 1e-3, 1), orcZP(r)
		beta := float32(1)
		if r.IntN(2) == 0 {
			beta = orcLogU(r, 0.25, 4)
		}
		var xs []int8
		for range rows {
			if r.IntN(2) == 0 {
				xs = append(xs, orcI8s(r, d)...)
			} else {
				xs = append(xs, orcI8sAround(r, d)...)
			}
		}
		b := newBuilder()
		in := b.input(ir.Int8, ir.Shape{rows, d}, qp(s, int64(z)))
		b.op(ir.Softmax, ir.SoftmaxAttrs{Beta: beta}, ir.Int8, ir.Shape{rows, d}, qp(1.0/256, -128), in)
		got := asI8(b.run(t, i8s(xs...)))
		c.configs++
		bs := float64(beta) * float64(s)
		for row := 0; row < rows; row++ {
			x := xs[row*d : (row+1)*d]
			mx := slices.Max(x)
			var sum float64
			for _, v := range x {
				sum += math.Exp(bs * float64(int32(v)-int32(mx)))
			}
			for i, v := range x {
				p := math.Exp(bs*float64(int32(v)-int32(mx))) / sum
				want := orcQuant(p, 1.0/256, -128)
				if g := got[row*d+i]; c.add(int32(g), want) {
					t.Errorf("SOFTMAX depth %d, s=%v beta=%v: x=%d (max %d): got %d, oracle %d (p=%.6g, %.4f LSB)",
						d, s, beta, v, mx, g, want, p, p*256-128)
				}
			}
		}
	}
	c.finish()
}

// ---------------------------------------------------------------------------
// AVERAGE_POOL_2D and MAX_POOL_2D.

// TestOraclePool checks int8 AVERAGE_POOL_2D and MAX_POOL_2D (SAME and VALID
// padding, strides, fused activations), with output quantisation = input
// quantisation as TFLM requires (§6). The oracle averages (or maximises) the
// real values of the in-image taps (padding is not counted, as in TFLite).
//   - MAX: exact (quantisation is monotone, so the max of the codes is the
//     code of the max; the activation range is Q(0), Q(6), … as in §3).
//   - AVERAGE: TFLM rounds the mean of the raw codes half away from zero
//     (the zero point is not removed first), the oracle the mean of x − z.
//     These agree unless the mean of x − z is exactly k + 1/2 (n ≤ 16 taps,
//     so any non-tie is ≥ 1/32 away from a half-integer): exact off ties,
//     bound 1 on ties.
func TestOraclePool(t *testing.T) {
	for _, kind := range []ir.OpKind{ir.AveragePool2D, ir.MaxPool2D} {
		t.Run(kind.String(), func(t *testing.T) {
			r := orcRand(600 + uint64(kind))
			c := newLSBCheck(t, kind.String(), 0)
			if kind == ir.AveragePool2D {
				c.name += " (off ties)"
			}
			tie := newLSBCheck(t, kind.String()+" (mean of x−z is a tie)", 1)
			for cfg := 0; cfg < orcN(400); cfg++ {
				h, w, ch := 1+r.IntN(9), 1+r.IntN(9), 1+r.IntN(3)
				a := ir.Pool2DAttrs{
					Padding: ir.PadSame, FilterH: 1 + r.IntN(4), FilterW: 1 + r.IntN(4),
					StrideH: 1 + r.IntN(3), StrideW: 1 + r.IntN(3), Activation: orcActs[r.IntN(len(orcActs))],
				}
				if r.IntN(2) == 0 && a.FilterH <= h && a.FilterW <= w {
					a.Padding = ir.PadValid
				}
				oh, padH := orcPoolOut(a.Padding, h, a.FilterH, a.StrideH)
				ow, padW := orcPoolOut(a.Padding, w, a.FilterW, a.StrideW)
				s, z := orcLogU(r, 1e-3, 1), orcZP(r)
				if cfg%4 == 0 {
					s = orcLogU(r, 6.0/300, 6.0/100) // RELU6's 6 inside the code range
				}
				xs := orcI8sAround(r, h*w*ch)
				b := newBuilder()
				in := b.input(ir.Int8, ir.Shape{1, h, w, ch}, qp(s, int64(z)))
				b.op(kind, a, ir.Int8, ir.Shape{1, oh, ow, ch}, qp(s, int64(z)), in)
				got := asI8(b.run(t, i8s(xs...)))
				c.configs++
				for oy := 0; oy < oh; oy++ {
					for ox := 0; ox < ow; ox++ {
						for k := 0; k < ch; k++ {
							n, rel, mx := 0, 0, math.Inf(-1)
							for fy := 0; fy < a.FilterH; fy++ {
								for fx := 0; fx < a.FilterW; fx++ {
									iy, ix := oy*a.StrideH-padH+fy, ox*a.StrideW-padW+fx
									if iy < 0 || iy >= h || ix < 0 || ix >= w {
										continue
									}
									v := int32(xs[(iy*w+ix)*ch+k])
									n++
									rel += int(v - z)
									mx = math.Max(mx, orcDeq(v, s, z))
								}
							}
							real := mx
							if kind == ir.AveragePool2D {
								real = float64(s) * float64(rel) / float64(n)
							}
							want := orcQuant(orcAct(a.Activation, real), s, z)
							g := got[(oy*ow+ox)*ch+k]
							chk := c
							if kind == ir.AveragePool2D && (2*rel)%n == 0 && ((2*rel)/n)%2 != 0 {
								chk = tie
							}
							if chk.add(int32(g), want) {
								t.Errorf("%v %+v on 1x%dx%dx%d, s=%v z=%d: output (%d,%d,%d): got %d, oracle %d (n=%d, Σ(x−z)=%d)",
									kind, a, h, w, ch, s, z, oy, ox, k, g, want, n, rel)
							}
						}
					}
				}
			}
			c.finish()
			if kind == ir.AveragePool2D {
				tie.configs = c.configs
				tie.finish()
			}
		})
	}
}

// orcPoolOut returns the output size and the leading padding of one spatial
// dimension (TFLite SAME/VALID, dilation 1).
func orcPoolOut(p ir.Padding, in, f, s int) (out, pad int) {
	if p == ir.PadSame {
		out = (in + s - 1) / s
	} else {
		out = (in-f)/s + 1
	}
	return out, max(0, (out-1)*s+f-in) / 2
}

// ---------------------------------------------------------------------------
// Data movement: CONCATENATION, PAD, TRANSPOSE, STRIDED_SLICE, SQUEEZE,
// RESHAPE. These copy raw elements; each is compared exactly with a
// straightforward per-element reference.

// orcTensorType returns a random element type and quantisation for a
// data-movement test (int8 with a random per-tensor quantisation, int16 with
// zero point 0, or float32).
func orcTensorType(r *rand.Rand) (ir.DType, *ir.Quant) {
	switch r.IntN(4) {
	case 0:
		return ir.Int16, qp(orcLogU(r, 1e-5, 1e-2), 0)
	case 1:
		return ir.Float32, nil
	}
	return ir.Int8, qp(orcLogU(r, 1e-3, 1), int64(orcZP(r)))
}

func orcShape(r *rand.Rand, rank, maxDim int) ir.Shape {
	s := make(ir.Shape, rank)
	for i := range s {
		s[i] = 1 + r.IntN(maxDim)
	}
	return s
}

func orcBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

// orcCheckBytes compares two byte buffers element by element.
func orcCheckBytes(t *testing.T, what string, got, want []byte, esz int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d bytes, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: element %d: got % x, want % x", what, i/esz, got[i/esz*esz:i/esz*esz+esz], want[i/esz*esz:i/esz*esz+esz])
		}
	}
}

func TestOracleDataMovement(t *testing.T) {
	graphs := orcN(200)
	t.Run("CONCATENATION", func(t *testing.T) {
		r := orcRand(700)
		elems := 0
		for g := 0; g < graphs; g++ {
			dt, q := orcTensorType(r)
			esz := dt.Size()
			base := orcShape(r, 1+r.IntN(4), 4)
			axis := r.IntN(len(base))
			k := 1 + r.IntN(4)
			b := newBuilder()
			var ins []*ir.Tensor
			var shapes []ir.Shape
			var data [][]byte
			out := base.Clone()
			out[axis] = 0
			for i := 0; i < k; i++ {
				sh := base.Clone()
				sh[axis] = 1 + r.IntN(3)
				out[axis] += sh[axis]
				shapes = append(shapes, sh)
				ins = append(ins, b.input(dt, sh, q.Clone()))
				data = append(data, orcBytes(r, sh.Elements()*esz))
			}
			b.op(ir.Concatenation, ir.ConcatenationAttrs{Axis: axis}, dt, out, q.Clone(), ins...)
			got := b.run(t, data...)
			want := make([]byte, out.Elements()*esz)
			idx := make([]int, len(out))
			for o := 0; o < out.Elements(); o++ {
				orcUnravel(o, out, idx)
				j := 0
				for idx[axis] >= shapes[j][axis] { // find the input holding this index
					idx[axis] -= shapes[j][axis]
					j++
				}
				src := orcRavel(idx, shapes[j])
				copy(want[o*esz:(o+1)*esz], data[j][src*esz:])
			}
			elems += out.Elements()
			orcCheckBytes(t, fmt.Sprintf("CONCATENATION %v axis %d of %v", dt, axis, shapes), got, want, esz)
		}
		t.Logf("CONCATENATION: %d graphs, %d elements, exact", graphs, elems)
	})
	t.Run("PAD", func(t *testing.T) {
		r := orcRand(701)
		elems := 0
		for g := 0; g < graphs; g++ {
			dt, q := orcTensorType(r)
			esz := dt.Size()
			sh := orcShape(r, 1+r.IntN(4), 4)
			a := ir.PadAttrs{Before: make([]int, len(sh)), After: make([]int, len(sh))}
			out := sh.Clone()
			for d := range sh {
				a.Before[d], a.After[d] = r.IntN(3), r.IntN(3)
				out[d] += a.Before[d] + a.After[d]
			}
			b := newBuilder()
			in := b.input(dt, sh, q.Clone())
			b.op(ir.Pad, a, dt, out, q.Clone(), in)
			data := orcBytes(r, sh.Elements()*esz)
			got := b.run(t, data)
			fill := make([]byte, esz) // int16/float32 pad with 0
			if dt == ir.Int8 {
				fill[0] = byte(q.ZeroPoint[0]) // int8 pads with the zero point (§12.4)
			}
			want := make([]byte, out.Elements()*esz)
			idx := make([]int, len(out))
			for o := 0; o < out.Elements(); o++ {
				orcUnravel(o, out, idx)
				inside := true
				for d := range idx {
					idx[d] -= a.Before[d]
					inside = inside && idx[d] >= 0 && idx[d] < sh[d]
				}
				if inside {
					copy(want[o*esz:(o+1)*esz], data[orcRavel(idx, sh)*esz:])
				} else {
					copy(want[o*esz:(o+1)*esz], fill)
				}
			}
			elems += out.Elements()
			orcCheckBytes(t, fmt.Sprintf("PAD %v %v by %v/%v", dt, sh, a.Before, a.After), got, want, esz)
		}
		t.Logf("PAD: %d graphs, %d elements, exact", graphs, elems)
	})
	t.Run("TRANSPOSE", func(t *testing.T) {
		r := orcRand(702)
		elems := 0
		for g := 0; g < graphs; g++ {
			dt, q := orcTensorType(r)
			esz := dt.Size()
			sh := orcShape(r, 1+r.IntN(6), 4)
			perm := r.Perm(len(sh))
			out := make(ir.Shape, len(sh))
			for i, p := range perm {
				out[i] = sh[p]
			}
			b := newBuilder()
			in := b.input(dt, sh, q.Clone())
			b.op(ir.Transpose, ir.TransposeAttrs{Perm: perm}, dt, out, q.Clone(), in)
			data := orcBytes(r, sh.Elements()*esz)
			got := b.run(t, data)
			want := make([]byte, len(data))
			oidx, iidx := make([]int, len(out)), make([]int, len(sh))
			for o := 0; o < out.Elements(); o++ {
				orcUnravel(o, out, oidx)
				for i, p := range perm {
					iidx[p] = oidx[i]
				}
				copy(want[o*esz:(o+1)*esz], data[orcRavel(iidx, sh)*esz:])
			}
			elems += out.Elements()
			orcCheckBytes(t, fmt.Sprintf("TRANSPOSE %v %v perm %v", dt, sh, perm), got, want, esz)
		}
		t.Logf("TRANSPOSE: %d graphs, %d elements, exact", graphs, elems)
	})
	t.Run("STRIDED_SLICE", func(t *testing.T) {
		r := orcRand(703)
		elems, empty := 0, 0
		for g := 0; g < graphs; g++ {
			dt, q := orcTensorType(r)
			esz := dt.Size()
			sh := orcShape(r, 1+r.IntN(4), 6)
			rank := len(sh)
			a := ir.StridedSliceAttrs{Begin: make([]int, rank), End: make([]int, rank), Strides: make([]int, rank)}
			// Python slice semantics per axis (what TFLite's
			// StridedSliceStartForAxis/EndForAxis implement): negative
			// indices count from the end, then clamp; masks take the
			// full extent in the stride's direction; a shrunk axis picks
			// one element and disappears. Ellipsis and new-axis masks are
			// not used (TFLM passes them as 0).
			var sel [][]int
			var out ir.Shape
			for d, n := range sh {
				if r.IntN(6) == 0 { // shrink: one valid index, stride 1, no masks
					a.ShrinkAxisMask |= 1 << d
					a.Begin[d], a.End[d], a.Strides[d] = r.IntN(2*n)-n, r.IntN(2*n+4)-n-2, 1
					i := a.Begin[d]
					if i < 0 {
						i += n
					}
					sel = append(sel, []int{i})
					continue
				}
				st := 1 + r.IntN(3)
				if r.IntN(3) == 0 {
					st = -st
				}
				a.Begin[d], a.End[d], a.Strides[d] = r.IntN(2*n+5)-n-2, r.IntN(2*n+5)-n-2, st
				if r.IntN(4) != 0 { // mostly a non-empty range in the stride's direction
					b0 := r.IntN(n)
					e0 := b0 + 1 + r.IntN(n) // may run past the end (clamped)
					if st < 0 {
						e0 = b0 - 1 - r.IntN(n)
						if e0 < 0 { // "before index 0": any end ≤ −n−1 wraps below 0
							e0 = -n - 1 - r.IntN(2)
						}
					}
					if r.IntN(3) == 0 && b0 < n { // the same index counted from the end
						b0 -= n
					}
					if r.IntN(3) == 0 && e0 >= 0 && e0 < n {
						e0 -= n
					}
					a.Begin[d], a.End[d] = b0, e0
				}
				bm, em := r.IntN(4) == 0, r.IntN(4) == 0
				if bm {
					a.BeginMask |= 1 << d
				}
				if em {
					a.EndMask |= 1 << d
				}
				wrap := func(v, lo, hi int) int {
					if v < 0 {
						v += n
					}
					return min(max(v, lo), hi)
				}
				var idx []int
				if st > 0 {
					start, stop := wrap(a.Begin[d], 0, n), wrap(a.End[d], 0, n)
					if bm {
						start = 0
					}
					if em {
						stop = n
					}
					for i := start; i < stop; i += st {
						idx = append(idx, i)
					}
				} else {
					start, stop := wrap(a.Begin[d], -1, n-1), wrap(a.End[d], -1, n-1)
					if bm {
						start = n - 1
					}
					if em {
						stop = -1
					}
					for i := start; i > stop; i += st {
						idx = append(idx, i)
					}
				}
				sel = append(sel, idx)
				out = append(out, len(idx))
			}
			if out == nil {
				out = ir.Shape{}
			}
			b := newBuilder()
			in := b.input(dt, sh, q.Clone())
			b.op(ir.StridedSlice, a, dt, out, q.Clone(), in)
			data := orcBytes(r, sh.Elements()*esz)
			got := b.run(t, data)
			n := 1
			for _, s := range sel {
				n *= len(s)
			}
			if n == 0 {
				empty++
			}
			want := make([]byte, n*esz)
			pos, iidx := make([]int, rank), make([]int, rank)
			for o := 0; o < n; o++ {
				k := o
				for d := rank - 1; d >= 0; d-- {
					pos[d] = k % len(sel[d])
					k /= len(sel[d])
					iidx[d] = sel[d][pos[d]]
				}
				copy(want[o*esz:(o+1)*esz], data[orcRavel(iidx, sh)*esz:])
			}
			elems += n
			orcCheckBytes(t, fmt.Sprintf("STRIDED_SLICE %v %v %+v", dt, sh, a), got, want, esz)
		}
		t.Logf("STRIDED_SLICE: %d graphs (%d with an empty result), %d elements, exact", graphs, empty, elems)
	})
	t.Run("SQUEEZE and RESHAPE", func(t *testing.T) {
		r := orcRand(704)
		elems := 0
		for g := 0; g < graphs; g++ {
			dt, q := orcTensorType(r)
			esz := dt.Size()
			sh := orcShape(r, 1+r.IntN(5), 3)
			for d := range sh {
				if r.IntN(2) == 0 {
					sh[d] = 1
				}
			}
			var axes []int
			var sq ir.Shape
			for d, n := range sh {
				if n == 1 && r.IntN(2) == 0 {
					axes = append(axes, d)
				}
			}
			for d, n := range sh {
				if (len(axes) == 0 && n == 1) || slices.Contains(axes, d) {
					continue
				}
				sq = append(sq, n)
			}
			if sq == nil {
				sq = ir.Shape{}
			}
			// A random reshape of the squeezed tensor: split its element
			// count into random factors.
			total := sh.Elements()
			var rs ir.Shape
			for rem := total; rem > 1 || len(rs) == 0; {
				var divs []int
				for f := 1; f <= rem; f++ {
					if rem%f == 0 {
						divs = append(divs, f)
					}
				}
				f := divs[r.IntN(len(divs))]
				if len(rs) == 4 {
					f = rem
				}
				rs = append(rs, f)
				rem /= f
			}
			b := newBuilder()
			in := b.input(dt, sh, q.Clone())
			s1 := b.op(ir.Squeeze, ir.SqueezeAttrs{Axes: axes}, dt, sq, q.Clone(), in)
			b.output(s1)
			b.output(b.op(ir.Reshape, ir.ReshapeAttrs{NewShape: rs}, dt, rs, q.Clone(), s1))
			data := orcBytes(r, total*esz)
			outs, err := b.prepare(t).Run([][]byte{data})
			if err != nil {
				t.Fatal(err)
			}
			elems += 2 * total
			orcCheckBytes(t, fmt.Sprintf("SQUEEZE %v %v axes %v", dt, sh, axes), outs[0], data, esz)
			orcCheckBytes(t, fmt.Sprintf("RESHAPE %v %v to %v", dt, sq, rs), outs[1], data, esz)
		}
		t.Logf("SQUEEZE and RESHAPE: %d graphs each, %d elements, exact", graphs, elems)
	})
}
