// This file generates the per-operator step marks of a profiled TFLM
// firmware (bench --profile): a resolver that hands the interpreter
// copies of the registrations whose invoke first calls tg_bench_step(),
// and the TINYGEN-STEP lines that name each step (docs/bench-protocol.md,
// "Profiles"; docs/tflm.md, "Per-operator profile").
package tflm

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tinygen/tinygen/targets"
)

// Kernel sets the TINYGEN-STEP lines name.
const (
	setReference = "tflm-ref"
	setCMSISNN   = "cmsis-nn"
	// setCMSISNNC is CMSIS-NN's portable C (a core without the DSP
	// extension, or RV32).
	setCMSISNNC = "cmsis-nn-c"
)

// opKernels returns, per operator code, the kernel source the variant
// compiles for it (kernels/cmsis_nn/X.cc where the tree has one for the
// CMSIS-NN variant, else kernels/X.cc) and its set (cmsis-nn with the
// DSP extension's kernels, cmsis-nn-c with CMSIS-NN's portable C).
func (tr *Tree) opKernels(t *targets.Target, v Variant, opNames []string) []opKernel {
	set := setCMSISNN
	if t.Arch != targets.ArchARM || !dspCore(t.CPU) {
		set = setCMSISNNC
	}
	out := make([]opKernel, len(opNames))
	for i, name := range opNames {
		out[i] = defaultKernel(name)
		info, ok := ops()[name]
		if !ok || v != CMSISNN {
			continue
		}
		if fileExists(filepath.Join(tr.Dir, "tflite-micro", micro, "kernels", "cmsis_nn", info.kernels[0]+".cc")) {
			out[i] = opKernel{file: "cmsis_nn/" + info.kernels[0] + ".cc", set: set}
		}
	}
	return out
}

// defaultKernel is an operator's reference kernel source.
func defaultKernel(name string) opKernel {
	if info, ok := ops()[name]; ok {
		return opKernel{file: info.kernels[0] + ".cc", set: setReference}
	}
	return opKernel{file: "unknown", set: setReference}
}

// writeProfile writes the profiled firmware's Resolver (in place of the
// plain MicroMutableOpResolver alias) and its step marker. n is the
// number of registrations: each gets one trampoline, which calls
// tg_bench_step() and then the kernel's own invoke. The registrations are
// otherwise the resolver's (init, prepare, free and the builtin code are
// copied), so the interpreter runs the same kernels; a profiled inference
// costs the trampolines and markers more (docs/tflm.md).
func (fw *Firmware) writeProfile(w func(string, ...any), n int) {
	w(`// bench --profile: every operator's invoke goes through a trampoline that
// calls tg_bench_step() first (TFLM's MicroProfilerInterface is compiled
// out of release builds, TF_LITE_STRIP_ERROR_STRINGS).
}  // namespace

#if defined(__GNUC__) && !defined(__clang__)
#define TG_STEP_MARKER __attribute__((noipa, used))
#else
#define TG_STEP_MARKER __attribute__((noinline, used))
#endif

extern "C" TG_STEP_MARKER void tg_bench_step(void)
{
    __asm__ __volatile__("" ::: "memory");
}

namespace {

using InvokeFn = TfLiteStatus (*)(TfLiteContext *, TfLiteNode *);
`)
	w("constexpr int kNumRegistrations = %d;\n\n", n)
	w(`// The kernels' own invoke functions, by trampoline.
InvokeFn g_invoke[kNumRegistrations];

template <int K>
TfLiteStatus StepInvoke(TfLiteContext *context, TfLiteNode *node)
{
    tg_bench_step();
    return g_invoke[K](context, node);
}

`)
	var tramps []string
	for k := 0; k < n; k++ {
		tramps = append(tramps, fmt.Sprintf("StepInvoke<%d>", k))
	}
	w("const InvokeFn kTrampolines[kNumRegistrations] = {%s};\n\n", strings.Join(tramps, ", "))
	w("using BaseResolver = tflite::MicroMutableOpResolver<%d>;\n\n", n)
	w(`// Resolver hands out copies of the registrations with the invoke
// replaced by a trampoline, one copy per registration however often the
// interpreter asks.
class Resolver : public BaseResolver {
  public:
    using BaseResolver::FindOp;

    const TFLMRegistration *FindOp(tflite::BuiltinOperator op) const override
    {
        const TFLMRegistration *reg = BaseResolver::FindOp(op);
        if (reg == nullptr) {
            return nullptr;
        }
        for (int k = 0; k < used_; k++) {
            if (orig_[k] == reg) {
                return &copies_[k];
            }
        }
        if (used_ == kNumRegistrations) {
            return nullptr;
        }
        const int k = used_++;
        orig_[k] = reg;
        copies_[k] = *reg;
        g_invoke[k] = reg->invoke;
        copies_[k].invoke = reg->invoke != nullptr ? kTrampolines[k] : nullptr;
        return &copies_[k];
    }

  private:
    mutable const TFLMRegistration *orig_[kNumRegistrations] = {};
    mutable TFLMRegistration copies_[kNumRegistrations] = {};
    mutable int used_ = 0;
};

void PrintSteps(const tflite::Model *model);

`)
}

// writeStepLines writes PrintSteps: one TINYGEN-STEP line per operator of
// the first subgraph (the steps of one Invoke, in order), with the
// operator code's builtin name, kernel source and set, and the
// operator's MACs when known.
func (fw *Firmware) writeStepLines(w func(string, ...any)) {
	kernels := fw.kernels
	if len(kernels) != len(fw.Ops) {
		kernels = make([]opKernel, len(fw.Ops))
		for i, name := range fw.Ops {
			kernels[i] = defaultKernel(name)
		}
	}
	var names, files, sets []string
	for i, name := range fw.Ops {
		names = append(names, fmt.Sprintf("%q", stepText(name)))
		files = append(files, fmt.Sprintf("%q", stepText(kernels[i].file)))
		sets = append(sets, fmt.Sprintf("%q", kernels[i].set))
	}
	macs := []string{"0"}
	for i, m := range fw.MACs {
		if i == 0 {
			macs = nil
		}
		macs = append(macs, fmt.Sprintf("%du", max(m, 0)))
	}
	w("\nnamespace {\n\n")
	w("// Per operator code: builtin name, TFLM kernel source, kernel set.\n")
	w("constexpr uint32_t kNumOpCodes = %d;\n", len(fw.Ops))
	w("const char *const kOpName[kNumOpCodes] = {%s};\n", strings.Join(names, ", "))
	w("const char *const kOpKernel[kNumOpCodes] = {%s};\n", strings.Join(files, ", "))
	w("const char *const kOpSet[kNumOpCodes] = {%s};\n", strings.Join(sets, ", "))
	w("// Per operator of subgraph 0: multiply-accumulates (tinygen's count).\n")
	w("constexpr uint32_t kNumMacs = %d;\n", len(fw.MACs))
	w("const uint64_t kMacs[] = {%s};\n\n", strings.Join(macs, ", "))
	w(`// Names the steps of one Invoke (outside the measured regions).
void PrintSteps(const tflite::Model *model)
{
    const auto *subgraphs = model->subgraphs();
    if (subgraphs == nullptr || subgraphs->size() == 0u || subgraphs->Get(0)->operators() == nullptr) {
        return;
    }
    const auto *ops = subgraphs->Get(0)->operators();
    for (uint32_t k = 0; k < ops->size(); k++) {
        const uint32_t code = ops->Get(k)->opcode_index();
        Puts("TINYGEN-STEP");
        PutKV("index", k);
        if (code < kNumOpCodes) {
            Puts(" op=");
            Puts(kOpName[code]);
            Puts(" kernel=");
            Puts(kOpKernel[code]);
            Puts(" set=");
            Puts(kOpSet[code]);
        }
        if (k < kNumMacs) {
            PutKV("macs", kMacs[k]);
        }
        Puts("\n");
    }
}

}  // namespace
`)
}

// stepText keeps a name a single printable word for a TINYGEN-STEP line
// and a C string literal: other bytes become '_'. The names are
// tinygen's own (the builtin operator table of frontends/tflite and the
// kernel table of sources.go; a model supplies only operator codes), so
// no model text reaches the firmware.
func stepText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && i < 64; i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && c != '"' && c != '\\' && c != '|' && c != ',' {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
