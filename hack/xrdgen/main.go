// Command xrdgen generates Crossplane CompositeResourceDefinitions and their
// Compositions from the Go types in apis/, so that the Go types stay the single
// source of truth for both the XRD schemas and the function that decodes them.
//
// controller-tools parses the kubebuilder markers into a CRD; xrdgen wraps that
// CRD's schema into an apiextensions.crossplane.io/v1 XRD with scope
// LegacyCluster and claim names taken from a +homeplane:xrd marker on the kind
// (package/configuration), and into an apiextensions.crossplane.io/v2 XRD
// with scope Namespaced of the kind fn/function.Apps names for it
// (package/configuration-namespaced), with the same spec.parameters.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	root := flag.String("root", ".", "Module root to load packages from.")
	out := flag.String("out", "package", "Directory that receives configuration/ and configuration-namespaced/ (each with xrds/ and compositions/).")
	flag.Parse()

	files, err := Generate(*root, Packages()...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "xrdgen:", err)
		os.Exit(1)
	}
	for name, data := range files {
		path := filepath.Join(*out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "xrdgen:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "xrdgen:", err)
			os.Exit(1)
		}
	}
}
