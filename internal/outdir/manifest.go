// The manifest: the untrusted list of the files the last run wrote.

package outdir

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MaxManifestSize bounds the manifest a run reads (1 MiB holds more than
// ten thousand entries).
const MaxManifestSize = 1 << 20

// maxIgnored bounds the ignored-line notes ParseManifest returns.
const maxIgnored = 5

// manifestHeader opens every manifest tinygen writes.
const manifestHeader = "# tinygen output manifest v1: the files the last compile wrote into this\n" +
	"# folder, with their SHA-256 (sha256sum format). tinygen removes the listed\n" +
	"# files it no longer generates and refuses to overwrite files not listed.\n"

// Entry is one manifest line: a file name and the hex SHA-256 of the
// bytes tinygen wrote.
type Entry struct {
	Name, SHA256 string
}

// FormatManifest returns the manifest text of entries: a comment header,
// then one "<sha256>  <name>" line per entry, as sha256sum prints them.
func FormatManifest(entries []Entry) []byte {
	var b bytes.Buffer
	b.WriteString(manifestHeader)
	for _, e := range entries {
		fmt.Fprintf(&b, "%s  %s\n", e.SHA256, e.Name)
	}
	return b.Bytes()
}

// ParseManifest parses manifest text, which is untrusted (anyone can edit
// it). Empty lines and lines starting with '#' are skipped. A line that is
// not "<64 lowercase hex digits>  <name>", a name that CheckName refuses
// ("../x", "/etc/passwd", ".hidden") and a repeated name are ignored and
// described in ignored (at most a few notes, then a count). Text longer
// than MaxManifestSize is an error.
func ParseManifest(data []byte) (entries []Entry, ignored []string, err error) {
	if len(data) > MaxManifestSize {
		return nil, nil, fmt.Errorf("manifest is larger than %d bytes", MaxManifestSize)
	}
	seen := map[string]bool{}
	skipped := 0
	ignore := func(n int, why string) {
		skipped++
		if skipped <= maxIgnored {
			ignored = append(ignored, fmt.Sprintf("line %d: %s", n, why))
		}
	}
	for n, line := range strings.Split(string(data), "\n") {
		n++
		line = strings.TrimSuffix(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || !isHexSHA256(sum) {
			ignore(n, "not \"<sha256>  <name>\"")
			continue
		}
		if err := CheckName(name); err != nil {
			ignore(n, err.Error())
			continue
		}
		key := strings.ToLower(name)
		if seen[key] {
			ignore(n, fmt.Sprintf("%s listed twice", name))
			continue
		}
		seen[key] = true
		entries = append(entries, Entry{Name: name, SHA256: sum})
	}
	if skipped > maxIgnored {
		ignored = append(ignored, fmt.Sprintf("and %d more lines", skipped-maxIgnored))
	}
	return entries, ignored, nil
}

// isHexSHA256 reports whether s is 64 lowercase hex digits.
func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// readManifest reads and parses dir's manifest without following a
// symbolic link and reading at most MaxManifestSize+1 bytes. A missing
// manifest is an empty one; a manifest that is a link or not a regular
// file, or too large, is refused with an error naming it. Ignored-line
// notes name the manifest.
func readManifest(dir string) (map[string]string, []string, error) {
	path := filepath.Join(dir, ManifestName)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil, nil
	}
	f, err := openRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxManifestSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	entries, ignored, err := ParseManifest(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w; remove it (tinygen then treats existing files as not written by it)", path, err)
	}
	for i := range ignored {
		ignored[i] = path + ": " + ignored[i]
	}
	m := make(map[string]string, len(entries))
	for _, e := range entries {
		m[e.Name] = e.SHA256
	}
	return m, ignored, nil
}
