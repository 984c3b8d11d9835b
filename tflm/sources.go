// This file lists the TFLM sources a firmware needs: the framework, the
// kernels of the model's operators and, for the CMSIS-NN variant, the
// CMSIS-NN library (../shared/tflm/README.md, "Sources").
package tflm

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/tinygen/tinygen/targets"
)

// Variant is a TFLM kernel variant, named like its bench backend.
type Variant string

// The kernel variants.
const (
	// Reference: TFLM's portable reference kernels (backend tflm).
	Reference Variant = "tflm"
	// CMSISNN: OPTIMIZED_KERNEL_DIR=cmsis_nn (backend tflm-cmsisnn):
	// CMSIS-NN's DSP kernels on Cortex-M cores with the DSP extension, its
	// portable C paths (neither ARM_MATH_DSP nor ARM_MATH_MVEI defined) on
	// the other Cortex-M cores and on RV32.
	CMSISNN Variant = "tflm-cmsisnn"
)

// Backends are the bench backend names this package builds.
func Backends() []string { return []string{string(Reference), string(CMSISNN)} }

// IsBackend reports whether a bench backend name is a TFLM variant.
func IsBackend(name string) bool { return name == string(Reference) || name == string(CMSISNN) }

// dspCores are the Cortex-M cores with the DSP extension CMSIS-NN's
// optimised kernels use.
func dspCore(cpu string) bool {
	switch cpu {
	case "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55":
		return true
	}
	return false
}

// CheckVariant reports whether a variant can be built for a target.
func CheckVariant(v Variant, t *targets.Target) error {
	switch v {
	case Reference:
		return nil
	case CMSISNN:
		if !t.BareMetal() || (t.Arch != targets.ArchARM && t.Arch != targets.ArchRISCV32) {
			return fmt.Errorf("backend %s needs a bare-metal Cortex-M or RV32 target (CMSIS-NN's DSP kernels on cortex-m4, m7, m33, m55, its portable C elsewhere); target %s is %s", v, t.Name, t.CPU)
		}
		return nil
	}
	return fmt.Errorf("unknown TFLM backend %q (have %s)", v, strings.Join(Backends(), ", "))
}

// micro is the TFLM source root inside tflite-micro/.
const micro = "tensorflow/lite/micro/"

// sharedSources are the TfLite and MLIR files the framework compiles
// (README "Framework sources").
var sharedSources = []string{
	"tensorflow/lite/core/api/flatbuffer_conversions.cc",
	"tensorflow/lite/core/api/tensor_utils.cc",
	"tensorflow/lite/core/c/common.cc",
	"tensorflow/lite/kernels/kernel_util.cc",
	"tensorflow/lite/kernels/internal/common.cc",
	"tensorflow/lite/kernels/internal/portable_tensor_utils.cc",
	"tensorflow/lite/kernels/internal/quantization_util.cc",
	"tensorflow/lite/kernels/internal/runtime_shape.cc",
	"tensorflow/lite/kernels/internal/tensor_ctypes.cc",
	"tensorflow/lite/kernels/internal/tensor_utils.cc",
	"tensorflow/lite/kernels/internal/reference/portable_tensor_utils.cc",
	"tensorflow/compiler/mlir/lite/core/api/error_reporter.cc",
	"tensorflow/compiler/mlir/lite/schema/schema_utils.cc",
}

// opInfo is how the firmware registers a builtin operator and which
// kernel sources (in kernels/) implement it.
type opInfo struct {
	add     string   // MicroMutableOpResolver method
	kernels []string // kernels/*.cc base names
}

// ops maps TFLite builtin operator names to their TFLM registration and
// kernel files (README "Reference kernels", measured from link maps); it
// is built on first use, not at every start of tinygen.
var ops = sync.OnceValue(func() map[string]opInfo {
	return map[string]opInfo{
		"CONV_2D":           {"AddConv2D", []string{"conv", "conv_common"}},
		"DEPTHWISE_CONV_2D": {"AddDepthwiseConv2D", []string{"depthwise_conv", "depthwise_conv_common", "conv_common"}},
		"FULLY_CONNECTED":   {"AddFullyConnected", []string{"fully_connected", "fully_connected_common"}},
		"AVERAGE_POOL_2D":   {"AddAveragePool2D", []string{"pooling", "pooling_common"}},
		"MAX_POOL_2D":       {"AddMaxPool2D", []string{"pooling", "pooling_common"}},
		"SOFTMAX":           {"AddSoftmax", []string{"softmax", "softmax_common"}},
		"ADD":               {"AddAdd", []string{"add", "add_common"}},
		"MUL":               {"AddMul", []string{"mul", "mul_common"}},
		"RESHAPE":           {"AddReshape", []string{"reshape", "reshape_common"}},
		"QUANTIZE":          {"AddQuantize", []string{"quantize", "quantize_common"}},
		"DEQUANTIZE":        {"AddDequantize", []string{"dequantize", "dequantize_common"}},
		"LOGISTIC":          {"AddLogistic", []string{"logistic", "logistic_common"}},
		"MEAN":              {"AddMean", []string{"reduce", "reduce_common"}},
		"PAD":               {"AddPad", []string{"pad", "pad_common"}},
		"CONCATENATION":     {"AddConcatenation", []string{"concatenation"}},
		"RELU":              {"AddRelu", []string{"activations", "activations_common"}},
		"RELU6":             {"AddRelu6", []string{"activations", "activations_common"}},
		"TANH":              {"AddTanh", []string{"tanh"}},
	}
})

// SupportedOps lists the builtin operators the TFLM backend registers.
func SupportedOps() []string {
	var names []string
	for n := range ops() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// resolverCalls returns the resolver methods for a model's operators, in
// the model's order without duplicates, or an error naming an operator
// the backend cannot register.
func resolverCalls(opNames []string) ([]string, error) {
	var calls []string
	seen := map[string]bool{}
	for _, name := range opNames {
		info, ok := ops()[name]
		if !ok {
			return nil, fmt.Errorf("operator %s: the TFLM backend registers only %s", name, strings.Join(SupportedOps(), ", "))
		}
		if !seen[info.add] {
			seen[info.add] = true
			calls = append(calls, info.add)
		}
	}
	return calls, nil
}

// unitKind says which optimisation level and which ROM bucket a
// translation unit belongs to.
type unitKind int

const (
	framework unitKind = iota // -Os, ROM "runtime"
	kernel                    // -O2, ROM "kernels"
	cmsisC                    // C, -O2, ROM "kernels"
)

// unit is one TFLM translation unit, by path relative to the tree.
type unit struct {
	path string
	kind unitKind
}

// units lists the translation units for a target, variant and set of
// operators.
func (tr *Tree) units(t *targets.Target, v Variant, opNames []string) ([]unit, error) {
	var out []unit
	fw, err := filepath.Glob(filepath.Join(tr.Dir, "tflite-micro", micro, "*.cc"))
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"arena_allocator", "memory_planner", "tflite_bridge"} {
		more, _ := filepath.Glob(filepath.Join(tr.Dir, "tflite-micro", micro, sub, "*.cc"))
		fw = append(fw, more...)
	}
	for _, p := range fw {
		rel, _ := filepath.Rel(filepath.Join(tr.Dir, "tflite-micro"), p)
		rel = filepath.ToSlash(rel)
		switch {
		case rel == micro+"debug_log.cc" && t.Arch == targets.ArchARM:
			rel = micro + "cortex_m_generic/debug_log.cc"
		case rel == micro+"debug_log.cc" && t.Arch == targets.ArchRISCV32:
			rel = micro + "riscv32_generic/debug_log.cc"
		}
		out = append(out, unit{"tflite-micro/" + rel, framework})
	}
	for _, s := range sharedSources {
		out = append(out, unit{"tflite-micro/" + s, framework})
	}
	kernels := map[string]bool{"kernel_util": true}
	for _, name := range opNames {
		info, ok := ops()[name]
		if !ok {
			return nil, fmt.Errorf("operator %s: the TFLM backend registers only %s", name, strings.Join(SupportedOps(), ", "))
		}
		for _, k := range info.kernels {
			kernels[k] = true
		}
	}
	var ks []string
	for k := range kernels {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		p := "tflite-micro/" + micro + "kernels/" + k + ".cc"
		if v == CMSISNN {
			alt := "tflite-micro/" + micro + "kernels/cmsis_nn/" + k + ".cc"
			if fileExists(filepath.Join(tr.Dir, alt)) {
				p = alt
			}
		}
		out = append(out, unit{p, kernel})
	}
	if v == CMSISNN {
		var cs []string
		root := filepath.Join(tr.Dir, "third_party", "cmsis_nn", "Source")
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.Type().IsRegular() && strings.HasSuffix(name, ".c") && !strings.HasSuffix(name, "_f16.c") &&
				!strings.HasSuffix(name, "_f32.c") && name != "arm_nntables_flt.c" {
				rel, _ := filepath.Rel(tr.Dir, p)
				cs = append(cs, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("CMSIS-NN sources: %w", err)
		}
		sort.Strings(cs)
		for _, c := range cs {
			out = append(out, unit{c, cmsisC})
		}
	}
	for _, u := range out {
		if !fileExists(filepath.Join(tr.Dir, u.path)) {
			return nil, fmt.Errorf("TFLM folder %s: missing %s", tr.Dir, u.path)
		}
	}
	return out, nil
}

func fileExists(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.Mode().IsRegular()
}
