// Package sharedtest holds the test helpers around package shared: find
// the shared folder or an external tool, or skip (fail under CI=true). It
// imports testing, so only tests may import it; keeping it apart from
// package shared keeps testing out of the tinygen binary
// (internal/deps.TestBinaryHasNoTesting).
package sharedtest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/tinygen/tinygen/internal/shared"
)

// Require returns the shared folder for a test. Where it is missing the
// test is skipped with the reason, except under CI=true, where the folder is
// part of the set-up and its absence fails the test.
func Require(tb testing.TB) string {
	tb.Helper()
	d, err := shared.Dir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("shared folder required under CI: %v", err)
		}
		tb.Skipf("shared folder not available: %v", err)
	}
	return d
}

// RequireTool returns the path of an external program a test needs. Where
// it is missing the test is skipped naming the Debian package to install,
// except under CI=true, where .ci/run installs it and its absence fails.
func RequireTool(tb testing.TB, name, debianPackage string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := fmt.Sprintf("%s not found: install the Debian package %s", name, debianPackage)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return p
}
