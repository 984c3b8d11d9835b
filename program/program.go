// Package program defines the Program: the compile result every emitter
// reads. A Program is plain data computed once by the passes pipeline for
// one model and one target: the final op order, for every step the chosen
// kernel (and kernel set) with its precomputed parameters and the location
// of each argument, the arena and its plan, every constant with its role,
// and the C sources the chosen kernels need. The AOT C emitter and the
// interpreter's blob emitter print the same steps, so the two cannot drift.
//
// Nothing in this package computes: the types, their documentation and
// Check, which verifies a Program's internal consistency (every location
// inside its storage, every kernel's file present).
package program

import (
	"fmt"

	"github.com/tinygen/tinygen/internal/genfile"
	"github.com/tinygen/tinygen/ir"
)

// Program is one model compiled for one target.
type Program struct {
	// Name is the C identifier that prefixes every external symbol.
	Name string
	// Source identifies the model the program was compiled from.
	Source Source
	// Target names the target and describes it for humans.
	Target Target
	// Graph is the graph in the program's op order (shared, read-only):
	// emitters read names, shapes and quantisation from it for comments
	// and the API; they never run anything on it.
	Graph *ir.Graph
	// Inputs and Outputs are the graph inputs and outputs, in order.
	Inputs, Outputs []IO
	// Steps are the program's steps in execution order.
	Steps []Step
	// Arena is the tensor arena and its plan.
	Arena Arena
	// Constants are every constant the steps read: the model's constant
	// tensors and the kernels' precomputed parameter arrays, in order of
	// first use.
	Constants []Constant
	// Files are the C sources and headers the steps' kernels need: common
	// headers first, then the specialised sets' headers, then kernel
	// sources, each group sorted by name.
	Files []File
	// KernelHeaders are the headers of specialised kernel sets among
	// Files, which the schedule includes beside tg_kernels.h.
	KernelHeaders []string
	// Libm is set when a kernel calls <math.h> functions.
	Libm bool
	// MACs is the model's multiply-accumulate count.
	MACs int64
}

// Source identifies a model file.
type Source struct {
	// File is the model's base file name (never a path).
	File string
	// SHA256 is the hex SHA-256 of the file's bytes.
	SHA256 string
	// Format is the frontend's description ("tflite v3").
	Format string
	// Description is the model's own description (foreign text).
	Description string
}

// Target is what the emitters need to know of the target.
type Target struct {
	// Name is the target's name ("cortex-m4").
	Name string
	// Description is one line for humans.
	Description string
	// KernelSets are the kernel sets the compile preferred, in order.
	KernelSets []string
}

// IO is one graph input or output.
type IO struct {
	// Index is the position among the graph's inputs or outputs.
	Index int
	// Tensor is the graph tensor.
	Tensor *ir.Tensor
}

// Step is one entry of the schedule.
type Step struct {
	// Index is the step's position in Steps.
	Index int
	// Op is the op the step runs (nil for a copy step).
	Op *ir.Op
	// Kind says what the step does.
	Kind StepKind
	// Kernel is the C function a KernelStep calls.
	Kernel string
	// KernelSet is the set Kernel comes from.
	KernelSet string
	// ParamsType is the C type of the kernel's first argument.
	ParamsType string
	// Params are the kernel's precomputed parameters. Arrays that are not
	// inline refer to Constants by symbol (see ConstRef).
	Params Struct
	// Args are the tensor arguments after the parameters.
	Args []Arg
	// Copy is the copy a CopyStep performs.
	Copy *Copy
	// MACs is the op's multiply-accumulate count.
	MACs int64
}

// StepKind classifies a step.
type StepKind int

const (
	// KernelStep calls a kernel.
	KernelStep StepKind = iota
	// ViewStep runs nothing: the op's output shares its input's bytes.
	ViewStep
	// CopyStep copies bytes into a graph output that lives elsewhere (an
	// output that is also an input, a constant or an earlier output).
	CopyStep
)

// Copy is the work of a CopyStep.
type Copy struct {
	// Output is the index of the graph output written.
	Output int
	// From is where the bytes are.
	From Location
	// Bytes is the number of bytes copied.
	Bytes int
	// Why says why the copy is needed.
	Why string
}

// Arg is one argument of a kernel call after the parameter struct.
type Arg struct {
	// Name is the parameter's name in the C prototype.
	Name string
	// Elem is the C element type of the kernel's pointer ("int8_t",
	// "float", "void").
	Elem string
	// Output marks the argument the kernel writes.
	Output bool
	// Loc is the argument's storage; a List argument has Kind LocNone here.
	Loc Location
	// List holds the elements of an array-of-pointers argument
	// (CONCATENATION's inputs); nil otherwise.
	List []Location
}

// LocKind says where an argument lives.
type LocKind int

const (
	// LocNone passes NULL (an absent optional operand).
	LocNone LocKind = iota
	// LocArena is a byte offset in the tensor arena.
	LocArena
	// LocInput is graph input Index (the caller's buffer).
	LocInput
	// LocOutput is graph output Index (the caller's buffer).
	LocOutput
	// LocConst is Constants[Index].
	LocConst
	// LocScratch is a step's scratch memory at an arena offset.
	LocScratch
)

var locNames = [...]string{LocNone: "none", LocArena: "arena", LocInput: "input", LocOutput: "output",
	LocConst: "const", LocScratch: "scratch"}

func (k LocKind) String() string {
	if int(k) < len(locNames) {
		return locNames[k]
	}
	return fmt.Sprintf("LocKind(%d)", int(k))
}

// Location is where an argument's bytes are.
type Location struct {
	// Kind is the storage.
	Kind LocKind
	// Offset is the byte offset for LocArena and LocScratch.
	Offset int
	// Index is the input, output or constant index.
	Index int
	// Bytes is the size of the storage the argument uses.
	Bytes int
	// Tensor is the tensor stored there (nil for scratch).
	Tensor *ir.Tensor
}

// Arena is the tensor arena.
type Arena struct {
	// Size is the arena's size in bytes (0: no tensor lives in it).
	Size int
	// Align is the alignment of the arena and of every offset in it.
	Align int
	// LowerBound is the planner's lower bound on Size.
	LowerBound int
	// Planner names the planner whose layout was chosen.
	Planner string
	// Buffers are the plan's rows, by offset.
	Buffers []Buffer
	// Shared lists tensors stored outside the arena in the storage of
	// another tensor (views and in-place results of inputs, outputs and
	// constants).
	Shared []SharedStorage
}

// Buffer is one row of the memory plan.
type Buffer struct {
	// Offset and Size place the buffer in the arena.
	Offset, Size int
	// First and Last are the steps that write it first and read it last.
	First, Last int
	// Tensors are the tensors stored in it (empty for scratch).
	Tensors []*ir.Tensor
	// ScratchOf is the step whose scratch memory it is (-1 for tensors).
	ScratchOf int
	// Name is a C identifier for the buffer, unique in the program.
	Name string
}

// SharedStorage says that Tensor lives in the storage of Root.
type SharedStorage struct {
	Tensor *ir.Tensor
	Root   Location
}

// Constant is one constant array of the program, stored in flash.
type Constant struct {
	// Symbol is the array's C identifier without the model prefix
	// ("op3_filter").
	Symbol string
	// Role says what it is: a tensor's role at its first use (filter,
	// bias, ...) or a parameter field (multiplier, shift, table).
	Role string
	// Step is the step that first uses it.
	Step int
	// Elem is the C element type ("int8_t", "int32_t", "float", ...).
	Elem string
	// Tensor is the model tensor it holds (nil for a kernel parameter).
	Tensor *ir.Tensor
	// Ints or Floats hold the elements (Floats for Elem "float").
	Ints   []int64
	Floats []float32
	// Align is the array's alignment in bytes (the target's).
	Align int
}

// Len returns the number of elements.
func (c *Constant) Len() int {
	if c.Elem == "float" {
		return len(c.Floats)
	}
	return len(c.Ints)
}

// Bytes returns the array's size in bytes.
func (c *Constant) Bytes() int { return c.Len() * ElemSize(c.Elem) }

// File is a C source or header the program needs (genfile.File); Origin
// names the kernel set it comes from ("kernel set reference") or says it
// is a common header.
type File = genfile.File

// ElemSize returns the size of a C element type, 0 if unknown.
func ElemSize(elem string) int {
	switch elem {
	case "int8_t", "uint8_t":
		return 1
	case "int16_t", "uint16_t":
		return 2
	case "int32_t", "uint32_t", "float":
		return 4
	case "int64_t", "uint64_t", "double":
		return 8
	}
	return 0
}
