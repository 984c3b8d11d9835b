//go:build unix

// Opening a file without following a final symbolic link on Unix.

package outdir

import (
	"os"
	"syscall"
)

// openNoFollow opens path read-only with O_NOFOLLOW (a final symbolic
// link fails with ELOOP) and O_NONBLOCK (a FIFO does not block the open).
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}
