// The test-only kernel set "testset": one kernel that specialises the
// reference MAX_POOL_2D int8 kernel with its own algorithm, parameters and
// scratch memory.

package kerneltest

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
)

//go:embed testset/*.h testset/*.c
var testsetFiles embed.FS

// TestSetName is the name of the set TestSet returns.
const TestSetName = "testset"

// TestSet returns the test-only kernel set "testset" (add it to a library
// with kernels.NewLibrary). Its one kernel, tg_max_pool2d_s8_testset,
// specialises tg_max_pool2d_s8 with a separable algorithm: per output row
// the column-wise maximum over the window's rows into a scratch row of
// in_w*in_c int8, then the maximum over the window's columns. It takes its
// own parameter struct (tg_max_pool2d_s8_testset_params_t, declared in
// tg_testset.h) and accepts only windows of at least two rows
// (filter_h > 1), so 1-row windows fall back to the reference kernel.
// Every call returns a new Set.
func TestSet() kernels.Set {
	files, err := fs.Sub(testsetFiles, "testset")
	if err != nil {
		panic(err) // the embedded folder exists: a build error, not input
	}
	return kernels.Set{
		Name:        TestSetName,
		Description: "test only: separable int8 max pooling with scratch memory",
		Files:       files,
		Header:      "tg_testset.h",
		Kernels: []kernels.Kernel{{
			Symbol:      "tg_max_pool2d_s8_testset",
			Ops:         []ir.OpKind{ir.MaxPool2D},
			Types:       "int8",
			ParamsType:  "tg_max_pool2d_s8_testset_params_t",
			Specialises: "tg_max_pool2d_s8",
			Specialise:  specialiseMaxPool,
			Scratch:     maxPoolScratch,
		}},
	}
}

// maxPoolScratch is the scratch row of tg_max_pool2d_s8_testset: one int8
// per input column and channel.
func maxPoolScratch(op *ir.Op) int {
	s := op.Inputs[0].Shape
	if len(s) != 4 {
		return 0
	}
	return s[2] * s[3]
}

// specialiseMaxPool accepts a MAX_POOL_2D int8 op whose window has more
// than one row and builds the testset kernel's call from the reference
// call's parameters.
func specialiseMaxPool(op *ir.Op, ref kernels.Call) (kernels.Call, bool, error) {
	a, ok := op.Attrs.(ir.Pool2DAttrs)
	if !ok || a.FilterH < 2 {
		return kernels.Call{}, false, nil
	}
	var win kernels.Struct
	var actMin, actMax kernels.Int
	for _, f := range ref.Params.Fields {
		switch v := f.Value.(type) {
		case kernels.Struct:
			if f.Name == "win" {
				win = v
			}
		case kernels.Int:
			switch f.Name {
			case "act_min":
				actMin = v
			case "act_max":
				actMax = v
			}
		}
	}
	if win.Type == "" {
		return kernels.Call{}, false, fmt.Errorf("reference parameters %s have no window", ref.Params.Type)
	}
	var input, output *ir.Tensor
	for _, arg := range ref.Args {
		if arg.Output {
			output = arg.Tensor
		} else if arg.Name == "input" {
			input = arg.Tensor
		}
	}
	if input == nil || output == nil {
		return kernels.Call{}, false, fmt.Errorf("reference call has no input or output")
	}
	return kernels.Call{
		Params: kernels.Struct{Type: "tg_max_pool2d_s8_testset_params_t", Fields: []kernels.Field{
			{Name: "win", Value: win}, {Name: "act_min", Value: actMin}, {Name: "act_max", Value: actMax},
			{Name: "row_len", Value: kernels.Int(maxPoolScratch(op))}}},
		Args: []kernels.Arg{
			{Name: "input", Tensor: input, Elem: "int8_t"},
			{Name: "output", Tensor: output, Elem: "int8_t", Output: true},
			{Name: "scratch", Elem: "int8_t", Scratch: true},
		},
	}, true, nil
}
