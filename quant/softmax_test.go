package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tinygen/tinygen/ir"
)

// §9.1 and §9.3
func TestSoftmaxInt8WorkedExample(t *testing.T) {
	p, err := PrepareSoftmaxInt8(1, 0.1, 1.0/256, -128, ir.Int8)
	if err != nil {
		t.Fatal(err)
	}
	if p != (SoftmaxParams{InputMultiplier: 1717986944, InputLeftShift: 23, DiffMin: -248}) {
		t.Errorf("PrepareSoftmaxInt8 = %+v", p)
	}
	if m := float64(float32(1)) * float64(float32(0.1)) * (1 << 26); m != 6710886.5 {
		t.Errorf("M = %v, want 6710886.5", m)
	}
	in := []int8{127, 120, 100, 0, -128, 126}
	// Per-element intermediates; index 4 is below diff_min.
	rs := []int32{0, -46976205, -181193935, -852282585, 0, -6710886}
	es := []int32{2147483647, 1066408839, 144322738, 6552, 0, 1943123572}
	terms := []int32{524288, 260354, 35235, 2, 0, 474395}
	prods := []int32{1739816931, 863967535, 116925288, 5308, 0, 1574251471}
	us := []int32{104, 51, 7, 0, 0, 94}
	var sum int32
	for i, x := range in {
		d := int32(x) - 127
		if i == 4 {
			if d >= p.DiffMin {
				t.Errorf("d = %d should be below diff_min", d)
			}
			continue
		}
		r := MultiplyByQuantizedMultiplierGreaterThanOne(d, p.InputMultiplier, p.InputLeftShift)
		e := ExpOnNegativeValues(r, 5)
		term := RoundingDivideByPOT(e, 12)
		prod := SaturatingRoundingDoublingHighMul(1739816932, e)
		u := RoundingDivideByPOT(prod, 24)
		if r != rs[i] || e != es[i] || term != terms[i] || prod != prods[i] || u != us[i] {
			t.Errorf("x=%d: r=%d e=%d term=%d prod=%d u=%d", x, r, e, term, prod, u)
		}
		sum += term
	}
	if sum != 1294274 {
		t.Errorf("sum = %d, want 1294274", sum)
	}
	recip, nbou := GetReciprocal(sum, 12)
	if recip != 1739816932 || nbou != 1 || nbou+31-8 != 24 {
		t.Errorf("GetReciprocal = (%d, %d)", recip, nbou)
	}

	out := make([]int8, len(in))
	SoftmaxInt8(p, in, out)
	want8 := []int8{-24, -77, -121, -128, -128, -34}
	for i := range want8 {
		if out[i] != want8[i] {
			t.Fatalf("SoftmaxInt8 = %v, want %v", out, want8)
		}
	}

	p16, err := PrepareSoftmaxInt8(1, 0.1, 1.0/65536, -32768, ir.Int16)
	if err != nil || p16 != p {
		t.Fatalf("PrepareSoftmaxInt8 int16 = %+v, %v", p16, err)
	}
	out16 := make([]int16, len(in))
	SoftmaxInt8ToInt16(p16, in, out16)
	want16 := []int16{-6221, -19585, -30984, -32768, -32768, -8747}
	for i := range want16 {
		if out16[i] != want16[i] {
			t.Fatalf("SoftmaxInt8ToInt16 = %v, want %v", out16, want16)
		}
	}
}

func TestSoftmaxInt8Properties(t *testing.T) {
	p, err := PrepareSoftmaxInt8(1, 0.0625, 1.0/256, -128, ir.Int8)
	if err != nil {
		t.Fatal(err)
	}
	// Uniform row of 4: each 0.25 → 64 − 128 = −64.
	out := make([]int8, 4)
	SoftmaxInt8(p, []int8{5, 5, 5, 5}, out)
	for _, v := range out {
		if v != -64 {
			t.Fatalf("uniform softmax = %v, want all -64", out)
		}
	}
	// A single element is 1.0 → 256 − 128, clamped to 127.
	one := make([]int8, 1)
	SoftmaxInt8(p, []int8{-100}, one)
	if one[0] != 127 {
		t.Errorf("softmax of one element = %d, want 127", one[0])
	}
	// Close to the float result everywhere.
	in := []int8{-128, -90, -60, -30, -1, 0, 1, 20, 40, 60, 80, 127}
	out = make([]int8, len(in))
	SoftmaxInt8(p, in, out)
	var den float64
	for _, x := range in {
		den += math.Exp(float64(x) * 0.0625)
	}
	for i, x := range in {
		want := math.Exp(float64(x)*0.0625)/den*256 - 128
		if math.Abs(float64(out[i])-want) > 1 {
			t.Errorf("softmax[%d] = %d, float %v", i, out[i], want)
		}
	}
}

func TestPrepareSoftmaxInt8Errors(t *testing.T) {
	for _, c := range []struct {
		beta, in, out float32
		zp            int32
		dt            ir.DType
	}{
		{1, 0.1, 1.0 / 255, -128, ir.Int8},
		{1, 0.1, 1.0 / 256, 0, ir.Int8},
		{1, 0.1, 1.0 / 60000, -32768, ir.Int16},
		{1, 0.1, 1.0 / 65536, 0, ir.Int16},
		{1, 0.1, 1.0 / 256, -128, ir.Float32},
		{1, 0, 1.0 / 256, -128, ir.Int8},
		{-1, 0.1, 1.0 / 256, -128, ir.Int8},
		{1, 1e-9, 1.0 / 256, -128, ir.Int8}, // M ≤ 1
	} {
		if _, err := PrepareSoftmaxInt8(c.beta, c.in, c.out, c.zp, c.dt); err == nil {
			t.Errorf("PrepareSoftmaxInt8(%v): want error", c)
		}
	}
	// int16 output tolerates 0.1% scale error; huge beta·scale caps at 2^31−1.
	if _, err := PrepareSoftmaxInt8(1, 0.1, 1.0005/65536, -32768, ir.Int16); err != nil {
		t.Error(err)
	}
	p, err := PrepareSoftmaxInt8(1e6, 100, 1.0/256, -128, ir.Int8)
	if err != nil || p.InputMultiplier != math.MaxInt32 || p.InputLeftShift != 31 || p.DiffMin != 0 {
		t.Errorf("capped softmax = %+v, %v", p, err)
	}
}

// TestSoftmaxExpTable checks that the table form used by the generated C
// kernel equals SoftmaxInt8 on random rows, for scales that exercise the
// DiffMin cut-off (large β·scale) and the wide range (small β·scale).
func TestSoftmaxExpTable(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, c := range []struct{ beta, scale float32 }{
		{1, 0.0039}, {1, 0.1}, {1, 0.5}, {2, 1}, {1, 0.00390625}, {0.5, 0.05},
	} {
		p, err := PrepareSoftmaxInt8(c.beta, c.scale, 1.0/256, -128, ir.Int8)
		if err != nil {
			t.Fatal(err)
		}
		table := p.ExpTable()
		for trial := 0; trial < 300; trial++ {
			n := 1 + r.IntN(40)
			in := make([]int8, n)
			for i := range in {
				in[i] = int8(r.IntN(256) - 128)
			}
			want, got := make([]int8, n), make([]int8, n)
			SoftmaxInt8(p, in, want)
			SoftmaxInt8FromTable(&table, in, got)
			for i := range want {
				if want[i] != got[i] {
					t.Fatalf("beta %v scale %v row %v: element %d: table %d, SoftmaxInt8 %d", c.beta, c.scale, in, i, got[i], want[i])
				}
			}
		}
	}
}
