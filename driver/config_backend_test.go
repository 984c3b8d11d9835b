// config_backend_test.go: a --config key a backend ignores does not
// multiply that backend's runs or appear in their names.

package driver

import "testing"

func TestForBackend(t *testing.T) {
	cfgs, err := configMatrix([]string{"crc=off,on", "opt=O2,Os", "arena=static,caller"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		backend string
		want    []string // distinct run configurations, in order
	}{
		{"aot", []string{"arena=static,opt=O2", "arena=static,opt=Os", "arena=caller,opt=O2", "arena=caller,opt=Os"}},
		{"interp", []string{"crc=off,opt=O2", "crc=off,opt=Os", "crc=on,opt=O2", "crc=on,opt=Os"}},
	} {
		seen := map[string]bool{}
		var got []string
		for _, full := range cfgs {
			cfg := forBackend(full, c.backend)
			text := configText(cfg)
			if seen[text] {
				continue
			}
			seen[text] = true
			got = append(got, text)
			for _, k := range []string{"crc", "arena"} {
				if !configKeyApplies(c.backend, k) && cfg.values[k] != configDefaults[k] {
					t.Errorf("%s: %s=%s kept, want the default %s", c.backend, k, cfg.values[k], configDefaults[k])
				}
			}
		}
		if len(got) != len(c.want) {
			t.Fatalf("%s: runs %q, want %q", c.backend, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: run %d is %q, want %q", c.backend, i, got[i], c.want[i])
			}
		}
	}
}
