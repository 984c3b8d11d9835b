//go:build !unix

// Opening a file without following a symbolic link where the platform
// has no O_NOFOLLOW.

package outdir

import (
	"fmt"
	"os"
)

// openNoFollow checks with Lstat that path is a regular file and opens it;
// openRegular checks the opened file again.
func openNoFollow(path string) (*os.File, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return os.Open(path)
}
