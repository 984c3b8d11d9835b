// Tests of readfile: regular files only, never blocking, limits enforced.
package readfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.bin")
	if err := os.WriteFile(small, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, c := range []struct {
		name, path string
		limit      int64
		want       string // error text; empty: success
	}{
		{"regular", small, 5, ""},
		{"over-limit", small, 4, "small.bin: larger than the 4-byte limit for a model file"},
		{"folder", dir, 10, "is a folder, not a model file"},
		{"fifo", fifo, 10, "pipe: not a regular file (a named pipe)"},
		{"dev-zero", "/dev/zero", 10, "/dev/zero: not a regular file (a character device)"},
		{"dev-urandom", "/dev/urandom", 10, "/dev/urandom: not a regular file (a character device)"},
		{"missing", filepath.Join(dir, "nope"), 10, "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := os.Stat(c.path); err != nil && c.want == "" {
				t.Skip(err)
			}
			done := make(chan struct{})
			var data []byte
			var err error
			go func() {
				data, err = Read(c.path, "model", c.limit)
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Read blocked")
			}
			if c.want == "" {
				if err != nil || string(data) != "hello" {
					t.Fatalf("got %q, %v", data, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestReadFromEnforcesLimitWhileReading reads a stream whose size fstat
// does not know (a pipe, standing in for a file that grows after the
// check): the limit still holds and at most limit+1 bytes are read.
func TestReadFromEnforcesLimitWhileReading(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		defer w.Close()
		w.Write(make([]byte, 1000))
	}()
	_, err = ReadFrom(r, "growing.bin", "model", 100)
	if err == nil || !strings.Contains(err.Error(), "growing.bin: larger than the 100-byte limit for a model file") {
		t.Fatalf("error %v, want the limit", err)
	}
}
