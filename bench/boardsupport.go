// boardsupport.go: a user's own board support for a real board (bench
// --board-support DIR): tg_board.c, optionally tg_startup.c and one
// linker script, validated and read once, then put into every run's
// sources in place of the target's simulated board's.

package bench

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tinygen/tinygen/internal/readfile"
	"github.com/tinygen/tinygen/project"
	"github.com/tinygen/tinygen/targets"
)

// Limits of a board support folder.
const (
	// MaxBoardFileBytes bounds each file of a board support folder.
	MaxBoardFileBytes = 1 << 20
	// maxBoardEntries bounds how many entries of the folder are looked
	// at before it is refused (a folder of a million files must not be
	// listed in full).
	maxBoardEntries = 64
)

// The board support files a user may bring (docs/bench-protocol.md,
// "Board support for a real board").
const (
	// BoardFile implements tg_board.h; required.
	BoardFile = "tg_board.c"
	// StartupFile replaces the target's startup code; optional.
	StartupFile = "tg_startup.c"
	// boardHeader is tinygen's API, always generated.
	boardHeader = "tg_board.h"
)

// BoardSupport is a user's board support, read and validated by
// LoadBoardSupport.
type BoardSupport struct {
	// Dir is the folder it was read from (for messages).
	Dir string
	// Board and Startup are tg_board.c and tg_startup.c (Startup nil when
	// the folder has none: the target's startup code is kept).
	Board, Startup []byte
	// Script is the linker script and ScriptName its name in Dir (nil and
	// "" when the folder has none: the target's script is kept). It is
	// written into run folders as targets.LinkerScriptName.
	Script     []byte
	ScriptName string
}

// LoadBoardSupport reads and validates the board support folder dir: a
// folder (not a link to one) holding regular files only, tg_board.c,
// optionally tg_startup.c and at most one linker script NAME.ld, each at
// most MaxBoardFileBytes. Anything else in it is an error naming the
// folder and the file: a stray file would otherwise look used and not be.
func LoadBoardSupport(dir string) (*BoardSupport, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("--board-support %s: "+format, append([]any{dir}, args...)...)
	}
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fail("no such folder")
	case err != nil:
		return nil, fail("%v", err)
	case st.Mode()&fs.ModeSymlink != 0:
		return nil, fail("is a symbolic link; name the folder itself")
	case !st.IsDir():
		return nil, fail("not a folder (a board support folder holds %s, optionally %s and one NAME.ld)", BoardFile, StartupFile)
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, fail("%v", err)
	}
	entries, err := f.ReadDir(maxBoardEntries + 1)
	f.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fail("listing: %v", err)
	}
	if len(entries) > maxBoardEntries {
		return nil, fail("more than %d entries; a board support folder holds at most 3 files", maxBoardEntries)
	}
	sort.Slice(entries, func(a, b int) bool { return entries[a].Name() < entries[b].Name() })
	b := &BoardSupport{Dir: dir}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() {
			return nil, fail("%q is %s, not a regular file (the folder holds %s, optionally %s and one NAME.ld)",
				name, readfile.Kind(e.Type()), BoardFile, StartupFile)
		}
		if err := CheckBoardFileName(name); err != nil {
			return nil, fail("%v", err)
		}
		data, err := readfile.Read(filepath.Join(dir, name), "board support", MaxBoardFileBytes)
		if err != nil {
			return nil, fmt.Errorf("--board-support: %w", err)
		}
		switch {
		case name == BoardFile:
			b.Board = data
		case name == StartupFile:
			b.Startup = data
		default: // NAME.ld, as CheckBoardFileName allows
			if b.ScriptName != "" {
				return nil, fail("two linker scripts, %s and %s; keep one", b.ScriptName, name)
			}
			b.Script, b.ScriptName = data, name
		}
	}
	if b.Board == nil {
		return nil, fail("no %s (the functions of the generated tg_board.h for your board; see docs/bench-protocol.md)", BoardFile)
	}
	return b, nil
}

// CheckBoardFileName accepts the names a board support folder may hold:
// tg_board.c, tg_startup.c and NAME.ld with NAME of letters, digits, '.',
// '_' and '-' (no folders, no hidden files, at most 100 bytes). The error
// says what is wrong with name.
func CheckBoardFileName(name string) error {
	q := fmt.Sprintf("%q", name)
	switch {
	case name == BoardFile || name == StartupFile:
		return nil
	case name == boardHeader:
		return fmt.Errorf("%s: tinygen generates tg_board.h (the API the harness compiles against); remove it from the folder", q)
	case name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`):
		return fmt.Errorf("%s is not a plain file name", q)
	case len(name) > 100:
		return fmt.Errorf("%s: name longer than 100 bytes", q[:40]+"…")
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("%s: hidden files are not board support; remove it", q)
	}
	base, ok := strings.CutSuffix(name, ".ld")
	if !ok || base == "" {
		return fmt.Errorf("%s is not board support (allowed: %s, %s, one NAME.ld)", q, BoardFile, StartupFile)
	}
	for _, r := range base {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("%s: a linker script's name may hold only letters, digits, '.', '_' and '-'", q)
		}
	}
	return nil
}

// Apply returns files (a bench firmware's sources, as project.Bench made
// them) with the target's tg_board.c, and tg_startup.c and linker script
// where the user has them, replaced by the user's. The generated
// tg_board.h stays. It is an error when files has no tg_board.c to
// replace (a firmware that is not tinygen's bench firmware).
func (b *BoardSupport) Apply(files []project.File) ([]project.File, error) {
	out := make([]project.File, 0, len(files)+2)
	var haveBoard, haveStartup, haveScript bool
	for _, f := range files {
		switch {
		case f.Name == BoardFile:
			f.Data, haveBoard = b.Board, true
		case f.Name == StartupFile:
			haveStartup = true
			if b.Startup != nil {
				f.Data = b.Startup
			}
		case f.Name == targets.LinkerScriptName:
			haveScript = true
			if b.Script != nil {
				f.Data = b.Script
			}
		}
		out = append(out, f)
	}
	if !haveBoard {
		return nil, fmt.Errorf("--board-support %s: the firmware has no %s to replace", b.Dir, BoardFile)
	}
	if b.Startup != nil && !haveStartup {
		out = append(out, project.File{Name: StartupFile, Data: b.Startup})
	}
	if b.Script != nil && !haveScript {
		return nil, fmt.Errorf("--board-support %s: the target links without a linker script; %s cannot replace one", b.Dir, b.ScriptName)
	}
	return out, nil
}

// job returns a copy of j whose sources carry the user's board support.
// A finished ELF (bench --elf) or a firmware with a build of its own
// (TFLM) brings its own board support, so it is an error.
func (b *BoardSupport) job(j *Job) (*Job, error) {
	switch {
	case j.ELF != "":
		return nil, fmt.Errorf("--board-support %s: %s is a finished ELF with its own board support", b.Dir, j.ELF)
	case j.Build != nil:
		return nil, fmt.Errorf("--board-support %s: run %s builds its own firmware (backend %s) with the target's board support; only tinygen's firmware takes yours", b.Dir, j.ID, j.Backend)
	}
	files, err := b.Apply(j.Files)
	if err != nil {
		return nil, err
	}
	c := *j
	c.Files = files
	return &c, nil
}
