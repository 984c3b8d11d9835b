//go:build !unix

// No FIFOs outside Unix.

package outdir

import "testing"

func mkfifo(t *testing.T, _ string) { t.Skip("no FIFOs on this platform") }
