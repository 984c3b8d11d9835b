package driver

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tinygen/tinygen/ir"
)

// Report describes a model for `tinygen inspect`: its operators with
// shapes, types, quantisation, parameter bytes and MACs, and totals.
type Report struct {
	File        string `json:"file"`
	SHA256      string `json:"sha256"`
	FileBytes   int    `json:"file_bytes"`
	Name        string `json:"name"`
	Source      string `json:"source"`
	Description string `json:"description"`
	// Inputs and Outputs are the graph's input and output tensors.
	Inputs  []TensorInfo `json:"inputs"`
	Outputs []TensorInfo `json:"outputs"`
	Ops     []OpInfo     `json:"ops"`
	// OpCounts counts operators by kind.
	OpCounts map[string]int `json:"op_counts"`
	// TotalMACs sums the ops' multiply-accumulates.
	TotalMACs int64 `json:"total_macs"`
	// ParamBytes is the model's weights by tinygen's one definition
	// (WeightBytes): the bytes of constant tensor data the generated code
	// stores in flash, without alignment padding. bench's "weights"
	// column measures the same figure in the firmware.
	ParamBytes int64 `json:"param_bytes"`
	// NaiveActivationBytes is the memory all non-constant tensors need
	// when none shares storage: the arena of a planner without reuse.
	NaiveActivationBytes int64 `json:"naive_activation_bytes"`
}

// TensorInfo describes one tensor.
type TensorInfo struct {
	ID        int       `json:"id"`
	Name      string    `json:"name"`
	DType     string    `json:"dtype"`
	Shape     []int     `json:"shape"`
	Bytes     int       `json:"bytes"`
	Const     bool      `json:"const,omitempty"`
	Scale     []float32 `json:"scale,omitempty"`
	ZeroPoint []int64   `json:"zero_point,omitempty"`
	// Axis is the quantised dimension of per-channel parameters.
	Axis *int `json:"quantized_dimension,omitempty"`
}

// OpInfo describes one operator.
type OpInfo struct {
	Index      int          `json:"index"`
	Op         string       `json:"op"`
	Inputs     []TensorInfo `json:"inputs"`
	Outputs    []TensorInfo `json:"outputs"`
	Attributes string       `json:"attributes,omitempty"`
	MACs       int64        `json:"macs"`
	ParamBytes int64        `json:"param_bytes"`
}

func tensorInfo(t *ir.Tensor) TensorInfo {
	ti := TensorInfo{ID: t.ID, Name: t.Name, DType: t.DType.LongName(), Shape: append([]int{}, t.Shape...), Bytes: t.NumBytes(), Const: t.IsConst()}
	if q := t.Quant; q != nil {
		ti.Scale = append([]float32{}, q.Scale...)
		ti.ZeroPoint = append([]int64{}, q.ZeroPoint...)
		if len(q.Scale) > 1 {
			ax := q.Axis
			ti.Axis = &ax
		}
	}
	return ti
}

// Inspect builds the report for a loaded model.
func Inspect(m *Model) *Report {
	g := m.Graph
	r := &Report{File: m.Path, SHA256: m.SHA256, FileBytes: m.Bytes, Name: g.Name, Source: g.Source, Description: g.Description, OpCounts: map[string]int{}}
	for _, t := range g.Inputs {
		r.Inputs = append(r.Inputs, tensorInfo(t))
	}
	for _, t := range g.Outputs {
		r.Outputs = append(r.Outputs, tensorInfo(t))
	}
	counted := map[*ir.Tensor]bool{}
	for _, o := range g.Ops {
		oi := OpInfo{Index: o.SourceIndex, Op: o.Kind.String(), MACs: o.MACs(), Attributes: ir.FormatAttrs(o.Attrs)}
		for _, t := range o.Inputs {
			if t == nil {
				continue
			}
			oi.Inputs = append(oi.Inputs, tensorInfo(t))
			if t.IsConst() {
				oi.ParamBytes += int64(t.NumBytes())
			}
		}
		for _, t := range o.Outputs {
			oi.Outputs = append(oi.Outputs, tensorInfo(t))
		}
		r.Ops = append(r.Ops, oi)
		r.OpCounts[oi.Op]++
		r.TotalMACs += oi.MACs
	}
	for _, t := range g.Tensors {
		if counted[t] {
			continue
		}
		counted[t] = true
		if !t.IsConst() {
			r.NaiveActivationBytes += int64(t.NumBytes())
		}
	}
	r.ParamBytes = WeightBytes(g)
	return r
}

// WeightBytes is tinygen's one definition of a model's weights, used by
// inspect, plan and bench alike: the bytes of the constant arrays the
// generated code stores in flash (<m>_weights.c), without alignment
// padding. They are the constant tensors the kernels read and the
// per-channel parameter arrays the kernels take (multipliers and shifts),
// as the passes compile them for the host with the reference kernels. A
// constant counts once; constants nothing reads, such as a RESHAPE's
// shape operand the op carries as an attribute, are not stored and do not
// count. A model the passes cannot compile counts its constant tensors
// only. bench measures the same figure in the firmware as the sum of the
// weight symbols' sizes (bench.MeasureELF).
func WeightBytes(g *ir.Graph) int64 { return WeightBytesFor(g, "") }

// WeightBytesFor is WeightBytes for a target ("" for the default), whose
// kernel sets may ship the weights in their own layout (packed, widened)
// and add parameter arrays.
func WeightBytesFor(g *ir.Graph, target string) int64 {
	if s, err := runPasses(&Model{Graph: g}, CompileOptions{Target: target}); err == nil {
		var n int64
		for _, c := range s.Program.Constants {
			n += int64(c.Bytes())
		}
		return n
	}
	seen := map[*ir.Tensor]bool{}
	var n int64
	count := func(t *ir.Tensor) {
		if t != nil && t.IsConst() && !seen[t] {
			seen[t] = true
			n += int64(t.NumBytes())
		}
	}
	for _, o := range g.Ops {
		for _, t := range o.Inputs {
			count(t)
		}
	}
	for _, t := range g.Outputs {
		count(t)
	}
	return n
}

// dataShapes shows the shapes of an op's non-constant inputs and of its
// output: "1x49x10x1 -> 1x25x5x8".
func dataShapes(o OpInfo) string {
	var ins []string
	for _, t := range o.Inputs {
		if !t.Const {
			ins = append(ins, ir.Shape(t.Shape).String())
		}
	}
	return strings.Join(ins, ", ") + " -> " + ir.Shape(o.Outputs[0].Shape).String()
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func quantText(t TensorInfo) string {
	switch len(t.Scale) {
	case 0:
		return "-"
	case 1:
		return fmt.Sprintf("s=%.6g zp=%d", t.Scale[0], t.ZeroPoint[0])
	}
	lo, hi := t.Scale[0], t.Scale[0]
	for _, s := range t.Scale {
		lo, hi = min(lo, s), max(hi, s)
	}
	return fmt.Sprintf("per-channel(%d, axis %d) s=%.3g..%.3g", len(t.Scale), *t.Axis, lo, hi)
}

func tensorLine(t TensorInfo) string {
	return fmt.Sprintf("%%%d %q %s %s %s", t.ID, t.Name, t.DType, ir.Shape(t.Shape), quantText(t))
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// WriteText writes the report as a human-readable table.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "model        %s (%s bytes, sha256 %s)\n", r.File, thousands(int64(r.FileBytes)), r.SHA256)
	fmt.Fprintf(&b, "format       %s, description %q\n", r.Source, r.Description)
	for _, t := range r.Inputs {
		fmt.Fprintf(&b, "input        %s\n", tensorLine(t))
	}
	for _, t := range r.Outputs {
		fmt.Fprintf(&b, "output       %s\n", tensorLine(t))
	}
	b.WriteString("\n")
	macs := make([]string, len(r.Ops))
	params := make([]string, len(r.Ops))
	wm, wp := len("MACs"), len("params")
	for i, o := range r.Ops {
		macs[i], params[i] = thousands(o.MACs), thousands(o.ParamBytes)
		wm, wp = max(wm, len(macs[i])), max(wp, len(params[i]))
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "#\top\tinput -> output\tdtype\tquantisation\t%*s\t%*s\tattributes\n", wm, "MACs", wp, "params")
	for i, o := range r.Ops {
		out := o.Outputs[0]
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%*s\t%*s\t%s\n", o.Index, o.Op, dataShapes(o), out.DType, quantText(out), wm, macs[i], wp, params[i], o.Attributes)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	kinds := make([]string, 0, len(r.OpCounts))
	for k := range r.OpCounts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	counts := make([]string, len(kinds))
	for i, k := range kinds {
		counts[i] = fmt.Sprintf("%s x%d", k, r.OpCounts[k])
	}
	fmt.Fprintf(&b, "\noperators    %d: %s\n", len(r.Ops), strings.Join(counts, ", "))
	fmt.Fprintf(&b, "MACs         %s\n", thousands(r.TotalMACs))
	fmt.Fprintf(&b, "weights      %s bytes (constant data stored in flash, without padding)\n", thousands(r.ParamBytes))
	fmt.Fprintf(&b, "activations  %s bytes (naive: every non-constant tensor in its own buffer)\n", thousands(r.NaiveActivationBytes))
	_, err := io.WriteString(w, b.String())
	return err
}
