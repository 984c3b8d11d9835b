// This file is the content-addressed object cache: every TFLM translation
// unit is compiled once per (tree stamp, compiler and its version, flags,
// source), shared by every firmware, run and invocation.
package tflm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// CacheEnvVar overrides the object cache folder
// (default os.UserCacheDir()/tinygen/tflm).
const CacheEnvVar = "TINYGEN_TFLM_CACHE"

// compileTimeout bounds one compiler invocation.
const compileTimeout = 10 * time.Minute

// DefaultCacheDir returns $TINYGEN_TFLM_CACHE, or
// os.UserCacheDir()/tinygen/tflm (the temporary folder when there is no
// user cache folder).
func DefaultCacheDir() string {
	if d := os.Getenv(CacheEnvVar); d != "" {
		return d
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "tinygen", "tflm")
}

// Cache compiles translation units into a folder of objects named by the
// hash of everything that determines them. Objects are written to a
// temporary file and renamed into place, so concurrent invocations never
// see a partial object; within one Cache, a unit wanted by several jobs at
// once is compiled once. Compiles run at most Jobs at a time, under nice
// when it is installed.
type Cache struct {
	// Dir is the cache folder (created on first use).
	Dir string
	// Jobs bounds the compiler processes run at once (1 if < 1).
	Jobs int

	once     sync.Once
	sem      chan struct{}
	mu       sync.Mutex
	inflight map[string]*compileCall
	versions map[string]string
	// Compiled and Hits count objects compiled and found (for reports and
	// tests).
	Compiled, Hits int
}

type compileCall struct {
	done chan struct{}
	path string
	err  error
}

// NewCache returns a cache in dir running at most jobs compiles at once.
func NewCache(dir string, jobs int) *Cache { return &Cache{Dir: dir, Jobs: jobs} }

func (c *Cache) init() {
	c.once.Do(func() {
		c.sem = make(chan struct{}, max(c.Jobs, 1))
		c.inflight = map[string]*compileCall{}
		c.versions = map[string]string{}
	})
}

// compilerVersion returns the first line of `compiler --version`,
// memoised.
func (c *Cache) compilerVersion(ctx context.Context, compiler string) (string, error) {
	c.mu.Lock()
	v, ok := c.versions[compiler]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	out, err := runTool(ctx, time.Minute, "", nil, compiler, "--version")
	if err != nil {
		return "", err
	}
	v, _, _ = strings.Cut(string(out), "\n")
	c.mu.Lock()
	c.versions[compiler] = v
	c.mu.Unlock()
	return v, nil
}

// objectKey hashes everything that determines an object.
func objectKey(stamp, compiler, version string, args []string, src string) string {
	h := sha256.New()
	fmt.Fprintf(h, "tinygen-tflm-object-v1\x00%s\x00%s\x00%s\x00%s\x00", stamp, compiler, version, src)
	for _, a := range args {
		fmt.Fprintf(h, "%s\x00", a)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Object returns the cached object of src (relative to the tree) compiled
// with compiler and args, compiling it first when needed. The compiler
// runs in the tree's folder.
func (c *Cache) Object(ctx context.Context, tr *Tree, compiler string, args []string, src string) (string, error) {
	return c.object(ctx, tr, tr.Dir, compiler, args, src, src)
}

// GeneratedObject is Object for a generated source file src in dir (the
// firmware's main): the key hashes the contents of src and of the local
// headers it includes (deps, in dir) instead of the source's path, so
// the same main for another model file (an offline-planned copy) or a
// second run is compiled once.
func (c *Cache) GeneratedObject(ctx context.Context, tr *Tree, dir, compiler string, args []string, src string, deps ...string) (string, error) {
	h := sha256.New()
	for _, name := range append([]string{src}, deps...) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
	return c.object(ctx, tr, dir, compiler, args, src, "generated:"+hex.EncodeToString(h.Sum(nil)))
}

func (c *Cache) object(ctx context.Context, tr *Tree, dir, compiler string, args []string, src, id string) (string, error) {
	c.init()
	version, err := c.compilerVersion(ctx, compiler)
	if err != nil {
		return "", err
	}
	key := objectKey(tr.Stamp, compiler, version, args, id)
	path := filepath.Join(c.Dir, "objects", key[:2], key+".o")
	c.mu.Lock()
	if call, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-call.done:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		return call.path, call.err
	}
	call := &compileCall{done: make(chan struct{})}
	c.inflight[key] = call
	c.mu.Unlock()
	call.path, call.err = c.compile(ctx, dir, compiler, args, src, path)
	if call.err != nil {
		// A failure (a time-out, Ctrl-C) is not remembered.
		c.mu.Lock()
		delete(c.inflight, key)
		c.mu.Unlock()
	}
	close(call.done)
	return call.path, call.err
}

func (c *Cache) compile(ctx context.Context, dir, compiler string, args []string, src, path string) (string, error) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
		c.mu.Lock()
		c.Hits++
		c.mu.Unlock()
		return path, nil
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.sem }()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("TFLM object cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.o")
	if err != nil {
		return "", fmt.Errorf("TFLM object cache: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName) // gone after the rename
	full := append(append([]string{}, args...), "-c", src, "-o", tmpName)
	name, full := niced(compiler, full)
	if _, err := runTool(ctx, compileTimeout, dir, nil, name, full...); err != nil {
		return "", fmt.Errorf("compiling TFLM %s: %w", src, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return "", fmt.Errorf("TFLM object cache: %w", err)
	}
	c.mu.Lock()
	c.Compiled++
	c.mu.Unlock()
	return path, nil
}

// niced prefixes a command with `nice -n 10` when nice is installed: the
// TFLM build is the heaviest thing bench does.
func niced(name string, args []string) (string, []string) {
	if n, err := exec.LookPath("nice"); err == nil {
		return n, append([]string{"-n", "10", name}, args...)
	}
	return name, args
}
