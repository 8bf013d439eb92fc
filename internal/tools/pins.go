// Package tools builds the pinned third-party tools that Homeplane's make
// targets and tests run (the crossplane CLI, Crossplane core, controller-gen,
// golangci-lint, Ory Hydra, etcd, kube-apiserver, kube-controller-manager) from the Go module
// proxy, into a cache outside the checkout keyed by name, version and recipe.
//
// Versions live in pins.env, the one place they are pinned; the recipes (which
// module, which replace directives, which linker flags) live in Catalog.
// Builds have no deadline: a cold build of the crossplane CLI takes about seven
// minutes on two cores, kube-apiserver twice that. While a tool builds, the builder reports which tool,
// why it is needed, what a cold build costs and, at least every Tick, how many
// packages of the total are compiled.
package tools

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed pins.env
var pinsFile string

// Pins are the versions in pins.env, by key (e.g. CROSSPLANE_CLI_VERSION).
type Pins map[string]string

// ParsePins reads KEY=VALUE lines; blank lines and lines starting with # are
// skipped. A line without '=', an empty key or value, or a key given twice is
// an error naming the line.
func ParsePins(text string) (Pins, error) {
	p := Pins{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("pins line %d: want KEY=VALUE, got %q", i+1, line)
		}
		if _, dup := p[k]; dup {
			return nil, fmt.Errorf("pins line %d: %s pinned twice", i+1, k)
		}
		p[k] = v
	}
	return p, nil
}

// DefaultPins are the embedded pins.env. It panics only if pins.env itself is
// malformed, which TestPinsFile catches.
func DefaultPins() Pins {
	p, err := ParsePins(pinsFile)
	if err != nil {
		panic(err)
	}
	return p
}

// Get returns the pin for key, or an error naming the missing key.
func (p Pins) Get(key string) (string, error) {
	v, ok := p[key]
	if !ok {
		return "", fmt.Errorf("no pin %s in internal/tools/pins.env", key)
	}
	return v, nil
}
