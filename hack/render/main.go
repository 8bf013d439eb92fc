// Command render runs the function on every example through
// `crossplane composition render` and prints (and writes) the results.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/homeplane/homeplane/internal/render"
	"github.com/homeplane/homeplane/internal/tools"
)

func main() {
	o := options{
		tools: func(ctx context.Context) (render.Tools, error) { return render.EnsureTools(ctx, tools.New()) },
	}
	flag.StringVar(&o.root, "root", ".", "Repository root.")
	flag.StringVar(&o.out, "out", "_output/render", "Directory that receives one YAML file per case.")
	flag.BoolVar(&o.quiet, "quiet", false, "Only write files, do not print them.")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "Deadline for rendering every case (tool builds excluded).")
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
}

type options struct {
	root, out string
	quiet     bool
	// timeout bounds the renders; tools gets the caller's ctx without it.
	timeout time.Duration
	tools   func(context.Context) (render.Tools, error)
}

func run(parent context.Context, o options) error {
	// Building the pinned tools on a fresh machine takes longer than any
	// sensible render deadline: it runs first, cancelled only by signals.
	bins, err := o.tools(parent)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(parent, o.timeout)
	defer cancel()
	cases, err := render.Cases(o.root)
	if err != nil {
		return err
	}
	target, stop, err := render.Serve()
	if err != nil {
		return err
	}
	defer stop()
	if err := os.RemoveAll(o.out); err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	functions := filepath.Join(o.root, "examples", "functions.yaml")
	for _, c := range cases {
		start := time.Now()
		b, err := render.Run(ctx, bins, functions, target, c)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(o.out, c.GoldenName()), b, 0o644); err != nil {
			return err
		}
		if !o.quiet {
			fmt.Printf("# ---- %s (%s, %s)\n%s", c.Name, c.XR, time.Since(start).Round(time.Millisecond), b)
		}
	}
	fmt.Fprintf(os.Stderr, "rendered %d cases into %s\n", len(cases), o.out)
	return nil
}
