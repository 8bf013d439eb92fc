// Command tools builds and finds the pinned tools (internal/tools).
//
//	go run ./hack/tools build [NAME|GROUP ...]   build what is missing (default: group test)
//	go run ./hack/tools path NAME                 print NAME's path, building it if missing
//	go run ./hack/tools find NAME                 print NAME's path; fail if not built
//	go run ./hack/tools version NAME              print NAME's pinned version
//	go run ./hack/tools list                      every tool, its version, whether built
//	go run ./hack/tools go-build LABEL PKG OUT    build PKG of this module with progress
//
// Groups: test (make render, make test), e2e (what make e2e needs on top), all.
// Progress goes to stderr; paths to stdout.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sort"
	"syscall"

	"github.com/homeplane/homeplane/internal/tools"
)

func main() {
	// No deadline: a cold tool build takes minutes; signals cancel it.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, tools.New(), os.Args[1:])
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tools:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, b *tools.Builder, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(os.Stderr, usage)
		if len(args) == 0 {
			return errors.New("no command")
		}
		return nil
	}
	one := func() (string, error) {
		if len(args) != 2 {
			return "", fmt.Errorf("usage: tools %s NAME", args[0])
		}
		return args[1], nil
	}
	switch args[0] {
	case "build":
		names := expand(args[1:])
		_, err := b.Ensure(ctx, names...)
		return err
	case "path":
		n, err := one()
		if err != nil {
			return err
		}
		p, err := b.Ensure(ctx, n)
		if err != nil {
			return err
		}
		fmt.Println(p[0])
	case "find":
		n, err := one()
		if err != nil {
			return err
		}
		p, err := b.Find(n)
		if err != nil {
			return err
		}
		fmt.Println(p)
	case "version":
		n, err := one()
		if err != nil {
			return err
		}
		v, err := b.Version(n)
		if err != nil {
			return err
		}
		fmt.Println(v)
	case "list":
		names := expand([]string{"all"})
		for _, n := range names {
			v, _ := b.Version(n)
			p, err := b.Find(n)
			state := "built"
			if env := tools.Catalog[n].Env; os.Getenv(env) != "" {
				state = "from $" + env
			}
			if err != nil {
				state, p = "missing", err.Error()
			}
			fmt.Printf("%-24s %-10s %-8s %s\n", n, v, state, p)
		}
	case "go-build":
		if len(args) != 4 {
			return errors.New("usage: tools go-build LABEL PKG OUT")
		}
		return b.BuildLocal(ctx, args[1], args[2], args[3])
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
	return nil
}

const usage = `usage: go run ./hack/tools COMMAND
  build [NAME|GROUP ...]   build what is missing (default: group test)
  path NAME                print NAME's path, building it if missing
  find NAME                print NAME's path; fail if not built
  version NAME             print NAME's pinned version (internal/tools/pins.env)
  list                     every tool, its version, whether built
  go-build LABEL PKG OUT   build PKG of this module with progress
groups: test (make render, make test), e2e (what make e2e needs on top), all
overrides: CROSSPLANE, CROSSPLANE_CORE, CONTROLLER_GEN, GOLANGCI_LINT, HYDRA, ETCD,
  KUBE_APISERVER, KUBE_CONTROLLER_MANAGER name a binary to use instead; HOMEPLANE_TOOLS_DIR moves the cache
`

// expand turns group names into tool names, keeping order, without repeats.
func expand(args []string) []string {
	if len(args) == 0 {
		args = []string{"test"}
	}
	var out []string
	add := func(n string) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, a := range args {
		switch a {
		case "all":
			for _, g := range []string{"test", "e2e"} {
				for _, n := range tools.Groups[g] {
					add(n)
				}
			}
			var rest []string
			for n := range tools.Catalog {
				rest = append(rest, n)
			}
			sort.Strings(rest)
			for _, n := range rest {
				add(n)
			}
		default:
			if g, ok := tools.Groups[a]; ok {
				for _, n := range g {
					add(n)
				}
				continue
			}
			add(a)
		}
	}
	return out
}
