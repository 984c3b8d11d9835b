package driver

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/internal/readfile"
	"github.com/tinygen/tinygen/internal/shared"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/plan"
	"github.com/tinygen/tinygen/planviz"
)

// PlanReport is what `tinygen plan` prints: every planner's arena for a
// model beside the lower bound, the memory-aware order, the arena with the
// graph's inputs and outputs included (the quantity TFLM's arena_used
// measures), and TFLM's measured arena when a baseline is known.
type PlanReport struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	Ops    int    `json:"ops"`
	Align  int    `json:"align"`
	// Aliasing is all, views or none.
	Aliasing string `json:"aliasing"`
	// Chosen is the planner the generated code uses (best picks the
	// smallest).
	Chosen string `json:"chosen_planner"`
	// Order says which op order the plan is for: "model" or "memory-aware".
	Order string `json:"order"`
	// Planners lists every planner's arena in that order.
	Planners []PlannerRow `json:"planners"`
	// Arena and LowerBound are the chosen plan's size and its lower bound.
	Arena      int `json:"arena_bytes"`
	LowerBound int `json:"lower_bound_bytes"`
	// ModelOrderArena and ModelOrderLowerBound are the best arena and the
	// lower bound in the model's own op order.
	ModelOrderArena      int `json:"model_order_arena_bytes"`
	ModelOrderLowerBound int `json:"model_order_lower_bound_bytes"`
	// Schedule describes the memory-aware order search.
	Schedule *ScheduleInfo `json:"schedule,omitempty"`
	// IOBytes is the size of the graph's inputs and outputs, which live in
	// the caller's buffers.
	IOBytes int `json:"io_bytes"`
	// WithIO is the best plan with inputs and outputs in the arena, in
	// model order, as TFLM plans its arena.
	WithIO           int `json:"with_io_arena_bytes"`
	WithIOLowerBound int `json:"with_io_lower_bound_bytes"`
	// TFLM holds TFLM's measured arena_used for the same model file, when
	// the shared baselines know it.
	TFLM []TFLMArena `json:"tflm,omitempty"`
	// Buffers is the chosen plan's layout.
	Buffers []BufferRow `json:"buffers"`

	plan  *plan.Plan
	graph *ir.Graph
}

// PlannerRow is one planner's result.
type PlannerRow struct {
	Planner string `json:"planner"`
	Arena   int    `json:"arena_bytes"`
	// OverLowerBound is Arena / LowerBound (1 when both are 0).
	OverLowerBound float64 `json:"over_lower_bound"`
}

// ScheduleInfo describes plan.MemoryOrder's search.
type ScheduleInfo struct {
	ModelOrderPeak int  `json:"model_order_peak_bytes"`
	Peak           int  `json:"peak_bytes"`
	Exact          bool `json:"exact"`
	States         int  `json:"states"`
	Adopted        bool `json:"adopted"`
	// Method is plan.MethodExact, MethodGreedy or MethodModel; Reason
	// says why the exact search was not used.
	Method string `json:"method"`
	Reason string `json:"reason,omitempty"`
}

// TFLMArena is one TFLM arena_used figure.
type TFLMArena struct {
	Platform string `json:"platform"`
	Bytes    int64  `json:"arena_used_bytes"`
	Source   string `json:"source"`
}

// BufferRow is one arena buffer of the chosen plan.
type BufferRow struct {
	Offset  int    `json:"offset"`
	Size    int    `json:"size"`
	First   int    `json:"first_step"`
	Last    int    `json:"last_step"`
	Tensors []int  `json:"tensors,omitempty"`
	Label   string `json:"label"`
}

// Plan builds the report for a model. Baselines are looked up in the
// shared folder (golden/*/meta.json names each model file by SHA-256,
// baselines/tflm-cortex-m4.csv holds the 32-bit figures); a missing
// shared folder leaves TFLM empty.
func Plan(m *Model, opts MemoryOptions) (*PlanReport, error) {
	mp, err := PlanMemory(m.Graph, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	chosen := opts.Planner
	if chosen == "" {
		chosen = plan.Best
	}
	r := &PlanReport{File: m.Path, SHA256: m.SHA256, Name: m.Graph.Name, Ops: len(m.Graph.Ops),
		Align: mp.Plan.Align, Aliasing: opts.Aliasing.String(), Chosen: chosen, Order: "model",
		Arena: mp.Plan.Size, LowerBound: mp.Plan.LowerBound, plan: mp.Plan, graph: mp.Graph}
	if mp.Reordered {
		r.Order = "memory-aware"
	}
	// Every planner on the chosen order.
	all := opts
	all.Planner = plan.Best
	inOrder := all
	inOrder.ModelOrder = true // mp.Graph is already in the chosen order
	allMP, err := PlanMemory(mp.Graph, inOrder)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	allPlan := allMP.Plan
	for _, res := range allPlan.Results {
		r.Planners = append(r.Planners, PlannerRow{Planner: res.Planner, Arena: res.Size, OverLowerBound: ratio(res.Size, allPlan.LowerBound)})
	}
	modelOrder := all
	modelOrder.ModelOrder = true
	mo, err := PlanMemory(m.Graph, modelOrder)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	r.ModelOrderArena, r.ModelOrderLowerBound = mo.Plan.Size, mo.Plan.LowerBound
	if s := mp.Schedule; s != nil {
		r.Schedule = &ScheduleInfo{ModelOrderPeak: s.OriginalPeak, Peak: s.Peak, Exact: s.Exact, States: s.States, Adopted: mp.Reordered, Method: s.Method, Reason: s.Reason}
	}
	withIO := modelOrder
	withIO.IncludeIO = true
	wio, err := PlanMemory(m.Graph, withIO)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	r.WithIO, r.WithIOLowerBound = wio.Plan.Size, wio.Plan.LowerBound
	for _, t := range append(append([]*ir.Tensor{}, m.Graph.Inputs...), m.Graph.Outputs...) {
		r.IOBytes += t.NumBytes()
	}
	for _, b := range mp.Plan.Buffers {
		row := BufferRow{Offset: b.Offset, Size: b.Size, First: b.First, Last: b.Last, Label: b.Label()}
		for _, t := range b.Tensors {
			row.Tensors = append(row.Tensors, t.ID)
		}
		r.Buffers = append(r.Buffers, row)
	}
	r.TFLM = tflmArenas(m.SHA256)
	return r, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		if a == 0 {
			return 1
		}
		return 0
	}
	return float64(a) / float64(b)
}

// tflmArenas finds TFLM's arena_used for a model file in the shared
// folder, if there is one.
func tflmArenas(sha string) []TFLMArena {
	dir, err := shared.Dir()
	if err != nil {
		return nil
	}
	metas, err := golden.Metas(filepath.Join(dir, "golden"))
	if err != nil {
		return nil
	}
	var out []TFLMArena
	for _, meta := range metas {
		if meta.SHA256 != sha {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(dir, "baselines", "tflm-*.csv"))
		for _, f := range files {
			rows, err := bench.ReadBaselines(f, "")
			if err != nil {
				continue
			}
			for _, b := range rows {
				if b.Arena < 0 || (b.SHA256 != "" && b.SHA256 != sha) || (b.SHA256 == "" && b.Model != meta.Name) {
					continue
				}
				if b.Variant != "tflm-ref" && b.Variant != "tflm" {
					continue
				}
				platform := b.Target
				if b.Platform != "" {
					platform = b.Target + " (" + b.Platform + ")"
				}
				out = append(out, TFLMArena{Platform: platform, Bytes: b.Arena, Source: filepath.Base(f)})
			}
		}
		if len(out) == 0 && meta.HostArenaBytes > 0 {
			out = append(out, TFLMArena{Platform: "host x86-64", Bytes: int64(meta.HostArenaBytes), Source: "golden/" + meta.Name + "/meta.json"})
		}
		break
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (r *PlanReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report as tables.
func (r *PlanReport) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "%s (sha256 %s), %d ops, aliasing %s, %d-byte alignment\n", r.File, short(r.SHA256), r.Ops, r.Aliasing, r.Align)
	if s := r.Schedule; s != nil {
		how := "exact search"
		if !s.Exact {
			how = "greedy order"
		}
		if s.Method == plan.MethodModel {
			how = "search skipped (" + s.Reason + ")"
		}
		verdict := "kept the model order"
		if s.Adopted {
			verdict = "adopted"
		}
		fmt.Fprintf(w, "op order: %s (memory-aware %s over %d states: peak %d bytes vs %d in model order; %s)\n",
			r.Order, how, s.States, s.Peak, s.ModelOrderPeak, verdict)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "planner\tarena bytes\t× lower bound\t\n")
	for _, p := range r.Planners {
		mark := ""
		if p.Planner == r.plan.Planner {
			mark = " *"
		}
		fmt.Fprintf(tw, "%s%s\t%d\t%.3f\t\n", p.Planner, mark, p.Arena, p.OverLowerBound)
	}
	fmt.Fprintf(tw, "lower bound\t%d\t\t\n", r.LowerBound)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n* used (%s): %d bytes of arena for intermediate tensors; inputs and outputs (%d bytes) stay in the caller's buffers.\n",
		r.Chosen, r.Arena, r.IOBytes)
	if r.Order != "model" {
		fmt.Fprintf(w, "In model order the best arena is %d bytes (lower bound %d).\n", r.ModelOrderArena, r.ModelOrderLowerBound)
	}
	fmt.Fprintf(w, "With inputs and outputs in the arena, in model order (what TFLM's arena_used counts): %d bytes (lower bound %d).\n",
		r.WithIO, r.WithIOLowerBound)
	for _, t := range r.TFLM {
		fmt.Fprintf(w, "TFLM arena_used on %s: %d bytes (%s); tinygen %d bytes = %.3f × TFLM (with inputs and outputs %.3f ×).\n",
			t.Platform, t.Bytes, t.Source, r.Arena, float64(r.Arena)/float64(t.Bytes), float64(r.WithIO)/float64(t.Bytes))
	}
	if len(r.TFLM) == 0 {
		fmt.Fprintln(w, "TFLM arena_used: no baseline for this model file.")
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "offset\tbytes\tfirst\tlast\t  buffer\n")
	for _, b := range r.Buffers {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t  %s\n", b.Offset, b.Size, b.First, b.Last, b.Label)
	}
	return tw.Flush()
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// WriteFigure draws the chosen plan (x: step, y: arena offset, one
// rectangle per buffer, the lower bound dashed) into an .svg or .png file.
func (r *PlanReport) WriteFigure(path string) error {
	f := planviz.Figure{
		Title: fmt.Sprintf("%s: %s planner, %s op order", r.Name, r.plan.Planner, r.Order),
		Steps: len(r.graph.Ops), ArenaSize: r.plan.Size, LowerBound: r.plan.LowerBound,
	}
	for _, b := range r.plan.Buffers {
		f.Rects = append(f.Rects, planviz.Rect{Label: b.Label(), First: b.First, Last: b.Last, Offset: b.Offset, Size: b.Size})
	}
	return planviz.WriteFile(path, f)
}

// OfflinePlanResult describes a model written with an offline plan.
type OfflinePlanResult struct {
	// Plan is the layout written (inputs and outputs included).
	Plan *plan.Plan
	// Planned and Online count the tensors with an offset and those left
	// to TFLM's own planner (constants, unused tensors).
	Planned, Online int
}

// WriteOfflinePlan writes a copy of the model file to out with a memory
// plan in its OfflineMemoryAllocation metadata, the format TFLM reads
// (tensorflow/lite/micro/micro_allocation_info.cc): one arena offset per
// tensor of subgraph 0, relative to the start of TFLM's non-persistent
// arena section, -1 for tensors TFLM plans itself. The plan is made the
// way TFLM will execute it: in model order, with the graph's inputs and
// outputs in the arena, 16-byte offsets, and no in-place sharing, since
// TFLM's kernels are not written for it; only RESHAPE outputs share their
// input's bytes, because TFLM's RESHAPE skips its copy when input and
// output coincide (kernels/reshape.cc), which SQUEEZE does not.
func WriteOfflinePlan(m *Model, out string, opts MemoryOptions) (*OfflinePlanResult, error) {
	if !strings.HasSuffix(strings.ToLower(m.Path), ".tflite") {
		return nil, fmt.Errorf("%s: offline plans go into .tflite models", m.Path)
	}
	data, err := readfile.Read(m.Path, "model", MaxModelBytes)
	if err != nil {
		return nil, err
	}
	aliasing := opts.Aliasing
	if aliasing == plan.AliasAll {
		aliasing = plan.AliasViews
	}
	p, err := plan.Build(m.Graph, plan.Options{Align: plan.DefaultAlign, Planner: opts.Planner, Aliasing: aliasing,
		Views: []ir.OpKind{ir.Reshape}, IncludeIO: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	res := &OfflinePlanResult{Plan: p}
	offsets := make([]int32, len(m.Graph.Tensors))
	for i, t := range m.Graph.Tensors {
		if t.ID != i {
			return nil, fmt.Errorf("%s: tensor %v is not at index %d of the model", m.Path, t, i)
		}
		off, ok := p.Offset(t)
		if !ok || t.NumBytes() == 0 {
			offsets[i] = -1
			res.Online++
			continue
		}
		offsets[i] = int32(off)
		res.Planned++
	}
	outData, err := tflite.WithOfflinePlan(data, 0, offsets)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	// Read it back: the file must parse to the same graph and hold the plan.
	if _, err := tflite.Parse(outData); err != nil {
		return nil, fmt.Errorf("%s: the model with the offline plan does not parse: %w", out, err)
	}
	if _, back, ok, err := tflite.OfflinePlan(outData); err != nil || !ok || len(back) != len(offsets) {
		return nil, fmt.Errorf("%s: the offline plan does not read back (%v)", out, err)
	}
	if err := os.WriteFile(out, outData, 0o644); err != nil {
		return nil, err
	}
	return res, nil
}
