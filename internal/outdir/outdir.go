// Package outdir writes a set of generated files into a folder the user
// named, treating whatever is already in that folder as untrusted: it never
// writes through symbolic links, refuses colliding or unsafe names, writes
// every file atomically, and keeps a manifest of what it wrote so that a
// later run removes its own stale files and never a file it did not write.
package outdir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tinygen/tinygen/internal/genfile"
)

// ManifestName is the file, in the output folder, that lists the files the
// last run wrote there with their SHA-256.
const ManifestName = ".tinygen-manifest"

// tempPrefix starts the names of the temporary files of atomic writes.
const tempPrefix = ".tinygen-tmp-"

// File is one generated file (genfile.File): its Name must be a plain
// name (see CheckName), never a path; collision errors name its Origin.
type File = genfile.File

// Options control Write.
type Options struct {
	// Force replaces an existing file that has a generated file's name but
	// was not written by tinygen (it is not in the manifest); without it
	// such a file is refused. Symbolic links are refused even with Force.
	Force bool
}

// Report says what Write did. Names are file names inside the folder,
// each list in the order of the file set (stale files sorted).
type Report struct {
	// Written lists every file of the set (new, replaced or unchanged).
	Written []string
	// Bytes is the total size of the written files.
	Bytes int64
	// Edited lists replaced files that tinygen wrote but that were edited
	// since (their hash differs from the manifest's).
	Edited []string
	// Foreign lists replaced files that tinygen did not write (Force).
	Foreign []string
	// Removed lists stale files of the last run that were removed.
	Removed []string
	// Kept lists stale files of the last run that were edited since and
	// therefore kept (they are no longer in the manifest).
	Kept []string
	// Ignored describes manifest lines that were ignored (malformed lines
	// and unsafe names, which are never deleted).
	Ignored []string
}

// maxNameLen bounds a generated file name (most file systems allow 255).
const maxNameLen = 200

// CheckName reports whether name is a safe plain file name: 1 to 200
// bytes of ASCII letters, digits, '_', '-' and '.', not starting with a
// dot (which excludes ".", "..", the manifest and temporary files).
func CheckName(name string) error {
	if name == "" {
		return errors.New("empty file name")
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("file name %.40q... is longer than %d bytes", name, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
		case c == '/' || c == '\\':
			return fmt.Errorf("file name %q contains a path separator", name)
		default:
			return fmt.Errorf("file name %q contains %q, outside [A-Za-z0-9._-]", name, c)
		}
	}
	if name[0] == '.' {
		return fmt.Errorf("file name %q starts with a dot", name)
	}
	return nil
}

// CollisionError reports two generated files with the same name (compared
// case-insensitively, as on macOS and Windows file systems).
type CollisionError struct {
	// Name and Other are the two names (equal but for case, or equal).
	Name, Other string
	// Producer and OtherProducer say what generated each.
	Producer, OtherProducer string
}

// Error names both files and their producers and suggests --name.
func (e *CollisionError) Error() string {
	what := fmt.Sprintf("two generated files are named %s", e.Name)
	if e.Name != e.Other {
		what = fmt.Sprintf("two generated files are named %s and %s, the same name on case-insensitive file systems", e.Name, e.Other)
	}
	return fmt.Sprintf("%s (%s and %s); one would overwrite the other: choose another model name with --name",
		what, producer(e.Producer), producer(e.OtherProducer))
}

func producer(p string) string {
	if p == "" {
		return "a generated file"
	}
	return p
}

// origin describes what produced f, with its name: "the model's schedule
// kws.c".
func origin(f File) string {
	if f.Origin == "" {
		return ""
	}
	return f.Origin + " " + f.Name
}

// CheckSet checks every name of files with CheckName and refuses two
// files whose names are equal ignoring case.
func CheckSet(files []File) error {
	seen := make(map[string]int, len(files))
	for i, f := range files {
		if err := CheckName(f.Name); err != nil {
			return fmt.Errorf("refusing to write generated file (%s): %w", producer(f.Origin), err)
		}
		key := strings.ToLower(f.Name)
		if j, ok := seen[key]; ok {
			return &CollisionError{Name: files[j].Name, Other: f.Name, Producer: origin(files[j]), OtherProducer: origin(f)}
		}
		seen[key] = i
	}
	return nil
}

// Write writes files into dir, creating dir (and its parents) if missing.
// dir itself may be a symbolic link to a folder (the user named it), but
// no file is ever written, read or removed through a link inside it.
//
// Before writing anything Write checks the whole set (CheckSet) and every
// existing file: a generated name that exists as a symbolic link or any
// non-regular file is refused; a regular file not listed in the manifest
// whose bytes differ from the new ones is refused unless opts.Force. Then
// every file is written atomically (a temporary file in dir, fsync,
// rename), the files the manifest lists that are no longer generated are
// removed when unchanged since they were written, and the manifest is
// rewritten. On a refusal nothing is written.
func Write(dir string, files []File, opts Options) (*Report, error) {
	if err := CheckSet(files); err != nil {
		return nil, err
	}
	if err := makeDir(dir); err != nil {
		return nil, err
	}
	rep := &Report{}
	old, ignored, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	rep.Ignored = ignored
	var refused []string
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		st, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("output folder: %w", err)
		}
		if !st.Mode().IsRegular() {
			refused = append(refused, fmt.Sprintf("%s is %s, not a regular file; tinygen never writes through it (remove it)", path, kind(st.Mode())))
			continue
		}
		sum, err := hashFile(path)
		if err != nil {
			return nil, err
		}
		if sum == hashBytes(f.Data) {
			continue // the same bytes: nothing is lost
		}
		want, listed := old[f.Name]
		switch {
		case listed && sum == want:
		case listed:
			rep.Edited = append(rep.Edited, f.Name)
		case opts.Force:
			rep.Foreign = append(rep.Foreign, f.Name)
		default:
			refused = append(refused, fmt.Sprintf("%s exists and was not written by tinygen (move it away, or use --force to replace it)", path))
		}
	}
	if len(refused) > 0 {
		return nil, fmt.Errorf("refusing to write into output folder %s: %s", dir, strings.Join(refused, "; "))
	}
	stale, kept, err := staleFiles(dir, old, files)
	if err != nil {
		return nil, err
	}
	rep.Kept = kept
	for _, f := range files {
		if err := writeAtomic(dir, f.Name, f.Data); err != nil {
			return nil, err
		}
		rep.Written = append(rep.Written, f.Name)
		rep.Bytes += int64(len(f.Data))
	}
	for _, name := range stale {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("removing stale file: %w", err)
		}
		rep.Removed = append(rep.Removed, name)
	}
	entries := make([]Entry, len(files))
	for i, f := range files {
		entries[i] = Entry{Name: f.Name, SHA256: hashBytes(f.Data)}
	}
	if err := writeAtomic(dir, ManifestName, FormatManifest(entries)); err != nil {
		return nil, err
	}
	syncDir(dir)
	return rep, nil
}

// makeDir creates dir if missing and checks that it is a folder. A
// symbolic link to a folder is accepted: the user named the path.
func makeDir(dir string) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fmt.Errorf("output folder %s is not a folder", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("output folder %s is not a folder", dir)
	}
	return nil
}

// staleFiles returns the files the old manifest lists that the new set
// does not produce and that are unchanged since they were written (to
// remove), and those edited since (to keep). Anything that is not a
// regular file now is left alone.
func staleFiles(dir string, old map[string]string, files []File) (stale, kept []string, err error) {
	now := make(map[string]bool, len(files))
	for _, f := range files {
		now[strings.ToLower(f.Name)] = true
	}
	for name, want := range old {
		if now[strings.ToLower(name)] {
			continue
		}
		path := filepath.Join(dir, name)
		st, err := os.Lstat(path)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		sum, err := hashFile(path)
		if err != nil {
			return nil, nil, err
		}
		if sum == want {
			stale = append(stale, name)
		} else {
			kept = append(kept, name)
		}
	}
	sort.Strings(stale)
	sort.Strings(kept)
	return stale, kept, nil
}

// kind describes a non-regular file mode.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a folder"
	default:
		return "a special file (" + m.Type().String() + ")"
	}
}

// hashBytes returns the hex SHA-256 of b.
func hashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// hashFile returns the hex SHA-256 of a regular file, opened without
// following a symbolic link.
func hashFile(path string) (string, error) {
	f, err := openRegular(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("output folder: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// openRegular opens path for reading without following a symbolic link
// and without blocking on a FIFO, and refuses anything but a regular file.
func openRegular(path string) (*os.File, error) {
	f, err := openNoFollow(path)
	if err != nil {
		if st, lerr := os.Lstat(path); lerr == nil && !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is %s, not a regular file; tinygen never reads or writes through it (remove it)", path, kind(st.Mode()))
		}
		return nil, fmt.Errorf("output folder: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("output folder: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is %s, not a regular file; tinygen never reads or writes through it (remove it)", path, kind(st.Mode()))
	}
	return f, nil
}

// writeAtomic writes data to dir/name through a temporary file in dir
// (created exclusively, so never through a link), synced and renamed over
// the name (rename replaces a link itself, never its target). On error
// the temporary file is removed.
func writeAtomic(dir, name string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(dir, name), err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("writing %s: %w", filepath.Join(dir, name), err)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// syncDir flushes the folder's entries (the renames) to disk where the
// platform supports it; failures are harmless and ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
