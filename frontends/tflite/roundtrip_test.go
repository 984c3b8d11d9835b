package tflite_test

import (
	"testing"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/testmodels"
)

// TestRoundTripSynthetic checks Parse(Encode(g)) == g for every synthetic
// model.
func TestRoundTripSynthetic(t *testing.T) {
	for _, m := range testmodels.All() {
		t.Run(m.Name, func(t *testing.T) {
			g := m.Graph()
			b, err := tflite.Encode(g)
			if err != nil {
				t.Fatal(err)
			}
			g2, err := tflite.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			checkSameGraph(t, g, g2)
			if g2.Source != "tflite v3" || g2.Name != "" {
				t.Errorf("Source %q Name %q", g2.Source, g2.Name)
			}
			// A second round trip changes nothing either.
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
