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
var allowed = map[string][]string{
	"cmd/tinygen":                      {"driver", "bench", "targets", "github.com/spf13/cobra", "github.com/schollz/progressbar/v3"},
	"driver":                           {"ir", "quant", "eval", "frontends/tflite", "internal/tensorio", "plan", "codegen/c", "kernels", "bench", "internal/golden", "internal/shared", "internal/testmodels", "internal/toolchain", "project", "targets", "planviz", "internal/ctext"},
	"kernels":                          {"ir", "quant"},
	"plan":                             {"ir"},
	"codegen/c":                        {"ir", "quant", "kernels", "plan", "github.com/Masterminds/sprig/v3", "internal/ctext"},
	"internal/hostcc":                  {},
	"ir":                               {},
	"quant":                            {"ir"},
	"eval":                             {"ir", "quant"},
	"frontends/tflite":                 {"ir", "quant", "frontends/tflite/internal/schema", "github.com/google/flatbuffers/go"},
	"frontends/tflite/internal/schema": {"github.com/google/flatbuffers/go"},
	"internal/testmodels":              {"ir", "frontends/tflite"},
	"internal/hostile":                 {"ir", "frontends/tflite", "internal/testmodels"},
	"internal/shared":                  {},
	"internal/golden":                  {},
	"internal/conformance":             {"internal/golden"},
	"internal/tensorio":                {"ir"},
	"internal/deps":                    {},
	"internal/qemuplugin":              {},
	"bench":                            {"targets", "project", "internal/toolchain", "internal/qemuplugin"},
	"project":                          {"targets", "kernels", "internal/ctext"},
	"planviz":                          {"gonum.org/v1/plot", "gonum.org/v1/plot/...", "gonum.org/v1/gonum/..."},
	"internal/toolchain":               {},
	"targets":                          {},
	"internal/ctext":                   {},
}

type pkg struct {
	ImportPath string
	Imports    []string
	Standard   bool
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
		for _, imp := range p.Imports {
			if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				continue // standard library
			}
			if !permitted(imp, rules) {
				t.Errorf("%s imports %s, which the rules do not allow", rel, imp)
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
