// deploy_test.go: the deploy project files, table-driven: which files each
// kind writes, that equal inputs give equal bytes, that names from the
// model reach the files only as identifiers, and the refusals.

package project

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/targets"
)

func target(t *testing.T, name string) *targets.Target {
	t.Helper()
	tg, err := targets.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func sampleDeploy(t *testing.T, kind, tname string) *Deploy {
	return &Deploy{Kind: kind, Target: target(t, tname), Model: "kws",
		ModelFiles: []File{{Name: "kws.c", Data: []byte("/* model */\n")}, {Name: "kws.h", Data: []byte("/* api */\n")},
			{Name: "tg_port.h", Data: []byte("/* port */\n")}, {Name: "tg_add_f32.c", Data: []byte("#include <math.h>\n")}},
		Inputs: []int{3}, Outputs: []int{2, 8}, OutputTypes: []string{"int8", "float32"}, RTol: 1e-5, ATol: 1e-6,
		Sample:    Vector{Inputs: [][]byte{{1, 2, 3}}, Outputs: [][]byte{{4, 5}, {0, 0, 128, 63, 0, 0, 0, 64}}},
		Generator: "tinygen (test)"}
}

func names(files []File) string {
	var n []string
	for _, f := range files {
		n = append(n, f.Name)
	}
	return strings.Join(n, " ")
}

func TestDeployFiles(t *testing.T) {
	tests := []struct {
		kind, target string
		want         []string
	}{
		{KindArduino, "arduino-uno", []string{"kws/kws.ino", "README.md", "kws/src/kws.c", "kws/src/tg_deploy.c", "kws/src/tg_deploy.h", "kws/src/tg_port.h"}},
		{KindArduino, "arduino-nano33ble", []string{"kws/kws.ino", "kws/src/tg_deploy.c"}},
		{KindBaremetal, "cortex-m4", []string{"Makefile", "README.md", "tg_link.ld", "tg_startup.c", "tg_board.c", "tg_board.h", "tg_deploy_main.c", "kws.c"}},
		{KindBaremetal, "rv32imc", []string{"Makefile", "tg_link.ld", "tg_startup.c"}},
		{KindCMake, "host", []string{"CMakeLists.txt", "README.md", "tg_deploy_main.c", "tg_deploy.c", "kws.c"}},
		{KindZephyr, "cortex-m4", []string{"CMakeLists.txt", "prj.conf", "README.md", "src/main.c", "src/kws.c", "src/tg_deploy.c"}},
	}
	for _, tc := range tests {
		t.Run(tc.kind+"/"+tc.target, func(t *testing.T) {
			files, err := sampleDeploy(t, tc.kind, tc.target).Files()
			if err != nil {
				t.Fatal(err)
			}
			got := " " + names(files) + " "
			for _, w := range tc.want {
				if !strings.Contains(got, " "+w+" ") {
					t.Errorf("files %s lack %s", got, w)
				}
			}
			again, err := sampleDeploy(t, tc.kind, tc.target).Files()
			if err != nil {
				t.Fatal(err)
			}
			for i := range files {
				if files[i].Name != again[i].Name || !bytes.Equal(files[i].Data, again[i].Data) {
					t.Errorf("%s differs between two renders", files[i].Name)
				}
			}
			for _, f := range files {
				if bytes.Contains(f.Data, []byte("<no value>")) {
					t.Errorf("%s has an unfilled template field", f.Name)
				}
			}
		})
	}
}

func TestDeployC(t *testing.T) {
	d := sampleDeploy(t, KindArduino, "arduino-uno")
	files, err := d.Files()
	if err != nil {
		t.Fatal(err)
	}
	var c string
	for _, f := range files {
		if f.Name == "kws/src/tg_deploy.c" {
			c = string(f.Data)
		}
	}
	for _, w := range []string{
		"#define TG_SAMPLE_DATA PROGMEM", "memcpy_P", "static const uint8_t tg_sample_in0[3] TG_SAMPLE_DATA",
		"tg_check_bytes((const uint8_t *)KWS_OUTPUT0_DATA(&tg_out)", "tg_check_f32((const uint8_t *)KWS_OUTPUT1_DATA(&tg_out)",
		"tg_unused_ram", "2048ul", "#define TG_RUNS 128ul", "TINYGEN-DEPLOY-END status=", "1e-06f + 1e-05f",
	} {
		if !strings.Contains(c, w) {
			t.Errorf("tg_deploy.c lacks %q", w)
		}
	}
	// Elsewhere: no PROGMEM, no RAM probe.
	d = sampleDeploy(t, KindCMake, "host")
	files, err = d.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == "tg_deploy.c" && (bytes.Contains(f.Data, []byte("PROGMEM")) || bytes.Contains(f.Data, []byte("malloc"))) {
			t.Error("the host's tg_deploy.c uses PROGMEM or malloc")
		}
		if f.Name == "CMakeLists.txt" && !bytes.Contains(f.Data, []byte("target_link_libraries(kws PUBLIC m)")) {
			t.Error("CMakeLists.txt does not link libm for a kernel that includes <math.h>")
		}
	}
}

func TestDeployFlashConstants(t *testing.T) {
	d := sampleDeploy(t, KindArduino, "arduino-uno")
	d.FlashConstants = true
	files, err := d.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == "kws/src/tg_port.h" && !bytes.HasPrefix(f.Data, []byte(portConfig)) {
			t.Errorf("tg_port.h:\n%s", f.Data)
		}
	}
	// Not on Arm: the flag is for AVR only.
	d = sampleDeploy(t, KindArduino, "arduino-nano33ble")
	d.FlashConstants = true
	files, err = d.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == "kws/src/tg_port.h" && bytes.Contains(f.Data, []byte("TG_AVR_PROGMEM")) {
			t.Error("the Nano's tg_port.h defines TG_AVR_PROGMEM")
		}
	}
}

func TestDeployRefusals(t *testing.T) {
	tests := []struct {
		name string
		edit func(d *Deploy)
		want string
	}{
		{"unknown kind", func(d *Deploy) { d.Kind = "vxworks" }, `unknown project kind "vxworks"`},
		{"arduino on a QEMU board", func(d *Deploy) { d.Kind, d.Target = KindArduino, target(t, "cortex-m4") }, "not an Arduino board"},
		{"baremetal on the host", func(d *Deploy) { d.Kind, d.Target = KindBaremetal, target(t, "host") }, "use --project cmake"},
		{"baremetal on avr", func(d *Deploy) { d.Kind, d.Target = KindBaremetal, target(t, "arduino-uno") }, "needs a QEMU board"},
		{"negative runs", func(d *Deploy) { d.Runs = -1 }, "--runs -1"},
		{"too many runs", func(d *Deploy) { d.Runs = 1 << 30 }, "is not in [1, 1048576]"},
		{"bad model name", func(d *Deploy) { d.Model = "kws */ evil" }, "not a C identifier"},
		{"wrong sample size", func(d *Deploy) { d.Sample.Inputs[0] = []byte{1} }, "input 0 has 1 bytes, want 3"},
		{"no target", func(d *Deploy) { d.Target = nil }, "without a target"},
		{"model file named like a project file", func(d *Deploy) {
			d.Kind, d.Target = KindCMake, target(t, "host")
			d.ModelFiles = append(d.ModelFiles, File{Name: "CMakeLists.txt"})
		}, "two files named CMakeLists.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := sampleDeploy(t, KindCMake, "host")
			tc.edit(d)
			_, err := d.Files()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestShellJoin(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"qemu-system-arm", "-M", "mps2-an386"}, "qemu-system-arm -M mps2-an386"},
		{[]string{"-sandbox", "on,spawn=deny"}, "-sandbox on,spawn=deny"},
		{[]string{`-DX=__attribute__((section(".r")))`}, `'-DX=__attribute__((section(".r")))'`},
		{[]string{"it's", "$HOME", ""}, `'it'\''s' '$$HOME' ''`},
	}
	for _, tc := range tests {
		if got := shellJoin(tc.args); got != tc.want {
			t.Errorf("shellJoin(%q) = %s, want %s", tc.args, got, tc.want)
		}
	}
}
