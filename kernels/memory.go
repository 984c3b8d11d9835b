package kernels

import "github.com/tinygen/tinygen/ir"

// InPlaceInputs returns the indices of op's inputs whose buffer the
// reference kernel that runs op may also use as its output (see
// Call.InPlaceInputs). It returns nil for ops that cannot be lowered;
// Lower reports those.
func InPlaceInputs(op *ir.Op) []int {
	call, err := Lower(op)
	if err != nil {
		return nil
	}
	return call.InPlaceInputs(op)
}

// InPlaceInputs returns the indices of op's inputs whose buffer the call's
// kernel may also use as its output: the kernel allows it
// (Kernel.InPlace) and the input is a non-constant tensor with the
// output's shape and element size, so element i of the input sits exactly
// where element i of the output goes. The memory planner decides whether
// the input's value is dead at op.
func (call Call) InPlaceInputs(op *ir.Op) []int {
	if !call.Kernel.InPlace || len(op.Outputs) != 1 {
		return nil
	}
	out := op.Outputs[0]
	var idx []int
	for i, t := range op.Inputs {
		if t == nil || t.IsConst() || t.DType.Size() != out.DType.Size() || !t.Shape.Equal(out.Shape) {
			continue
		}
		idx = append(idx, i)
	}
	return idx
}

// ScratchBytes returns the bytes of scratch memory the call's kernel needs
// for op (its Scratch rule), 0 if none.
func (call Call) ScratchBytes(op *ir.Op) int {
	if call.Kernel.Scratch == nil {
		return 0
	}
	return call.Kernel.Scratch(op)
}
