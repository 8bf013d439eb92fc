package tools

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// A Tool is the recipe of one binary built from the Go module proxy through a
// throwaway wrapper module: `go install pkg@version` cannot be used because it
// asks the proxy for version lists, which it refuses here, and several of these
// modules replace their dependencies with local paths that only a wrapper can
// pin. Strings may name pins as ${KEY}.
type Tool struct {
	// Name is the binary's name and the stem of its cache entry.
	Name string
	// VersionPin is the pins.env key of the version the tool reports.
	VersionPin string
	// Env names an environment variable that, when set, is the path of a
	// binary to use instead of building one (e.g. an official release).
	Env string
	// Purpose says why Homeplane needs the tool; shown while it builds.
	Purpose string
	// ColdBuild is what a build with empty caches took on a 2-core machine,
	// module downloads included; shown while it builds.
	ColdBuild time.Duration
	// Package is the main package to build ("." for a wrapper Main).
	Package string
	// Get are module@version arguments to `go get` in the wrapper.
	Get []string
	// Replace are go.mod replace directives ("old => new version").
	Replace []string
	// StagingOf, as module@version, pins every `X => ./staging/...` replace
	// of that module's go.mod to X at StagingVersion (k8s.io/kubernetes).
	StagingOf, StagingVersion string
	// Shares names a wrapper module that tools with the same Shares resolve
	// together: each gets every member's Get and Replace, so modules they
	// have in common are at one version and compile once for all of them.
	Shares string
	// Main, when set, is the wrapper's main.go.
	Main string
	// Tags are build tags; CGO enables cgo (off otherwise, for static binaries).
	Tags []string
	CGO  bool
	// LDFlags are linker flags, e.g. -X to stamp the release version.
	LDFlags string
}

// Groups are the sets of tools make targets build together.
var Groups = map[string][]string{
	// make render, make test (render, validate, xpkg, generate, provider tests).
	"test": {"controller-gen", "crossplane", "crossplane-core", "golangci-lint", "hydra"},
	// make e2e, on top of "test".
	"e2e": {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "postgres-operator"},
}

const kubeVersionPkg = "k8s.io/component-base/version"

// Catalog is every tool Homeplane builds, by name.
var Catalog = map[string]Tool{
	"controller-gen": {
		Name: "controller-gen", VersionPin: "CONTROLLER_TOOLS_VERSION", Env: "CONTROLLER_GEN",
		Purpose:   "generates deepcopy code, XRDs and CRDs from the Go types (make generate)",
		ColdBuild: 2 * time.Minute, // the standard library's first compile included
		Package:   "sigs.k8s.io/controller-tools/cmd/controller-gen",
		Get:       []string{"sigs.k8s.io/controller-tools@${CONTROLLER_TOOLS_VERSION}"},
	},
	"golangci-lint": {
		Name: "golangci-lint", VersionPin: "GOLANGCI_LINT_VERSION", Env: "GOLANGCI_LINT",
		Purpose:   "golangci-lint, the linters of make lint (.golangci.yml)",
		ColdBuild: 4*time.Minute + 30*time.Second, // 1221 packages; 35 s of it downloads
		Package:   "github.com/golangci/golangci-lint/v2/cmd/golangci-lint",
		Get:       []string{"github.com/golangci/golangci-lint/v2@${GOLANGCI_LINT_VERSION}"},
		// Stamped as goreleaser does; without a date it reports the
		// wrapper's "(devel)" as its version.
		LDFlags: "-X main.version=${GOLANGCI_LINT_VERSION} -X main.date=1970-01-01T00:00:00Z",
	},
	// The CLI and core need the same Kubernetes and controller-runtime
	// versions and nearly the same rest: resolved together, core compiles
	// little beyond what the CLI did. The CLI then links crossplane-runtime
	// and apis at core's v2.4.0 instead of its own v2.3.x (minor releases of
	// the same major version).
	"crossplane": {
		Name: "crossplane", VersionPin: "CROSSPLANE_CLI_VERSION", Env: "CROSSPLANE",
		Purpose:   "the crossplane CLI: renders the examples, validates them and builds packages",
		ColdBuild: 7 * time.Minute,
		Package:   "github.com/crossplane/cli/v2/cmd/crossplane",
		Get:       []string{"github.com/crossplane/cli/v2@${CROSSPLANE_CLI_VERSION}"},
		Shares:    "crossplane",
	},
	"crossplane-core": {
		Name: "crossplane-core", VersionPin: "CROSSPLANE_CORE_VERSION", Env: "CROSSPLANE_CORE",
		Purpose:   "Crossplane core: the engine behind `crossplane composition render` and the e2e control plane",
		ColdBuild: time.Minute, // after the CLI, whose packages it shares; ~5 min alone
		Package:   "github.com/crossplane/crossplane/v2/cmd/crossplane",
		Get: []string{
			"github.com/crossplane/crossplane/v2@${CROSSPLANE_CORE_VERSION}",
			"github.com/crossplane/crossplane/apis/v2@${CROSSPLANE_APIS_VERSION}",
		},
		Replace: []string{"github.com/crossplane/crossplane-runtime/v2 => github.com/crossplane/crossplane-runtime/v2 ${CROSSPLANE_RUNTIME_VERSION}"},
		Shares:  "crossplane",
		// Linked with its release version, as released: the package manager
		// checks packages' `crossplane.version` constraints against it.
		LDFlags: "-X github.com/crossplane/crossplane-runtime/v2/pkg/version.version=${CROSSPLANE_CORE_VERSION}",
	},
	"hydra": {
		Name: "hydra", VersionPin: "HYDRA_VERSION", Env: "HYDRA",
		Purpose:   "Ory Hydra, the OIDC provider the provider and e2e tests register clients with",
		ColdBuild: 2 * time.Minute,
		Package:   "github.com/ory/hydra/v2",
		Get:       []string{"github.com/ory/hydra/v2@${HYDRA_VERSION}"},
		Replace:   []string{"github.com/gobuffalo/pop/v6 => github.com/ory/pop/v6 ${HYDRA_POP_VERSION}"},
		Tags:      []string{"sqlite"},
		CGO:       true, // its sqlite driver is cgo
	},
	"etcd": {
		Name: "etcd", VersionPin: "ETCD_VERSION", Env: "ETCD",
		Purpose:   "etcd, the e2e control plane's store",
		ColdBuild: 2 * time.Minute,
		Package:   ".",
		Get:       []string{"go.etcd.io/etcd/server/v3@${ETCD_VERSION}"},
		// etcd's main module replaces its siblings with local paths; this
		// main calls etcdmain like etcd's own.
		Main:    "package main\n\nimport (\n\t\"os\"\n\n\t\"go.etcd.io/etcd/server/v3/etcdmain\"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n",
		LDFlags: "-X go.etcd.io/etcd/api/v3/version.GitSHA=${ETCD_VERSION}",
	},
	"kube-apiserver":          kube("kube-apiserver", "KUBE_APISERVER", "the e2e control plane's API server", 14*time.Minute),
	"kube-controller-manager": kube("kube-controller-manager", "KUBE_CONTROLLER_MANAGER", "the e2e control plane's controllers (Deployments, StatefulSets, PVC binding, garbage collection)", 2*time.Minute),
	"kube-scheduler":          kube("kube-scheduler", "KUBE_SCHEDULER", "schedules the e2e pods onto kwok's nodes", 2*time.Minute),
	"kwok": {
		Name: "kwok", VersionPin: "KWOK_VERSION", Env: "KWOK",
		Purpose:   "kwok, the e2e control plane's nodes: runs the pods the controllers create, without containers",
		ColdBuild: 3*time.Minute + 20*time.Second, // 973 packages, measured with empty caches
		Package:   "sigs.k8s.io/kwok/cmd/kwok",
		Get:       []string{"sigs.k8s.io/kwok@${KWOK_VERSION}"},
	},
	"postgres-operator": {
		Name: "postgres-operator", VersionPin: "POSTGRES_OPERATOR_VERSION", Env: "POSTGRES_OPERATOR",
		Purpose:   "the Zalando postgres-operator that consumes the composed postgresql in e2e",
		ColdBuild: 2*time.Minute + 10*time.Second, // after kwok, whose packages it partly shares
		Package:   "github.com/zalando/postgres-operator/cmd",
		Get:       []string{"github.com/zalando/postgres-operator@${POSTGRES_OPERATOR_VERSION}"},
	},
}

// kube is a binary of k8s.io/kubernetes, which requires its staging modules at
// v0.0.0 and replaces them with ./staging paths: the wrapper pins each to its
// release. kubectl cannot parse /version without the -X version stamps.
func kube(name, env, purpose string, cold time.Duration) Tool {
	v := kubeVersionPkg
	return Tool{
		Name: name, VersionPin: "KUBERNETES_VERSION", Env: env,
		Purpose: purpose, ColdBuild: cold,
		Package:   "k8s.io/kubernetes/cmd/" + name,
		Get:       []string{"k8s.io/kubernetes@${KUBERNETES_VERSION}"},
		StagingOf: "k8s.io/kubernetes@${KUBERNETES_VERSION}", StagingVersion: "${KUBERNETES_STAGING_VERSION}",
		LDFlags: "-X " + v + ".gitVersion=${KUBERNETES_VERSION} -X " + v + ".gitMajor=${KUBERNETES_MAJOR}" +
			" -X " + v + ".gitMinor=${KUBERNETES_MINOR} -X " + v + ".gitTreeState=clean -X " + v + ".buildDate=1970-01-01T00:00:00Z",
	}
}

// expand replaces ${KEY} with its pin. KUBERNETES_MAJOR and KUBERNETES_MINOR
// derive from KUBERNETES_VERSION (v1.35.4 gives 1 and 35). An unknown key is
// an error naming it.
func (p Pins) expand(s string) (string, error) {
	var missing []string
	out := os.Expand(s, func(key string) string {
		switch key {
		case "KUBERNETES_MAJOR", "KUBERNETES_MINOR":
			parts := strings.SplitN(strings.TrimPrefix(p["KUBERNETES_VERSION"], "v"), ".", 3)
			if len(parts) < 2 {
				missing = append(missing, key)
				return ""
			}
			if key == "KUBERNETES_MAJOR" {
				return parts[0]
			}
			return parts[1]
		}
		v, ok := p[key]
		if !ok {
			missing = append(missing, key)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("no pin %s in internal/tools/pins.env", strings.Join(missing, ", "))
	}
	return out, nil
}
