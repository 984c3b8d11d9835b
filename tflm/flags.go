// This file holds the compiler flags of the TFLM build per target and
// variant: TFLM's Makefile flags as ../shared/tflm/README.md records them
// ("Compiler flags"), on top of the target's architecture flags.
package tflm

import (
	"strings"

	"github.com/tinygen/tinygen/targets"
)

// commonFlags are the Makefile's CXXFLAGS shared by C and C++.
var commonFlags = []string{
	"-fno-unwind-tables", "-fno-asynchronous-unwind-tables", "-ffunction-sections", "-fdata-sections",
	"-fmessage-length=0", "-DTF_LITE_STATIC_MEMORY", "-DTF_LITE_DISABLE_X86_NEON", "-DKERNELS_OPTIMIZED_FOR_SPEED",
	"-Wsign-compare", "-Wdouble-promotion", "-Wunused-variable", "-Wunused-function", "-Wswitch", "-Wvla", "-Wall",
	"-Wextra", "-Wmissing-field-initializers", "-Wstrict-aliasing", "-Wno-unused-parameter",
}

// cxxOnly are the C++-only flags of the Makefile.
var cxxOnly = []string{"-std=c++17", "-fno-rtti", "-fno-exceptions", "-fno-threadsafe-statics", "-Wnon-virtual-dtor"}

// cmsisNNFlags are OPTIMIZED_KERNEL_DIR=cmsis_nn's defines, on every
// file (framework, kernels, CMSIS-NN): -DCMSIS_NN changes declarations in
// kernels/*.h.
var cmsisNNFlags = []string{"-DCMSIS_NN", "-DARM_NN_ENABLE_F16=0", "-DARM_NN_ENABLE_F32=0"}

// releaseFlags are BUILD_TYPE=release's (every bare-metal baseline).
var releaseFlags = []string{"-DNDEBUG", "-DTF_LITE_STRIP_ERROR_STRINGS"}

// includes are the include folders, relative to the tree.
func includes(v Variant) []string {
	inc := []string{"tflite-micro", "third_party/flatbuffers/include", "third_party/gemmlowp", "third_party/ruy"}
	if v == CMSISNN {
		inc = append(inc, "third_party/cmsis_nn", "third_party/cmsis_nn/Include")
	}
	return inc
}

// targetFlags are the flags the Makefile adds for the target family
// (cortex_m_generic, riscv32_generic, linux), without optimisation and
// includes; cxx selects the C++ set.
func targetFlags(t *targets.Target, v Variant, cxx bool) []string {
	var f []string
	if cxx {
		f = append(f, cxxOnly...)
	} else {
		f = append(f, "-std=c17")
	}
	f = append(f, commonFlags...)
	switch t.Arch {
	case targets.ArchHost:
		// The Makefile's default linux build: error strings kept, the
		// build the host golden data was made with.
		f = append(f, "-DTF_LITE_USE_CTIME")
	case targets.ArchARM:
		f = append(f, t.CompileFlags()...)
		f = append(f, releaseFlags...)
		f = append(f, "-DTF_LITE_MCU_DEBUG_LOG", "-Wno-type-limits", "-fomit-frame-pointer", "-funsigned-char")
		if cxx {
			f = append(f, "-Wno-unused-private-field")
		}
		if v == CMSISNN {
			f = append(f, cmsisNNFlags...)
		}
	case targets.ArchRISCV32:
		f = append(f, t.CompileFlags()...)
		f = append(f, releaseFlags...)
		f = append(f, "-mexplicit-relocs", "-fno-builtin-printf", "-DTF_LITE_MCU_DEBUG_LOG",
			"-DTF_LITE_USE_GLOBAL_CMATH_FUNCTIONS", "-funsigned-char", "-fno-delete-null-pointer-checks", "-fomit-frame-pointer")
		if cxx {
			f = append(f, "-fpermissive", "-fno-use-cxa-atexit", "-DTF_LITE_USE_GLOBAL_MIN", "-DTF_LITE_USE_GLOBAL_MAX")
		}
		if v == CMSISNN {
			// Not a Makefile build (TFLM's riscv32_generic has no
			// OPTIMIZED_KERNEL_DIR=cmsis_nn): the Cortex-M variant's
			// defines, which select CMSIS-NN's portable C here.
			f = append(f, cmsisNNFlags...)
		}
	}
	return f
}

// optFlag is the optimisation level of a unit kind: -Os for the
// framework, -O2 for kernels, CMSIS-NN and the firmware's main.
func optFlag(k unitKind) string {
	if k == framework {
		return "-Os"
	}
	return "-O2"
}

// cxxCompiler derives the C++ compiler from the target's C compiler
// (arm-none-eabi-gcc → arm-none-eabi-g++, gcc → g++).
func cxxCompiler(cc string) string {
	if strings.HasSuffix(cc, "gcc") {
		return strings.TrimSuffix(cc, "gcc") + "g++"
	}
	if strings.HasSuffix(cc, "clang") {
		return cc + "++"
	}
	return cc
}
