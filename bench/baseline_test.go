// Tests of baseline matching and of the warning about baseline files that
// match nothing (report.go), on small tables and on the shared folder's
// real files.
package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

func TestBaselineMatches(t *testing.T) {
	const sha = "d408165ef64b8f05f1b7e92102e89064d849bd70ba5ac82e78429ba7ef761f02"
	res := &Result{Model: "micro_kws_m_fp32", Target: "cortex-m4", ModelSHA256: sha,
		Aliases: []string{"micro_kws_m_fp32"}}
	for _, tc := range []struct {
		name string
		b    Baseline
		want bool
	}{
		{"model name", Baseline{Model: "micro_kws_m_fp32", Target: "cortex-m4"}, true},
		{"file name with extension", Baseline{Model: "micro_kws_m_fp32.tflite", Target: "cortex-m4"}, true},
		{"file name in a folder, other case", Baseline{Model: "models/Micro_KWS_M_FP32.TFLITE", Target: "cortex-m4"}, true},
		{"other model", Baseline{Model: "micro_kws_m_static_fp32.onnx", Target: "cortex-m4"}, false},
		{"other target", Baseline{Model: "micro_kws_m_fp32", Target: "host"}, false},
		{"sha256 decides over the name", Baseline{Model: "aww", SHA256: sha, Target: "cortex-m4"}, true},
		{"different sha256 with the same name", Baseline{Model: "micro_kws_m_fp32", SHA256: strings.Repeat("0", 64), Target: "cortex-m4"}, false},
		{"extension alone is no name", Baseline{Model: ".tflite", Target: "cortex-m4"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := BaselineMatches(tc.b, res); got != tc.want {
				t.Errorf("BaselineMatches(%+v) = %v, want %v", tc.b, got, tc.want)
			}
		})
	}
}

func TestUnmatchedBaselineWarnings(t *testing.T) {
	res := []*Result{{Model: "aww", Target: "cortex-m4", Status: StatusOK}}
	for _, tc := range []struct {
		name      string
		baselines []Baseline
		want      []string // substrings of the warnings, one per warning
	}{
		{"matched file", []Baseline{{Model: "aww", Target: "cortex-m4", Source: "a.csv"}, {Model: "vww", Target: "cortex-m4", Source: "a.csv"}}, nil},
		{"file for the run's target matching nothing", []Baseline{{Model: "vww.tflite", Target: "cortex-m4", Source: "peers.csv"}},
			[]string{"baseline file peers.csv: none of its 1 rows (models vww.tflite; targets cortex-m4) matches a run (models aww; targets cortex-m4)"}},
		{"shared file for another target", []Baseline{{Model: "aww", Target: "rv32imc", Source: "tflm-rv32imc.csv"}}, nil},
		{"requested file for another target", []Baseline{{Model: "aww", Target: "rv32imc", Source: "mine.csv", Requested: true}},
			[]string{"baseline file mine.csv: none of its 1 rows"}},
		{"two files, one warned", []Baseline{{Model: "aww", Target: "cortex-m4", Source: "a.csv"}, {Model: "x", Target: "cortex-m4", Source: "b.csv"}},
			[]string{"baseline file b.csv"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReport(res, tc.baselines)
			if len(r.Warnings) != len(tc.want) {
				t.Fatalf("warnings %q, want %d", r.Warnings, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(r.Warnings[i], w) {
					t.Errorf("warning %q does not contain %q", r.Warnings[i], w)
				}
			}
			var md strings.Builder
			if err := r.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			if len(tc.want) > 0 && !strings.Contains(md.String(), "Warning: baseline file") {
				t.Errorf("the Markdown report does not carry the warning:\n%s", md.String())
			}
		})
	}
}

// TestSharedBaselineFiles reads every CSV of the shared baselines folder,
// whatever its layout (model,variant / model,model_sha256,platform /
// peer,model_file), and checks that each file's rows match a run of the
// model they name.
func TestSharedBaselineFiles(t *testing.T) {
	dir := filepath.Join(sharedtest.Require(t), "baselines")
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no baseline CSV in %s (%v)", dir, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			rows, err := ReadBaselines(f, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				t.Fatal("no rows")
			}
			for _, b := range rows {
				if b.Target == "" || b.Variant == "" {
					t.Errorf("row %+v lacks a target or variant", b)
				}
				// A run of the model the row names, under its bare name.
				stem := modelKey(b.Model)
				res := &Result{Model: stem, Target: b.Target}
				if b.SHA256 != "" {
					res.ModelSHA256 = b.SHA256
				}
				r := NewReport([]*Result{res}, rows)
				if len(r.Baselines) == 0 || len(r.Warnings) != 0 {
					t.Errorf("row for %s on %s matches no run of it (warnings %q)", b.Model, b.Target, r.Warnings)
				}
			}
		})
	}
	// The peers' file names its models by file name with extension: a run
	// of micro_kws_m_fp32.tflite must find the TFLM row of the peers' file.
	peers := filepath.Join(dir, "peers-cortex-m4.csv")
	if _, err := os.Stat(peers); err == nil {
		rows, err := ReadBaselines(peers, "")
		if err != nil {
			t.Fatal(err)
		}
		res := &Result{Model: "micro_kws_m_fp32", Target: "cortex-m4"}
		r := NewReport([]*Result{res}, rows)
		if len(r.Baselines) != 1 || r.Baselines[0].Variant != "tflm-ref" {
			t.Errorf("micro_kws_m_fp32 on cortex-m4 matched %+v, want the tflm-ref row of %s", r.Baselines, peers)
		}
	}
}
