// Tests and fuzzing of the manifest parser.

package outdir

import (
	"strings"
	"testing"
)

func TestParseManifest(t *testing.T) {
	h := strings.Repeat("ab", 32)
	tests := []struct {
		name        string
		text        string
		want        []string // entry names
		wantIgnored int
		wantErr     string
	}{
		{name: "empty", text: ""},
		{name: "written", text: string(FormatManifest([]Entry{{"a.c", h}, {"b.h", h}})), want: []string{"a.c", "b.h"}},
		{name: "crlf", text: h + "  a.c\r\n", want: []string{"a.c"}},
		{name: "parent", text: h + "  ../../victim\n", wantIgnored: 1},
		{name: "absolute", text: h + "  /etc/passwd\n", wantIgnored: 1},
		{name: "subfolder", text: h + "  sub/x\n", wantIgnored: 1},
		{name: "backslash", text: h + "  ..\\x\n", wantIgnored: 1},
		{name: "dot", text: h + "  .\n" + h + "  ..\n" + h + "  .tinygen-manifest\n", wantIgnored: 3},
		{name: "nul", text: h + "  a\x00.c\n", wantIgnored: 1},
		{name: "short hash", text: "abc  a.c\n", wantIgnored: 1},
		{name: "upper hash", text: strings.ToUpper(h) + "  a.c\n", wantIgnored: 1},
		{name: "one space", text: h + " a.c\n", wantIgnored: 1},
		{name: "duplicate", text: h + "  a.c\n" + h + "  A.c\n", want: []string{"a.c"}, wantIgnored: 1},
		{name: "many bad", text: strings.Repeat("x\n", 20), wantIgnored: maxIgnored + 1},
		{name: "too large", text: strings.Repeat("#", MaxManifestSize+1), wantErr: "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entries, ignored, err := ParseManifest([]byte(tc.text))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name)
			}
			if strings.Join(names, ",") != strings.Join(tc.want, ",") || len(ignored) != tc.wantIgnored {
				t.Fatalf("entries %v ignored %q, want %v and %d ignored", names, ignored, tc.want, tc.wantIgnored)
			}
		})
	}
}

// FuzzParseManifest checks that any text parses without panicking into
// safe names only, and that formatting the entries parses back to them.
func FuzzParseManifest(f *testing.F) {
	h := strings.Repeat("0f", 32)
	for _, s := range []string{
		"", "#\n", string(FormatManifest([]Entry{{"m.c", h}})), h + "  ../../victim\n",
		h + "  /abs\n", h + "  a\\b\n", h + "  .\n", h + "  a.c\r\n" + h + "  A.C\n", "\xff\xfe  x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, ignored, err := ParseManifest(data)
		if err != nil {
			return
		}
		if len(ignored) > maxIgnored+1 {
			t.Fatalf("%d ignored notes", len(ignored))
		}
		for _, e := range entries {
			if err := CheckName(e.Name); err != nil || !isHexSHA256(e.SHA256) {
				t.Fatalf("unsafe entry %q: %v", e.Name, err)
			}
		}
		again, ign, err := ParseManifest(FormatManifest(entries))
		if err != nil || len(ign) != 0 || len(again) != len(entries) {
			t.Fatalf("round trip: %v %v %d/%d", err, ign, len(again), len(entries))
		}
		for i := range again {
			if again[i] != entries[i] {
				t.Fatalf("round trip: %v != %v", again[i], entries[i])
			}
		}
	})
}
