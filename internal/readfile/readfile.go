// Package readfile reads files named by the user (models, input tensors,
// baseline tables, firmware) with the guarantees of docs/security.md: only
// regular files are read, opening never blocks (a named pipe without a
// writer, a terminal), and no more than a stated number of bytes is ever
// read, even from a file that grows while it is read. It uses only the
// standard library.
package readfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Open opens path for reading without blocking (O_NONBLOCK, so a named
// pipe with no writer does not hang the open), checks the opened file with
// fstat and refuses anything but a regular file: "PATH: is a folder, not a
// WHAT file" or "PATH: not a regular file (a named pipe)". what names the
// kind of file for the message ("model", "input"). The caller closes the
// file.
func Open(path, what string) (*os.File, error) {
	// Stat first, so that a device or pipe is refused without being
	// opened at all; fstat after the open closes the race with a file
	// replaced in between.
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := check(path, what, st); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, err
	}
	if err := check(path, what, st); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// check refuses a folder or anything else that is not a regular file.
func check(path, what string, st fs.FileInfo) error {
	if st.IsDir() {
		return fmt.Errorf("%s: is a folder, not a %s file", path, what)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file (%s)", path, Kind(st.Mode()))
	}
	return nil
}

// Kind describes a file mode that is not a regular file, for messages:
// "a named pipe", "a character device", "a block device", "a socket", ...
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	case m.IsRegular():
		return "a regular file"
	}
	return "a special file"
}

// Read reads the regular file path (see Open) and returns its bytes, or
// an error when it holds more than limit bytes: "PATH: larger than the
// LIMIT-byte limit for a WHAT file". The limit is enforced while reading
// (at most limit+1 bytes are read), not only from the size fstat reported,
// since the file may grow in between.
func Read(path, what string, limit int64) ([]byte, error) {
	f, err := Open(path, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadFrom(f, path, what, limit)
}

// ReadFrom reads all of an opened file f named path, at most limit bytes,
// with Read's errors.
func ReadFrom(f *os.File, path, what string, limit int64) ([]byte, error) {
	if st, err := f.Stat(); err == nil && st.Size() > limit {
		return nil, tooLarge(path, what, limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(path, what, limit)
	}
	return data, nil
}

func tooLarge(path, what string, limit int64) error {
	return fmt.Errorf("%s: larger than the %d-byte limit for a %s file", path, limit, what)
}
