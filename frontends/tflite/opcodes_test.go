// Tests of OperatorCodes: the synthetic models' tables, and a fuzz
// target (it reads untrusted model files for the TFLM bench backend).
package tflite_test

import (
	"strings"
	"testing"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/testmodels"
)

func TestOperatorCodes(t *testing.T) {
	for _, name := range testmodels.Names() {
		tm, _ := testmodels.Get(name)
		g := tm.Graph()
		data, err := tflite.Encode(g)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		codes, err := tflite.OperatorCodes(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(codes) == 0 && len(g.Ops) > 0 {
			t.Errorf("%s: no operator codes for %d ops", name, len(g.Ops))
		}
		for _, c := range codes {
			if c.Builtin == "" || c.Custom != "" {
				t.Errorf("%s: code %+v", name, c)
			}
		}
	}
	if _, err := tflite.OperatorCodes([]byte("not a model")); err == nil {
		t.Errorf("garbage: no error")
	}
}

// FuzzOperatorCodes: OperatorCodes never panics (a recovered panic is an
// "internal error", which fails the target).
func FuzzOperatorCodes(f *testing.F) {
	for _, name := range testmodels.Names() {
		tm, _ := testmodels.Get(name)
		if data, err := tflite.Encode(tm.Graph()); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("TFL3"))
	f.Fuzz(func(t *testing.T, data []byte) {
		codes, err := tflite.OperatorCodes(data)
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatal(err)
			}
			return
		}
		for _, c := range codes {
			if c.Builtin == "" {
				t.Fatalf("empty builtin name in %+v", c)
			}
		}
	})
}
