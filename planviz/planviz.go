// Package planviz draws an arena memory plan as a picture: the x axis is
// the step (op index), the y axis the arena offset in bytes, and each
// buffer is a filled rectangle spanning steps [First, Last+1) and bytes
// [Offset, Offset+Size), in a colour of its own with a thin outline and,
// where it fits, its label. A dashed line marks a lower bound on the
// arena size and a solid one the arena size itself.
//
// The package knows nothing of the plan package; callers convert their
// plan into a Figure. Output is deterministic: the same Figure always
// gives the same bytes, in SVG (fonts referenced by name, not embedded)
// and in PNG.
package planviz

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
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

// The picture is width × height; PNGs are rendered at dpi dots per inch
// (768 × 480 pixels).
const (
	width  = 8 * vg.Inch
	height = 5 * vg.Inch
	dpi    = 96
)

// The colours of the outlines, the arena line and the lower-bound line,
// as 0xRRGGBB.
const (
	outlineRGB = 0x333333
	arenaRGB   = 0xc01010
	boundRGB   = 0x1040c0
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
		}
	}
	return nil
}

// render draws f into the bytes of an SVG or PNG file.
func render(f Figure, format string) (out []byte, err error) {
	if format != "svg" && format != "png" {
		return nil, fmt.Errorf("planviz: unknown format %q (want svg or png)", format)
	}
	if err := check(f); err != nil {
		return nil, err
	}
	defer func() {
		// gonum/plot panics on some drawing failures; keep them errors.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("planviz: drawing failed: %v", r)
		}
	}()
	p, err := newPlot(f)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	switch format {
	case "svg":
		c := vgsvg.New(width, height)
		p.Draw(draw.New(c))
		_, err = c.WriteTo(&buf)
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))
		p.Draw(draw.New(c))
		_, err = vgimg.PngCanvas{Canvas: c}.WriteTo(&buf)
	}
	if err != nil {
		return nil, fmt.Errorf("planviz: encoding the %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// newPlot builds the plot of a checked figure.
func newPlot(f Figure) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title(f)
	p.X.Label.Text = "step (op index)"
	p.Y.Label.Text = "arena offset (bytes)"
	top := max(f.ArenaSize, f.LowerBound)
	for _, r := range f.Rects {
		top = max(top, r.Offset+r.Size)
	}
	p.X.Min, p.X.Max = 0, float64(max(f.Steps, 1))
	p.Y.Min, p.Y.Max = 0, math.Ceil(float64(max(top, 1))*1.04)
	p.X.Tick.Marker = intTicks{}
	p.Y.Tick.Marker = intTicks{}
	p.Add(&rects{rects: f.Rects, colors: colors(len(f.Rects))})
	// The bound and arena lines go over the buffers.
	for _, l := range []struct {
		y      int
		name   string
		color  color.Color
		dashes []vg.Length
	}{
		{f.LowerBound, "lower bound", rgb(boundRGB), []vg.Length{vg.Points(6), vg.Points(3)}},
		{f.ArenaSize, "arena size", rgb(arenaRGB), nil},
	} {
		if l.y <= 0 {
			continue
		}
		line, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: float64(l.y)}, {X: p.X.Max, Y: float64(l.y)}})
		if err != nil {
			return nil, fmt.Errorf("planviz: %s line: %w", l.name, err)
		}
		line.LineStyle = draw.LineStyle{Color: l.color, Width: vg.Points(1.2), Dashes: l.dashes}
		p.Add(line)
	}
	return p, nil
}

// title is the figure's title with a second line naming the two lines'
// values (a legend inside the plot would hide buffers).
func title(f Figure) string {
	var parts []string
	if f.ArenaSize > 0 {
		parts = append(parts, fmt.Sprintf("arena %d B (solid)", f.ArenaSize))
	}
	if f.LowerBound > 0 {
		parts = append(parts, fmt.Sprintf("lower bound %d B (dashed)", f.LowerBound))
	}
	lines := []string{f.Title, strings.Join(parts, ", ")}
	if f.Title == "" {
		lines = lines[1:]
	}
	return strings.TrimSuffix(strings.Join(lines, "\n"), "\n")
}

// colors returns n distinct colours: hues a golden angle apart, with
// saturation and value cycling so that neighbours differ in more than hue;
// a colour already taken is nudged until it is new.
func colors(n int) []color.NRGBA {
	out := make([]color.NRGBA, n)
	used := map[color.NRGBA]bool{rgb(outlineRGB): true, rgb(arenaRGB): true, rgb(boundRGB): true}
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

// rects is the plotter of the buffers.
type rects struct {
	rects  []Rect
	colors []color.NRGBA
}

// Plot draws each buffer as a filled, outlined rectangle with its label
// centred inside when the label fits.
func (rs *rects) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	outline := draw.LineStyle{Color: rgb(outlineRGB), Width: vg.Points(0.5)}
	label := draw.TextStyle{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, 7),
		Handler: plot.DefaultTextHandler,
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
	}
	for i, r := range rs.rects {
		x0, x1 := tx(float64(r.First)), tx(float64(r.Last+1))
		y0, y1 := ty(float64(r.Offset)), ty(float64(r.Offset+r.Size))
		pts := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
		c.FillPolygon(rs.colors[i], c.ClipPolygonXY(pts))
		c.StrokeLines(outline, c.ClipLinesXY(append(pts, pts[0]))...)
		if r.Label != "" && label.Width(r.Label) < x1-x0-2 && label.Height(r.Label) < y1-y0-1 {
			c.FillText(label, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, r.Label)
		}
	}
}

// intTicks marks an axis with whole numbers at a 1-2-5 spacing, at most
// about eight labelled ticks.
type intTicks struct{}

// Ticks returns the ticks for [lo, hi].
func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if span <= 0 {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'f', -1, 64)}}
	}
	step := 1.0
	for span/step > 8 {
		switch d := step / math.Pow(10, math.Floor(math.Log10(step))); {
		case d < 2:
			step *= 2
		case d < 5:
			step = step / 2 * 5
		default:
			step *= 2
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return ticks
}
