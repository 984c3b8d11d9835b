// armv7em_test.go: the armv7em kernel set passes the conformance suite.

package kernels_test

import (
	"testing"

	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/kernels/kerneltest"
)

func TestArmV7EMConformance(t *testing.T) {
	kerneltest.Run(t, kernels.Builtin(), kernels.ArmV7EM, kerneltest.Options{})
}
