// This file compares runs of one invocation with each other: tinygen's
// code beside a TFLM backend built and measured in the same run (bench
// --backend aot,tflm), with the same harness, vectors and counter.
package bench

import "strings"

// tflmBaselineVariant maps a live TFLM backend to the variant name the
// baseline CSV files use for the same build (tflm is tflm-ref there).
func tflmBaselineVariant(backend string) (string, bool) {
	switch backend {
	case "tflm":
		return "tflm-ref", true
	case "tflm-cmsisnn":
		return "tflm-cmsisnn", true
	}
	return "", false
}

// isTFLMVariant reports whether a backend or baseline variant names a
// TFLM build.
func isTFLMVariant(v string) bool { return strings.HasPrefix(v, "tflm") }

// variantComparable reports whether a run should be compared with a
// baseline row: a live TFLM run only with the baseline of its own kernel
// variant (tflm with tflm-ref, tflm-cmsisnn with tflm-cmsisnn); every
// other run with every baseline.
func variantComparable(b Baseline, res *Result) bool {
	want, live := tflmBaselineVariant(res.Backend)
	if !live || !isTFLMVariant(b.Variant) {
		return true
	}
	return b.Variant == want
}

// liveComparisons compares every validated non-TFLM run with every
// validated TFLM run of the same model, target and run: ratios from one
// invocation, not from a CSV file. The comparison's Baseline names the
// TFLM backend with " (live)".
func liveComparisons(results []*Result) []Comparison {
	var out []Comparison
	for _, res := range results {
		if _, live := tflmBaselineVariant(res.Backend); live || res.Status != StatusOK {
			continue
		}
		for _, t := range results {
			if _, live := tflmBaselineVariant(t.Backend); !live || t.Status != StatusOK || t.Model != res.Model || t.Target != res.Target {
				continue
			}
			out = append(out, Comparison{Model: res.Model, Target: res.Target, Backend: res.Backend, Config: res.Config,
				Baseline: t.Backend + " (live)", ROM: div(res.Memory.ROM, t.Memory.ROM), RAM: div(res.Memory.RAM, t.Memory.RAM),
				Arena: div(res.Memory.RAMArena, t.Memory.RAMArena), Init: div(res.InitInstructions, t.InitInstructions),
				Inference: div(res.Inference, t.Inference)})
		}
	}
	return out
}
