package ir

import (
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary text to the IR parser: it must return an error
// or a graph, never panic or hang, and a graph it accepts must print and
// parse back to the same text; Verify must not panic on it either.
func FuzzParse(f *testing.F) {
	f.Add(smallGraph().String())
	f.Add(TextHeader + "\n")
	f.Add(TextHeader + "\ntensor %0 \"x\" f32[2,3] quant(axis=1 scale=[1e-05,+Inf] zp=[0,-1])\ninput %0\noutput %0\n")
	f.Add(TextHeader + "\ntensor %0 \"x\" i8[1] data=hex\"7f\"\nop 3 PAD (%0) -> (%0) {Before=[1] After=[-2]}\n")
	f.Add(strings.Replace(extGraph, "%W%", strings.Repeat("00", 8*3*3*2*4), 1))
	f.Fuzz(func(t *testing.T, text string) {
		g, err := ParseString(text)
		if err != nil {
			return
		}
		_ = g.Verify()
		printed := g.String()
		g2, err := ParseString(printed)
		if err != nil {
			t.Fatalf("printed graph does not parse: %v\n%s", err, printed)
		}
		if again := g2.String(); again != printed {
			t.Fatalf("print/parse not stable:\n%s\n---\n%s", printed, again)
		}
		if strings.Count(printed, "\n") < 2 {
			t.Fatalf("printed graph lacks header and graph line:\n%s", printed)
		}
	})
}
