// Unit tests of the TFLM build's pure parts: cache keys, source lists,
// resolver calls, flags and the map-file split.
package tflm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/targets"
)

func TestObjectKey(t *testing.T) {
	base := objectKey("stamp", "g++", "g++ 12", []string{"-O2"}, "a.cc")
	for name, other := range map[string]string{
		"stamp":    objectKey("stamp2", "g++", "g++ 12", []string{"-O2"}, "a.cc"),
		"compiler": objectKey("stamp", "clang++", "g++ 12", []string{"-O2"}, "a.cc"),
		"version":  objectKey("stamp", "g++", "g++ 13", []string{"-O2"}, "a.cc"),
		"flags":    objectKey("stamp", "g++", "g++ 12", []string{"-Os"}, "a.cc"),
		"split":    objectKey("stamp", "g++", "g++ 12", []string{"-O", "2"}, "a.cc"),
		"source":   objectKey("stamp", "g++", "g++ 12", []string{"-O2"}, "b.cc"),
	} {
		if other == base {
			t.Errorf("changing the %s does not change the key", name)
		}
	}
	if again := objectKey("stamp", "g++", "g++ 12", []string{"-O2"}, "a.cc"); again != base {
		t.Errorf("key not deterministic: %s vs %s", again, base)
	}
}

func TestResolverCalls(t *testing.T) {
	tests := []struct {
		ops     []string
		want    []string
		wantErr string
	}{
		{[]string{"CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "RESHAPE"}, []string{"AddConv2D", "AddDepthwiseConv2D", "AddReshape"}, ""},
		{[]string{"AVERAGE_POOL_2D", "MAX_POOL_2D"}, []string{"AddAveragePool2D", "AddMaxPool2D"}, ""},
		{[]string{"CONV_2D", "LSTM"}, nil, "operator LSTM"},
	}
	for _, tt := range tests {
		got, err := resolverCalls(tt.ops)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: error %v, want %q", tt.ops, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%v: got %v, %v; want %v", tt.ops, got, err, tt.want)
		}
	}
}

func TestCheckVariant(t *testing.T) {
	tests := []struct {
		target string
		v      Variant
		ok     bool
	}{
		{"cortex-m4", CMSISNN, true}, {"cortex-m7", CMSISNN, true}, {"cortex-m3", CMSISNN, true},
		{"rv32imc", CMSISNN, true}, {"host", CMSISNN, false}, {"rv32imc", Reference, true}, {"host", "tflm-x", false},
		{"arduino-uno", CMSISNN, false},
	}
	for _, tt := range tests {
		tg, err := targets.Get(tt.target)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckVariant(tt.v, tg); (err == nil) != tt.ok {
			t.Errorf("%s %s: error %v, want ok=%v", tt.target, tt.v, err, tt.ok)
		}
	}
}

// fakeTree lays out the files units and OpenTree look at.
func fakeTree(t *testing.T) *Tree {
	dir := t.TempDir()
	files := append([]string{}, markers...)
	for _, f := range []string{"debug_log.cc", "micro_time.cc", "cortex_m_generic/debug_log.cc", "riscv32_generic/debug_log.cc",
		"arena_allocator/a.cc", "kernels/kernel_util.cc", "kernels/conv.cc", "kernels/conv_common.cc", "kernels/cmsis_nn/conv.cc"} {
		files = append(files, "tflite-micro/"+micro+f)
	}
	for _, s := range sharedSources {
		files = append(files, "tflite-micro/"+s)
	}
	files = append(files, "third_party/cmsis_nn/Source/X/arm_a_s8.c", "third_party/cmsis_nn/Source/X/arm_b_f32.c")
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := OpenTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestUnits(t *testing.T) {
	tr := fakeTree(t)
	m4, _ := targets.Get("cortex-m4")
	rv, _ := targets.Get("rv32imc")
	host, _ := targets.Get("host")
	has := func(us []unit, p string) bool {
		return slices.ContainsFunc(us, func(u unit) bool { return u.path == p })
	}
	us, err := tr.units(m4, CMSISNN, []string{"CONV_2D"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"tflite-micro/" + micro + "cortex_m_generic/debug_log.cc", "tflite-micro/" + micro + "kernels/cmsis_nn/conv.cc",
		"tflite-micro/" + micro + "kernels/conv_common.cc", "third_party/cmsis_nn/Source/X/arm_a_s8.c"} {
		if !has(us, p) {
			t.Errorf("cortex-m4 cmsis-nn units lack %s", p)
		}
	}
	for _, p := range []string{"tflite-micro/" + micro + "debug_log.cc", "tflite-micro/" + micro + "kernels/conv.cc", "third_party/cmsis_nn/Source/X/arm_b_f32.c"} {
		if has(us, p) {
			t.Errorf("cortex-m4 cmsis-nn units have %s", p)
		}
	}
	us, _ = tr.units(rv, Reference, []string{"CONV_2D"})
	if !has(us, "tflite-micro/"+micro+"riscv32_generic/debug_log.cc") || !has(us, "tflite-micro/"+micro+"kernels/conv.cc") {
		t.Errorf("rv32imc units: %v", us)
	}
	us, _ = tr.units(host, Reference, []string{"CONV_2D"})
	if !has(us, "tflite-micro/"+micro+"debug_log.cc") {
		t.Errorf("host units lack the generic debug_log.cc")
	}
	if _, err := tr.units(host, Reference, []string{"FULLY_CONNECTED"}); err == nil || !strings.Contains(err.Error(), "fully_connected") {
		t.Errorf("missing kernel file: error %v", err)
	}
}

func TestOpenTreeErrors(t *testing.T) {
	if _, err := OpenTree(""); err == nil || !strings.Contains(err.Error(), EnvVar) {
		t.Errorf("empty folder: %v", err)
	}
	if _, err := OpenTree(t.TempDir()); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("empty folder: %v", err)
	}
	tr := fakeTree(t)
	again, err := OpenTree(tr.Dir)
	if err != nil || again.Stamp != tr.Stamp {
		t.Errorf("stamp not stable: %v", err)
	}
	if err := os.WriteFile(filepath.Join(tr.Dir, "third_party", "new.h"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if changed, _ := OpenTree(tr.Dir); changed.Stamp == tr.Stamp {
		t.Errorf("adding a file does not change the stamp")
	}
}

func TestTargetFlags(t *testing.T) {
	m4, _ := targets.Get("cortex-m4")
	rv, _ := targets.Get("rv32imc")
	c := targetFlags(m4, CMSISNN, false)
	if slices.Contains(c, "-fno-rtti") || !slices.Contains(c, "-DCMSIS_NN") || !slices.Contains(c, "-DTF_LITE_STRIP_ERROR_STRINGS") {
		t.Errorf("cortex-m4 C flags: %v", c)
	}
	if rc := targetFlags(rv, CMSISNN, false); !slices.Contains(rc, "-DCMSIS_NN") || !slices.Contains(rc, "-DARM_NN_ENABLE_F32=0") {
		t.Errorf("rv32imc CMSIS-NN C flags: %v", rc)
	}
	if slices.Contains(targetFlags(rv, Reference, true), "-DCMSIS_NN") {
		t.Errorf("rv32imc reference flags define CMSIS_NN")
	}
	cxx := targetFlags(rv, Reference, true)
	for _, f := range []string{"-fno-exceptions", "-DTF_LITE_STATIC_MEMORY", "-fno-use-cxa-atexit", "-mexplicit-relocs", "-march=rv32imc_zicsr"} {
		if !slices.Contains(cxx, f) {
			t.Errorf("rv32imc C++ flags lack %s: %v", f, cxx)
		}
	}
	if optFlag(framework) != "-Os" || optFlag(kernel) != "-O2" {
		t.Errorf("optimisation levels")
	}
	if cxxCompiler("arm-none-eabi-gcc") != "arm-none-eabi-g++" || archiver("riscv64-unknown-elf-gcc") != "riscv64-unknown-elf-ar" || archiver("gcc") != "ar" {
		t.Errorf("tool names")
	}
}

const sampleMap = `Archive member included to satisfy reference by file (symbol)

Discarded input sections

 .text.unused   0x00000000       0x40 /x/libtflm_kernels.a(k.o)

Memory Configuration

Linker script and memory map

.text           0x00000000     0x1000
 .text          0x00000000       0x10 obj/tg_startup.o
 .text._ZN6tflite16MicroInterpreter6InvokeEv
                0x00000010      0x200 libtflm_framework.a(abc.o)
                0x00000010                tflite::MicroInterpreter::Invoke()
 .text.conv     0x00000210      0x300 libtflm_kernels.a(def.o)
 *fill*         0x00000510        0x4 
 .rodata.k      0x00000514       0x20 libtflm_kernels.a(def.o)
.bss            0x20000000      0x100
 .bss.x         0x20000000       0x80 libtflm_framework.a(abc.o)
 COMMON         0x20000080       0x10 libtflm_kernels.a(def.o)
`

func TestMapSplit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fw.map")
	if err := os.WriteFile(p, []byte(sampleMap), 0o644); err != nil {
		t.Fatal(err)
	}
	rt, k, err := mapSplit(p)
	if err != nil {
		t.Fatal(err)
	}
	if rt != 0x200 || k != 0x320 {
		t.Errorf("runtime %#x kernels %#x, want 0x200 and 0x320", rt, k)
	}
}

func FuzzMapSplit(f *testing.F) {
	f.Add([]byte(sampleMap))
	f.Add([]byte("Linker script and memory map\n .text\n"))
	f.Add([]byte("Linker script and memory map\n .a 0x1 0xzz libtflm_kernels.a(x)\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "fw.map")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rt, k, _ := mapSplit(p)
		if rt < 0 || k < 0 {
			t.Errorf("negative sums %d %d", rt, k)
		}
	})
}

func TestFirmwareFiles(t *testing.T) {
	fw := &Firmware{Model: []byte("TFL3model"), Ops: []string{"CONV_2D", "SOFTMAX", "CONV_2D"}, ArenaBytes: 4096,
		OutputTypes: []string{"int8"}, Vectors: []Vector{
			{Inputs: [][]byte{{1, 2, 3}}, Outputs: [][]byte{{4}}},
			{Inputs: [][]byte{{5, 6, 7}}, Outputs: [][]byte{{8}}},
		}}
	files, err := fw.Files()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, f := range files {
		byName[f.Name] = string(f.Data)
	}
	main := byName[MainFile]
	for _, want := range []string{"MicroMutableOpResolver<2>", "r.AddConv2D()", "r.AddSoftmax()", "kNumVectors = 2",
		"{0u, 3u}", "{16u, 1u}", "{32u, 3u}", "{48u, 1u}", "alignas(16) uint8_t tflm_arena[4096]", "tg_bench_begin();"} {
		if !strings.Contains(main, want) {
			t.Errorf("%s lacks %q", MainFile, want)
		}
	}
	if strings.Contains(main, "recording_micro_interpreter") {
		t.Errorf("%s uses the recording interpreter without ArenaHead", MainFile)
	}
	if byName[ModelFile] != "TFL3model" || len(byName[VectorsFile]) != 64 {
		t.Errorf("model %q, vectors %d bytes", byName[ModelFile], len(byName[VectorsFile]))
	}
	if d := byName[DataFile]; !strings.Contains(d, `.incbin "model.tflite"`) || !strings.Contains(d, ".section .testdata") {
		t.Errorf("%s:\n%s", DataFile, d)
	}
	again, _ := fw.Files()
	for i := range files {
		if string(again[i].Data) != string(files[i].Data) {
			t.Errorf("%s differs between two generations", files[i].Name)
		}
	}
	fw.ArenaHead = true
	files, _ = fw.Files()
	if !strings.Contains(string(files[0].Data), "GetNonPersistentUsedBytes") {
		t.Errorf("ArenaHead does not read the non-persistent size")
	}

	bad := []struct {
		name    string
		edit    func(f *Firmware)
		wantErr string
	}{
		{"unknown op", func(f *Firmware) { f.Ops = []string{"LSTM"} }, "operator LSTM"},
		{"no vectors", func(f *Firmware) { f.Vectors = nil }, "at least one test vector"},
		{"types", func(f *Firmware) { f.OutputTypes = nil }, "output types"},
		{"ragged", func(f *Firmware) { f.Vectors[1].Inputs = nil }, "vector 1"},
		{"partial element", func(f *Firmware) { f.OutputTypes = []string{"int32"} }, "whole number"},
	}
	for _, tt := range bad {
		f := *fw
		f.Vectors = []Vector{{Inputs: [][]byte{{1}}, Outputs: [][]byte{{1}}}, {Inputs: [][]byte{{1}}, Outputs: [][]byte{{1}}}}
		tt.edit(&f)
		if _, err := f.Files(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestPickStringMembers(t *testing.T) {
	full := []string{"lib_a-abs.o", "lib_a-aeabi_memcpy.o", "lib_a-aeabi_memcpy-armv7a.o", "lib_a-memcpy-stub.o",
		"lib_a-memcpy.o", "lib_a-memcpy_chk.o", "lib_a-memmove.o", "lib_a-memset.o", "lib_a-wmemset.o", ""}
	for _, tc := range []struct {
		name  string
		names []string
		want  []string
		err   string
	}{
		{"debian newlib-nano", full, []string{"lib_a-aeabi_memcpy.o", "lib_a-memcpy.o", "lib_a-memmove.o", "lib_a-memset.o"}, ""},
		{"duplicates kept once", append(full, "lib_a-memset.o"), []string{"lib_a-aeabi_memcpy.o", "lib_a-memcpy.o", "lib_a-memmove.o", "lib_a-memset.o"}, ""},
		{"no aeabi member", []string{"lib_a-memset.o", "lib_a-memmove.o", " lib_a-memcpy.o "}, []string{"lib_a-memcpy.o", "lib_a-memmove.o", "lib_a-memset.o"}, ""},
		{"missing memmove", []string{"lib_a-memcpy.o", "lib_a-memset.o"}, nil, "no member lib_a-memmove.o"},
		{"not newlib", []string{"memcpy.c.o", "memset.c.o"}, nil, "no member lib_a-memcpy.o"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pickStringMembers("/x/libc_nano.a", tc.names)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "/x/libc_nano.a") {
					t.Fatalf("error %v, want one naming the archive and %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestNeedsNewlibStrings(t *testing.T) {
	for name, want := range map[string]bool{"cortex-m4": true, "cortex-m3": true, "cortex-m55": true, "rv32imc": false, "host": false} {
		tg, err := targets.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := needsNewlibStrings(tg); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

func TestFirmwareProfile(t *testing.T) {
	fw := &Firmware{Model: []byte("TFL3model"), Ops: []string{"CONV_2D", "RESHAPE", "CONV_2D"}, ArenaBytes: 4096,
		OutputTypes: []string{"int8"}, Vectors: []Vector{{Inputs: [][]byte{{1}}, Outputs: [][]byte{{4}}}}}
	plain, err := fw.Files()
	if err != nil {
		t.Fatal(err)
	}
	if m := string(plain[0].Data); strings.Contains(m, "tg_bench_step") || strings.Contains(m, "TG_TFLM_PROFILE 1") {
		t.Errorf("an unprofiled firmware marks steps")
	}
	fw.Profile = true
	fw.MACs = []int64{100, 0, 7}
	fw.kernels = []opKernel{{"cmsis_nn/conv.cc", setCMSISNN}, {"reshape.cc", setReference}, {"cmsis_nn/conv.cc", setCMSISNN}}
	files, err := fw.Files()
	if err != nil {
		t.Fatal(err)
	}
	main := string(files[0].Data)
	for _, want := range []string{
		"#define TG_TFLM_PROFILE 1",
		`extern "C" TG_STEP_MARKER void tg_bench_step(void)`,
		"constexpr int kNumRegistrations = 2;",
		"{StepInvoke<0>, StepInvoke<1>}",
		"class Resolver : public BaseResolver",
		"using BaseResolver = tflite::MicroMutableOpResolver<2>;",
		`kOpName[kNumOpCodes] = {"CONV_2D", "RESHAPE", "CONV_2D"}`,
		`kOpKernel[kNumOpCodes] = {"cmsis_nn/conv.cc", "reshape.cc", "cmsis_nn/conv.cc"}`,
		`kOpSet[kNumOpCodes] = {"cmsis-nn", "tflm-ref", "cmsis-nn"}`,
		"kMacs[] = {100u, 0u, 7u}",
		"    PrintSteps(model);\n#endif\n    Puts(\"TINYGEN-RESULT\");",
	} {
		if !strings.Contains(main, want) {
			t.Errorf("profiled %s lacks %q", MainFile, want)
		}
	}
	// Without MACs or kernels: no macs= values, the reference kernels.
	fw.MACs, fw.kernels = nil, nil
	files, _ = fw.Files()
	main = string(files[0].Data)
	for _, want := range []string{"kNumMacs = 0;", "kMacs[] = {0};", `kOpKernel[kNumOpCodes] = {"conv.cc", "reshape.cc", "conv.cc"}`} {
		if !strings.Contains(main, want) {
			t.Errorf("profiled %s without MACs lacks %q", MainFile, want)
		}
	}
}

func TestOpKernels(t *testing.T) {
	dir := t.TempDir()
	cmsis := filepath.Join(dir, "tflite-micro", micro, "kernels", "cmsis_nn")
	if err := os.MkdirAll(cmsis, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cmsis, "conv.cc"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tr := &Tree{Dir: dir}
	ops := []string{"CONV_2D", "RESHAPE"}
	for _, tc := range []struct {
		target string
		v      Variant
		want   []opKernel
	}{
		{"cortex-m4", Reference, []opKernel{{"conv.cc", setReference}, {"reshape.cc", setReference}}},
		{"cortex-m4", CMSISNN, []opKernel{{"cmsis_nn/conv.cc", setCMSISNN}, {"reshape.cc", setReference}}},
		{"cortex-m3", CMSISNN, []opKernel{{"cmsis_nn/conv.cc", setCMSISNNC}, {"reshape.cc", setReference}}},
		{"rv32imc", CMSISNN, []opKernel{{"cmsis_nn/conv.cc", setCMSISNNC}, {"reshape.cc", setReference}}},
	} {
		tg, err := targets.Get(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		if got := tr.opKernels(tg, tc.v, ops); !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: %v, want %v", tc.target, tc.v, got, tc.want)
		}
	}
}

func TestStepText(t *testing.T) {
	for in, want := range map[string]string{"CONV_2D": "CONV_2D", `a"b\c`: "a_b_c", "x y|z,w": "x_y_z_w",
		strings.Repeat("A", 70): strings.Repeat("A", 64)} {
		if got := stepText(in); got != want {
			t.Errorf("stepText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewlibStringsMissing(t *testing.T) {
	echo, err := exec.LookPath("echo")
	if err != nil {
		t.Skip("no echo")
	}
	m4, err := targets.Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	// echo answers -print-file-name with its arguments: not a file, as a
	// compiler without newlib-nano answers with the bare name.
	_, err = newlibStrings(context.Background(), t.TempDir(), echo, "ar", m4, func(string, ...string) {})
	if err == nil || !strings.Contains(err.Error(), newlibPackage) || !strings.Contains(err.Error(), "cortex-m4") {
		t.Fatalf("error %v, want one naming the target and %s", err, newlibPackage)
	}
}
