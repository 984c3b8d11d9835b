// Package shared locates the third-party models, golden vectors and
// baselines that tinygen's tests and default benchmark read but never copy
// into the repository. The folder is $TINYGEN_SHARED, or "shared" beside the
// repository root. The test helpers (skip when missing) are in
// internal/shared/sharedtest, so that testing stays out of the binary.
package shared

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvVar names the environment variable that points at the shared folder.
const EnvVar = "TINYGEN_SHARED"

// Dir returns the shared folder: $TINYGEN_SHARED if set, else ../shared
// relative to the root of the module that contains the working directory.
// It fails if the folder does not exist.
func Dir() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return "", fmt.Errorf("%s=%s is not a folder", EnvVar, d)
		}
		return filepath.Abs(d)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	d := filepath.Join(filepath.Dir(root), "shared")
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		return "", fmt.Errorf("no shared folder at %s (set %s)", d, EnvVar)
	}
	return d, nil
}

// RepoRoot walks up from the working directory to the folder holding go.mod.
func RepoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("go.mod not found above the working directory")
		}
		d = parent
	}
}

// Path joins elements onto the shared folder.
func Path(elem ...string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{d}, elem...)...), nil
}
