package tflite_test

import (
	"encoding/binary"
	"flag"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
	"github.com/tinygen/tinygen/internal/testmodels"
)

// FuzzParse feeds arbitrary bytes to Parse. Parse must never panic (a
// recovered panic shows as an "internal error"); whatever it accepts must
// verify and survive Encode and Parse unchanged.
//
// Seeds: every synthetic model plus hand-made malformed files; crashers
// found earlier live in testdata/fuzz/FuzzParse. Run with
//
//	go test ./frontends/tflite -run=^$ -fuzz=FuzzParse -fuzztime=3m
func FuzzParse(f *testing.F) {
	// Go's input minimizer is quadratic in the input length and spends up
	// to -fuzzminimizetime (60 s by default) on every new interesting
	// input; with kilobyte-sized flatbuffer seeds that leaves the workers
	// almost no time to fuzz. Unless the caller chose a value, cap it.
	minimizeSet := false
	flag.Visit(func(fl *flag.Flag) { minimizeSet = minimizeSet || fl.Name == "test.fuzzminimizetime" })
	if !minimizeSet {
		if err := flag.Set("test.fuzzminimizetime", "100x"); err != nil {
			f.Logf("cannot cap minimization time: %v", err)
		}
	}
	for _, name := range testmodels.Names() {
		b, err := testmodels.TFLite(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	kws, err := testmodels.TFLite("kws_tiny")
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{})
	f.Add([]byte("\x08\x00\x00\x00TFL3"))
	f.Add(kws[:len(kws)/2])
	huge := append([]byte{}, kws...)
	binary.LittleEndian.PutUint32(huge, 0xfffffff0)
	f.Add(huge)
	// A model with two subgraphs, one with a custom op, one with
	// offset-form buffers that point past the end.
	m := baseModel(f, "kws_tiny")
	m.Subgraphs = append(m.Subgraphs, m.Subgraphs[0])
	f.Add(pack(m))
	m = baseModel(f, "elementwise")
	m.Subgraphs[0].Operators[2].OpcodeIndex = addOpcode(m, schema.BuiltinOperatorCUSTOM, "SignalEnergy")
	f.Add(pack(m))
	m = baseModel(f, "conv_variants")
	for _, b := range m.Buffers[1:] {
		b.Offset, b.Size, b.Data = 4096, uint64(len(b.Data)), nil
	}
	f.Add(pack(m))

	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := tflite.Parse(data)
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Parse panicked: %v", err)
			}
			return
		}
		if err := g.Verify(); err != nil {
			t.Fatalf("Parse returned a graph that does not verify: %v", err)
		}
		b, err := tflite.Encode(g)
		if err != nil {
			t.Fatalf("Encode of a parsed graph: %v", err)
		}
		g2, err := tflite.Parse(b)
		if err != nil {
			t.Fatalf("Parse(Encode(g)): %v", err)
		}
		checkSameGraph(t, g, g2)
	})
}
