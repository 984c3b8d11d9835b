package planviz

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// small is a three-buffer plan: two buffers share offset 0 at different
// steps, one has a label too long for its rectangle.
func small() Figure {
	return Figure{
		Title:      "kws_tiny arena",
		Steps:      4,
		ArenaSize:  3072,
		LowerBound: 2560,
		Rects: []Rect{
			{Label: "conv1", First: 0, Last: 1, Offset: 0, Size: 2048},
			{Label: "pool", First: 2, Last: 3, Offset: 0, Size: 1024},
			{Label: "a label much too long to fit in this small buffer", First: 1, Last: 1, Offset: 2048, Size: 1024},
		},
	}
}

func render1(t *testing.T, f Figure, format string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, f, format); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func hex(c color.NRGBA) string { return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B) }

// svgPaths parses an SVG (failing on malformed XML) and returns the style
// attribute of every path element and the text of every text element.
func svgPaths(t *testing.T, data []byte) (styles, texts []string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	inText := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			inText = e.Name.Local == "text"
			if e.Name.Local == "path" {
				style := ""
				for _, a := range e.Attr {
					if a.Name.Local == "style" {
						style = a.Value
					}
				}
				styles = append(styles, style)
			}
		case xml.CharData:
			if inText {
				texts = append(texts, strings.TrimSpace(string(e)))
			}
		case xml.EndElement:
			inText = false
		}
	}
	return styles, texts
}

func count(styles []string, pred func(string) bool) int {
	n := 0
	for _, s := range styles {
		if pred(s) {
			n++
		}
	}
	return n
}

func TestSVG(t *testing.T) {
	f := small()
	styles, texts := svgPaths(t, render1(t, f, "svg"))
	cs := colors(len(f.Rects))
	for i, c := range cs {
		fill := "fill:" + hex(c)
		if n := count(styles, func(s string) bool { return strings.Contains(s, fill) }); n != 1 {
			t.Errorf("buffer %d: %d paths filled %s, want 1", i, n, hex(c))
		}
	}
	if n := count(styles, func(s string) bool { return strings.Contains(s, "stroke:"+hex(rgb(outlineRGB))) }); n != len(f.Rects) {
		t.Errorf("%d outlines, want %d", n, len(f.Rects))
	}
	// The arena line is solid; the lower bound is dashed.
	arena := count(styles, func(s string) bool {
		return strings.Contains(s, "stroke:"+hex(rgb(arenaRGB))) && !strings.Contains(s, "dasharray")
	})
	bound := count(styles, func(s string) bool {
		return strings.Contains(s, "stroke:"+hex(rgb(boundRGB))) && strings.Contains(s, "stroke-dasharray")
	})
	if arena != 1 || bound != 1 {
		t.Errorf("%d solid arena and %d dashed bound paths, want 1 each", arena, bound)
	}
	for _, want := range []string{"kws_tiny arena", "arena 3072 B (solid), lower bound 2560 B (dashed)", "conv1", "pool", "step (op index)", "arena offset (bytes)"} {
		if !slices.Contains(texts, want) {
			t.Errorf("no text %q in %q", want, texts)
		}
	}
	if slices.Contains(texts, f.Rects[2].Label) {
		t.Error("a label wider than its rectangle was drawn")
	}
}

func TestPNG(t *testing.T) {
	f := small()
	img, err := png.Decode(bytes.NewReader(render1(t, f, "png")))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b != image.Rect(0, 0, 768, 480) {
		t.Fatalf("PNG is %v, want 768×480", b)
	}
	// Every buffer's colour fills part of the picture.
	seen := map[color.NRGBA]int{}
	for y := 0; y < 480; y++ {
		for x := 0; x < 768; x++ {
			seen[color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)]++
		}
	}
	for i, c := range colors(len(f.Rects)) {
		if seen[c] < 1000 {
			t.Errorf("buffer %d colour %s covers %d pixels", i, hex(c), seen[c])
		}
	}
}

func TestDeterministic(t *testing.T) {
	for _, format := range []string{"svg", "png"} {
		a, b := render1(t, small(), format), render1(t, small(), format)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renderings of one figure differ", format)
		}
	}
}

func TestEmpty(t *testing.T) {
	styles, _ := svgPaths(t, render1(t, Figure{}, "svg"))
	if n := count(styles, func(s string) bool { return strings.Contains(s, "stroke:"+hex(rgb(outlineRGB))) }); n != 0 {
		t.Errorf("empty figure has %d outlines", n)
	}
	img, err := png.Decode(bytes.NewReader(render1(t, Figure{Title: "empty"}, "png")))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 768 || b.Dy() != 480 {
		t.Errorf("PNG is %v", b)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"plan.svg", "plan.PNG"} {
		path := filepath.Join(dir, name)
		if err := WriteFile(path, small()); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		format := strings.ToLower(filepath.Ext(name)[1:])
		if !bytes.Equal(got, render1(t, small(), format)) {
			t.Errorf("%s differs from Write's %s", name, format)
		}
	}
	for _, name := range []string{"plan.pdf", "plan"} {
		path := filepath.Join(dir, name)
		if err := WriteFile(path, small()); err == nil || !strings.Contains(err.Error(), "unknown picture format") {
			t.Errorf("%s: error %v", name, err)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("%s was written", name)
		}
	}
	bad := small()
	bad.Rects[0].Last = 9
	path := filepath.Join(dir, "bad.svg")
	if err := WriteFile(path, bad); err == nil || !strings.HasPrefix(err.Error(), path+": ") {
		t.Errorf("bad figure: error %v", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a file was written for a bad figure")
	}
}

func TestInvalid(t *testing.T) {
	mod := func(f func(*Figure)) Figure {
		g := small()
		f(&g)
		return g
	}
	tests := []struct {
		name   string
		f      Figure
		format string
		want   string
	}{
		{"format", small(), "pdf", `unknown format "pdf"`},
		{"steps", mod(func(f *Figure) { f.Steps = -1 }), "svg", "-1 steps"},
		{"arena", mod(func(f *Figure) { f.ArenaSize = -5 }), "svg", "arena size -5"},
		{"bound", mod(func(f *Figure) { f.LowerBound = -5 }), "png", "lower bound -5"},
		{"last before first", mod(func(f *Figure) { f.Rects[1].Last = 1 }), "svg", `buffer 1 "pool": steps 2..1`},
		{"past the end", mod(func(f *Figure) { f.Rects[0].Last = 4 }), "svg", "steps 0..4 outside the 4 steps"},
		{"negative first", mod(func(f *Figure) { f.Rects[0].First = -1 }), "svg", "steps -1..1"},
		{"negative offset", mod(func(f *Figure) { f.Rects[2].Offset = -16 }), "png", "offset -16"},
		{"negative size", mod(func(f *Figure) { f.Rects[2].Size = -1 }), "svg", "size -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, tc.f, tc.format)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if b.Len() != 0 {
				t.Errorf("%d bytes written", b.Len())
			}
		})
	}
}

func TestColorsDistinct(t *testing.T) {
	const n = 5000
	seen := map[color.NRGBA]int{rgb(outlineRGB): -1, rgb(arenaRGB): -1, rgb(boundRGB): -1}
	for i, c := range colors(n) {
		if j, dup := seen[c]; dup {
			t.Fatalf("colour %d %s repeats %d", i, hex(c), j)
		}
		if c.A != 0xff {
			t.Fatalf("colour %d is not opaque", i)
		}
		seen[c] = i
	}
}

func TestTicks(t *testing.T) {
	tests := []struct {
		lo, hi int
		want   []string
	}{
		{0, 1, []string{"0", "1"}},
		{0, 10, []string{"0", "2", "4", "6", "8", "10"}},
		{0, 1050, []string{"0", "200", "400", "600", "800", "1000"}},
		{0, 3226, []string{"0", "500", "1000", "1500", "2000", "2500", "3000"}},
		{5, 5, []string{"5"}},
	}
	for _, tc := range tests {
		var got []string
		for _, tk := range ticks(tc.lo, tc.hi) {
			got = append(got, tk.Label)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("ticks(%v, %v) = %v, want %v", tc.lo, tc.hi, got, tc.want)
		}
	}
}

// TestSVGEscapes draws labels and a title from a hostile model: the SVG
// stays well-formed, shows the text as it is, and carries no markup of it.
func TestSVGEscapes(t *testing.T) {
	evil := []string{
		`<script>alert(1)</script>`,
		`a & b "q" 'r'`,
		`]]><x>`,
		"ctl\x00\x01\x1b end",
		"bad utf8 \xff\xfe",
	}
	const title = `<title onload="x()">&amp; ]]>`
	f := Figure{Title: title, Steps: 1, ArenaSize: 1000}
	for _, s := range evil {
		g := f
		g.Rects = []Rect{{Label: s, First: 0, Last: 0, Offset: 0, Size: 1000}}
		data := render1(t, g, "svg")
		_, texts := svgPaths(t, data)
		for _, raw := range []string{"<script", "<x>", "]]>", "<title", `"x()"`, "\x00", "\x1b"} {
			if bytes.Contains(data, []byte(raw)) {
				t.Errorf("label %q: the SVG contains %q", s, raw)
			}
		}
		if strings.ToValidUTF8(s, "") == s && !strings.ContainsAny(s, "\x00\x01\x1b") && !slices.Contains(texts, s) {
			t.Errorf("label %q is not shown as text: %q", s, texts)
		}
		if !slices.Contains(texts, title) {
			t.Errorf("title not shown as text: %q", texts)
		}
		if _, err := png.Decode(bytes.NewReader(render1(t, g, "png"))); err != nil {
			t.Errorf("label %q: PNG: %v", s, err)
		}
	}
}

// TestLongText: a title or label too long for the picture is shortened
// or left out, never drawn past the edge.
func TestLongText(t *testing.T) {
	long := strings.Repeat("x", 100000)
	f := Figure{Title: long, Steps: 1, Rects: []Rect{{Label: long, Last: 0, Size: 10}}}
	_, texts := svgPaths(t, render1(t, f, "svg"))
	for _, s := range texts {
		if textWidth(s) > width {
			t.Errorf("text of %d characters drawn", len(s))
		}
	}
	if !slices.ContainsFunc(texts, func(s string) bool { return strings.HasSuffix(s, "x...") }) {
		t.Errorf("no shortened title in %q", texts)
	}
}

// TestHugeValues: offsets and sizes near the int range and many steps
// draw without overflow or hang.
func TestHugeValues(t *testing.T) {
	const big = math.MaxInt / 2
	f := Figure{Steps: 1 << 40, ArenaSize: math.MaxInt, LowerBound: big, Rects: []Rect{
		{Label: "a", First: 0, Last: 1<<40 - 1, Offset: big, Size: big},
		{Label: "b", First: 5, Last: 5, Offset: 0, Size: 1},
	}}
	for _, format := range []string{"svg", "png"} {
		render1(t, f, format)
	}
	f.Rects = append(f.Rects, Rect{Label: "c", First: 0, Last: 0, Offset: math.MaxInt, Size: 1})
	var b bytes.Buffer
	if err := Write(&b, f, "svg"); err == nil || !strings.Contains(err.Error(), "overflows") {
		t.Errorf("offset+size past the int range: error %v", err)
	}
}

// TestPNGText: the labels, tick labels and axis titles are drawn in ink.
func TestPNGText(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(render1(t, small(), "png")))
	if err != nil {
		t.Fatal(err)
	}
	s := layout(small())
	for _, tx := range s.texts {
		w := textWidth(tx.s)
		r := image.Rect(tx.x-w, tx.y-ascent, tx.x+w, tx.y+descent)
		if tx.vertical {
			r = image.Rect(tx.x-ascent, tx.y-w, tx.x+descent, tx.y+w)
		}
		inked := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA) == rgb(inkRGB) {
					inked++
				}
			}
		}
		if inked < 3*len(tx.s) {
			t.Errorf("text %q: %d ink pixels around (%d, %d)", tx.s, inked, tx.x, tx.y)
		}
	}
}
