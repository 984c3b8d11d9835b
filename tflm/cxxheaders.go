// This file checks for C++ standard headers on targets whose toolchain
// may lack them (Debian's riscv64-unknown-elf ships none).
package tflm

import (
	"context"
	"fmt"
	"time"

	"github.com/tinygen/tinygen/internal/toolchain"
	"github.com/tinygen/tinygen/targets"
)

// checkCxxHeaders compiles a file that includes <cstddef>.
func checkCxxHeaders(ctx context.Context, cxx string, t *targets.Target) error {
	args := append(append([]string{}, t.CompileFlags()...), "-std=c++17", "-x", "c++", "-fsyntax-only", "-")
	if _, err := toolchain.Run(ctx, time.Minute, "", []byte("#include <cstddef>\n"), cxx, args...); err != nil {
		return fmt.Errorf("%s has no C++ standard headers (<cstddef>), which TFLM needs: %w", cxx, err)
	}
	return nil
}
