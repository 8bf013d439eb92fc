package tools

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/mod/modfile"
)

// A Builder finds tools in its cache directory and builds missing ones.
type Builder struct {
	// Dir is the cache: one binary per tool, NAME-VERSION-RECIPEHASH.
	Dir string
	// Pins and Catalog default to pins.env and the package's Catalog.
	Pins    Pins
	Catalog map[string]Tool
	// Log receives progress; Tick is how often a running build reports.
	Log  io.Writer
	Tick time.Duration
	// Go is the go command; Getenv reads overrides such as CROSSPLANE=path.
	Go     string
	Getenv func(string) string
}

// New returns a Builder over $HOMEPLANE_TOOLS_DIR, else
// $XDG_CACHE_HOME/homeplane/tools (~/.cache/homeplane/tools), logging to
// stderr every 15 seconds.
func New() *Builder {
	return &Builder{
		Dir:     DefaultDir(),
		Pins:    DefaultPins(),
		Catalog: Catalog,
		Log:     os.Stderr,
		Tick:    15 * time.Second,
		Go:      "go",
		Getenv:  os.Getenv,
	}
}

// DefaultDir is the cache directory New uses.
func DefaultDir() string {
	if d := os.Getenv("HOMEPLANE_TOOLS_DIR"); d != "" {
		return d
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = filepath.Join(os.TempDir(), "homeplane-cache")
	}
	return filepath.Join(cache, "homeplane", "tools")
}

// Version returns the pinned version of the tool name.
func (b *Builder) Version(name string) (string, error) {
	r, err := b.recipe(name)
	if err != nil {
		return "", err
	}
	return r.Version, nil
}

// ErrNotBuilt is returned by Find for a tool that is not in the cache.
var ErrNotBuilt = errors.New("not built")

// Find returns the path of the tool name without building it: the binary its
// Env variable names, else the cached build. A tool not yet built is an error
// wrapping ErrNotBuilt that says how to build it.
func (b *Builder) Find(name string) (string, error) {
	r, err := b.recipe(name)
	if err != nil {
		return "", err
	}
	if p := b.override(r.tool); p != "" {
		return p, checkExecutable(p, r.tool.Env)
	}
	p := b.path(r)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s %s: %w at %s: run `go run ./hack/tools build %s` (or `make tools`)", name, r.Version, ErrNotBuilt, p, name)
	}
	return p, nil
}

// Ensure returns the paths of the named tools, in order, building the missing
// ones. Builds have no deadline of their own: ctx only cancels them. While
// one tool compiles the next one's modules download, so a cold machine pays
// for the network and the CPU at the same time.
func (b *Builder) Ensure(ctx context.Context, names ...string) ([]string, error) {
	paths := make([]string, len(names))
	var todo []*job
	for i, n := range names {
		r, err := b.recipe(n)
		if err != nil {
			return nil, err
		}
		if p := b.override(r.tool); p != "" {
			if err := checkExecutable(p, r.tool.Env); err != nil {
				return nil, err
			}
			paths[i] = p
			continue
		}
		paths[i] = b.path(r)
		if _, err := os.Stat(paths[i]); err == nil || slices.ContainsFunc(todo, func(j *job) bool { return j.r.tool.Name == n }) {
			continue
		}
		todo = append(todo, &job{r: r, out: paths[i]})
	}
	if len(todo) == 0 {
		return paths, nil
	}
	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create tools cache: %w", err)
	}
	start := time.Now()
	ready := make(chan *job, len(todo))
	go func() {
		defer close(ready)
		for _, j := range todo {
			j.err = b.prepare(ctx, j)
			ready <- j
			if j.err != nil {
				return
			}
		}
	}()
	var errs []error
	for j := range ready {
		if j.err == nil && !j.cached {
			j.err = b.compile(ctx, j)
		}
		j.cleanup()
		if j.err != nil {
			errs = append(errs, fmt.Errorf("cannot build %s %s: %w", j.r.tool.Name, j.r.Version, j.err))
		}
	}
	// A failed prepare stops the queue: release what it left locked.
	for _, j := range todo {
		j.cleanup()
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(todo) > 1 {
		b.logf("built %d tools in %s", len(todo), since(start))
	}
	return paths, nil
}

// recipe is a Tool with its pins expanded; Key hashes everything that shapes
// the binary, so a changed recipe is a new cache entry, never a stale one.
type recipe struct {
	tool                                       Tool
	Version, Package, Main, LDFlags, StagingOf string
	StagingVersion                             string
	Get, Replace, Tags                         []string
	CGO                                        bool
	// Flags and StripFlags are the go build and linker flags every tool
	// gets (buildFlags, stripFlags), hashed so that changing them rebuilds.
	Flags      []string
	StripFlags string
	Key        string `json:"-"`
}

func (b *Builder) recipe(name string) (recipe, error) {
	t, ok := b.Catalog[name]
	if !ok {
		known := make([]string, 0, len(b.Catalog))
		for k := range b.Catalog {
			known = append(known, k)
		}
		sort.Strings(known)
		return recipe{}, fmt.Errorf("unknown tool %q (known: %s)", name, strings.Join(known, ", "))
	}
	r := recipe{tool: t, Package: t.Package, Main: t.Main, Tags: t.Tags, CGO: t.CGO, Flags: buildFlags, StripFlags: stripFlags}
	var err error
	exp := func(s string) string {
		if err != nil {
			return ""
		}
		var v string
		v, err = b.Pins.expand(s)
		return v
	}
	r.Version = exp("${" + t.VersionPin + "}")
	r.LDFlags = exp(t.LDFlags)
	r.StagingOf = exp(t.StagingOf)
	r.StagingVersion = exp(t.StagingVersion)
	gets, replaces := t.Get, t.Replace
	if t.Shares != "" {
		gets, replaces = nil, nil
		for _, m := range b.sharing(t.Shares) {
			gets = append(gets, m.Get...)
			replaces = append(replaces, m.Replace...)
		}
	}
	for _, g := range gets {
		if v := exp(g); !slices.Contains(r.Get, v) {
			r.Get = append(r.Get, v)
		}
	}
	for _, rp := range replaces {
		if v := exp(rp); !slices.Contains(r.Replace, v) {
			r.Replace = append(r.Replace, v)
		}
	}
	if err != nil {
		return recipe{}, fmt.Errorf("tool %s: %w", name, err)
	}
	js, _ := json.Marshal(r) //nolint:errchkjson // plain strings and bools.
	sum := sha256.Sum256(js)
	r.Key = hex.EncodeToString(sum[:])[:10]
	return r, nil
}

// sharing returns the tools whose Shares is wrapper, by name.
func (b *Builder) sharing(wrapper string) []Tool {
	var ts []Tool
	for _, t := range b.Catalog {
		if t.Shares == wrapper {
			ts = append(ts, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	return ts
}

func (b *Builder) path(r recipe) string {
	return filepath.Join(b.Dir, r.tool.Name+"-"+r.Version+"-"+r.Key)
}

func (b *Builder) override(t Tool) string {
	if t.Env == "" || b.Getenv == nil {
		return ""
	}
	return b.Getenv(t.Env)
}

func checkExecutable(p, env string) error {
	st, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("%s=%s: %w", env, p, err)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("%s=%s is not an executable file", env, p)
	}
	return nil
}

// Tools are run, not debugged: without DWARF the compiler and above all the
// linker do less (the CLI is ~140 MB with it). Stack traces keep their
// function names and lines (pclntab stays).
var (
	buildFlags = []string{"-trimpath", "-gcflags=all=-dwarf=false"}
	stripFlags = "-s -w"
)

// A job is one tool's build: prepare (lock, wrapper module, module
// downloads, package count) then compile.
type job struct {
	r        recipe
	out, src string
	lock     *os.File
	total    int  // packages to compile, standard library included
	local    bool // a package of the current module, not a wrapper
	cached   bool // another process built it while we waited for the lock
	err      error
	once     sync.Once
}

func (j *job) cleanup() {
	j.once.Do(func() {
		if j.src != "" {
			_ = os.RemoveAll(j.src)
		}
		if j.lock != nil {
			_ = j.lock.Close() // releases the flock
		}
	})
}

// prepare takes the tool's lock (one build per tool and cache, also across
// processes), writes the wrapper module, resolves and downloads its modules
// and counts the packages to compile.
func (b *Builder) prepare(ctx context.Context, j *job) error {
	t := j.r.tool
	lock, err := os.OpenFile(filepath.Join(b.Dir, "."+t.Name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	j.lock = lock
	if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		b.logf("%s %s: another process is building it; waiting", t.Name, j.r.Version)
		if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
			return err
		}
	}
	if _, err := os.Stat(j.out); err == nil {
		j.cached = true
		return nil
	}
	// Wrapper modules of an interrupted build of this tool: ours, under its lock.
	// (MkdirTemp's suffix is digits: crossplane's never match crossplane-core's.)
	stale, _ := filepath.Glob(filepath.Join(b.Dir, ".build-"+t.Name+"-*"))
	for _, d := range stale {
		if strings.Trim(strings.TrimPrefix(filepath.Base(d), ".build-"+t.Name+"-"), "0123456789") == "" {
			_ = os.RemoveAll(d)
		}
	}
	b.logf("building %s %s: %s. A cold build took ~%s on 2 cores (modules downloaded in the background while earlier tools compile); progress every %s.",
		t.Name, j.r.Version, t.Purpose, round(t.ColdBuild), round(b.Tick))
	if j.src, err = os.MkdirTemp(b.Dir, ".build-"+t.Name+"-"); err != nil {
		return err
	}
	start := time.Now()
	var downloads atomic.Int64
	stop := b.report(func() string {
		return fmt.Sprintf("%s %s: downloading modules, %d so far (%s)", t.Name, j.r.Version, downloads.Load(), since(start))
	})
	defer stop()
	if err := b.writeWrapper(ctx, j, &downloads); err != nil {
		return err
	}
	if len(j.r.Get) > 0 {
		if _, err := b.goCmd(ctx, j, &downloads, nil, append([]string{"get"}, j.r.Get...)...); err != nil {
			return err
		}
	}
	args := []string{"list", "-deps", "-f", "{{.ImportPath}}"}
	if len(j.r.Tags) > 0 {
		args = append(args, "-tags", strings.Join(j.r.Tags, ","))
	}
	out, err := b.goCmd(ctx, j, &downloads, nil, append(args, j.r.Package)...)
	if err != nil {
		return err
	}
	j.total = len(strings.Fields(out))
	b.logf("%s %s: %d modules downloaded, %d packages to compile (%s)", t.Name, j.r.Version, downloads.Load(), j.total, since(start))
	return nil
}

func (b *Builder) writeWrapper(ctx context.Context, j *job, downloads *atomic.Int64) error {
	mod := "module homeplane.dev/tools/" + j.r.tool.Name + "\n\ngo 1.25\n"
	for _, rp := range j.r.Replace {
		mod += "\nreplace " + rp + "\n"
	}
	if j.r.StagingOf != "" {
		staging, err := b.stagingReplaces(ctx, j, downloads)
		if err != nil {
			return err
		}
		mod += staging
	}
	src := j.r.Main
	if src == "" {
		src = "//go:build tools\n\npackage tools\n\nimport _ \"" + j.r.Package + "\"\n"
	}
	name := "main.go"
	if j.r.Main == "" {
		name = "tools.go"
	}
	if err := os.WriteFile(filepath.Join(j.src, "go.mod"), []byte(mod), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(j.src, name), []byte(src), 0o644)
}

// stagingReplaces reads StagingOf's go.mod and pins each of its
// `X => ./staging/...` replaces to X at StagingVersion.
func (b *Builder) stagingReplaces(ctx context.Context, j *job, downloads *atomic.Int64) (string, error) {
	out, err := b.goCmd(ctx, j, downloads, nil, "mod", "download", "-json", j.r.StagingOf)
	if err != nil {
		return "", err
	}
	var info struct{ GoMod string }
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		return "", fmt.Errorf("cannot read `go mod download -json %s`: %w", j.r.StagingOf, err)
	}
	if info.GoMod == "" {
		return "", fmt.Errorf("cannot find the go.mod of %s", j.r.StagingOf)
	}
	data, err := os.ReadFile(info.GoMod)
	if err != nil {
		return "", err
	}
	// Parse, not ParseLax: lax parsing drops replace directives.
	f, err := modfile.Parse(info.GoMod, data, nil)
	if err != nil {
		return "", fmt.Errorf("cannot parse the go.mod of %s: %w", j.r.StagingOf, err)
	}
	var s strings.Builder
	for _, rp := range f.Replace {
		if strings.HasPrefix(rp.New.Path, "./staging/") {
			fmt.Fprintf(&s, "replace %s => %s %s\n", rp.Old.Path, rp.Old.Path, j.r.StagingVersion)
		}
	}
	if s.Len() == 0 {
		return "", fmt.Errorf("%s replaces no ./staging modules", j.r.StagingOf)
	}
	return "\n" + s.String(), nil
}

// compile builds the binary with `go build -v`, counting the packages it
// reports as compiled, and moves it into the cache when done.
func (b *Builder) compile(ctx context.Context, j *job) error {
	t := j.r.tool
	start := time.Now()
	var compiled, downloads atomic.Int64
	stop := b.report(func() string {
		return fmt.Sprintf("%s %s: compiled %d of %d packages (%s of ~%s cold; packages already in the Go build cache are skipped)",
			t.Name, j.r.Version, compiled.Load(), j.total, since(start), round(t.ColdBuild))
	})
	defer stop()
	args := append([]string{"build", "-v", "-o", j.out + ".tmp"}, j.r.Flags...)
	if len(j.r.Tags) > 0 {
		args = append(args, "-tags", strings.Join(j.r.Tags, ","))
	}
	if ld := strings.TrimSpace(j.r.StripFlags + " " + j.r.LDFlags); ld != "" {
		args = append(args, "-ldflags", ld)
	}
	if _, err := b.goCmd(ctx, j, &downloads, &compiled, append(args, j.r.Package)...); err != nil {
		_ = os.Remove(j.out + ".tmp")
		return err
	}
	if err := os.Rename(j.out+".tmp", j.out); err != nil {
		return err
	}
	if !j.local || compiled.Load() > 0 {
		b.logf("built %s %s in %s (%d packages compiled): %s", t.Name, j.r.Version, since(start), compiled.Load(), j.out)
	}
	return nil
}

// BuildLocal builds pkg of the module in the current directory to out with
// the same progress reports as a tool; label names it in them (e.g. "render").
func (b *Builder) BuildLocal(ctx context.Context, label, pkg, out string) error {
	j := &job{r: recipe{tool: Tool{Name: label, ColdBuild: 4 * time.Minute}, Package: pkg, Version: "(this module)"}, out: out, local: true}
	start := time.Now()
	var downloads atomic.Int64
	stop := b.report(func() string {
		return fmt.Sprintf("%s: downloading modules, %d so far (%s)", label, downloads.Load(), since(start))
	})
	ds, err := b.goCmd(ctx, j, &downloads, nil, "list", "-deps", "-f", "{{.ImportPath}}", pkg)
	stop()
	if err != nil {
		return err
	}
	j.total = len(strings.Fields(ds))
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return b.compile(ctx, j)
}

// goCmd runs go in the job's wrapper module and returns its stdout. Lines on
// stderr that name a package count as compiled, "go: downloading" lines as
// downloads; the rest is kept and returned in the error when go fails.
func (b *Builder) goCmd(ctx context.Context, j *job, downloads, compiled *atomic.Int64, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, b.Go, args...)
	cmd.Dir = j.src
	cgo := "0"
	if j.r.CGO {
		cgo = "1"
	}
	cmd.Env = os.Environ()
	if !j.local {
		cmd.Env = append(cmd.Env, "CGO_ENABLED="+cgo, "GOFLAGS=-mod=mod", "GOWORK=off")
	} // else as `go test` would, so the two share the build cache

	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	var tail []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "go: downloading "):
				downloads.Add(1)
			case compiled != nil && isPackageLine(line):
				compiled.Add(1)
			default:
				tail = append(tail, line)
				if len(tail) > 40 {
					tail = tail[1:]
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	_ = pw.Close()
	<-done
	if err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, strings.Join(tail, "\n"))
	}
	return stdout.String(), nil
}

// isPackageLine reports whether a line of `go build -v` names a package.
func isPackageLine(line string) bool {
	if line == "" || strings.ContainsAny(line, " \t:") {
		return false
	}
	return !strings.HasPrefix(line, "#")
}

// report prints line() every Tick until stop is called.
func (b *Builder) report(line func() string) (stop func()) {
	if b.Tick <= 0 {
		return func() {}
	}
	t := time.NewTicker(b.Tick)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-t.C:
				b.logf("%s", line())
			case <-quit:
				return
			}
		}
	}()
	return func() { t.Stop(); close(quit); wg.Wait() }
}

var logMu sync.Mutex

func (b *Builder) logf(format string, args ...any) {
	if b.Log == nil {
		return
	}
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Fprintf(b.Log, "tools: "+format+"\n", args...)
}

func since(t time.Time) string { return round(time.Since(t)) }

func round(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(10 * time.Second).String()
}
