// Command render runs the function on every example through
// `crossplane composition render` and prints (and writes) the results.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/homeplane/homeplane/internal/render"
)

func main() {
	root := flag.String("root", ".", "Repository root.")
	out := flag.String("out", "_output/render", "Directory that receives one YAML file per case.")
	quiet := flag.Bool("quiet", false, "Only write files, do not print them.")
	flag.Parse()
	if err := run(*root, *out, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
}

func run(root, out string, quiet bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tools, err := render.FindTools(ctx, root)
	if err != nil {
		return err
	}
	cases, err := render.Cases(root)
	if err != nil {
		return err
	}
	target, stop, err := render.Serve()
	if err != nil {
		return err
	}
	defer stop()
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	functions := filepath.Join(root, "examples", "functions.yaml")
	for _, c := range cases {
		start := time.Now()
		b, err := render.Run(ctx, tools, functions, target, c)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, c.GoldenName()), b, 0o644); err != nil { //nolint:gosec // rendered examples are not secret.
			return err
		}
		if !quiet {
			fmt.Printf("# ---- %s (%s, %s)\n%s", c.Name, c.XR, time.Since(start).Round(time.Millisecond), b)
		}
	}
	fmt.Fprintf(os.Stderr, "rendered %d cases into %s\n", len(cases), out)
	return nil
}
