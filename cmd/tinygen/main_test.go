package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tinygen/tinygen/internal/shared"
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
