package targets

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds target descriptions to the loader: one fuzzed file next
// to the real cortex-m base, so that inheritance is exercised too. Load
// must return a catalog or an error, never panic or loop.
func FuzzLoad(f *testing.F) {
	sub, err := fs.Sub(dataFS, "data")
	if err != nil {
		f.Fatal(err)
	}
	base, err := fs.ReadFile(sub, "cortex-m.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range []string{"cortex-m4.json", "nano33ble.json", "rv32imc.json", "host.json", "arduino-uno.json", "arduino-nano33ble.json"} {
		data, err := fs.ReadFile(sub, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"name": "x", "inherits": "x"}`))
	f.Add([]byte(`{"name": "cortex-m", "inherits": "y"}`))
	f.Add([]byte(`{"name": "t", "inherits": "cortex-m", "flash": {"origin": "0xffffffffffffffff", "size": "16 EiB"}}`))
	f.Add([]byte(`[1, 2`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"cortex-m.json": &fstest.MapFile{Data: base},
			"fuzz.json":     &fstest.MapFile{Data: data},
		}
		c, err := Load(fsys)
		if err != nil {
			return
		}
		for _, tg := range c.All() {
			if _, err := tg.LinkerScript(); err != nil && tg.BareMetal() {
				t.Logf("%s: %v", tg.Name, err)
			}
			_, _ = tg.SupportFiles()
		}
	})
}
