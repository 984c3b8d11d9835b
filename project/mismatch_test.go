// Tests of FormatMismatch.
package project

import (
	"fmt"
	"math"
	"testing"
)

func TestFormatMismatch(t *testing.T) {
	pre := "TINYGEN-MISMATCH vector=1 output=0 index=3 "
	for _, tc := range []struct{ name, in, want string }{
		{"int8 -128", pre + "dtype=int8 got=128 want=127", pre + "dtype=int8 got=-128 want=127"},
		{"int8 -1", pre + "dtype=int8 got=255 want=0", pre + "dtype=int8 got=-1 want=0"},
		{"uint8", pre + "dtype=uint8 got=128 want=255", pre + "dtype=uint8 got=128 want=255"},
		{"int16", pre + "dtype=int16 got=32768 want=65535", pre + "dtype=int16 got=-32768 want=-1"},
		{"int32", pre + "dtype=int32 got=2147483648 want=4294967295", pre + "dtype=int32 got=-2147483648 want=-1"},
		{"float32 round-trips", pre + fmt.Sprintf("dtype=float32 got=%d want=%d", math.Float32bits(0.1), math.Float32bits(-2.5e-38)),
			pre + "dtype=float32 got=0.1 want=-2.5e-38"},
		{"float32 nan", pre + "dtype=float32 got=2143289344 want=1065353216", pre + "dtype=float32 got=NaN(0x7fc00000) want=1"},
		{"no dtype: old protocol kept", pre + "got=128 want=127", pre + "got=128 want=127"},
		{"unknown dtype kept", pre + "dtype=bf16 got=1 want=2", pre + "dtype=bf16 got=1 want=2"},
		{"int8 out of range kept", pre + "dtype=int8 got=300 want=1", pre + "dtype=int8 got=300 want=1"},
		{"not a number kept", pre + "dtype=int8 got=x want=1", pre + "dtype=int8 got=x want=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatMismatch(tc.in); got != tc.want {
				t.Errorf("FormatMismatch(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
	// Every float32 prints in a form that parses back to the same bits.
	for _, f := range []float32{math.SmallestNonzeroFloat32, math.MaxFloat32, 1.0 / 3, -0.0, 16777217} {
		s, _ := typedValue("float32", math.Float32bits(f))
		var back float32
		if _, err := fmt.Sscan(s, &back); err != nil || math.Float32bits(back) != math.Float32bits(f) {
			t.Errorf("%v printed as %q reads back as %v", f, s, back)
		}
	}
}
