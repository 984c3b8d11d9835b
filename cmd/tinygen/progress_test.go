// Tests of the terminal progress line of tinygen bench.
package main

import (
	"bytes"
	"testing"
)

func TestDrawProgress(t *testing.T) {
	tests := []struct {
		done, total int
		id          string
		want        string
	}{
		{0, 4, "aww/host", "\r\x1b[Kbench   0% [                              ] (0/4) aww/host"},
		{1, 4, "aww/host", "\r\x1b[Kbench  25% [=======                       ] (1/4) aww/host"},
		{3, 4, "evil\x1b[2J\a", "\r\x1b[Kbench  75% [======================        ] (3/4) evil?[2J?"},
		{4, 4, "aww/host", "\r\x1b[K"},
		{0, 0, "x", "\r\x1b[K"},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		drawProgress(&b, tc.done, tc.total, tc.id)
		if got := b.String(); got != tc.want {
			t.Errorf("drawProgress(%d, %d, %q) = %q, want %q", tc.done, tc.total, tc.id, got, tc.want)
		}
	}
}
