package bench

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tinygen/tinygen/internal/readfile"
)

// Baseline is one row measured elsewhere, read from a CSV file such as
// ../shared/baselines/tflm-cortex-m4.csv. Numbers the file does not give
// are -1.
type Baseline struct {
	// Model names the model as the file does (aww, vww, micro_kws_m_static_fp32.onnx).
	Model string
	// SHA256 is the model file's hash when the file gives it.
	SHA256 string
	// Variant names what was measured: tflm-ref, tflm-cmsisnn, onnx2c
	// (the file name's first word when the file has no variant column).
	Variant string
	// Platform describes the machine when the file says (tflm-host.csv).
	Platform string
	// Target is the target the row was measured on (from the file name
	// or a target column).
	Target string
	// Setup and Invoke are the instruction counts of initialisation and
	// one inference.
	Setup, Invoke int64
	// ROMText, ROMRodata and ROMData are the flash sections in bytes;
	// RAMData and RAMBss the RAM sections; Arena the tensor arena in use.
	ROMText, ROMRodata, ROMData int64
	RAMData, RAMBss, Arena      int64
	// Source is the file the row came from.
	Source string
	// Requested is set for rows of a file the user named (bench
	// --baseline), as opposed to the shared folder's files added by
	// default: a requested file that matches nothing is always warned about.
	Requested bool `json:"-"`
}

// ROM returns text + rodata + data, or -1 if a part is unknown.
func (b Baseline) ROM() int64 { return sum(b.ROMText, b.ROMRodata, b.ROMData) }

// RAM returns data + bss, or -1 if a part is unknown.
func (b Baseline) RAM() int64 { return sum(b.RAMData, b.RAMBss) }

func sum(xs ...int64) int64 {
	var s int64
	for _, x := range xs {
		if x < 0 {
			return -1
		}
		s += x
	}
	return s
}

// baselineColumns maps the accepted CSV header names to fields.
var baselineColumns = map[string]string{
	"model": "model", "model_file": "model", "model_sha256": "sha256", "sha256": "sha256",
	"variant": "variant", "peer": "variant", "platform": "platform", "backend": "variant", "target": "target",
	"setup_instructions": "setup", "init_instructions": "setup",
	"invoke_instructions": "invoke", "inference_instructions": "invoke",
	"rom_text": "rom_text", "rom_rodata": "rom_rodata", "rom_data": "rom_data",
	"ram_data": "ram_data", "ram_bss": "ram_bss", "arena_used": "arena", "arena": "arena",
}

// TargetFromFileName guesses the target of a baseline file from its name:
// the part after the first '-' of "<variant>-<target>.csv"
// (tflm-cortex-m4.csv → cortex-m4), or "" if there is none.
func TargetFromFileName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	_, target, ok := strings.Cut(base, "-")
	if !ok {
		return ""
	}
	return target
}

// maxBaselineBytes bounds a baseline CSV file.
const maxBaselineBytes = 64 << 20

// ReadBaselines reads a baseline CSV file. The header names the columns
// (any order; unknown columns are ignored); a model column is required.
// Rows without a target column get target, or the target in the file name
// when target is empty; rows without a variant column get the file name's
// first word (tflm-host.csv → tflm).
func ReadBaselines(path, target string) ([]Baseline, error) {
	data, err := readfile.Read(path, "baseline", maxBaselineBytes)
	if err != nil {
		return nil, err
	}
	if target == "" {
		target = TargetFromFileName(path)
	}
	variant, _, _ := strings.Cut(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), "-")
	rows, err := parseBaselines(bytes.NewReader(data), target, variant)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i := range rows {
		rows[i].Source = path
	}
	return rows, nil
}

func parseBaselines(r io.Reader, target, variant string) ([]Baseline, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		if f, ok := baselineColumns[strings.ToLower(strings.TrimSpace(h))]; ok {
			if _, dup := col[f]; !dup {
				col[f] = i
			}
		}
	}
	if _, ok := col["model"]; !ok {
		return nil, fmt.Errorf("no model column in the header %q", strings.Join(header, ","))
	}
	var out []Baseline
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		get := func(f string) string {
			if i, ok := col[f]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		num := func(f string) (int64, error) {
			s := get(f)
			if s == "" {
				return -1, nil
			}
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("line %d: column %s: %q is not a non-negative integer", line, f, s)
			}
			return v, nil
		}
		b := Baseline{Model: get("model"), SHA256: strings.ToLower(get("sha256")), Variant: get("variant"),
			Platform: get("platform"), Target: get("target")}
		if b.Variant == "" {
			b.Variant = variant
		}
		if b.Model == "" {
			return nil, fmt.Errorf("line %d: empty model", line)
		}
		if b.Target == "" {
			b.Target = target
		}
		for _, p := range []struct {
			field string
			dst   *int64
		}{{"setup", &b.Setup}, {"invoke", &b.Invoke}, {"rom_text", &b.ROMText}, {"rom_rodata", &b.ROMRodata},
			{"rom_data", &b.ROMData}, {"ram_data", &b.RAMData}, {"ram_bss", &b.RAMBss}, {"arena", &b.Arena}} {
			v, err := num(p.field)
			if err != nil {
				return nil, err
			}
			*p.dst = v
		}
		out = append(out, b)
	}
}
