package ir

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
)

// MaxOps and MaxTensors bound the operators and tensors of a graph
// tinygen reads. Planning and code generation take near-linear time,
// about 0.1 s per 10,000 ops; the limits keep a hostile model's cost
// within seconds while being far above any model a microcontroller runs.
// The parsers enforce them before allocating, so a large file cannot make
// them build millions of tensors.
const (
	MaxOps     = 100_000
	MaxTensors = 400_000
)

// CountError is the error for a graph with more than MaxOps operators or
// MaxTensors tensors.
func CountError(what string, n, limit int) error {
	return fmt.Errorf("%d %s is more than the %d tinygen compiles", n, what, limit)
}

// Tensor is a value in the graph: a graph input, a constant, or the output
// of exactly one operator.
type Tensor struct {
	// ID is the tensor's index in Graph.Tensors; it names the tensor in the
	// textual IR (%ID). Graph.AddTensor and Graph.Renumber maintain it.
	ID    int
	Name  string
	DType DType
	Shape Shape
	// Quant is nil for tensors without quantisation parameters.
	Quant *Quant
	// Data holds a constant's bytes, little-endian and row-major; it is
	// nil for every non-constant tensor.
	Data []byte
}

// IsConst reports whether the tensor is a constant.
func (t *Tensor) IsConst() bool { return t.Data != nil }

// NumBytes returns the size of the tensor's data in bytes.
func (t *Tensor) NumBytes() int { return t.Shape.Elements() * t.DType.Size() }

// String names the tensor for messages: `%3 "conv1/out"`.
func (t *Tensor) String() string {
	if t == nil {
		return "<none>"
	}
	return fmt.Sprintf("%%%d %q", t.ID, t.Name)
}

// ZeroPoint returns the per-tensor zero point (0 if unquantised).
func (t *Tensor) ZeroPoint() int32 {
	if t.Quant == nil || len(t.Quant.ZeroPoint) == 0 {
		return 0
	}
	return int32(t.Quant.ZeroPoint[0])
}

// Scale returns the per-tensor scale (0 if unquantised).
func (t *Tensor) Scale() float32 {
	if t.Quant == nil || len(t.Quant.Scale) == 0 {
		return 0
	}
	return t.Quant.Scale[0]
}

// Int8s returns an int8 constant's data.
func (t *Tensor) Int8s() []int8 {
	out := make([]int8, len(t.Data))
	for i, b := range t.Data {
		out[i] = int8(b)
	}
	return out
}

// Int32s returns an int32 constant's data.
func (t *Tensor) Int32s() []int32 {
	out := make([]int32, len(t.Data)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out
}

// Int64s returns an int64 constant's data.
func (t *Tensor) Int64s() []int64 {
	out := make([]int64, len(t.Data)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return out
}

// Float32s returns a float32 constant's data.
func (t *Tensor) Float32s() []float32 {
	out := make([]float32, len(t.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out
}

// Float32Data encodes float32 values as a constant's little-endian bytes
// (the inverse of Tensor.Float32s).
func Float32Data(v []float32) []byte {
	out := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(x))
	}
	return out
}

// Int32Data encodes int32 values as a constant's little-endian bytes (the
// inverse of Tensor.Int32s).
func Int32Data(v []int32) []byte {
	out := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(out[4*i:], uint32(x))
	}
	return out
}

// Ints returns the values of an integer constant (int8/16/32/64, uint8) as
// ints, for attribute-like tensors such as shapes and axes.
func (t *Tensor) Ints() ([]int, error) {
	if !t.IsConst() {
		return nil, fmt.Errorf("tensor %v is not a constant", t)
	}
	n := t.Shape.Elements()
	if len(t.Data) != n*t.DType.Size() {
		return nil, fmt.Errorf("tensor %v has %d bytes of data, want %d", t, len(t.Data), n*t.DType.Size())
	}
	out := make([]int, n)
	for i := range out {
		switch t.DType {
		case Int8:
			out[i] = int(int8(t.Data[i]))
		case UInt8:
			out[i] = int(t.Data[i])
		case Int16:
			out[i] = int(int16(binary.LittleEndian.Uint16(t.Data[2*i:])))
		case Int32:
			out[i] = int(int32(binary.LittleEndian.Uint32(t.Data[4*i:])))
		case Int64:
			out[i] = int(int64(binary.LittleEndian.Uint64(t.Data[8*i:])))
		default:
			return nil, fmt.Errorf("tensor %v has type %v, want an integer type", t, t.DType)
		}
	}
	return out, nil
}

// Graph is a whole model: its tensors, its operators in execution order and
// its inputs and outputs.
type Graph struct {
	Name        string
	Description string
	// Source names the format the graph was read from, e.g. "tflite v3".
	Source string
	// Tensors lists every tensor; Tensors[i].ID == i.
	Tensors []*Tensor
	// Ops are in execution order, which must be a topological order.
	Ops     []*Op
	Inputs  []*Tensor
	Outputs []*Tensor
}

// AddTensor appends a tensor to the graph, sets its ID and returns it.
func (g *Graph) AddTensor(t *Tensor) *Tensor {
	t.ID = len(g.Tensors)
	g.Tensors = append(g.Tensors, t)
	return t
}

// AddOp appends an operator and returns it. If SourceIndex is negative it
// is set to the op's position; nil Attrs become the kind's zero
// attributes.
func (g *Graph) AddOp(o *Op) *Op {
	if o.SourceIndex < 0 {
		o.SourceIndex = len(g.Ops)
	}
	if o.Attrs == nil {
		o.Attrs = reflect.ValueOf(NewAttrs(o.Kind)).Elem().Interface().(Attrs)
	}
	g.Ops = append(g.Ops, o)
	return o
}

// Renumber drops tensors that no op, input or output refers to and sets
// every remaining tensor's ID to its index, keeping their relative order.
func (g *Graph) Renumber() {
	used := map[*Tensor]bool{}
	for _, t := range g.Inputs {
		used[t] = true
	}
	for _, t := range g.Outputs {
		used[t] = true
	}
	for _, o := range g.Ops {
		for _, t := range o.Inputs {
			if t != nil {
				used[t] = true
			}
		}
		for _, t := range o.Outputs {
			used[t] = true
		}
	}
	kept := g.Tensors[:0]
	for _, t := range g.Tensors {
		if used[t] {
			t.ID = len(kept)
			kept = append(kept, t)
		}
	}
	for i := len(kept); i < len(g.Tensors); i++ {
		g.Tensors[i] = nil
	}
	g.Tensors = kept
}

// Producers maps each op output to the op that computes it.
func (g *Graph) Producers() map[*Tensor]*Op {
	m := make(map[*Tensor]*Op, len(g.Ops))
	for _, o := range g.Ops {
		for _, t := range o.Outputs {
			m[t] = o
		}
	}
	return m
}

// Consumers maps each tensor to the ops that read it, in execution order.
func (g *Graph) Consumers() map[*Tensor][]*Op {
	m := map[*Tensor][]*Op{}
	for _, o := range g.Ops {
		for _, t := range o.Inputs {
			if t != nil {
				m[t] = append(m[t], o)
			}
		}
	}
	return m
}

// SortTopologically reorders Ops so that every op comes after the producers
// of its inputs, keeping the existing order where it is already valid
// (a stable Kahn sort: always the earliest ready op). It fails on cycles
// and on inputs that nothing produces. O((n + edges) log n), with the ready
// ops in a min-heap of op positions.
func (g *Graph) SortTopologically() error {
	prod := g.Producers()
	pos := make(map[*Op]int, len(g.Ops))
	for i, o := range g.Ops {
		pos[o] = i
	}
	deps := make([]int, len(g.Ops))
	users := make([][]int, len(g.Ops))
	for i, o := range g.Ops {
		seen := map[*Op]bool{}
		for _, t := range o.Inputs {
			if t == nil {
				continue
			}
			if p, ok := prod[t]; ok && !seen[p] {
				seen[p] = true
				deps[i]++
				users[pos[p]] = append(users[pos[p]], i)
			}
		}
	}
	ready := &intHeap{}
	for i := range g.Ops {
		if deps[i] == 0 {
			heap.Push(ready, i)
		}
	}
	order := make([]*Op, 0, len(g.Ops))
	done := make([]bool, len(g.Ops))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		done[i] = true
		order = append(order, g.Ops[i])
		for _, u := range users[i] {
			if deps[u]--; deps[u] == 0 {
				heap.Push(ready, u)
			}
		}
	}
	if len(order) < len(g.Ops) {
		for i, o := range g.Ops {
			if !done[i] {
				return fmt.Errorf("graph has a cycle through %v", o)
			}
		}
	}
	g.Ops = order
	return nil
}

// intHeap is a min-heap of ints for container/heap.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
