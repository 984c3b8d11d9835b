package tflite_test

import (
	"bufio"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/ir"
)

// TestRealModels parses every .tflite file in shared/models. All must
// parse except the audio preprocessors, which must be refused with one
// unsupported-operators error naming their Signal custom ops.
func TestRealModels(t *testing.T) {
	dir, models := realModels(t)
	for _, rel := range models {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(dir, rel)
			g, err := tflite.Load(path)
			if !isPreprocessor(rel) {
				if err != nil {
					t.Fatal(err)
				}
				if len(g.Ops) == 0 || len(g.Inputs) == 0 || len(g.Outputs) == 0 {
					t.Fatalf("%d ops, %d inputs, %d outputs", len(g.Ops), len(g.Inputs), len(g.Outputs))
				}
				if g.Name != "" || g.Source != "tflite v3" {
					t.Errorf("Name %q, Source %q; want empty and \"tflite v3\"", g.Name, g.Source)
				}
				for i, o := range g.Ops {
					if o.SourceIndex != i {
						t.Errorf("op %d has SourceIndex %d", i, o.SourceIndex)
					}
				}
				return
			}
			var ue *tflite.UnsupportedOpsError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v, want an *UnsupportedOpsError", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+": subgraph 0: unsupported operators: op ") {
				t.Errorf("error %q does not start with the path and the list", msg)
			}
			for _, name := range []string{"CUSTOM:SignalWindow", "CUSTOM:SignalRfft", "CUSTOM:SignalEnergy", "CUSTOM:SignalFilterBank", "CUSTOM:SignalPCAN", "CAST"} {
				if !strings.Contains(msg, " "+name) {
					t.Errorf("error does not list %s: %s", name, msg)
				}
			}
		})
	}
}

// manifestEntry is what shared/models/MANIFEST.md says about one model.
type manifestEntry struct {
	description      string
	tensors, ops     int
	inputs, outputs  []manifestIO
	opCounts         map[string]int
	sawSummary, sawO bool
}

type manifestIO struct {
	name, dtype, shape string
	scale              float64
	zp                 int64
	quantised          bool
}

// readManifest parses the per-model sections of MANIFEST.md.
func readManifest(t *testing.T, path string) map[string]*manifestEntry {
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("no manifest: %v", err)
	}
	defer f.Close()
	var (
		section = regexp.MustCompile("^### `([^`]+\\.tflite)`")
		summary = regexp.MustCompile(`description "(.*)", 1 subgraph\(s\), (\d+) tensors, (\d+) operators in subgraph 0`)
		io      = regexp.MustCompile("^- (input|output): `([^`]*)` (\\w+) (\\S+)(?: \\(scale ([0-9.e+-]+), zp (-?\\d+)\\))?$")
		opsLine = regexp.MustCompile(`^- operators: (.*)$`)
		opCount = regexp.MustCompile(`^(\S+) x(\d+)$`)
	)
	out := map[string]*manifestEntry{}
	var cur *manifestEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := section.FindStringSubmatch(line); m != nil {
			cur = &manifestEntry{opCounts: map[string]int{}}
			out[m[1]] = cur
			continue
		}
		if strings.HasPrefix(line, "#") {
			cur = nil
		}
		if cur == nil {
			continue
		}
		if m := summary.FindStringSubmatch(line); m != nil {
			cur.description = m[1]
			cur.tensors, _ = strconv.Atoi(m[2])
			cur.ops, _ = strconv.Atoi(m[3])
			cur.sawSummary = true
		}
		if m := io.FindStringSubmatch(line); m != nil {
			e := manifestIO{name: m[2], dtype: m[3], shape: m[4]}
			if m[5] != "" {
				e.quantised = true
				e.scale, _ = strconv.ParseFloat(m[5], 64)
				e.zp, _ = strconv.ParseInt(m[6], 10, 64)
			}
			if m[1] == "input" {
				cur.inputs = append(cur.inputs, e)
			} else {
				cur.outputs = append(cur.outputs, e)
			}
		}
		if m := opsLine.FindStringSubmatch(line); m != nil {
			cur.sawO = true
			for _, part := range strings.Split(m[1], ", ") {
				pm := opCount.FindStringSubmatch(part)
				if pm == nil {
					t.Fatalf("manifest: cannot read operator count %q", part)
				}
				cur.opCounts[pm[1]], _ = strconv.Atoi(pm[2])
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestManifest checks tensor and op counts, description and I/O
// signatures of the real models against shared/models/MANIFEST.md, and
// for the refused models that the unsupported list matches the manifest's
// counts of ops tinygen lacks.
func TestManifest(t *testing.T) {
	dir, models := realModels(t)
	manifest := readManifest(t, filepath.Join(dir, "MANIFEST.md"))
	checked := 0
	for _, rel := range models {
		want, ok := manifest[rel]
		if !ok || !want.sawSummary || !want.sawO {
			t.Logf("%s: not described in MANIFEST.md; skipped", rel)
			continue
		}
		checked++
		t.Run(rel, func(t *testing.T) {
			g, err := tflite.Load(filepath.Join(dir, rel))
			if isPreprocessor(rel) {
				var ue *tflite.UnsupportedOpsError
				if !errors.As(err, &ue) {
					t.Fatalf("error %v, want an *UnsupportedOpsError", err)
				}
				got := map[string]int{}
				for _, o := range ue.Ops {
					got[o.Name]++
				}
				for name, n := range want.opCounts {
					if _, err := ir.ParseOpKind(name); err == nil {
						continue // supported: not in the list
					}
					if got[name] != n {
						t.Errorf("%s: %d in the unsupported list, manifest has %d", name, got[name], n)
					}
					delete(got, name)
				}
				for name, n := range got {
					t.Errorf("unsupported list has %s x%d, which the manifest does not", name, n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.Description != want.description {
				t.Errorf("description %q, manifest %q", g.Description, want.description)
			}
			if len(g.Tensors) != want.tensors || len(g.Ops) != want.ops {
				t.Errorf("%d tensors and %d ops, manifest %d and %d", len(g.Tensors), len(g.Ops), want.tensors, want.ops)
			}
			got := map[string]int{}
			for _, o := range g.Ops {
				got[o.Kind.String()]++
			}
			for name, n := range want.opCounts {
				if got[name] != n {
					t.Errorf("%s x%d, manifest x%d", name, got[name], n)
				}
			}
			checkIO(t, "input", g.Inputs, want.inputs)
			checkIO(t, "output", g.Outputs, want.outputs)
		})
	}
	if checked < 5 {
		t.Errorf("only %d models checked against the manifest", checked)
	}
}

func checkIO(t *testing.T, what string, got []*ir.Tensor, want []manifestIO) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d %ss, manifest %d", len(got), what, len(want))
		return
	}
	for i, w := range want {
		x := got[i]
		if x.Name != w.name || x.DType.LongName() != w.dtype || x.Shape.String() != w.shape {
			t.Errorf("%s %d is %q %v %v, manifest %q %s %s", what, i, x.Name, x.DType.LongName(), x.Shape, w.name, w.dtype, w.shape)
		}
		if w.quantised != (x.Quant != nil) {
			t.Errorf("%s %d quantised %v, manifest %v", what, i, x.Quant != nil, w.quantised)
			continue
		}
		if w.quantised && (math.Abs(float64(x.Scale())-w.scale) > 1e-6*w.scale || int64(x.ZeroPoint()) != w.zp) {
			t.Errorf("%s %d has scale %v zp %d, manifest %v %d", what, i, x.Scale(), x.ZeroPoint(), w.scale, w.zp)
		}
	}
}

// TestRoundTripReal checks that Encode(Parse(model)) parses back to the
// same graph for every real model that parses.
func TestRoundTripReal(t *testing.T) {
	dir, models := realModels(t)
	for _, rel := range models {
		if isPreprocessor(rel) {
			continue
		}
		t.Run(rel, func(t *testing.T) {
			g, err := tflite.Load(filepath.Join(dir, rel))
			if err != nil {
				t.Fatal(err)
			}
			b, err := tflite.Encode(g)
			if err != nil {
				t.Fatal(err)
			}
			g2, err := tflite.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			checkSameGraph(t, g, g2)
			b2, err := tflite.Encode(g2)
			if err != nil {
				t.Fatal(err)
			}
			g3, err := tflite.Parse(b2)
			if err != nil {
				t.Fatal(err)
			}
			checkSameGraph(t, g, g3)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.tflite")
	if _, err := tflite.Load(missing); err == nil || !strings.HasPrefix(err.Error(), missing+": ") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want a not-exist error prefixed with the path", err)
	}
	junk := filepath.Join(dir, "junk.tflite")
	if err := os.WriteFile(junk, []byte("this is not a model at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tflite.Load(junk); err == nil || !strings.HasPrefix(err.Error(), junk+": ") {
		t.Errorf("Load(junk) = %v, want an error prefixed with the path", err)
	}
}
