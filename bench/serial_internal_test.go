// serial_internal_test.go: the TINYGEN-TIME parser, table-driven and
// fuzzed (its input is a board's output: untrusted).

package bench

import (
	"strings"
	"testing"
)

func TestParseTimes(t *testing.T) {
	tests := []struct {
		out  string
		want map[int]int64
		err  string
	}{
		{"TINYGEN-TIME region=0 us=5\r\nTINYGEN-TIME region=1 us=700\n", map[int]int64{0: 5, 1: 700}, ""},
		{"noise\nTINYGEN-TIMEX region=0 us=5\n", map[int]int64{}, ""},
		{"TINYGEN-TIME region=0\n", nil, "needs region= and us="},
		{"TINYGEN-TIME region=-1 us=3\n", nil, "not a non-negative integer"},
		{"TINYGEN-TIME region=99999999 us=3\n", nil, "region out of range"},
		{"TINYGEN-TIME region=1 us=abc\n", nil, "not a non-negative integer"},
	}
	for _, tc := range tests {
		got, err := parseTimes([]byte(tc.out))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseTimes(%q) error %v, want %q", tc.out, err, tc.err)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("parseTimes(%q) = %v, %v", tc.out, got, err)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("parseTimes(%q)[%d] = %d, want %d", tc.out, k, got[k], v)
			}
		}
	}
}

func TestSerialTimesMissingRegion(t *testing.T) {
	res := &Result{InitInstructions: -1, Inference: -1}
	err := serialTimes(res, []byte("TINYGEN-TIME region=0 us=1\nTINYGEN-TIME region=1 us=2\n"), 2)
	if err == nil || !strings.Contains(err.Error(), "none for region 2") {
		t.Errorf("error %v", err)
	}
}

// FuzzSerialOutput feeds arbitrary board output to the time parser and
// the protocol parser: errors are fine, panics and negative times are not.
func FuzzSerialOutput(f *testing.F) {
	f.Add([]byte("TINYGEN-TIME region=0 us=12\r\nTINYGEN-TIME region=1 us=1500\r\nTINYGEN-RESULT vectors=1 passed=1\r\nTINYGEN-END\r\n"))
	f.Add([]byte("TINYGEN-TIME region=1 us=\n"))
	f.Add([]byte("TINYGEN-TIME us=1 region=2 extra\n\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		times, err := parseTimes(data)
		if err == nil {
			for k, v := range times {
				if k < 0 || v < 0 {
					t.Fatalf("region %d time %d", k, v)
				}
			}
		}
		res := &Result{InitInstructions: -1, Inference: -1}
		_ = serialTimes(res, data, 3)
		_, _ = ParseOutput(data)
		_ = hasEndLine(data)
		_ = hasExitLine(data)
	})
}
