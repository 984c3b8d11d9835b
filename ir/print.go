package ir

import (
	"encoding/hex"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// TextHeader is the first line of every textual IR file; the number is the
// format version.
const TextHeader = "tinygen-ir 1"

// Print writes the graph in tinygen's textual IR format, which Parse reads
// back into an equal graph. The format is line oriented:
//
//	tinygen-ir 1
//	graph "kws" source "tflite v3" description "MLIR Converted."
//	tensor %0 "input" i8[1,49,10,1] quant(scale=[0.57] zp=[87])
//	tensor %1 "w" i8[8,3,3,1] quant(axis=0 scale=[...] zp=[...]) data=hex"0a0b..."
//	input %0
//	op 0 CONV_2D (%0, %1, %2) -> (%3) {Padding=SAME StrideH=1 ...}
//	output %3
//
// Strings are Go-quoted, floats are printed with the shortest
// representation that round-trips float32, an absent optional op input is
// written "_", an op's model name (if any) follows its attributes as
// name "…". Lines starting with '#' are comments.
func Print(w io.Writer, g *Graph) error {
	var b strings.Builder
	b.WriteString(TextHeader + "\n")
	fmt.Fprintf(&b, "graph %s source %s description %s\n", strconv.Quote(g.Name), strconv.Quote(g.Source), strconv.Quote(g.Description))
	for _, t := range g.Tensors {
		fmt.Fprintf(&b, "tensor %%%d %s %v[%s]", t.ID, strconv.Quote(t.Name), t.DType, joinInts(t.Shape))
		if q := t.Quant; q != nil {
			b.WriteString(" quant(")
			if q.Axis != 0 {
				fmt.Fprintf(&b, "axis=%d ", q.Axis)
			}
			scales := make([]string, len(q.Scale))
			for i, s := range q.Scale {
				scales[i] = formatFloat32(s)
			}
			zps := make([]string, len(q.ZeroPoint))
			for i, z := range q.ZeroPoint {
				zps[i] = strconv.FormatInt(z, 10)
			}
			fmt.Fprintf(&b, "scale=[%s] zp=[%s])", strings.Join(scales, ","), strings.Join(zps, ","))
		}
		if t.Data != nil {
			fmt.Fprintf(&b, " data=hex%q", hex.EncodeToString(t.Data))
		}
		b.WriteByte('\n')
	}
	for _, t := range g.Inputs {
		fmt.Fprintf(&b, "input %%%d\n", t.ID)
	}
	for _, o := range g.Ops {
		fmt.Fprintf(&b, "op %d %v (%s) -> (%s)", o.SourceIndex, o.Kind, tensorRefs(o.Inputs), tensorRefs(o.Outputs))
		if attrs := FormatAttrs(o.Attrs); attrs != "" {
			fmt.Fprintf(&b, " {%s}", attrs)
		}
		if o.Name != "" {
			fmt.Fprintf(&b, " name %s", strconv.Quote(o.Name))
		}
		b.WriteByte('\n')
	}
	for _, t := range g.Outputs {
		fmt.Fprintf(&b, "output %%%d\n", t.ID)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// String returns the graph's textual IR.
func (g *Graph) String() string {
	var b strings.Builder
	_ = Print(&b, g)
	return b.String()
}

func formatFloat32(f float32) string {
	return strconv.FormatFloat(float64(f), 'g', -1, 32)
}

func joinInts(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}

func tensorRefs(ts []*Tensor) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		if t == nil {
			parts[i] = "_"
		} else {
			parts[i] = "%" + strconv.Itoa(t.ID)
		}
	}
	return strings.Join(parts, ", ")
}

// FormatAttrs prints an attribute struct's fields in declaration order as
// Name=value pairs. The fields of an embedded struct are printed in its
// place; a field tagged `ir:"omitzero"` is left out while it is zero, so
// that adding such an attribute leaves existing texts unchanged.
func FormatAttrs(a Attrs) string {
	v := reflect.ValueOf(a)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	return strings.Join(formatFields(v, nil), " ")
}

func formatFields(v reflect.Value, parts []string) []string {
	for i := 0; i < v.NumField(); i++ {
		f, sf := v.Field(i), v.Type().Field(i)
		if sf.Anonymous && f.Kind() == reflect.Struct {
			parts = formatFields(f, parts)
			continue
		}
		if sf.Tag.Get("ir") == "omitzero" && f.IsZero() {
			continue
		}
		var s string
		switch x := f.Interface().(type) {
		case fmt.Stringer:
			s = x.String()
		case float32:
			s = formatFloat32(x)
		case []int:
			s = "[" + joinInts(x) + "]"
		default:
			s = fmt.Sprint(x)
		}
		parts = append(parts, sf.Name+"="+s)
	}
	return parts
}
