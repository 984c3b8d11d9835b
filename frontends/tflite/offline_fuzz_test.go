package tflite_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
	"github.com/tinygen/tinygen/internal/shared"
	"github.com/tinygen/tinygen/internal/testmodels"
)

// FuzzOfflinePlan feeds arbitrary bytes to OfflinePlan and WithOfflinePlan.
// Neither may panic (a recovered panic shows as an "internal error"); a
// plan read back must be rewritable unchanged; a plan written must read
// back; and a model Parse accepts must parse to the same graph after a
// plan is written into it.
//
// Seeds: every synthetic model with and without a plan, truncated and
// hostile plans, a two-subgraph model, a model whose buffers are stored
// after the flatbuffer, and (when the shared folder is there) every real
// model. Run with
//
//	go test ./frontends/tflite -run=^$ -fuzz=FuzzOfflinePlan -fuzztime=3m
func FuzzOfflinePlan(f *testing.F) {
	// As in FuzzParse: keep minimisation of kilobyte-sized seeds short.
	minimizeSet := false
	flag.Visit(func(fl *flag.Flag) { minimizeSet = minimizeSet || fl.Name == "test.fuzzminimizetime" })
	if !minimizeSet {
		if err := flag.Set("test.fuzzminimizetime", "100x"); err != nil {
			f.Logf("cannot cap minimization time: %v", err)
		}
	}
	addWithPlan := func(b []byte) {
		f.Add(b)
		m := schema.GetRootAsModel(b, 0).UnPack()
		if len(m.Subgraphs) == 0 {
			return
		}
		out, err := tflite.WithOfflinePlan(b, 0, planFor(m, 0))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(out)
		f.Add(out[:len(out)-len(out)/4])
	}
	for _, name := range testmodels.Names() {
		addWithPlan(syntheticModel(f, name))
	}
	kws := syntheticModel(f, "kws_tiny")
	m := schema.GetRootAsModel(kws, 0).UnPack()
	n := len(m.Subgraphs[0].Tensors)
	for _, data := range [][]byte{
		planBytes(1, 0, make([]int32, n-1)),
		planBytes(1, 3, make([]int32, n)),
		planBytes(1, 0, make([]int32, n))[:11],
	} {
		bad := schema.GetRootAsModel(kws, 0).UnPack()
		bad.Buffers = append(bad.Buffers, &schema.BufferT{Data: data})
		bad.Metadata = append(bad.Metadata, &schema.MetadataT{Name: tflite.OfflinePlanMetadata, Buffer: uint32(len(bad.Buffers) - 1)})
		f.Add(packPlain(bad))
	}
	two := schema.GetRootAsModel(kws, 0).UnPack()
	two.Subgraphs = append(two.Subgraphs, two.Subgraphs[0])
	addWithPlan(packPlain(two))
	addWithPlan(externalForm(f, syntheticModel(f, "pools"), []byte("custom")))
	if dir, err := shared.Dir(); err == nil {
		paths, _ := filepath.Glob(filepath.Join(dir, "models", "*", "*.tflite"))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				addWithPlan(b)
			}
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		internal := func(what string, err error) {
			if err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%s panicked: %v", what, err)
			}
		}
		sg, offs, ok, err := tflite.OfflinePlan(data)
		internal("OfflinePlan", err)
		if !ok && (offs != nil || sg != 0) {
			t.Fatalf("no plan, but subgraph %d and %d offsets", sg, len(offs))
		}
		if ok {
			out, err := tflite.WithOfflinePlan(data, sg, offs)
			internal("WithOfflinePlan", err)
			if err == nil {
				sg2, offs2, ok2, err := tflite.OfflinePlan(out)
				if err != nil || !ok2 || sg2 != sg || !slices.Equal(offs2, offs) {
					t.Fatalf("rewritten plan reads back as %d, %v, %v, %v", sg2, offs2, ok2, err)
				}
			}
		}
		g, perr := tflite.Parse(data)
		internal("Parse", perr)
		n := -1
		switch {
		case perr == nil:
			n = len(g.Tensors)
		case ok && sg == 0:
			n = len(offs)
		}
		if n < 0 {
			_, err := tflite.WithOfflinePlan(data, 0, nil)
			internal("WithOfflinePlan", err)
			return
		}
		plan := make([]int32, n)
		for i := range plan {
			plan[i] = int32(32 * i)
			if i%3 == 1 {
				plan[i] = -1
			}
		}
		out, err := tflite.WithOfflinePlan(data, 0, plan)
		internal("WithOfflinePlan", err)
		if err != nil {
			return
		}
		sg2, offs2, ok2, err := tflite.OfflinePlan(out)
		if err != nil || !ok2 || sg2 != 0 || !slices.Equal(offs2, plan) {
			t.Fatalf("written plan reads back as %d, %v, %v, %v", sg2, offs2, ok2, err)
		}
		if perr == nil {
			g2, err := tflite.Parse(out)
			if err != nil {
				t.Fatalf("Parse of the rewritten model: %v", err)
			}
			if want, got := g.String(), g2.String(); want != got {
				t.Fatalf("rewritten model parses differently:\n%s", firstDiff(want, got))
			}
		}
	})
}
