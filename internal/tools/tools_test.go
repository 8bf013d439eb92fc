package tools

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPinsFile(t *testing.T) {
	p, err := ParsePins(pinsFile)
	if err != nil {
		t.Fatal(err)
	}
	semver := regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)
	for k, v := range p {
		if !strings.HasSuffix(k, "_VERSION") || !semver.MatchString(v) {
			t.Errorf("pin %s=%s: want KEY_VERSION=vX.Y.Z", k, v)
		}
	}
	// Every tool resolves: no ${KEY} without a pin, no unused pin.
	used := map[string]bool{}
	for name, tool := range Catalog {
		if tool.Name != name {
			t.Errorf("catalog key %s names tool %s", name, tool.Name)
		}
		b := &Builder{Pins: p, Catalog: Catalog}
		if _, err := b.recipe(name); err != nil {
			t.Errorf("tool %s: %v", name, err)
		}
		for _, s := range append(append([]string{"${" + tool.VersionPin + "}", tool.LDFlags, tool.StagingOf, tool.StagingVersion}, tool.Get...), tool.Replace...) {
			for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(s, -1) {
				used[m[1]] = true
			}
		}
	}
	for k := range p {
		if !used[k] {
			t.Errorf("pin %s is used by no tool", k)
		}
	}
	for g, names := range Groups {
		for _, n := range names {
			if _, ok := Catalog[n]; !ok {
				t.Errorf("group %s names unknown tool %s", g, n)
			}
		}
	}
}

func TestParsePinsErrors(t *testing.T) {
	for _, text := range []string{"A", "=v1", "A=", "A=v1\nA=v2"} {
		if _, err := ParsePins(text); err == nil {
			t.Errorf("ParsePins(%q): want an error", text)
		}
	}
	p, err := ParsePins("# comment\n\n A = v1 \n")
	if err != nil || p["A"] != "v1" {
		t.Errorf("ParsePins: got %v, %v", p, err)
	}
}

func TestExpand(t *testing.T) {
	p := Pins{"KUBERNETES_VERSION": "v1.35.4"}
	got, err := p.expand("${KUBERNETES_VERSION} ${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}")
	if err != nil || got != "v1.35.4 1.35" {
		t.Errorf("expand: got %q, %v", got, err)
	}
	if _, err := p.expand("${NOPE}"); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("expand of an unknown pin: got %v, want an error naming it", err)
	}
}

// The cache key changes with anything that shapes the binary, so a changed
// recipe never reuses a stale binary.
func TestRecipeKey(t *testing.T) {
	base := Tool{Name: "x", VersionPin: "X_VERSION", Package: "example.com/x", Get: []string{"example.com/x@${X_VERSION}"}}
	key := func(t Tool, pins Pins) string {
		b := &Builder{Pins: pins, Catalog: map[string]Tool{"x": t}}
		r, err := b.recipe("x")
		if err != nil {
			panic(err)
		}
		return r.Key
	}
	pins := Pins{"X_VERSION": "v1.0.0"}
	k := key(base, pins)
	if k != key(base, Pins{"X_VERSION": "v1.0.0"}) {
		t.Error("the same recipe gave two keys")
	}
	changed := map[string]string{
		"version": key(base, Pins{"X_VERSION": "v1.0.1"}),
		"ldflags": key(func() Tool { c := base; c.LDFlags = "-X a.b=c"; return c }(), pins),
		"tags":    key(func() Tool { c := base; c.Tags = []string{"sqlite"}; return c }(), pins),
		"replace": key(func() Tool { c := base; c.Replace = []string{"a => b v1.0.0"}; return c }(), pins),
		"cgo":     key(func() Tool { c := base; c.CGO = true; return c }(), pins),
	}
	for what, k2 := range changed {
		if k2 == k {
			t.Errorf("changing the %s kept the cache key", what)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "mine")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	b := &Builder{Dir: dir, Pins: DefaultPins(), Catalog: Catalog, Getenv: func(k string) string { return env[k] }}

	if _, err := b.Find("crossplane"); !errors.Is(err, ErrNotBuilt) || !strings.Contains(err.Error(), "hack/tools build crossplane") {
		t.Errorf("Find of a missing tool: got %v, want ErrNotBuilt with how to build it", err)
	}
	if _, err := b.Find("nope"); err == nil || !strings.Contains(err.Error(), "known: ") {
		t.Errorf("Find of an unknown tool: got %v", err)
	}
	env["CROSSPLANE"] = exe
	if p, err := b.Find("crossplane"); err != nil || p != exe {
		t.Errorf("Find with CROSSPLANE set: got %q, %v, want %q", p, err, exe)
	}
	if p, err := b.Ensure(context.Background(), "crossplane"); err != nil || p[0] != exe {
		t.Errorf("Ensure with CROSSPLANE set: got %q, %v, want %q (no build)", p, err, exe)
	}
	env["CROSSPLANE"] = dir
	if _, err := b.Find("crossplane"); err == nil || !strings.Contains(err.Error(), "CROSSPLANE=") {
		t.Errorf("Find with CROSSPLANE naming a directory: got %v, want an error naming the variable", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the builder's progress goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A whole build through the real go command, offline: a wrapper module whose
// main uses only the standard library, with a pinned -X stamp.
func TestEnsureBuilds(t *testing.T) {
	goBin := goCommand(t)
	dir := t.TempDir()
	var log syncBuffer
	b := &Builder{
		Dir: dir, Pins: Pins{"HELLO_VERSION": "v0.1.0"}, Log: &log, Tick: 5 * time.Millisecond, Go: goBin,
		Getenv: func(string) string { return "" },
		Catalog: map[string]Tool{
			"hello": {
				Name: "hello", VersionPin: "HELLO_VERSION", Env: "HELLO", Purpose: "says hello",
				ColdBuild: time.Second, Package: ".",
				Main:    "package main\n\nimport \"fmt\"\n\nvar version string\n\nfunc main() { fmt.Println(\"hello\", version) }\n",
				LDFlags: "-X main.version=${HELLO_VERSION}",
			},
		},
	}
	paths, err := b.Ensure(context.Background(), "hello", "hello")
	if err != nil {
		t.Fatal(err)
	}
	if paths[0] != paths[1] || !strings.HasPrefix(filepath.Base(paths[0]), "hello-v0.1.0-") {
		t.Errorf("paths %v, want one hello-v0.1.0-KEY twice", paths)
	}
	out, err := exec.Command(paths[0]).Output()
	if err != nil || string(out) != "hello v0.1.0\n" {
		t.Errorf("built binary printed %q, %v; want the pinned version stamped", out, err)
	}
	for _, want := range []string{"building hello v0.1.0: says hello", "packages to compile", "built hello v0.1.0 in"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, log.String())
		}
	}
	if p, err := b.Find("hello"); err != nil || p != paths[0] {
		t.Errorf("Find after the build: %q, %v", p, err)
	}
	// Cached: a second Ensure builds nothing and says nothing.
	before := log.String()
	if _, err := b.Ensure(context.Background(), "hello"); err != nil || log.String() != before {
		t.Errorf("second Ensure: %v, logged %q", err, strings.TrimPrefix(log.String(), before))
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".build-*"))
	if len(leftovers) > 0 {
		t.Errorf("wrapper modules left behind: %v", leftovers)
	}
}

func TestEnsureReportsCompileErrors(t *testing.T) {
	goBin := goCommand(t)
	b := &Builder{
		Dir: t.TempDir(), Pins: Pins{"BAD_VERSION": "v1.0.0"}, Go: goBin, Getenv: func(string) string { return "" },
		Catalog: map[string]Tool{"bad": {Name: "bad", VersionPin: "BAD_VERSION", Package: ".", Main: "package main\n\nfunc main() { undefinedCall() }\n"}},
	}
	_, err := b.Ensure(context.Background(), "bad")
	if err == nil || !strings.Contains(err.Error(), "cannot build bad v1.0.0") || !strings.Contains(err.Error(), "undefinedCall") {
		t.Fatalf("got %v, want the tool named and the compiler's message", err)
	}
	if _, err := b.Find("bad"); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("a failed build left a binary: %v", err)
	}
}

func TestIsPackageLine(t *testing.T) {
	for line, want := range map[string]bool{
		"k8s.io/api/core/v1":                       true,
		"runtime":                                  true,
		"# runtime/cgo":                            false,
		"go: downloading k8s.io/api v0.35.4":       false,
		"./main.go:3:14: undefined: undefinedCall": false,
		"": false,
	} {
		if got := isPackageLine(line); got != want {
			t.Errorf("isPackageLine(%q) = %v, want %v", line, got, want)
		}
	}
}

// An interrupted build leaves its wrapper module behind; the next build of
// that tool removes it, and never another tool's (crossplane vs crossplane-core).
func TestEnsureRemovesStaleWrappers(t *testing.T) {
	goBin := goCommand(t)
	dir := t.TempDir()
	stale := filepath.Join(dir, ".build-hello-123")
	other := filepath.Join(dir, ".build-hello-world-456")
	for _, d := range []string{stale, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b := &Builder{
		Dir: dir, Pins: Pins{"HELLO_VERSION": "v0.1.0"}, Go: goBin, Getenv: func(string) string { return "" },
		Catalog: map[string]Tool{"hello": {Name: "hello", VersionPin: "HELLO_VERSION", Package: ".", Main: "package main\n\nfunc main() {}\n"}},
	}
	if _, err := b.Ensure(context.Background(), "hello"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale wrapper %s kept: %v", stale, err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another tool's wrapper was removed: %v", err)
	}
}

// Tools that share a wrapper resolve the same modules, so what they have in
// common compiles once; a change to one member's modules rebuilds all.
func TestSharedWrapper(t *testing.T) {
	catalog := map[string]Tool{
		"a":    {Name: "a", VersionPin: "V", Package: "example.com/a", Get: []string{"example.com/a@${V}"}, Shares: "x"},
		"b":    {Name: "b", VersionPin: "V", Package: "example.com/b", Get: []string{"example.com/b@${V}"}, Replace: []string{"example.com/c => example.com/c v1.0.0"}, Shares: "x", LDFlags: "-X b.v=${V}"},
		"solo": {Name: "solo", VersionPin: "V", Package: "example.com/s", Get: []string{"example.com/s@${V}"}},
	}
	b := &Builder{Pins: Pins{"V": "v1.2.3"}, Catalog: catalog}
	ra, err := b.recipe("a")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := b.recipe("b")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"example.com/a@v1.2.3", "example.com/b@v1.2.3"}
	if !slices.Equal(ra.Get, want) || !slices.Equal(rb.Get, want) {
		t.Errorf("Get: a %v, b %v, want both %v", ra.Get, rb.Get, want)
	}
	if !slices.Equal(ra.Replace, rb.Replace) || len(ra.Replace) != 1 {
		t.Errorf("Replace: a %v, b %v, want b's replace in both", ra.Replace, rb.Replace)
	}
	if ra.LDFlags != "" || rb.LDFlags != "-X b.v=v1.2.3" {
		t.Errorf("LDFlags are per tool: a %q, b %q", ra.LDFlags, rb.LDFlags)
	}
	rs, _ := b.recipe("solo")
	if !slices.Equal(rs.Get, []string{"example.com/s@v1.2.3"}) {
		t.Errorf("a tool that shares nothing got %v", rs.Get)
	}
	c := catalog["b"]
	c.Get = []string{"example.com/b@v9.9.9"}
	catalog["b"] = c
	ra2, _ := b.recipe("a")
	if ra2.Key == ra.Key {
		t.Error("a member's new module version kept the other member's cache key")
	}
	// The catalog's own sharing wrapper: the CLI gets core's pins.
	defaults := &Builder{Pins: DefaultPins(), Catalog: Catalog}
	cli, _ := defaults.recipe("crossplane")
	core, _ := defaults.recipe("crossplane-core")
	if !slices.Equal(cli.Get, core.Get) || !slices.Equal(cli.Replace, core.Replace) {
		t.Errorf("crossplane and crossplane-core resolve differently:\n%v %v\n%v %v", cli.Get, cli.Replace, core.Get, core.Replace)
	}
}

// goCommand is the go command for tests that run real builds; they skip
// under -short or without one.
func goCommand(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go build; not with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	return goBin
}
