// Tests of Write: links, collisions, the manifest, stale and user files.

package outdir

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// set returns files named by names, each holding its name and tag.
func set(tag string, names ...string) []File {
	var fs []File
	for _, n := range names {
		fs = append(fs, File{Name: n, Data: []byte(n + " " + tag + "\n"), Origin: "test"})
	}
	return fs
}

func readOr(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

// leftovers returns the temporary files left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWrite(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	tests := []struct {
		name string
		// setup prepares the output folder out (which does not exist yet)
		// and returns nothing; victim is a file outside out.
		setup   func(t *testing.T, out, victim string)
		files   []File
		opts    Options
		wantErr string // empty: success
		// check runs after Write.
		check func(t *testing.T, out, victim string, rep *Report)
	}{
		{
			name:  "fresh folder is created",
			files: set("v1", "m.h", "m.c"),
			check: func(t *testing.T, out, _ string, rep *Report) {
				if got := readOr(t, filepath.Join(out, "m.c")); got != "m.c v1\n" {
					t.Errorf("m.c = %q", got)
				}
				if len(rep.Written) != 2 || rep.Bytes != int64(len("m.h v1\nm.c v1\n")) {
					t.Errorf("report %+v", rep)
				}
				if !strings.Contains(readOr(t, filepath.Join(out, ManifestName)), "  m.c\n") {
					t.Error("manifest does not list m.c")
				}
			},
		},
		{
			name: "symlink to a file outside is refused",
			setup: func(t *testing.T, out, victim string) {
				mkdir(t, out)
				must(t, os.Symlink(victim, filepath.Join(out, "m.c")))
			},
			files:   set("v1", "m.h", "m.c"),
			opts:    Options{Force: true},
			wantErr: "m.c is a symbolic link",
			check:   noWrites,
		},
		{
			name: "dangling symlink is refused",
			setup: func(t *testing.T, out, victim string) {
				mkdir(t, out)
				must(t, os.Symlink(victim+".new", filepath.Join(out, "m.h")))
			},
			files:   set("v1", "m.h"),
			wantErr: "m.h is a symbolic link",
			check: func(t *testing.T, _, victim string, _ *Report) {
				if _, err := os.Lstat(victim + ".new"); err == nil {
					t.Error("the link's target was created")
				}
			},
		},
		{
			name: "folder with a generated name is refused",
			setup: func(t *testing.T, out, _ string) {
				mkdir(t, filepath.Join(out, "m.h"))
			},
			files:   set("v1", "m.h"),
			wantErr: "m.h is a folder",
		},
		{
			name: "symlinked manifest is refused",
			setup: func(t *testing.T, out, victim string) {
				mkdir(t, out)
				must(t, os.Symlink(victim, filepath.Join(out, ManifestName)))
			},
			files:   set("v1", "m.h"),
			wantErr: ManifestName + " is a symbolic link",
			check:   noWrites,
		},
		{
			name: "FIFO with a generated name is refused without hanging",
			setup: func(t *testing.T, out, _ string) {
				mkdir(t, out)
				mkfifo(t, filepath.Join(out, "m.h"))
			},
			files:   set("v1", "m.h"),
			wantErr: "m.h is a special file",
		},
		{
			name:    "collision",
			files:   append(set("v1", "tg_port.h"), File{Name: "tg_port.h", Data: []byte("x"), Origin: "the kernel library's"}),
			wantErr: "two generated files are named tg_port.h (test tg_port.h and the kernel library's tg_port.h)",
			check:   noFolder,
		},
		{
			name:    "case-insensitive collision",
			files:   set("v1", "Model.h", "model.h"),
			wantErr: "two generated files are named Model.h and model.h, the same name on case-insensitive file systems",
			check:   noFolder,
		},
		{name: "path separator", files: set("v1", "../m.h"), wantErr: "contains a path separator", check: noFolder},
		{name: "dot-dot", files: set("v1", ".."), wantErr: "starts with a dot", check: noFolder},
		{name: "hidden", files: set("v1", ".bashrc"), wantErr: "starts with a dot", check: noFolder},
		{name: "manifest name", files: set("v1", ManifestName), wantErr: "starts with a dot", check: noFolder},
		{name: "unsafe character", files: set("v1", "m$(x).c"), wantErr: `contains '$'`, check: noFolder},
		{name: "empty name", files: set("v1", ""), wantErr: "empty file name", check: noFolder},
		{
			name: "user file is refused",
			setup: func(t *testing.T, out, _ string) {
				mkdir(t, out)
				write(t, filepath.Join(out, "m.c"), "my own code\n")
			},
			files:   set("v1", "m.h", "m.c"),
			wantErr: "m.c exists and was not written by tinygen (move it away, or use --force to replace it)",
			check: func(t *testing.T, out, _ string, _ *Report) {
				if got := readOr(t, filepath.Join(out, "m.c")); got != "my own code\n" {
					t.Errorf("user file changed to %q", got)
				}
				noWrites(t, out, "", nil)
			},
		},
		{
			name: "user file is replaced with Force and reported",
			setup: func(t *testing.T, out, _ string) {
				mkdir(t, out)
				write(t, filepath.Join(out, "m.c"), "my own code\n")
			},
			files: set("v1", "m.h", "m.c"),
			opts:  Options{Force: true},
			check: func(t *testing.T, out, _ string, rep *Report) {
				if got := readOr(t, filepath.Join(out, "m.c")); got != "m.c v1\n" {
					t.Errorf("m.c = %q", got)
				}
				if strings.Join(rep.Foreign, ",") != "m.c" {
					t.Errorf("Foreign = %v", rep.Foreign)
				}
			},
		},
		{
			name: "identical user file is not refused",
			setup: func(t *testing.T, out, _ string) {
				mkdir(t, out)
				write(t, filepath.Join(out, "m.c"), "m.c v1\n")
			},
			files: set("v1", "m.h", "m.c"),
			check: func(t *testing.T, _, _ string, rep *Report) {
				if len(rep.Foreign)+len(rep.Edited) != 0 {
					t.Errorf("report %+v", rep)
				}
			},
		},
		{
			name: "stale files of the last run are removed, edited ones kept, others untouched",
			setup: func(t *testing.T, out, _ string) {
				first(t, out, set("v0", "m.h", "old.c", "edited.c"))
				write(t, filepath.Join(out, "edited.c"), "my change\n")
				write(t, filepath.Join(out, "mine.c"), "mine\n")
			},
			files: set("v1", "m.h"),
			check: func(t *testing.T, out, _ string, rep *Report) {
				if _, err := os.Lstat(filepath.Join(out, "old.c")); err == nil {
					t.Error("stale old.c not removed")
				}
				if readOr(t, filepath.Join(out, "edited.c")) != "my change\n" || readOr(t, filepath.Join(out, "mine.c")) != "mine\n" {
					t.Error("a file tinygen did not write (or that was edited) changed")
				}
				if strings.Join(rep.Removed, ",") != "old.c" || strings.Join(rep.Kept, ",") != "edited.c" {
					t.Errorf("Removed %v, Kept %v", rep.Removed, rep.Kept)
				}
				if strings.Contains(readOr(t, filepath.Join(out, ManifestName)), "old.c") {
					t.Error("manifest still lists old.c")
				}
			},
		},
		{
			name: "edited generated file is replaced and reported",
			setup: func(t *testing.T, out, _ string) {
				first(t, out, set("v0", "m.h", "m.c"))
				write(t, filepath.Join(out, "m.c"), "hand edit\n")
			},
			files: set("v1", "m.h", "m.c"),
			check: func(t *testing.T, out, _ string, rep *Report) {
				if strings.Join(rep.Edited, ",") != "m.c" || len(rep.Foreign) != 0 {
					t.Errorf("report %+v", rep)
				}
			},
		},
		{
			name: "unchanged generated files are replaced silently",
			setup: func(t *testing.T, out, _ string) {
				first(t, out, set("v0", "m.h", "m.c"))
			},
			files: set("v1", "m.h", "m.c"),
			check: func(t *testing.T, out, _ string, rep *Report) {
				if len(rep.Edited)+len(rep.Foreign)+len(rep.Removed) != 0 || readOr(t, filepath.Join(out, "m.h")) != "m.h v1\n" {
					t.Errorf("report %+v", rep)
				}
			},
		},
		{
			name: "hostile manifest entries are never deleted through",
			setup: func(t *testing.T, out, victim string) {
				mkdir(t, out)
				mkdir(t, filepath.Join(out, "sub"))
				write(t, filepath.Join(out, "sub", "x"), "x\n")
				must(t, os.Symlink(victim, filepath.Join(out, "link")))
				sum := hashBytes([]byte("victim\n"))
				rel, _ := filepath.Rel(out, victim)
				write(t, filepath.Join(out, ManifestName), strings.Join([]string{
					sum + "  " + rel, sum + "  " + victim, sum + "  ../../victim", sum + "  sub/x", hashBytes([]byte("x\n")) + "  sub/x",
					sum + "  link", sum + "  sub", sum + "  .", sum + "  ..", "garbage",
				}, "\n")+"\n")
			},
			files: set("v1", "m.h"),
			check: func(t *testing.T, out, victim string, rep *Report) {
				if readOr(t, filepath.Join(out, "sub", "x")) != "x\n" {
					t.Error("sub/x removed")
				}
				if _, err := os.Lstat(filepath.Join(out, "link")); err != nil {
					t.Error("link removed")
				}
				if len(rep.Removed) != 0 || len(rep.Ignored) == 0 {
					t.Errorf("report %+v", rep)
				}
			},
		},
		{
			name: "symlinked output folder is followed",
			setup: func(t *testing.T, out, victim string) {
				real := filepath.Join(filepath.Dir(victim), "real")
				mkdir(t, real)
				must(t, os.Symlink(real, out))
			},
			files: set("v1", "m.h"),
			check: func(t *testing.T, out, victim string, _ *Report) {
				if readOr(t, filepath.Join(filepath.Dir(victim), "real", "m.h")) != "m.h v1\n" {
					t.Error("m.h not written into the linked folder")
				}
			},
		},
		{
			name:    "output folder is a file",
			setup:   func(t *testing.T, out, _ string) { write(t, out, "a file\n") },
			files:   set("v1", "m.h"),
			wantErr: "not a folder",
		},
		{
			name: "oversized manifest is refused",
			setup: func(t *testing.T, out, _ string) {
				mkdir(t, out)
				write(t, filepath.Join(out, ManifestName), strings.Repeat("#\n", MaxManifestSize))
			},
			files:   set("v1", "m.h"),
			wantErr: "manifest is larger than",
			check: func(t *testing.T, out, _ string, _ *Report) {
				if _, err := os.Lstat(filepath.Join(out, "m.h")); err == nil {
					t.Error("m.h written despite the refusal")
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			out := filepath.Join(base, "out")
			victim := filepath.Join(base, "victim")
			write(t, victim, "victim\n")
			if tc.setup != nil {
				tc.setup(t, out, victim)
			}
			rep, err := Write(out, tc.files, tc.opts)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Write: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("Write succeeded, want an error with %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("error %q does not contain %q", err, tc.wantErr)
			}
			if got := readOr(t, victim); got != "victim\n" {
				t.Errorf("file outside the folder changed to %q", got)
			}
			if st, err := os.Stat(out); err == nil && st.IsDir() {
				if l := leftovers(t, out); len(l) > 0 {
					t.Errorf("temporary files left: %v", l)
				}
			}
			if tc.check != nil {
				tc.check(t, out, victim, rep)
			}
		})
	}
}

// TestWriteAtomicCleansUp makes the final rename fail (the name is a
// folder) and checks that the temporary file is gone.
func TestWriteAtomicCleansUp(t *testing.T) {
	dir := t.TempDir()
	mkdir(t, filepath.Join(dir, "m.c"))
	write(t, filepath.Join(dir, "m.c", "keep"), "x")
	if err := writeAtomic(dir, "m.c", []byte("data")); err == nil {
		t.Fatal("rename over a non-empty folder succeeded")
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Fatalf("temporary files left: %v", l)
	}
}

// TestWriteTwice checks that a second identical run reports nothing.
func TestWriteTwice(t *testing.T) {
	out := filepath.Join(t.TempDir(), "a", "b")
	for i := 0; i < 2; i++ {
		rep, err := Write(out, set("v1", "m.h", "m.c"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Edited)+len(rep.Foreign)+len(rep.Removed)+len(rep.Kept)+len(rep.Ignored) != 0 {
			t.Fatalf("run %d: report %+v", i, rep)
		}
	}
	ents, _ := os.ReadDir(out)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if strings.Join(names, ",") != ManifestName+",m.c,m.h" {
		t.Fatalf("folder holds %v", names)
	}
}

func noWrites(t *testing.T, out, _ string, _ *Report) {
	t.Helper()
	for _, n := range []string{"m.h", ManifestName} {
		if st, err := os.Lstat(filepath.Join(out, n)); err == nil && st.Mode().IsRegular() {
			t.Errorf("%s written despite the refusal", n)
		}
	}
}

func noFolder(t *testing.T, out, _ string, _ *Report) {
	t.Helper()
	if _, err := os.Lstat(out); err == nil {
		t.Error("output folder created despite the refusal")
	}
}

// first runs Write once so that out has a manifest.
func first(t *testing.T, out string, files []File) {
	t.Helper()
	if _, err := Write(out, files, Options{}); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, dir string) { t.Helper(); must(t, os.MkdirAll(dir, 0o755)) }

func write(t *testing.T, path, s string) { t.Helper(); must(t, os.WriteFile(path, []byte(s), 0o644)) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
