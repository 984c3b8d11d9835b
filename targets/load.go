package targets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// rawFile is one target file as read: its name (the file name without
// .json) and its top-level fields, numbers kept as json.Number.
type rawFile struct {
	name   string
	file   string
	fields map[string]any
}

// notInherited are the fields that belong to one file only.
var notInherited = []string{"name", "inherits", "abstract"}

// readFiles reads every *.json file at the root of fsys.
func readFiles(fsys fs.FS) (map[string]*rawFile, error) {
	matches, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("targets: listing data: %w", err)
	}
	if len(matches) == 0 {
		return nil, errors.New("targets: no target files (*.json) in the data")
	}
	files := make(map[string]*rawFile, len(matches))
	var errs []error
	for _, m := range matches {
		data, err := fs.ReadFile(fsys, m)
		if err != nil {
			errs = append(errs, fmt.Errorf("targets: %w", err))
			continue
		}
		fields, err := decodeObject(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("targets: %s: %w", m, err))
			continue
		}
		name := strings.TrimSuffix(path.Base(m), ".json")
		if !validName(name) {
			errs = append(errs, fmt.Errorf("targets: %s: invalid target name %q (use a-z, 0-9, '.', '_', '-')", m, name))
			continue
		}
		files[name] = &rawFile{name: name, file: m, fields: fields}
	}
	return files, errors.Join(errs...)
}

// decodeObject parses one JSON object and refuses trailing data.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if m == nil {
		return nil, errors.New("invalid JSON: want an object, got null")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: data after the object")
	}
	return m, nil
}

// resolved is the outcome of resolving one file's inheritance.
type resolved struct {
	fields  map[string]any
	parents []string
	err     error
}

// resolver resolves inheritance with memoisation and cycle detection.
type resolver struct {
	files map[string]*rawFile
	done  map[string]*resolved
}

func (r *resolver) resolve(name string, stack []string) *resolved {
	if res, ok := r.done[name]; ok {
		return res
	}
	for i, s := range stack {
		if s == name {
			cycle := append(append([]string(nil), stack[i:]...), name)
			return &resolved{err: fmt.Errorf("inheritance cycle %s", strings.Join(cycle, " -> "))}
		}
	}
	f := r.files[name]
	res := &resolved{}
	defer func() { r.done[name] = res }()
	parentField, ok := f.fields["inherits"]
	if !ok || parentField == nil {
		res.fields = merge(nil, f.fields)
		return res
	}
	parent, ok := parentField.(string)
	if !ok || parent == "" {
		res.err = fmt.Errorf("inherits: want a target name, got %v", parentField)
		return res
	}
	if _, ok := r.files[parent]; !ok {
		res.err = fmt.Errorf("inherits: unknown target %q", parent)
		return res
	}
	pres := r.resolve(parent, append(stack[:len(stack):len(stack)], name))
	if pres.err != nil {
		res.err = fmt.Errorf("inherits %s: %w", parent, pres.err)
		return res
	}
	base := merge(nil, pres.fields)
	for _, k := range notInherited {
		delete(base, k)
	}
	res.fields = merge(base, f.fields)
	res.parents = append([]string{parent}, pres.parents...)
	return res
}

// merge returns dst overridden by src: objects merge key by key, an
// explicit null deletes, anything else replaces. Neither input is
// modified.
func merge(dst, src map[string]any) map[string]any {
	out := make(map[string]any, len(dst)+len(src))
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range src {
		if v == nil {
			delete(out, k)
			continue
		}
		sm, sok := v.(map[string]any)
		dm, dok := out[k].(map[string]any)
		switch {
		case sok && dok:
			out[k] = merge(dm, sm)
		case sok:
			out[k] = merge(nil, sm)
		default:
			out[k] = v
		}
	}
	return out
}

// resolveAll resolves, decodes and validates every file.
func resolveAll(files map[string]*rawFile) (*Catalog, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	r := &resolver{files: files, done: map[string]*resolved{}}
	c := &Catalog{targets: map[string]*Target{}, abstract: map[string][]string{}}
	var errs []error
	for _, n := range names {
		f := files[n]
		res := r.resolve(n, nil)
		if res.err != nil {
			errs = append(errs, fmt.Errorf("targets: %s: %w", f.file, res.err))
			continue
		}
		raw, err := decodeTarget(res.fields)
		if err != nil {
			errs = append(errs, fmt.Errorf("targets: %s: %w", f.file, err))
			continue
		}
		if own, _ := f.fields["name"].(string); own != n {
			errs = append(errs, fmt.Errorf("targets: %s: name %q does not match the file name (want %q)", f.file, own, n))
			continue
		}
		if raw.Abstract {
			c.abstract[n] = nil
			continue
		}
		t, err := raw.target(res.parents)
		if err != nil {
			errs = append(errs, fmt.Errorf("targets: %s: %w", f.file, err))
			continue
		}
		c.targets[n] = t
	}
	for _, n := range names {
		t, ok := c.targets[n]
		if !ok {
			continue
		}
		for _, p := range t.Parents {
			if _, ok := c.abstract[p]; ok {
				c.abstract[p] = append(c.abstract[p], n)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(c.targets) == 0 {
		return nil, errors.New("targets: the data has no concrete target")
	}
	return c, nil
}

// decodeTarget turns merged fields into a rawTarget, refusing unknown
// fields and wrong types.
func decodeTarget(fields map[string]any) (*rawTarget, error) {
	data, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("re-encoding merged fields: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var raw rawTarget
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	return &raw, nil
}
