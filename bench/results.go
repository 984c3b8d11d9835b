// results.go creates the results folder of one bench invocation,
// exclusively, so that two invocations never share one.
package bench

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// DefaultResultsRoot holds the results folders made when no --results is
// given.
const DefaultResultsRoot = "bench-results"

// ClaimFile marks an explicit results folder as taken by one invocation.
const ClaimFile = ".tinygen-bench"

// maxResultsSuffix bounds the search for a free folder name.
const maxResultsSuffix = 10000

// CreateResultsDir creates the folder for one invocation's artefacts and
// returns its path. With explicit empty, it is root/<date-time> made with
// os.Mkdir (which fails if the folder exists), or root/<date-time>-2, -3, …
// when another invocation took that name in the same second. An explicit
// folder is created if missing; an existing one must be empty, and is
// claimed by creating a marker file exclusively; a folder that is not
// empty (earlier results, or another invocation's) is refused.
func CreateResultsDir(explicit, root string, now time.Time) (string, error) {
	if explicit != "" {
		return claimResultsDir(explicit)
	}
	if root == "" {
		root = DefaultResultsRoot
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("results folder: %w", err)
	}
	base := filepath.Join(root, now.Format("20060102-150405"))
	for n := 1; n <= maxResultsSuffix; n++ {
		dir := base
		if n > 1 {
			dir = fmt.Sprintf("%s-%d", base, n)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("results folder: %w", err)
		}
	}
	return "", fmt.Errorf("results folder: %s-2 … -%d all exist", base, maxResultsSuffix)
}

// claimResultsDir creates dir, or takes an existing empty dir by creating
// its claim file with O_EXCL.
func claimResultsDir(dir string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("results folder %s: %w", dir, err)
	}
	err := os.Mkdir(dir, 0o755)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("results folder %s: %w", dir, err)
	}
	if err != nil {
		ents, rerr := os.ReadDir(dir)
		if rerr != nil {
			return "", fmt.Errorf("results folder %s: %w", dir, rerr)
		}
		if len(ents) > 0 {
			return "", fmt.Errorf("results folder %s exists and is not empty: give a new or empty folder, or leave --results out for a fresh one", dir)
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, ClaimFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("results folder %s is in use by another tinygen bench", dir)
		}
		return "", fmt.Errorf("results folder %s: %w", dir, err)
	}
	fmt.Fprintf(f, "tinygen bench pid %d\n", os.Getpid())
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("results folder %s: %w", dir, err)
	}
	return dir, nil
}
