// params_section_test.go: Options.ParamsSection puts TG_PARAMS_SECTION
// before every parameter struct (and nothing else changes); without it the
// output has none, and the section macro is empty by default.

package c_test

import (
	"bytes"
	"strings"
	"testing"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/internal/testmodels"
)

func TestParamsSection(t *testing.T) {
	m, _ := testmodels.Get("kws_tiny")
	for _, tc := range []struct {
		name    string
		section bool
	}{{"off", false}, {"on", true}} {
		t.Run(tc.name, func(t *testing.T) {
			files := generate(t, m.Graph(), cgen.Options{ParamsSection: tc.section})
			plain := generate(t, m.Graph(), cgen.Options{})
			var model, plainModel []byte
			for i, f := range files {
				if f.Name == "kws_tiny.c" {
					model, plainModel = f.Data, plain[i].Data
				}
			}
			structs := strings.Count(string(model), "_params = {")
			tagged := strings.Count(string(model), "static const TG_PARAMS_SECTION ")
			if structs == 0 {
				t.Fatal("kws_tiny.c has no parameter structs")
			}
			want := 0
			if tc.section {
				want = structs
			}
			if tagged != want {
				t.Errorf("%d of %d parameter structs in TG_PARAMS_SECTION, want %d", tagged, structs, want)
			}
			// Apart from the macro, the file is the same.
			if got := bytes.ReplaceAll(model, []byte("TG_PARAMS_SECTION "), nil); !bytes.Equal(got, plainModel) {
				t.Error("ParamsSection changed more than the parameter structs' declarations")
			}
			if tc.section {
				dir := t.TempDir()
				writeAll(t, dir, files)
				compileEverywhere(t, dir)
			}
		})
	}
}
