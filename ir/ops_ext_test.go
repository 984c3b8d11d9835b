// Tests of the IR added for ONNX: explicit padding, pool extensions, the
// new operators' text form, shape rules and index rules.

package ir

import (
	"strings"
	"testing"
)

// extGraph is a graph text with one op of every new form.
const extGraph = `tinygen-ir 1
graph "ext" source "test" description ""
tensor %0 "x" f32[1,5,6,4]
tensor %1 "w" f32[8,3,3,2] data=hex"` + "%W%" + `"
tensor %2 "conv" f32[1,2,4,8]
tensor %3 "pool" f32[1,1,2,8]
tensor %4 "d2s" f32[1,2,4,2]
tensor %5 "rs" f32[1,3,2,2]
tensor %6 "pad" f32[1,4,4,2]
tensor %7 "m" f32[2,1,5,3]
tensor %8 "n" f32[4,2,5]
tensor %9 "mm" f32[2,4,3,2]
tensor %10 "q" f32[2,4,3,2]
tensor %11 "p" f32[2,4,3,2]
input %0
input %7
input %8
op 0 CONV_2D (%0, %1, _) -> (%2) {Padding=EXPLICIT StrideH=2 StrideW=2 DilationH=1 DilationW=1 Activation=NONE PadTop=1 PadBottom=0 PadLeft=1 PadRight=2}
op 1 AVERAGE_POOL_2D (%2) -> (%3) {Padding=EXPLICIT StrideH=1 StrideW=2 FilterH=2 FilterW=2 Activation=NONE PadTop=1 PadRight=1 DilationH=2 CountIncludePad=true CeilPadRight=1}
op 2 DEPTH_TO_SPACE (%3) -> (%4) {BlockSize=2 Mode=CRD}
op 3 RESIZE_NEAREST_NEIGHBOR (%4) -> (%5) {NewHeight=3 NewWidth=2 CoordMode=HALF_PIXEL NearestMode=CEIL ScaleH=1.5}
op 4 PAD (%5) -> (%6) {Before=[0,1,1,0] After=[0,0,1,0] Mode=REFLECT}
op 5 BATCH_MATMUL (%7, %8) -> (%9) {AdjX=true AdjY=true}
op 6 DIV (%9, %10) -> (%11) {Activation=RELU} name "/model/Div_1 */"
output %6
output %11
`

func TestExtendedOpsRoundTrip(t *testing.T) {
	text := strings.Replace(extGraph, "%W%", strings.Repeat("00", 8*3*3*2*4), 1)
	// %10 is not defined anywhere: make it an input.
	text = strings.Replace(text, "input %8\n", "input %8\ninput %10\n", 1)
	g, err := ParseString(text)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	printed := g.String()
	g2, err := ParseString(printed)
	if err != nil {
		t.Fatalf("reparse: %v\n%s", err, printed)
	}
	if g2.String() != printed {
		t.Fatalf("round trip changed the text:\n%s\n---\n%s", printed, g2.String())
	}
	for _, want := range []string{
		"Padding=EXPLICIT StrideH=2 StrideW=2 DilationH=1 DilationW=1 Activation=NONE PadTop=1 PadLeft=1 PadRight=2}",
		"{BlockSize=2 Mode=CRD}",
		"Mode=REFLECT}",
		"CoordMode=HALF_PIXEL NearestMode=CEIL ScaleH=1.5}",
		"DIV (%9, %10) -> (%11) {Activation=RELU} name \"/model/Div_1 */\"",
	} {
		if !strings.Contains(printed, want) {
			t.Errorf("printed text lacks %q:\n%s", want, printed)
		}
	}
	if got := g.Ops[6].String(); got != `op 6 (DIV "/model/Div_1 */")` {
		t.Errorf("named op prints as %s", got)
	}
	// TFLite texts are unchanged: no new field is printed at its zero value.
	if s := FormatAttrs(Pool2DAttrs{Padding: PadSame, StrideH: 1, StrideW: 1, FilterH: 2, FilterW: 2}); s != "Padding=SAME StrideH=1 StrideW=1 FilterH=2 FilterW=2 Activation=NONE" {
		t.Errorf("pool attributes print as %q", s)
	}
}

func TestWindowOut(t *testing.T) {
	for _, c := range []struct {
		p                                   Padding
		in, filter, stride, dil, before, af int
		out, pad                            int
		err                                 string
	}{
		{PadSame, 5, 3, 2, 1, 0, 0, 3, 1, ""},
		{PadValid, 5, 3, 2, 1, 0, 0, 2, 0, ""},
		{PadExplicit, 5, 3, 2, 1, 1, 0, 2, 1, ""},
		{PadExplicit, 5, 3, 2, 1, 0, 2, 3, 0, ""},
		{PadExplicit, 5, 3, 1, 2, 2, 2, 5, 2, ""},
		{PadExplicit, 1, 5, 1, 1, 1, 1, 0, 0, "smaller than effective filter"},
		{PadExplicit, 5, 3, 1, 1, -1, 0, 0, 0, "pads"},
		{PadSame, 5, 3, 1, 1, 1, 0, 0, 0, "explicit pads"},
	} {
		out, pad, err := WindowOut(c.p, c.in, c.filter, c.stride, c.dil, c.before, c.af)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v: error %v, want %q", c, err, c.err)
			}
			continue
		}
		if err != nil || out != c.out || pad != c.pad {
			t.Errorf("%+v: got %d, %d, %v", c, out, pad, err)
		}
	}
}

func TestTapRange(t *testing.T) {
	for _, c := range []struct{ start, dil, filter, lo, hi, first, end int }{
		{-2, 1, 5, 0, 4, 2, 5},
		{-3, 2, 4, 0, 4, 2, 4},
		{1, 2, 4, 0, 4, 0, 2},
		{5, 1, 3, 0, 4, 0, 0},
		{-9, 1, 3, 0, 4, 9, 3},
	} {
		f, e := TapRange(c.start, c.dil, c.filter, c.lo, c.hi)
		if f != c.first || e != c.end {
			t.Errorf("TapRange%v = %d, %d", c, f, e)
		}
		// Brute force.
		bf, be, seen := 0, 0, false
		for k := 0; k < c.filter; k++ {
			if p := c.start + c.dil*k; p >= c.lo && p < c.hi {
				if !seen {
					bf, seen = k, true
				}
				be = k + 1
			}
		}
		if seen && (bf != f || be != e) || !seen && e > f {
			t.Errorf("TapRange%v = %d, %d, brute force %d, %d", c, f, e, bf, be)
		}
	}
}

func TestPadSource(t *testing.T) {
	// Input [a b c] (indices 0..2), 3 before and 3 after where allowed.
	for _, c := range []struct {
		m      PadMode
		before int
		want   []int
	}{
		{PadReflect, 2, []int{2, 1, 0, 1, 2, 1, 0}},
		{PadSymmetric, 3, []int{2, 1, 0, 0, 1, 2, 2, 1, 0}},
		{PadEdge, 2, []int{0, 0, 0, 1, 2, 2, 2}},
		{PadWrap, 3, []int{0, 1, 2, 0, 1, 2, 0, 1, 2}},
		{PadConstant, 1, []int{-1, 0, 1, 2, -1}},
	} {
		var got []int
		for o := range c.want {
			got = append(got, PadSource(c.m, o, c.before, 3))
		}
		if !equalInts(got, c.want) {
			t.Errorf("%v: got %v, want %v", c.m, got, c.want)
		}
	}
	if err := checkPadMode(PadReflect, 3, 0, 3); err == nil {
		t.Error("REFLECT by the axis size was accepted")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestResizeSource(t *testing.T) {
	for _, c := range []struct {
		name    string
		a       ResizeAttrs
		in, out int
		scale   float32
		want    []int
	}{
		// ONNX Runtime's results for a 1-D resize of 4 to 8 / 8 to 3.
		{"half_pixel floor", ResizeAttrs{CoordMode: HalfPixel, NearestMode: RoundPreferFloor}, 4, 8, 0, []int{0, 0, 1, 1, 2, 2, 3, 3}},
		{"asymmetric floor", ResizeAttrs{CoordMode: Asymmetric, NearestMode: Floor}, 4, 8, 0, []int{0, 0, 1, 1, 2, 2, 3, 3}},
		{"align_corners round", ResizeAttrs{CoordMode: AlignCorners, NearestMode: RoundPreferFloor}, 4, 8, 0, []int{0, 0, 1, 1, 2, 2, 3, 3}},
		{"asymmetric ceil down", ResizeAttrs{CoordMode: Asymmetric, NearestMode: Ceil}, 8, 3, 0, []int{0, 3, 6}},
		{"tf_half_pixel floor down", ResizeAttrs{CoordMode: TFHalfPixelForNearest, NearestMode: Floor}, 8, 3, 0, []int{1, 4, 6}},
		{"pytorch one output", ResizeAttrs{CoordMode: PytorchHalfPixel, NearestMode: Floor}, 8, 1, 0, []int{0}},
		// TFLite: floor(x * 6/4 as float32) vs ONNX Runtime's x / (4/6).
		{"tflite asymmetric", ResizeAttrs{CoordMode: Asymmetric, NearestMode: Floor, TFLite: true}, 6, 4, 0, []int{0, 1, 3, 4}},
		{"tflite align corners", ResizeAttrs{CoordMode: AlignCorners, NearestMode: RoundPreferCeil, TFLite: true}, 3, 5, 0, []int{0, 1, 1, 2, 2}},
	} {
		if got := ResizeSources(c.a, c.in, c.out, c.scale); !equalInts(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestExtendedShapeErrors(t *testing.T) {
	f := func(shape ...int) *Tensor { return &Tensor{DType: Float32, Shape: shape} }
	for _, c := range []struct {
		name string
		op   *Op
		want string
	}{
		{"matmul inner", &Op{Kind: BatchMatMul, Inputs: []*Tensor{f(2, 3), f(4, 2)}, Attrs: BatchMatMulAttrs{}}, "inner dimensions"},
		{"matmul batch", &Op{Kind: BatchMatMul, Inputs: []*Tensor{f(2, 2, 3), f(3, 3, 2)}, Attrs: BatchMatMulAttrs{}}, "broadcast"},
		{"d2s depth", &Op{Kind: DepthToSpace, Inputs: []*Tensor{f(1, 2, 2, 6)}, Attrs: DepthToSpaceAttrs{BlockSize: 2}}, "multiple"},
		{"resize size", &Op{Kind: ResizeNearestNeighbor, Inputs: []*Tensor{f(1, 2, 2, 1)}, Attrs: ResizeAttrs{NewHeight: 0, NewWidth: 2}}, "out of range"},
		{"pool ceil pads", &Op{Kind: AveragePool2D, Inputs: []*Tensor{f(1, 4, 4, 1)}, Attrs: Pool2DAttrs{Padding: PadExplicit, FilterH: 2, FilterW: 2, StrideH: 1, StrideW: 1, CeilPadRight: 1}}, "ceil-mode"},
		{"max pool count pad", &Op{Kind: MaxPool2D, Inputs: []*Tensor{f(1, 4, 4, 1)}, Attrs: Pool2DAttrs{Padding: PadExplicit, FilterH: 2, FilterW: 2, StrideH: 1, StrideW: 1, CountIncludePad: true}}, "AVERAGE_POOL_2D with EXPLICIT"},
		{"tflite resize half pixel", &Op{Kind: ResizeNearestNeighbor, Inputs: []*Tensor{f(1, 2, 2, 1)}, Attrs: ResizeAttrs{NewHeight: 2, NewWidth: 2, CoordMode: HalfPixel, TFLite: true}}, "TFLite arithmetic"},
		{"same with pads", &Op{Kind: Conv2D, Inputs: []*Tensor{f(1, 4, 4, 1), f(1, 3, 3, 1)}, Attrs: Conv2DAttrs{Padding: PadSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, ExplicitPads: ExplicitPads{PadTop: 1}}}, "explicit pads"},
		{"reflect too far", &Op{Kind: Pad, Inputs: []*Tensor{f(1, 2)}, Attrs: PadAttrs{Before: []int{0, 2}, After: []int{0, 0}, Mode: PadReflect}}, "REFLECT"},
	} {
		_, err := InferShape(c.op)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestDepthToSpaceWalk(t *testing.T) {
	// NHWC [1,1,1,8], block 2: DCR output (i, j, c) reads channel
	// (i*2+j)*2+c; CRD reads c*4+i*2+j.
	for _, c := range []struct {
		mode DepthToSpaceMode
		want []int // output in row-major [1,2,2,2] order
	}{
		{DCR, []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{CRD, []int{0, 4, 1, 5, 2, 6, 3, 7}},
	} {
		dims, st := DepthToSpaceWalk(DepthToSpaceAttrs{BlockSize: 2, Mode: c.mode}, Shape{1, 1, 1, 8})
		var got []int
		var rec func(d, off int)
		rec = func(d, off int) {
			if d == len(dims) {
				got = append(got, off)
				return
			}
			for i := 0; i < dims[d]; i++ {
				rec(d+1, off+i*st[d])
			}
		}
		rec(0, 0)
		if !equalInts(got, c.want) {
			t.Errorf("%v: got %v, want %v", c.mode, got, c.want)
		}
	}
}
