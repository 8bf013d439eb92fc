package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/homeplane/homeplane/internal/render"
)

// A cold tool build outlasts any render deadline (the crossplane CLI alone
// takes ~15 min on 2 cores): the deadline must start once the tools exist.
func TestDeadlineExcludesToolBuilds(t *testing.T) {
	const timeout = 20 * time.Millisecond
	errBuilt := errors.New("tools built")
	built := false
	o := options{
		root: t.TempDir(), out: t.TempDir(), quiet: true, timeout: timeout,
		tools: func(ctx context.Context) (render.Tools, error) {
			if d, ok := ctx.Deadline(); ok {
				t.Errorf("tools are built under a deadline (%s left)", time.Until(d))
			}
			time.Sleep(3 * timeout) // a "build" longer than the render deadline
			if ctx.Err() != nil {
				t.Errorf("the build was cancelled: %v", ctx.Err())
			}
			built = true
			return render.Tools{}, errBuilt
		},
	}
	if err := run(context.Background(), o); !errors.Is(err, errBuilt) {
		t.Fatalf("run: %v, want the build's own result", err)
	}
	if !built {
		t.Fatal("tools were not built")
	}
}

// The deadline still bounds the renders themselves: a CLI that hangs is killed.
func TestDeadlineBoundsRenders(t *testing.T) {
	hang := filepath.Join(t.TempDir(), "crossplane")
	if err := os.WriteFile(hang, []byte("#!/bin/sh\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	o := options{
		root: "../..", out: t.TempDir(), quiet: true, timeout: 200 * time.Millisecond,
		tools: func(context.Context) (render.Tools, error) {
			return render.Tools{CLI: hang, Core: "/bin/true"}, nil
		},
	}
	err := run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "signal: killed") {
		t.Fatalf("run: %v, want the hanging render killed by the deadline", err)
	}
}
