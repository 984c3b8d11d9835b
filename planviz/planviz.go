// Package planviz draws an arena memory plan as a picture: the x axis is
// the step (op index), the y axis the arena offset in bytes, and each
// buffer is a filled rectangle spanning steps [First, Last+1) and bytes
// [Offset, Offset+Size), in a colour of its own with a thin outline and,
// where it fits, its label. A dashed line marks a lower bound on the
// arena size and a solid one the arena size itself.
//
// The package knows nothing of the plan package; callers convert their
// plan into a Figure. Output is deterministic: the same Figure always
// gives the same bytes, in SVG (written by hand, text in a monospace font
// referenced by name, not embedded) and in PNG (rasterised with the
// standard library and a built-in 7×13 bitmap font). Both formats draw
// the same layout (see layout.go), so a label fits in one exactly when it
// fits in the other.
//
// The package imports no plotting library on purpose: tinygen runs every
// linked package's initialiser at start-up, and a plotting stack (fonts,
// LaTeX, PDF, image codecs) costs more start-up time than the rest of the
// compiler.
package planviz

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Rect is one buffer of a plan.
type Rect struct {
	Label  string // drawn inside the rectangle when it fits
	First  int    // first step the buffer is live
	Last   int    // last step the buffer is live (inclusive)
	Offset int    // arena offset in bytes
	Size   int    // size in bytes
}

// Figure is a plan to draw.
type Figure struct {
	Title      string
	Steps      int // number of steps (ops); the x axis spans [0, Steps]
	ArenaSize  int // solid line; not drawn if 0
	LowerBound int // dashed line; not drawn if 0
	Rects      []Rect
}

// The picture is width × height pixels (SVG user units).
const (
	width  = 768
	height = 480
)

// The colours of the outlines, the arena line and the lower-bound line,
// as 0xRRGGBB.
const (
	outlineRGB = 0x333333
	arenaRGB   = 0xc01010
	boundRGB   = 0x1040c0
	inkRGB     = 0x000000 // axes and text
	paperRGB   = 0xffffff // background
)

// rgb makes an opaque colour of 0xRRGGBB.
func rgb(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// Write draws f to w in the given format, "svg" or "png".
func Write(w io.Writer, f Figure, format string) error {
	data, err := render(f, format)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("planviz: writing the %s: %w", format, err)
	}
	return nil
}

// WriteFile draws f to the file at path, in the format its extension
// names (.svg or .png, in any case). Nothing is written if drawing fails.
func WriteFile(path string, f Figure) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if format != "svg" && format != "png" {
		return fmt.Errorf("planviz: %s: unknown picture format %q (want .svg or .png)", path, filepath.Ext(path))
	}
	data, err := render(f, format)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("planviz: %w", err)
	}
	return nil
}

// check validates a figure.
func check(f Figure) error {
	switch {
	case f.Steps < 0:
		return fmt.Errorf("planviz: %d steps", f.Steps)
	case f.ArenaSize < 0:
		return fmt.Errorf("planviz: arena size %d", f.ArenaSize)
	case f.LowerBound < 0:
		return fmt.Errorf("planviz: lower bound %d", f.LowerBound)
	}
	for i, r := range f.Rects {
		switch {
		case r.First < 0 || r.Last < r.First || r.Last >= f.Steps:
			return fmt.Errorf("planviz: buffer %d %q: steps %d..%d outside the %d steps", i, r.Label, r.First, r.Last, f.Steps)
		case r.Offset < 0 || r.Size < 0:
			return fmt.Errorf("planviz: buffer %d %q: offset %d, size %d", i, r.Label, r.Offset, r.Size)
		case r.Size > math.MaxInt-r.Offset:
			return fmt.Errorf("planviz: buffer %d %q: offset %d + size %d overflows", i, r.Label, r.Offset, r.Size)
		}
	}
	return nil
}

// render draws f into the bytes of an SVG or PNG file.
func render(f Figure, format string) ([]byte, error) {
	if format != "svg" && format != "png" {
		return nil, fmt.Errorf("planviz: unknown format %q (want svg or png)", format)
	}
	if err := check(f); err != nil {
		return nil, err
	}
	s := layout(f)
	if format == "svg" {
		return s.svg(), nil
	}
	data, err := s.png()
	if err != nil {
		return nil, fmt.Errorf("planviz: encoding the png: %w", err)
	}
	return data, nil
}

// title is the figure's title lines: the title, then a line naming the
// two lines' values (a legend inside the plot would hide buffers).
func title(f Figure) []string {
	var lines []string
	if f.Title != "" {
		lines = append(lines, f.Title)
	}
	var parts []string
	if f.ArenaSize > 0 {
		parts = append(parts, fmt.Sprintf("arena %d B (solid)", f.ArenaSize))
	}
	if f.LowerBound > 0 {
		parts = append(parts, fmt.Sprintf("lower bound %d B (dashed)", f.LowerBound))
	}
	if len(parts) > 0 {
		lines = append(lines, strings.Join(parts, ", "))
	}
	return lines
}

// colors returns n distinct colours: hues a golden angle apart, with
// saturation and value cycling so that neighbours differ in more than hue;
// a colour already taken is nudged until it is new.
func colors(n int) []color.NRGBA {
	out := make([]color.NRGBA, n)
	used := map[color.NRGBA]bool{rgb(outlineRGB): true, rgb(arenaRGB): true, rgb(boundRGB): true, rgb(inkRGB): true, rgb(paperRGB): true}
	for i := range out {
		h := math.Mod(float64(i)*0.6180339887498949, 1)
		s := []float64{0.45, 0.65, 0.85}[i%3]
		v := []float64{0.95, 0.80}[(i/3)%2]
		c := hsv(h, s, v)
		for used[c] {
			c.B++
			if c.B == 0 {
				c.G++
			}
		}
		used[c] = true
		out[i] = c
	}
	return out
}

// hsv converts a colour in HSV (each in [0,1]) to opaque RGB.
func hsv(h, s, v float64) color.NRGBA {
	h6 := h * 6
	k := math.Floor(h6)
	f := h6 - k
	p, q, t := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	var r, g, b float64
	switch int(k) % 6 {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	c8 := func(x float64) uint8 { return uint8(math.Round(x * 255)) }
	return color.NRGBA{R: c8(r), G: c8(g), B: c8(b), A: 0xff}
}
