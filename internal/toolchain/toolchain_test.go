package toolchain

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFindMissing(t *testing.T) {
	_, err := Find("tinygen-no-such-tool", "gcc-arm-none-eabi")
	var m *MissingError
	if !errors.As(err, &m) {
		t.Fatalf("want a MissingError, got %v", err)
	}
	want := "tinygen-no-such-tool not found: install the Debian package gcc-arm-none-eabi (apt-get install gcc-arm-none-eabi)"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

func TestRun(t *testing.T) {
	ctx := context.Background()
	res, err := Run(ctx, 10*time.Second, "", []byte("hello"), "sh", "-c", "cat; echo oops >&2")
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "hello" || string(res.Stderr) != "oops\n" {
		t.Errorf("stdout %q stderr %q", res.Stdout, res.Stderr)
	}
	_, err = Run(ctx, 10*time.Second, "", nil, "sh", "-c", "echo partial; echo bad >&2; exit 3")
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Status != 3 || exit.Stdout != "partial\n" || !strings.Contains(err.Error(), "status 3:\nbad") {
		t.Errorf("exit error: %v", err)
	}
	_, err = Run(ctx, 200*time.Millisecond, "", nil, "sh", "-c", "echo started; sleep 5")
	var to *TimeoutError
	if !errors.As(err, &to) || !strings.Contains(to.Output, "started") {
		t.Errorf("time-out error: %v", err)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path-1.c": "plain/path-1.c",
		"two words":      "'two words'",
		"it's":           `'it'\''s'`,
		"":               "''",
		"-DX=a,b":        "-DX=a,b",
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
