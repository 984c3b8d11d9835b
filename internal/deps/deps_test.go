// Package deps holds the test that enforces the package import rules of
// docs/architecture.md: every package of the module may import only the
// module packages and third-party modules listed for it here.
package deps

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/tinygen/tinygen"

// allowed lists, per package (relative to the module), the module packages
// and third-party import paths it may use. A key ending in "/..." covers
// the folder and everything below it. The standard library is always
// allowed.
//
// Emitters (codegen/c) read the Program and nothing else: no plan, no
// kernels (their lowering), no passes.
var allowed = map[string][]string{
	"cmd/tinygen":                      {"driver", "bench", "targets", "github.com/spf13/cobra", "github.com/google/shlex"},
	"driver":                           {"ir", "quant", "eval", "frontends/tflite", "internal/tensorio", "plan", "codegen/c", "kernels", "bench", "internal/golden", "internal/shared", "internal/testmodels", "internal/toolchain", "project", "targets", "planviz", "internal/outdir", "internal/readfile", "internal/ctext", "passes", "program", "frontends/onnx", "internal/hostcc", "tflm", "codegen/blob", "runtime-c"},
	"kernels":                          {"ir", "quant", "program"},
	"program":                          {"ir", "internal/genfile"},
	"passes":                           {"ir", "eval", "kernels", "plan", "program", "targets", "internal/ctext"},
	"internal/ctext":                   {},
	"plan":                             {"ir"},
	"codegen/c":                        {"ir", "program", "internal/ctext", "internal/genfile"},
	"codegen/blob":                     {"ir", "program", "internal/ctext", "internal/genfile", "runtime-c"},
	"runtime-c":                        {"internal/genfile"},
	"internal/hostcc":                  {},
	"ir":                               {},
	"quant":                            {"ir"},
	"eval":                             {"ir", "quant"},
	"frontends/tflite":                 {"ir", "quant", "frontends/tflite/internal/schema", "github.com/google/flatbuffers/go"},
	"frontends/tflite/internal/schema": {"github.com/google/flatbuffers/go"},
	"frontends/onnx":                   {"ir", "frontends/onnx/internal/onnxpb", "google.golang.org/protobuf/proto", "google.golang.org/protobuf/reflect/protoreflect"},
	"frontends/onnx/internal/onnxpb":   {"google.golang.org/protobuf/reflect/protoreflect", "google.golang.org/protobuf/runtime/protoimpl"},
	"frontends/onnx/onnxbuild":         {"frontends/onnx/internal/onnxpb", "google.golang.org/protobuf/proto"},
	"frontends/onnx/internal/lazypb":   {}, // a go generate tool, not linked into tinygen
	"internal/testmodels":              {"ir", "frontends/tflite"},
	"internal/hostile":                 {"ir", "frontends/tflite", "internal/testmodels", "frontends/onnx/onnxbuild"},
	"internal/shared":                  {},
	"internal/shared/sharedtest":       {"internal/shared"},
	"internal/golden":                  {},
	"internal/conformance":             {"internal/golden"},
	"internal/tensorio":                {"ir", "internal/readfile"},
	"internal/deps":                    {},
	"internal/readfile":                {},
	"internal/qemuplugin":              {},
	"internal/genfile":                 {},
	"internal/outdir":                  {"internal/genfile"},
	"bench":                            {"targets", "project", "internal/toolchain", "internal/qemuplugin", "internal/outdir", "internal/readfile", "go.bug.st/serial"},
	"project":                          {"targets", "kernels", "internal/ctext", "internal/genfile"},
	"planviz":                          {"golang.org/x/image/font", "golang.org/x/image/font/basicfont", "golang.org/x/image/math/fixed"},
	"internal/toolchain":               {},
	"targets":                          {"internal/genfile"},
	"tflm":                             {"bench", "targets", "frontends/tflite", "internal/genfile", "internal/outdir", "internal/toolchain"},
	"kernels/kerneltest":               {"kernels", "passes", "codegen/c", "eval", "ir", "quant", "program", "targets", "internal/ctext", "internal/hostcc", "internal/golden", "internal/shared/sharedtest", "internal/testmodels"}, // test-support: imports testing

	// A go generate tool, not linked into tinygen.
	"frontends/tflite/internal/lazyenums": {},
}

// testAllowed lists, per package, what its tests (in-package and external)
// may import beyond allowed: test helpers (internal/shared/sharedtest,
// internal/hostcc, internal/testmodels), and packages above it for
// end-to-end tests (bench's tests drive driver). Production code keeps the
// stricter rules of allowed.
var testAllowed = map[string][]string{
	"bench":                {"driver", "internal/shared/sharedtest"},
	"cmd/tinygen":          {"github.com/rogpeppe/go-internal/testscript", "frontends/tflite", "internal/hostcc", "internal/hostile", "internal/shared", "internal/shared/sharedtest", "internal/testmodels", "ir"},
	"codegen/c":            {"eval", "internal/golden", "internal/hostcc", "internal/hostile", "internal/shared/sharedtest", "internal/testmodels", "passes", "kernels", "targets"},
	"passes":               {"internal/testmodels", "internal/shared/sharedtest", "frontends/tflite", "github.com/rogpeppe/go-internal/txtar"},
	"driver":               {"internal/hostile", "internal/shared/sharedtest", "frontends/onnx/onnxbuild"},
	"frontends/tflite":     {"internal/shared", "internal/shared/sharedtest", "internal/testmodels"},
	"frontends/onnx":       {"eval", "internal/shared", "internal/shared/sharedtest", "google.golang.org/protobuf/proto", "frontends/onnx/onnxbuild"},
	"internal/conformance": {"driver", "eval", "internal/hostcc", "internal/shared/sharedtest", "ir", "quant", "codegen/blob", "runtime-c", "kernels"}, // kernels: the sets to build runtimes for
	"internal/qemuplugin":  {"internal/hostcc"},
	"internal/tensorio":    {"github.com/sbinet/npyio"},
	"kernels":              {"internal/shared/sharedtest", "internal/testmodels", "driver", "bench"}, // driver, bench: armv7em on QEMU
	"kernels/kerneltest":   {"plan"},
	"runtime-c":            {"codegen/blob", "driver", "frontends/tflite", "internal/golden", "internal/hostcc", "internal/shared", "internal/shared/sharedtest", "internal/testmodels", "ir", "kernels"},
	"codegen/blob":         {"kernels", "passes", "targets", "internal/testmodels", "frontends/tflite", "internal/hostcc", "internal/shared/sharedtest"},
	"plan":                 {"frontends/tflite", "internal/shared/sharedtest", "internal/testmodels"},
	"tflm":                 {"driver", "internal/golden", "internal/shared/sharedtest"},
}

type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Standard     bool
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-e", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		rules, ok := allowed[rel]
		if !ok {
			if strings.Contains(rel, "/internal/scratch") {
				continue
			}
			t.Errorf("package %s has no entry in the import rules; add one (docs/architecture.md)", rel)
			continue
		}
		testRules := append(append([]string{}, rules...), testAllowed[rel]...)
		for _, set := range []struct {
			what    string
			imports []string
			rules   []string
		}{{"", p.Imports, rules}, {"'s tests", p.TestImports, testRules}, {"'s external tests", p.XTestImports, testRules}} {
			for _, imp := range set.imports {
				if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") || imp == p.ImportPath {
					continue // standard library, or an external test importing its package
				}
				if !permitted(imp, set.rules) {
					t.Errorf("%s%s import %s, which the rules do not allow", rel, set.what, imp)
				}
			}
		}
	}
}

func permitted(imp string, rules []string) bool {
	for _, r := range rules {
		full := r
		if !strings.Contains(strings.SplitN(r, "/", 2)[0], ".") {
			full = module + "/" + r
		}
		if imp == full || strings.HasPrefix(imp, full+"/") {
			return true
		}
	}
	return false
}

// TestBinaryHasNoTesting checks that the tinygen command does not link the
// testing package (test helpers belong in test-only packages such as
// internal/shared/sharedtest): testing registers flags and costs start-up
// time in every run of the binary.
func TestBinaryHasNoTesting(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", module+"/cmd/tinygen").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "testing" || strings.HasPrefix(p, "testing/") {
			t.Errorf("cmd/tinygen links %s; move the code that needs it into a test-only package", p)
		}
	}
}
