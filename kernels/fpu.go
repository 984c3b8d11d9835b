// fpu.go: the "fpu" kernel set: register-blocked float32 kernels for Arm
// cores with a single-precision FPU, bit-identical to the reference set.

package kernels

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/tinygen/tinygen/ir"
)

//go:embed fpu/*.h fpu/*.c
var fpuSources embed.FS

// FPU is the name of the float32 kernel set for Arm cores with a
// single-precision FPU (Cortex-M4F, M7, M33, M55).
const FPU = "fpu"

// fpuBlock is TG_FPU_OC_BLOCK of fpu/tg_fpu.h: output channels (units)
// computed together, and the interleaving of the packed filters.
const fpuBlock = 4

// fpuSet returns the fpu kernel set. Its kernels keep the reference
// kernels' operation order per output (sum from 0, one rounded product and
// one rounded addition per tap in the reference order, bias, clamp) and
// use VMLA.F32 (multiply, round, add: never fused) on Arm, so their
// outputs equal the reference kernels' bit for bit; what they change is
// the interleaving of different outputs' sums (blocks of 4 output
// channels, 4 output pixels in a row's interior) and the filter layout,
// which Specialise reorders at compile time.
func fpuSet() Set {
	files, err := fs.Sub(fpuSources, FPU)
	if err != nil {
		panic(err) // the embedded folder exists: a build error, not input
	}
	ks := []Kernel{
		{Symbol: "tg_conv2d_f32_fpu", Ops: []ir.OpKind{ir.Conv2D}, Types: "float32",
			ParamsType: "tg_conv2d_f32_fpu_params_t", Specialises: "tg_conv2d_f32", Specialise: specialiseConvF32FPU},
		{Symbol: "tg_fully_connected_f32_fpu", Ops: []ir.OpKind{ir.FullyConnected}, Types: "float32",
			ParamsType: "tg_fully_connected_f32_fpu_params_t", Specialises: "tg_fully_connected_f32",
			Specialise: specialiseFullyConnectedF32FPU},
		{Symbol: "tg_depthwise_conv2d_f32_fpu", Ops: []ir.OpKind{ir.DepthwiseConv2D}, Types: "float32",
			ParamsType: "tg_depthwise_conv2d_f32_params_t", Specialises: "tg_depthwise_conv2d_f32",
			Specialise: specialiseDepthwiseF32FPU},
		{Symbol: "tg_average_pool2d_f32_fpu", Ops: []ir.OpKind{ir.AveragePool2D}, Types: "float32",
			ParamsType: "tg_pool_f32_params_t", Specialises: "tg_average_pool2d_f32", Specialise: specialisePool},
		{Symbol: "tg_max_pool2d_f32_fpu", Ops: []ir.OpKind{ir.MaxPool2D}, Types: "float32",
			ParamsType: "tg_pool_f32_params_t", Specialises: "tg_max_pool2d_f32", Specialise: specialisePool},
	}
	for i := range ks {
		ks[i].Set = FPU
	}
	return Set{Name: FPU, Description: "float32 for Arm cores with an FPU: register-blocked conv, depthwise conv, fully-connected and pooling, VMLA (never fused), bit-identical to reference",
		Files: files, Header: "tg_fpu.h", Kernels: ks}
}

// refField returns the named field of a reference call's parameters.
func refField(ref Call, name string) (Value, bool) {
	for _, f := range ref.Params.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return nil, false
}

// refArg returns the tensor of a reference call's argument.
func refArg(ref Call, name string) *ir.Tensor {
	for _, a := range ref.Args {
		if a.Name == name {
			return a.Tensor
		}
	}
	return nil
}

// packBlocks interleaves rows of a row-major [rows, cols] filter in blocks
// of fpuBlock rows: block k (rows 4k .. 4k+n-1, n = min(4, rows-4k))
// starts at element 4k*cols and holds [cols][n].
func packBlocks(w []float32, rows, cols int) []float32 {
	out := make([]float32, 0, rows*cols)
	for r0 := 0; r0 < rows; r0 += fpuBlock {
		n := min(fpuBlock, rows-r0)
		for c := 0; c < cols; c++ {
			for j := 0; j < n; j++ {
				out = append(out, w[(r0+j)*cols+c])
			}
		}
	}
	return out
}

// floatParams returns the window (if win), act_min and act_max of a float
// reference call.
func floatParams(ref Call, win bool) (w Struct, lo, hi Float, err error) {
	if win {
		v, ok := refField(ref, "win")
		if w, ok = v.(Struct); !ok {
			return Struct{}, 0, 0, fmt.Errorf("reference parameters %s have no window", ref.Params.Type)
		}
	}
	v1, _ := refField(ref, "act_min")
	v2, _ := refField(ref, "act_max")
	lo, ok1 := v1.(Float)
	hi, ok2 := v2.(Float)
	if !ok1 || !ok2 {
		return Struct{}, 0, 0, fmt.Errorf("reference parameters %s have no float activation range", ref.Params.Type)
	}
	return w, lo, hi, nil
}

// specialiseConvF32FPU takes a float32 CONV_2D without groups whose filter
// is a constant, and packs the filter [out_c, fh, fw, in_c] in blocks of 4
// output channels.
func specialiseConvF32FPU(op *ir.Op, ref Call) (Call, bool, error) {
	x, w, y := refArg(ref, "input"), refArg(ref, "filter"), refArg(ref, "output")
	if x == nil || w == nil || y == nil || x.DType != ir.Float32 || w.DType != ir.Float32 || !w.IsConst() ||
		len(w.Shape) != 4 || len(x.Shape) != 4 || w.Shape[3] != x.Shape[3] {
		return Call{}, false, nil
	}
	if b := refArg(ref, "bias"); b != nil && b.DType != ir.Float32 {
		return Call{}, false, nil
	}
	win, lo, hi, err := floatParams(ref, true)
	if err != nil {
		return Call{}, false, err
	}
	data := w.Float32s()
	oc := w.Shape[0]
	if len(data) != w.Shape.Elements() || oc <= 0 {
		return Call{}, false, fmt.Errorf("filter %s holds %d floats, want %d", w.Name, len(data), w.Shape.Elements())
	}
	packed := packBlocks(data, oc, len(data)/oc)
	return Call{
		Params: Struct{Type: "tg_conv2d_f32_fpu_params_t", Fields: []Field{f("win", win), f("act_min", lo), f("act_max", hi),
			f("packed", Array{Elem: "float", Floats: packed})}},
		Args: []Arg{in("input", x, "float"), in("bias", refArg(ref, "bias"), "float"), out(y, "float")},
	}, true, nil
}

// specialiseFullyConnectedF32FPU takes a float32 FULLY_CONNECTED whose
// filter is a constant, and packs the filter [units, depth] in blocks of 4
// units.
func specialiseFullyConnectedF32FPU(op *ir.Op, ref Call) (Call, bool, error) {
	x, w, y := refArg(ref, "input"), refArg(ref, "filter"), refArg(ref, "output")
	if x == nil || w == nil || y == nil || x.DType != ir.Float32 || w.DType != ir.Float32 || !w.IsConst() || len(w.Shape) != 2 {
		return Call{}, false, nil
	}
	if b := refArg(ref, "bias"); b != nil && b.DType != ir.Float32 {
		return Call{}, false, nil
	}
	_, lo, hi, err := floatParams(ref, false)
	if err != nil {
		return Call{}, false, err
	}
	var batches, units, depth Value
	batches, _ = refField(ref, "batches")
	units, _ = refField(ref, "units")
	depth, _ = refField(ref, "depth")
	data := w.Float32s()
	if len(data) != w.Shape.Elements() || w.Shape[0] <= 0 {
		return Call{}, false, fmt.Errorf("filter %s holds %d floats, want %d", w.Name, len(data), w.Shape.Elements())
	}
	packed := packBlocks(data, w.Shape[0], w.Shape[1])
	return Call{
		Params: Struct{Type: "tg_fully_connected_f32_fpu_params_t", Fields: []Field{f("batches", batches), f("units", units),
			f("depth", depth), f("act_min", lo), f("act_max", hi), f("packed", Array{Elem: "float", Floats: packed})}},
		Args: []Arg{in("input", x, "float"), in("bias", refArg(ref, "bias"), "float"), out(y, "float")},
	}, true, nil
}

// specialiseDepthwiseF32FPU takes a float32 DEPTHWISE_CONV_2D with depth
// multiplier 1 (so output channel c reads input channel c) with the
// reference kernel's parameters and arguments.
func specialiseDepthwiseF32FPU(op *ir.Op, ref Call) (Call, bool, error) {
	a, ok := op.Attrs.(ir.DepthwiseConv2DAttrs)
	x, w := refArg(ref, "input"), refArg(ref, "filter")
	if !ok || a.DepthMultiplier != 1 || x == nil || w == nil || x.DType != ir.Float32 || w.DType != ir.Float32 ||
		len(x.Shape) != 4 || len(w.Shape) != 4 || w.Shape[3] != x.Shape[3] {
		return Call{}, false, nil
	}
	return Call{Params: ref.Params, Args: ref.Args}, true, nil
}
