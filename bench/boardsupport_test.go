// boardsupport_test.go: the board support folder's validation (every
// refusal names the folder and the problem), its names fuzzed, and how the
// user's files replace the target's in a firmware's sources.

package bench_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/project"
	"github.com/tinygen/tinygen/targets"
)

// boardDir makes a folder holding files (name to content).
func boardDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadBoardSupport(t *testing.T) {
	dir := boardDir(t, map[string]string{"tg_board.c": "board", "tg_startup.c": "startup", "nucleo-f446.ld": "script"})
	b, err := bench.LoadBoardSupport(dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(b.Board) != "board" || string(b.Startup) != "startup" || string(b.Script) != "script" || b.ScriptName != "nucleo-f446.ld" {
		t.Errorf("loaded %+v", b)
	}
	only, err := bench.LoadBoardSupport(boardDir(t, map[string]string{"tg_board.c": "board"}))
	if err != nil {
		t.Fatal(err)
	}
	if only.Startup != nil || only.Script != nil || only.ScriptName != "" {
		t.Errorf("tg_board.c alone: %+v", only)
	}
}

func TestLoadBoardSupportErrors(t *testing.T) {
	big := strings.Repeat("x", bench.MaxBoardFileBytes+1)
	file := filepath.Join(t.TempDir(), "tg_board.c")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.ld")
	if err := os.WriteFile(secret, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	linkToSecret := boardDir(t, map[string]string{"tg_board.c": "b"})
	if err := os.Symlink(secret, filepath.Join(linkToSecret, "board.ld")); err != nil {
		t.Fatal(err)
	}
	linkToFolder := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(boardDir(t, map[string]string{"tg_board.c": "b"}), linkToFolder); err != nil {
		t.Fatal(err)
	}
	withFolder := boardDir(t, map[string]string{"tg_board.c": "b"})
	if err := os.Mkdir(filepath.Join(withFolder, "inc"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, want string
	}{
		{"missing tg_board.c", boardDir(t, map[string]string{"tg_startup.c": "s"}), "no tg_board.c"},
		{"empty folder", t.TempDir(), "no tg_board.c"},
		{"too large", boardDir(t, map[string]string{"tg_board.c": big}), "larger than the 1048576-byte limit"},
		{"not a folder", file, "not a folder"},
		{"no such folder", filepath.Join(t.TempDir(), "nope"), "no such folder"},
		{"folder through a link", linkToFolder, "is a symbolic link"},
		{"link out of the folder", linkToSecret, `"board.ld" is a symbolic link, not a regular file`},
		{"subfolder", withFolder, `"inc" is a folder, not a regular file`},
		{"tg_board.h", boardDir(t, map[string]string{"tg_board.c": "b", "tg_board.h": "h"}), "tinygen generates tg_board.h"},
		{"unknown file", boardDir(t, map[string]string{"tg_board.c": "b", "uart.c": "u"}), `"uart.c" is not board support`},
		{"hidden file", boardDir(t, map[string]string{"tg_board.c": "b", ".DS_Store": "u"}), "hidden files are not board support"},
		{"two scripts", boardDir(t, map[string]string{"tg_board.c": "b", "a.ld": "1", "b.ld": "2"}), "two linker scripts, a.ld and b.ld"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bench.LoadBoardSupport(tc.dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.dir) {
				t.Errorf("error %v, want one naming %s and saying %q", err, tc.dir, tc.want)
			}
		})
	}
}

func TestCheckBoardFileName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"tg_board.c", true},
		{"tg_startup.c", true},
		{"STM32F446RE_FLASH.ld", true},
		{"nrf52840-dk.v2.ld", true},
		{"../tg_board.c", false},
		{"../../etc/passwd.ld", false},
		{"sub/board.ld", false},
		{`..\board.ld`, false},
		{"..", false},
		{".", false},
		{"", false},
		{".ld", false},
		{"a b.ld", false},
		{"board.ld\n", false},
		{"tg_board.h", false},
		{"main.c", false},
		{strings.Repeat("a", 101) + ".ld", false},
	}
	for _, tc := range tests {
		err := bench.CheckBoardFileName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("CheckBoardFileName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// FuzzCheckBoardFileName: a name that passes is always a plain,
// printable file name that stays in the folder.
func FuzzCheckBoardFileName(f *testing.F) {
	for _, s := range []string{"tg_board.c", "tg_startup.c", "board.ld", "../x.ld", "a/b.ld", ".ld", "..", "x\x00.ld", "é.ld"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := bench.CheckBoardFileName(name)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if filepath.Base(name) != name || strings.HasPrefix(name, ".") || !utf8.ValidString(name) ||
			strings.ContainsAny(name, "/\\\x00\n ") || len(name) > 103 {
			t.Fatalf("accepted %q", name)
		}
	})
}

func TestBoardSupportApply(t *testing.T) {
	tg, err := targets.Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	support, err := tg.SupportFiles()
	if err != nil {
		t.Fatal(err)
	}
	files := []project.File{{Name: "model.c", Data: []byte("model")}}
	for _, f := range support {
		files = append(files, project.File{Name: f.Name, Data: f.Data})
	}
	files = append(files, project.File{Name: targets.LinkerScriptName, Data: []byte("theirs")})
	b, err := bench.LoadBoardSupport(boardDir(t, map[string]string{"tg_board.c": "mine", "board.ld": "my script"}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Apply(files)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]byte{}
	for _, f := range got {
		byName[f.Name] = f.Data
	}
	if len(got) != len(files) || string(byName["tg_board.c"]) != "mine" || string(byName[targets.LinkerScriptName]) != "my script" ||
		string(byName["model.c"]) != "model" {
		t.Errorf("applied: %d files, tg_board.c %q, script %q", len(got), byName["tg_board.c"], byName[targets.LinkerScriptName])
	}
	for _, f := range support {
		if f.Name != "tg_board.c" && !bytes.Equal(byName[f.Name], f.Data) {
			t.Errorf("%s changed, want the target's (no user file for it)", f.Name)
		}
	}
	if _, err := b.Apply([]project.File{{Name: "fw.c"}}); err == nil || !strings.Contains(err.Error(), "no tg_board.c to replace") {
		t.Errorf("firmware without tg_board.c: %v", err)
	}
}

// TestBoardSupportForeignFirmware: a finished ELF or a firmware with a
// build of its own (TFLM) cannot take the user's board support; the run
// fails before anything is built or flashed.
func TestBoardSupportForeignFirmware(t *testing.T) {
	tg, err := targets.Get("cortex-m4")
	if err != nil {
		t.Fatal(err)
	}
	b, err := bench.LoadBoardSupport(boardDir(t, map[string]string{"tg_board.c": "mine"}))
	if err != nil {
		t.Fatal(err)
	}
	built := false
	tests := []struct {
		job  bench.Job
		want string
	}{
		{bench.Job{ID: "fw-elf", ELF: "fw.elf"}, "is a finished ELF with its own board support"},
		{bench.Job{ID: "m-tflm", Backend: "tflm", Build: func(context.Context, string, func(string, ...string)) (string, error) {
			built = true
			return "", nil
		}}, "run m-tflm builds its own firmware (backend tflm)"},
	}
	for _, tc := range tests {
		j := tc.job
		j.Target, j.Dir = tg, filepath.Join(t.TempDir(), j.ID)
		r := (&bench.Runner{Serial: &bench.Serial{Port: "tcp:127.0.0.1:1", Board: b}}).Run(context.Background(), []*bench.Job{&j})[0]
		if r.Status != bench.StatusFailed || !strings.Contains(r.Error, tc.want) || !strings.Contains(r.Error, b.Dir) {
			t.Errorf("%s: %s: %s", j.ID, r.Status, r.Error)
		}
	}
	if built {
		t.Error("the TFLM firmware was built")
	}
}
