// Package conformance runs reference vectors through an engine (the Go
// evaluator now; generated C on the host or a simulator later) and tabulates
// pass, fail and unsupported per model. Integer outputs must match byte for
// byte; float32 outputs within golden.FloatRelTol/FloatAbsTol.
package conformance

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tinygen/tinygen/internal/golden"
)

// Engine runs one model on one set of inputs. Prepare is called once per
// model and returns the function that runs a vector; an error from Prepare
// marks the model unsupported by this engine (with the reason).
type Engine struct {
	Name    string
	Prepare func(modelPath string) (func(inputs [][]byte) ([][]byte, error), error)
}

// Result is one model's outcome.
type Result struct {
	Case        string
	Model       string
	Vectors     int
	Passed      int
	Unsupported string
	// Failures describe each failing vector.
	Failures []string
}

// OK reports whether every vector passed.
func (r Result) OK() bool { return r.Unsupported == "" && r.Passed == r.Vectors }

// Run runs every vector of every case through the engine. isFloat says
// whether a case's outputs are compared with the float tolerance.
func Run(e Engine, cases []golden.Case) []Result {
	var results []Result
	for _, c := range cases {
		r := Result{Case: c.Name, Model: c.Model, Vectors: len(c.Vectors)}
		run, err := e.Prepare(c.Model)
		if err != nil {
			r.Unsupported = err.Error()
			results = append(results, r)
			continue
		}
		isFloat := c.InputDType == "float32"
		for _, v := range c.Vectors {
			outs, err := run(v.Inputs)
			if err != nil {
				r.Failures = append(r.Failures, fmt.Sprintf("vector %d: %v", v.Index, err))
				continue
			}
			if msg := compare(outs, v.Outputs, isFloat); msg != "" {
				r.Failures = append(r.Failures, fmt.Sprintf("vector %d: %s", v.Index, msg))
				continue
			}
			r.Passed++
		}
		results = append(results, r)
	}
	return results
}

func compare(got, want [][]byte, isFloat bool) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d outputs, want %d", len(got), len(want))
	}
	for i := range got {
		var msg string
		if isFloat {
			msg = golden.CompareFloat32(got[i], want[i], golden.FloatRelTol, golden.FloatAbsTol)
		} else {
			msg = golden.CompareBytes(got[i], want[i])
		}
		if msg != "" {
			return fmt.Sprintf("output %d: %s", i, msg)
		}
	}
	return ""
}

// WriteTable prints one row per model: engine, case, vectors passed,
// status, and the first failure or the unsupported reason.
func WriteTable(w io.Writer, engine string, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "engine\tmodel\tpassed\tstatus\tdetail\n")
	for _, r := range results {
		status, detail := "pass", ""
		switch {
		case r.Unsupported != "":
			status, detail = "unsupported", r.Unsupported
		case !r.OK():
			status, detail = "FAIL", r.Failures[0]
		}
		if len(detail) > 160 {
			detail = detail[:157] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\n", engine, r.Case, r.Passed, r.Vectors, status, strings.ReplaceAll(detail, "\n", " "))
	}
	return tw.Flush()
}
