package ir

import "fmt"

// OpKind is one of the closed set of operators tinygen represents.
type OpKind uint8

// Operator kinds. Their names (String) follow the TFLite builtin operator
// names, which is also how they appear in the textual IR.
const (
	InvalidOp OpKind = iota
	Conv2D
	DepthwiseConv2D
	FullyConnected
	AveragePool2D
	MaxPool2D
	Add
	Sub
	Mul
	Maximum
	Minimum
	Reshape
	Squeeze
	Softmax
	Logistic
	Tanh
	Relu
	Relu6
	LeakyRelu
	HardSwish
	Quantize
	Dequantize
	Concatenation
	Pad
	Mean
	Transpose
	StridedSlice
	// Operators added for ONNX (docs/operators.md); TFLite builtins of
	// the same name map onto them.
	Div
	BatchMatMul
	DepthToSpace
	ResizeNearestNeighbor
	Prelu
	numOpKinds
)

var opNames = [...]string{
	InvalidOp:       "INVALID",
	Conv2D:          "CONV_2D",
	DepthwiseConv2D: "DEPTHWISE_CONV_2D",
	FullyConnected:  "FULLY_CONNECTED",
	AveragePool2D:   "AVERAGE_POOL_2D",
	MaxPool2D:       "MAX_POOL_2D",
	Add:             "ADD",
	Sub:             "SUB",
	Mul:             "MUL",
	Maximum:         "MAXIMUM",
	Minimum:         "MINIMUM",
	Reshape:         "RESHAPE",
	Squeeze:         "SQUEEZE",
	Softmax:         "SOFTMAX",
	Logistic:        "LOGISTIC",
	Tanh:            "TANH",
	Relu:            "RELU",
	Relu6:           "RELU6",
	LeakyRelu:       "LEAKY_RELU",
	HardSwish:       "HARD_SWISH",
	Quantize:        "QUANTIZE",
	Dequantize:      "DEQUANTIZE",
	Concatenation:   "CONCATENATION",
	Pad:             "PAD",
	Mean:            "MEAN",
	Transpose:       "TRANSPOSE",
	StridedSlice:    "STRIDED_SLICE",

	Div:                   "DIV",
	BatchMatMul:           "BATCH_MATMUL",
	DepthToSpace:          "DEPTH_TO_SPACE",
	ResizeNearestNeighbor: "RESIZE_NEAREST_NEIGHBOR",
	Prelu:                 "PRELU",
}

// String returns the operator's name, e.g. "CONV_2D".
func (k OpKind) String() string {
	if int(k) < len(opNames) {
		return opNames[k]
	}
	return fmt.Sprintf("op(%d)", uint8(k))
}

// OpKinds returns every valid operator kind in declaration order.
func OpKinds() []OpKind {
	ks := make([]OpKind, 0, numOpKinds-1)
	for k := InvalidOp + 1; k < numOpKinds; k++ {
		ks = append(ks, k)
	}
	return ks
}

// ParseOpKind is the inverse of OpKind.String.
func ParseOpKind(s string) (OpKind, error) {
	for k := InvalidOp + 1; k < numOpKinds; k++ {
		if opNames[k] == s {
			return k, nil
		}
	}
	return InvalidOp, fmt.Errorf("unknown operator %q", s)
}

// Attrs is the typed attribute set of an operator. Each OpKind has exactly
// one attribute type (see NewAttrs); kinds without attributes use NoAttrs.
type Attrs interface {
	isAttrs()
}

// NoAttrs is the attribute set of operators that have none.
type NoAttrs struct{}

// Conv2DAttrs are the attributes of CONV_2D.
// Inputs: input NHWC, filter OHWI, optional bias [O]. Output NHWC.
// Grouped convolution: the filter depth I may divide the input depth
// (groups = input depth / I; output channel o reads input channels
// (o / (O/groups))·I onwards). Padding EXPLICIT uses PadTop..PadRight.
type Conv2DAttrs struct {
	Padding    Padding
	StrideH    int
	StrideW    int
	DilationH  int
	DilationW  int
	Activation Activation
	ExplicitPads
}

// DepthwiseConv2DAttrs are the attributes of DEPTHWISE_CONV_2D.
// Inputs: input NHWC, filter [1,H,W,C*M], optional bias [C*M]. Output NHWC.
type DepthwiseConv2DAttrs struct {
	Padding         Padding
	StrideH         int
	StrideW         int
	DilationH       int
	DilationW       int
	DepthMultiplier int
	Activation      Activation
	ExplicitPads
}

// FullyConnectedAttrs are the attributes of FULLY_CONNECTED.
// Inputs: input [..., D] (read as [batches, D]), weights [O, D], optional
// bias [O]. KeepNumDims keeps the input's leading dimensions in the output.
type FullyConnectedAttrs struct {
	Activation  Activation
	KeepNumDims bool
}

// Pool2DAttrs are the attributes of AVERAGE_POOL_2D and MAX_POOL_2D.
// DilationH/DilationW 0 mean 1 (TFLite pools have no dilation).
// CountIncludePad (AVERAGE_POOL_2D with EXPLICIT padding only) divides by
// the number of window taps inside the padded image [−PadTop, in+PadBottom)
// instead of the number of taps inside the image (ONNX count_include_pad).
// ONNX's ceil_mode is a larger PadBottom/PadRight: CeilPadBottom and
// CeilPadRight say how much of them ceil_mode added, which
// count_include_pad does not count (the padded image then ends at
// in+PadBottom−CeilPadBottom). Rounding (int8/int16 AVERAGE_POOL_2D only)
// is how the average of the codes rounds: HALF_AWAY (TFLite/TFLM, the
// default, omitted from the text) or HALF_EVEN (ONNX Runtime's quantised
// average pool).
type Pool2DAttrs struct {
	Padding    Padding
	StrideH    int
	StrideW    int
	FilterH    int
	FilterW    int
	Activation Activation
	ExplicitPads
	DilationH       int          `ir:"omitzero"`
	DilationW       int          `ir:"omitzero"`
	CountIncludePad bool         `ir:"omitzero"`
	CeilPadBottom   int          `ir:"omitzero"`
	CeilPadRight    int          `ir:"omitzero"`
	Rounding        PoolRounding `ir:"omitzero"`
}

// Dilations returns the pool's dilations, 1 where the attribute is 0.
func (a Pool2DAttrs) Dilations() (h, w int) { return max(a.DilationH, 1), max(a.DilationW, 1) }

// ExplicitPads are the padding amounts of a window op with Padding
// EXPLICIT (zero for SAME and VALID, and omitted from the text when zero).
type ExplicitPads struct {
	PadTop    int `ir:"omitzero"`
	PadLeft   int `ir:"omitzero"`
	PadBottom int `ir:"omitzero"`
	PadRight  int `ir:"omitzero"`
}

// BinaryAttrs are the attributes of ADD, SUB, MUL and DIV (broadcasting
// elementwise arithmetic with a fused activation).
type BinaryAttrs struct {
	Activation Activation
}

// ReshapeAttrs are the attributes of RESHAPE: the output shape.
type ReshapeAttrs struct {
	NewShape []int
}

// SqueezeAttrs are the attributes of SQUEEZE: the axes removed (all
// size-1 axes if empty).
type SqueezeAttrs struct {
	Axes []int
}

// SoftmaxAttrs are the attributes of SOFTMAX (applied along the last axis).
type SoftmaxAttrs struct {
	Beta float32
}

// LeakyReluAttrs are the attributes of LEAKY_RELU.
type LeakyReluAttrs struct {
	Alpha float32
}

// ConcatenationAttrs are the attributes of CONCATENATION.
type ConcatenationAttrs struct {
	Axis       int
	Activation Activation
}

// PadAttrs are the attributes of PAD: elements added before and after each
// axis (from the model's constant paddings tensor) and the mode (CONSTANT,
// TFLite's PAD, fills with zero (the zero point); REFLECT, SYMMETRIC, EDGE
// and WRAP take the values from the input, see PadSource).
type PadAttrs struct {
	Before []int
	After  []int
	Mode   PadMode `ir:"omitzero"`
}

// MeanAttrs are the attributes of MEAN: the reduced axes (normalised to
// non-negative, without duplicates) and whether reduced axes are kept as 1.
type MeanAttrs struct {
	Axes     []int
	KeepDims bool
}

// TransposeAttrs are the attributes of TRANSPOSE: output axis i is input
// axis Perm[i].
type TransposeAttrs struct {
	Perm []int
}

// StridedSliceAttrs are the attributes of STRIDED_SLICE with TFLite's mask
// semantics. Begin, End and Strides have one entry per input axis.
type StridedSliceAttrs struct {
	Begin          []int
	End            []int
	Strides        []int
	BeginMask      int
	EndMask        int
	EllipsisMask   int
	NewAxisMask    int
	ShrinkAxisMask int
	Offset         bool
}

func (NoAttrs) isAttrs()              {}
func (Conv2DAttrs) isAttrs()          {}
func (DepthwiseConv2DAttrs) isAttrs() {}
func (FullyConnectedAttrs) isAttrs()  {}
func (Pool2DAttrs) isAttrs()          {}
func (BinaryAttrs) isAttrs()          {}
func (ReshapeAttrs) isAttrs()         {}
func (SqueezeAttrs) isAttrs()         {}
func (SoftmaxAttrs) isAttrs()         {}
func (LeakyReluAttrs) isAttrs()       {}
func (ConcatenationAttrs) isAttrs()   {}
func (PadAttrs) isAttrs()             {}
func (MeanAttrs) isAttrs()            {}
func (TransposeAttrs) isAttrs()       {}
func (StridedSliceAttrs) isAttrs()    {}

// NewAttrs returns the zero attribute value of the type an operator kind
// carries, as a pointer (useful to decode into).
func NewAttrs(k OpKind) Attrs {
	switch k {
	case Conv2D:
		return &Conv2DAttrs{}
	case DepthwiseConv2D:
		return &DepthwiseConv2DAttrs{}
	case FullyConnected:
		return &FullyConnectedAttrs{}
	case AveragePool2D, MaxPool2D:
		return &Pool2DAttrs{}
	case Add, Sub, Mul, Div:
		return &BinaryAttrs{}
	case BatchMatMul:
		return &BatchMatMulAttrs{}
	case DepthToSpace:
		return &DepthToSpaceAttrs{}
	case ResizeNearestNeighbor:
		return &ResizeAttrs{}
	case Reshape:
		return &ReshapeAttrs{}
	case Squeeze:
		return &SqueezeAttrs{}
	case Softmax:
		return &SoftmaxAttrs{}
	case LeakyRelu:
		return &LeakyReluAttrs{}
	case Concatenation:
		return &ConcatenationAttrs{}
	case Pad:
		return &PadAttrs{}
	case Mean:
		return &MeanAttrs{}
	case Transpose:
		return &TransposeAttrs{}
	case StridedSlice:
		return &StridedSliceAttrs{}
	case Quantize:
		return &QuantizeAttrs{}
	}
	return &NoAttrs{}
}

// Op is one operator application. Inputs may contain nil for an absent
// optional input (for example a convolution without bias).
type Op struct {
	Kind    OpKind
	Inputs  []*Tensor
	Outputs []*Tensor
	// Attrs holds the kind's attribute struct as a value (not a pointer),
	// e.g. Conv2DAttrs for Conv2D; NoAttrs for kinds without attributes.
	Attrs Attrs
	// SourceIndex is the operator's index in the model it came from, kept
	// for error messages and generated comments (-1 if none).
	SourceIndex int
	// Name is the operator's name in the model it came from (ONNX node
	// names; empty for TFLite, whose operators have none), for messages
	// and comments. It is untrusted text: C output must go through
	// internal/ctext.
	Name string
}

// Input returns input i, or nil if it is absent or out of range.
func (o *Op) Input(i int) *Tensor {
	if i < len(o.Inputs) {
		return o.Inputs[i]
	}
	return nil
}

// Output returns the first output.
func (o *Op) Output() *Tensor {
	if len(o.Outputs) == 0 {
		return nil
	}
	return o.Outputs[0]
}

// String names the operator for messages: "op 3 (CONV_2D)", or with a
// name `op 3 (CONV_2D "conv1")`.
func (o *Op) String() string {
	if o.Name != "" {
		return fmt.Sprintf("op %d (%s %q)", o.SourceIndex, o.Kind, o.Name)
	}
	return fmt.Sprintf("op %d (%s)", o.SourceIndex, o.Kind)
}
