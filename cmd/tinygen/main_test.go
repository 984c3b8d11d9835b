package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/shared"
	"github.com/tinygen/tinygen/internal/testmodels"
	"github.com/tinygen/tinygen/ir"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tinygen": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scripts in testdata/script. $TESTDATA is the
// repository's testdata folder; $SHARED is the shared folder, and the
// condition [shared] tells whether it is there.
func TestScripts(t *testing.T) {
	testdata, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	sharedDir, sharedErr := shared.Dir()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds:                map[string]func(*testscript.TestScript, bool, []string){"mkmodel": mkmodel},
		Setup: func(env *testscript.Env) error {
			env.Setenv("TESTDATA", testdata)
			env.Setenv("SHARED", sharedDir)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "shared" {
				return sharedErr == nil, nil
			}
			return false, nil
		},
	})
}

// mkmodel NAME FILE [MUTATION] writes synthetic model NAME as .tflite to
// FILE, optionally damaged: "truncate" keeps the first half of the bytes,
// "hugeshape" gives the input a shape of 2^40 elements.
func mkmodel(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: mkmodel NAME FILE [truncate|hugeshape]")
	}
	m, ok := testmodels.Get(args[0])
	if !ok {
		ts.Fatalf("no synthetic model %q", args[0])
	}
	g := m.Graph()
	mutation := ""
	if len(args) == 3 {
		mutation = args[2]
	}
	if mutation == "hugeshape" {
		g.Inputs[0].Shape = ir.Shape{1 << 20, 1 << 20}
	}
	b, err := tflite.Encode(g)
	ts.Check(err)
	switch mutation {
	case "", "hugeshape":
	case "truncate":
		b = b[:len(b)/2]
	default:
		ts.Fatalf("unknown mutation %q", mutation)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o644))
}

// TestExitCodes checks the documented exit statuses: 0 success, 1 failure,
// 2 usage error.
func TestExitCodes(t *testing.T) {
	model := filepath.Join("..", "..", "testdata", "kws_tiny.tflite")
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"inspect", model}, 0},
		{[]string{"inspect", "--json", model}, 0},
		{[]string{"--version"}, 0},
		{[]string{"inspect"}, 2},
		{[]string{"inspect", model, model}, 2},
		{[]string{"inspect", "--bogus", model}, 2},
		{[]string{"frobnicate"}, 2},
		{[]string{"run", model}, 2},
		{[]string{"compile", model}, 2},
		{[]string{"compile", "-o", t.TempDir()}, 2},
		{[]string{"compile", model, "-o", t.TempDir()}, 0},
		{[]string{"compile", "does-not-exist.tflite", "-o", t.TempDir()}, 1},
		{[]string{"inspect", "does-not-exist.tflite"}, 1},
		{[]string{"run", model, "--input", "does-not-exist.bin", "--output", filepath.Join(t.TempDir(), "o.bin")}, 1},
	}
	for _, tc := range tests {
		var out, errOut strings.Builder
		if got := run(tc.args, &out, &errOut); got != tc.want {
			t.Errorf("tinygen %s: exit %d, want %d (stderr %q)", strings.Join(tc.args, " "), got, tc.want, errOut.String())
		}
	}
}
