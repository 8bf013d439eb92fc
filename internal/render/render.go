// Package render runs Homeplane's function on the examples through the real
// Crossplane engine: `crossplane composition render` with a local Crossplane
// core binary, against the function served in-process on loopback.
package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/grpc"
	"sigs.k8s.io/yaml"

	"github.com/homeplane/homeplane/fn/function"
	"github.com/homeplane/homeplane/internal/tools"
)

// Files an example directory may hold.
const (
	fileXR       = "xr.yaml"
	fileObserved = "observed.yaml"
	fileRequired = "required.yaml"
	// fileInput is the function input (fn.homeplane.dev Input) the case's
	// Composition passes: the platform admin's policy.
	fileInput = "input.yaml"
)

// A Case is one render of one example.
type Case struct {
	// Name is <kind> for the base case, <kind>/<case> for a sub-case.
	Name        string
	XR          string
	Composition string
	XRD         string
	Observed    string
	Required    string
	// Input replaces the Composition's function input, when set.
	Input string
}

// GoldenName is the file name of the case's golden output.
func (c Case) GoldenName() string { return strings.ReplaceAll(c.Name, "/", "_") + ".yaml" }

// Cases finds every render case under root/examples: examples/<kind>/xr.yaml
// is the base case, and each examples/<kind>/<case>/ directory another, with
// its own xr.yaml (or the parent's), observed.yaml and required.yaml. A
// case's XRD and Composition are those of its composite's group and kind:
// the claims' (package/configuration) or the namespaced flavour's
// (package/configuration-namespaced, e.g. examples/<kind>/namespaced/).
func Cases(root string) ([]Case, error) {
	var cases []Case
	// One example per app of the registry; an app without one is an error.
	for _, a := range function.Apps() {
		name := a.Name()
		dir := filepath.Join(root, "examples", name)
		xr := filepath.Join(dir, fileXR)
		if !exists(xr) {
			return nil, fmt.Errorf("app %s has no example %s", a.Kind.Kind, xr)
		}
		xrd, comp, err := definitionFor(root, name, xr)
		if err != nil {
			return nil, err
		}
		base := Case{Name: name, XR: xr, Composition: comp, XRD: xrd,
			Observed: optional(filepath.Join(dir, fileObserved)), Required: optional(filepath.Join(dir, fileRequired)),
			Input: optional(filepath.Join(dir, fileInput))}
		cases = append(cases, base)

		subs, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", dir, err)
		}
		for _, s := range subs {
			if !s.IsDir() {
				continue
			}
			sd := filepath.Join(dir, s.Name())
			c := Case{Name: name + "/" + s.Name(), XR: xr, Composition: comp, XRD: xrd,
				Observed: optional(filepath.Join(sd, fileObserved)), Required: optional(filepath.Join(sd, fileRequired)),
				Input: optional(filepath.Join(sd, fileInput))}
			if x := filepath.Join(sd, fileXR); exists(x) {
				// Its own composite may be of the other flavour.
				if c.XRD, c.Composition, err = definitionFor(root, name, x); err != nil {
					return nil, err
				}
				c.XR = x
			}
			cases = append(cases, c)
		}
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

// Packages holds the generated XRDs and Compositions of both flavours
// (hack/xrdgen): claims with LegacyCluster composites, and namespaced
// composites.
var Packages = []string{"configuration", "configuration-namespaced"}

// definitionFor finds the generated XRD of the XR's group and kind, and the
// Composition of app in the same package (Packages).
func definitionFor(root, app, xr string) (xrd, composition string, err error) {
	b, err := os.ReadFile(xr)
	if err != nil {
		return "", "", fmt.Errorf("cannot read %s: %w", xr, err)
	}
	var m struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return "", "", fmt.Errorf("cannot parse %s: %w", xr, err)
	}
	group, _, _ := strings.Cut(m.APIVersion, "/")
	return definitionOf(root, app, group, m.Kind, xr)
}

// xrdGroups caches the group of each XRD file: they are large, and every
// case of an app reads the same ones.
var xrdGroups sync.Map

// definitionOf finds the XRD of group and kind and the Composition of app in
// the same package.
func definitionOf(root, app, group, kind, xr string) (xrd, composition string, err error) {
	for _, pkg := range Packages {
		p := filepath.Join(root, "package", pkg, "xrds", strings.ToLower(kind)+".yaml")
		if !exists(p) {
			continue
		}
		g, err := xrdGroup(p)
		if err != nil {
			return "", "", err
		}
		if g != group {
			continue
		}
		comp := filepath.Join(root, "package", pkg, "compositions", app+".yaml")
		if !exists(comp) {
			return "", "", fmt.Errorf("example %s has no composition %s", xr, comp)
		}
		return p, comp, nil
	}
	return "", "", fmt.Errorf("no XRD of %s %s in package/{%s} for %s", group, kind, strings.Join(Packages, ","), xr)
}

// xrdGroup returns spec.group of the XRD file p.
func xrdGroup(p string) (string, error) {
	if g, ok := xrdGroups.Load(p); ok {
		return g.(string), nil
	}
	var x struct {
		Spec struct {
			Group string `json:"group"`
		} `json:"spec"`
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", p, err)
	}
	if err := yaml.Unmarshal(b, &x); err != nil {
		return "", fmt.Errorf("cannot parse %s: %w", p, err)
	}
	xrdGroups.Store(p, x.Spec.Group)
	return x.Spec.Group, nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func optional(p string) string {
	if exists(p) {
		return p
	}
	return ""
}

// Serve serves the function, insecure, on a free loopback port until stop is
// called. It returns the gRPC target.
func Serve() (target string, stop func(), err error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("cannot listen: %w", err)
	}
	srv := grpc.NewServer()
	fnv1.RegisterFunctionRunnerServiceServer(srv, function.New(logging.NewNopLogger(), function.WithRand(fixedRand{})))
	go srv.Serve(lis) //nolint:errcheck // Serve returns when stopped.
	return lis.Addr().String(), srv.Stop, nil
}

// fixedRand makes generated secrets the same in every render, whatever the
// order of the cases, so that goldens can hold them.
type fixedRand struct{}

func (fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 7
	}
	return len(p), nil
}

// Tools are the binaries a render needs.
type Tools struct {
	// CLI is the crossplane CLI.
	CLI string
	// Core is Crossplane core, run by the CLI as `core internal render`.
	Core string
}

// ToolNames are the pinned tools a render needs (internal/tools).
var ToolNames = []string{"crossplane", "crossplane-core"}

// EnsureTools returns the pinned tools, building missing ones. A cold build
// takes many minutes: give it a ctx without the render's deadline.
func EnsureTools(ctx context.Context, b *tools.Builder) (Tools, error) {
	p, err := b.Ensure(ctx, ToolNames...)
	if err != nil {
		return Tools{}, err
	}
	return Tools{CLI: p[0], Core: p[1]}, nil
}

// FindTools returns the pinned tools without building them; a missing one is
// an error wrapping tools.ErrNotBuilt that says how to build it.
func FindTools(b *tools.Builder) (Tools, error) {
	var p [2]string
	for i, n := range ToolNames {
		var err error
		if p[i], err = b.Find(n); err != nil {
			return Tools{}, err
		}
	}
	return Tools{CLI: p[0], Core: p[1]}, nil
}

// Run renders one case against the function at target.
func Run(ctx context.Context, t Tools, functions, target string, c Case) ([]byte, error) {
	args := []string{"composition", "render", c.XR, c.Composition, functions,
		"--crossplane-binary=" + t.Core,
		"--xrd=" + c.XRD,
		"--include-function-results",
		"--include-full-xr",
		"--function-annotations=render.crossplane.io/runtime=Development",
		"--function-annotations=render.crossplane.io/runtime-development-target=" + target,
	}
	tmp, err := os.MkdirTemp("", "homeplane-render-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }() // best effort
	if c.Input != "" {
		comp, err := withInput(c.Composition, c.Input, tmp)
		if err != nil {
			return nil, err
		}
		args[3] = comp
	}
	for flag, path := range map[string]string{"--observed-resources=": c.Observed, "--required-resources=": c.Required} {
		if path == "" {
			continue
		}
		sub := filepath.Join(tmp, strings.Trim(flag, "-="))
		if err := os.MkdirAll(sub, 0o700); err != nil {
			return nil, err
		}
		p, err := withGeneratedKeys(path, sub)
		if err != nil {
			return nil, err
		}
		args = append(args, flag+p)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, t.CLI, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("cannot render %s: %w: %s", c.Name, err, strings.TrimSpace(stderr.String()))
	}
	if stdout.Len() == 0 {
		return nil, errors.New("render printed nothing for " + c.Name)
	}
	return stdout.Bytes(), nil
}

// withInput writes a copy of the Composition whose pipeline steps pass the
// function input in file input, and returns its path.
func withInput(composition, input, dir string) (string, error) {
	b, err := os.ReadFile(composition)
	if err != nil {
		return "", err
	}
	var comp map[string]any
	if err := yaml.Unmarshal(b, &comp); err != nil {
		return "", fmt.Errorf("cannot parse %s: %w", composition, err)
	}
	ib, err := os.ReadFile(input)
	if err != nil {
		return "", err
	}
	var in map[string]any
	if err := yaml.Unmarshal(ib, &in); err != nil {
		return "", fmt.Errorf("cannot parse %s: %w", input, err)
	}
	spec, _ := comp["spec"].(map[string]any)
	steps, _ := spec["pipeline"].([]any)
	if len(steps) == 0 {
		return "", fmt.Errorf("%s has no pipeline", composition)
	}
	for _, st := range steps {
		if m, ok := st.(map[string]any); ok {
			m["input"] = in
		}
	}
	out, err := yaml.Marshal(comp)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "composition.yaml")
	return p, os.WriteFile(p, out, 0o600)
}
