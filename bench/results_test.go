// results_test.go: results folders are created exclusively.
package bench

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCreateResultsDirConcurrent(t *testing.T) {
	root := t.TempDir()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	const n = 16
	dirs := make([]string, n)
	var wg sync.WaitGroup
	for i := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := CreateResultsDir("", root, now)
			if err != nil {
				t.Error(err)
			}
			dirs[i] = d
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, d := range dirs {
		if seen[d] || !strings.HasPrefix(filepath.Base(d), "20250102-030405") {
			t.Errorf("folder %q repeated or misnamed (%v)", d, dirs)
		}
		seen[d] = true
	}
}

func TestCreateResultsDirExplicit(t *testing.T) {
	base := t.TempDir()
	full := filepath.Join(base, "full")
	if err := os.MkdirAll(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "report.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(base, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir, wantErr string
	}{
		{filepath.Join(base, "new", "sub"), ""},
		{empty, ""},
		{empty, "is not empty"}, // claimed by the line above
		{full, "exists and is not empty"},
	}
	for _, tc := range tests {
		got, err := CreateResultsDir(tc.dir, "", time.Now())
		switch {
		case tc.wantErr == "" && (err != nil || got != tc.dir):
			t.Errorf("%s: %q, %v", tc.dir, got, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: error %v, want %q", tc.dir, err, tc.wantErr)
		}
	}
}
