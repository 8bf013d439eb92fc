//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/homeplane/homeplane/internal/testservers"
)

// Package sources as users write them (package/configuration/crossplane.yaml
// depends on these); an ImageConfig rewrites them to the loopback registry,
// the way a user points Crossplane at a mirror.
const (
	pkgPrefix         = "xpkg.homeplane.dev/homeplane/"
	functionName      = "homeplane-function" // the Compositions' functionRef, the dependency's name
	providerName      = "provider-homeplane"
	configuration     = "homeplane"
	functionTLSName   = "homeplane-function-tls-server"
	defaultPkgVersion = "v0.1.0"
)

// startRegistry serves an in-memory OCI registry on loopback.
func startRegistry() (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{
		Handler:           registry.New(registry.Logger(log.New(io.Discard, "", 0))),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(l) }()
	return l.Addr().String(), func() { _ = srv.Close() }, nil
}

// packageVersion is the version the packages are pushed as: E2E_PKG_VERSION
// (the Makefile passes its VERSION), else the VERSION file.
func packageVersion() string {
	if v := os.Getenv("E2E_PKG_VERSION"); v != "" {
		return v
	}
	if b, err := os.ReadFile(filepath.Join(repoRoot, "VERSION")); err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b))
	}
	return defaultPkgVersion
}

// xpkgFiles returns the .xpkg files of each package (function, provider,
// configuration), comma separated when there is one per platform.
//
// `make e2e` sets E2E_XPKG_DIR to `make xpkg`'s output: the packages users
// get. Without it (a bare `go test -tags e2e`), the harness builds the three
// packages itself with the pinned crossplane CLI from package/, without
// runtime images (the External runtime never pulls them).
func xpkgFiles(ctx context.Context, crossplaneCLI string) (map[string]string, error) {
	out := map[string]string{}
	if dir := os.Getenv("E2E_XPKG_DIR"); dir != "" {
		for _, name := range []string{"function", "provider", "configuration"} {
			matches, _ := filepath.Glob(filepath.Join(dir, "*"+name+"*.xpkg"))
			if len(matches) == 0 {
				return nil, fmt.Errorf("no %s .xpkg in %s", name, dir)
			}
			out[name] = strings.Join(matches, ",")
		}
		return out, nil
	}
	dir := filepath.Join(workDir, "xpkg")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	for _, name := range []string{"function", "provider", "configuration"} {
		f := filepath.Join(dir, name+".xpkg")
		if _, err := testservers.Output(ctx, nil, crossplaneCLI, "xpkg", "build",
			"--package-root="+filepath.Join(repoRoot, "package", name),
			"--examples-root="+filepath.Join(dir, "no-examples"),
			"-o", f); err != nil {
			return nil, err
		}
		out[name] = f
	}
	return out, nil
}

// installPackages pushes the packages to the loopback registry and installs
// them by applying Function, Provider and Configuration objects. It plays the
// External package runtime for the function: it starts nothing itself but
// tells Crossplane where the already running function listens.
func installPackages(ctx context.Context, cp *testservers.ControlPlane, x *testservers.Crossplane, crossplaneCLI, registryAddr string, functionProc *testservers.Process, functionAddr string, startProvider func(kubeconfig string) (*testservers.Process, error)) error {
	start := time.Now()
	files, err := xpkgFiles(ctx, crossplaneCLI)
	if err != nil {
		return err
	}
	version := packageVersion()
	for name, f := range files {
		ref := fmt.Sprintf("%s/homeplane/%s:%s", registryAddr, name, version)
		if _, err := testservers.Output(ctx, []string{"DOCKER_CONFIG=" + filepath.Join(workDir, "docker")}, crossplaneCLI, "xpkg", "push", "-f", f, ref); err != nil {
			return err
		}
	}
	phase("packages pushed", start)

	start = time.Now()
	c := cp.Client
	// The ClusterRole that lets Crossplane compose our kinds (aggregated
	// into Crossplane's own), installed first as the README says: core
	// runs as its own ServiceAccount, so without it nothing is composed.
	rbac, err := readObjects(filepath.Join(repoRoot, "package", "rbac", "clusterrole.yaml"))
	if err != nil {
		return err
	}
	if err := apply(ctx, c, rbac...); err != nil {
		return err
	}
	objs := []*unstructured.Unstructured{
		obj("pkg.crossplane.io/v1beta1", "ImageConfig", "", "homeplane-mirror", map[string]any{
			"matchImages":  []any{map[string]any{"type": "Prefix", "prefix": pkgPrefix}},
			"rewriteImage": map[string]any{"prefix": registryAddr + "/homeplane/"},
		}),
		// The provider declares safe-start: its managed resource kinds are
		// served once activated, as a user activates them.
		obj("apiextensions.crossplane.io/v1alpha1", "ManagedResourceActivationPolicy", "", "homeplane", map[string]any{
			"activate": []any{"*.dns.homeplane.dev", "*.oidc.homeplane.dev"},
		}),
		obj("pkg.crossplane.io/v1", "Function", "", functionName, map[string]any{
			"package": pkgPrefix + "function:" + version,
		}),
		obj("pkg.crossplane.io/v1", "Provider", "", providerName, map[string]any{
			"package": pkgPrefix + "provider:" + version,
		}),
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return fmt.Errorf("cannot create %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	if err := playRuntime(ctx, c, x, "Function", functionName, functionAddr, func() (*testservers.Process, error) { return functionProc, nil }); err != nil {
		return err
	}
	// Like the Deployment runtime, start the provider once its revision
	// has installed the provider's CRDs (the managed resources' ones once
	// their ManagedResourceDefinitions are active), as the revision's
	// ServiceAccount with what the RBAC manager granted it.
	if err := playRuntime(ctx, c, x, "Provider", providerName, "", func() (*testservers.Process, error) {
		for _, crd := range []string{
			"providerconfigs.homeplane.dev", "clusterproviderconfigs.homeplane.dev", "providerconfigusages.homeplane.dev",
			"recordsets.dns.homeplane.dev", "oidcclients.oidc.homeplane.dev",
		} {
			if !crdEstablished(ctx, c, crd) {
				return nil, nil
			}
		}
		rev, err := activeRevision(ctx, c, "Provider", providerName)
		if err != nil || rev == nil {
			return nil, err
		}
		kubeconfig, err := providerIdentity(ctx, cp, rev)
		if err != nil || kubeconfig == "" {
			return nil, err
		}
		return startProvider(kubeconfig)
	}); err != nil {
		return err
	}
	if err := waitPackageHealthy(ctx, c, "Function", functionName); err != nil {
		return err
	}
	if err := waitPackageHealthy(ctx, c, "Provider", providerName); err != nil {
		return err
	}
	// The Configuration last: its dependencies are already installed, so
	// Crossplane uses the Function named as the Compositions expect.
	cfg := obj("pkg.crossplane.io/v1", "Configuration", "", configuration, map[string]any{
		"package": pkgPrefix + "configuration:" + version,
	})
	if err := c.Create(ctx, cfg); err != nil {
		return err
	}
	if err := waitPackageHealthy(ctx, c, "Configuration", configuration); err != nil {
		return err
	}
	for _, xrd := range configurationXRDs {
		if err := waitXRDOffered(ctx, c, xrd); err != nil {
			return err
		}
	}
	phase("packages installed", start)
	return nil
}

// playRuntime does what Crossplane's Deployment runtime would do for a
// package with a runtime: give its revisions a TLS server Secret (signed by
// Crossplane's CA) and, for a function, the endpoint it listens on; run the
// package's process once start says it can run (start returns nil until
// then); and report the runtime healthy while that process runs.
func playRuntime(ctx context.Context, c client.Client, x *testservers.Crossplane, kind, name, endpoint string, start func() (*testservers.Process, error)) error {
	secretName := name + "-tls-server"
	crt, key, err := x.CA.Issue(name)
	if err != nil {
		return err
	}
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: crossplaneNamespace, Name: secretName},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{"tls.crt": crt, "tls.key": key, "ca.crt": x.CA.CertPEM},
	}
	if err := c.Create(ctx, s); err != nil && !isAlreadyExists(err) {
		return err
	}
	var p *testservers.Process
	return poll(ctx, 2*time.Minute, kind+"Revision of "+name+" runs", func() (bool, string, error) {
		if p == nil {
			var err error
			if p, err = start(); err != nil {
				return false, "", err
			}
		}
		if p != nil && p.Exited() {
			return false, "", fmt.Errorf("%s exited:\n%s", p.Name, p.Tail(3000))
		}
		revs := &unstructured.UnstructuredList{}
		revs.SetAPIVersion("pkg.crossplane.io/v1")
		revs.SetKind(kind + "RevisionList")
		if err := c.List(ctx, revs, client.MatchingLabels{"pkg.crossplane.io/package": name}); err != nil {
			return false, "", err
		}
		if len(revs.Items) == 0 {
			return false, "no revision yet", nil
		}
		done := true
		for i := range revs.Items {
			base := &revs.Items[i]
			r := base.DeepCopy()
			want := map[string]string{"tlsServerSecretName": secretName}
			if endpoint != "" {
				want["endpoint"] = endpoint
			}
			changed := false
			for k, v := range want {
				if got, _, _ := unstructured.NestedString(r.Object, "status", k); got != v {
					_ = unstructured.SetNestedField(r.Object, v, "status", k)
					changed = true
				}
			}
			if p != nil && condition(r, "RuntimeHealthy").Status != "True" {
				setCondition(r, cond{Type: "RuntimeHealthy", Status: "True", Reason: "HealthyPackageRevision",
					Message: "Run by the e2e harness as a local process"})
				changed = true
			}
			if !changed {
				continue
			}
			done = false
			// Optimistic lock: a conflict means Crossplane wrote meanwhile;
			// the next poll starts from its version.
			patch := client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})
			if err := c.Status().Patch(ctx, r, patch); err != nil {
				return false, err.Error(), nil //nolint:nilerr // a conflict: poll again, the error is the state
			}
		}
		return done && p != nil, "revision status not set or process not started yet", nil
	})
}

// activeRevision returns a package's Active revision, or nil.
func activeRevision(ctx context.Context, c client.Client, kind, name string) (*unstructured.Unstructured, error) {
	revs := &unstructured.UnstructuredList{}
	revs.SetAPIVersion("pkg.crossplane.io/v1")
	revs.SetKind(kind + "RevisionList")
	if err := c.List(ctx, revs, client.MatchingLabels{"pkg.crossplane.io/package": name}); err != nil {
		return nil, err
	}
	for i := range revs.Items {
		if s, _, _ := unstructured.NestedString(revs.Items[i].Object, "spec", "desiredState"); s == "Active" {
			return &revs.Items[i], nil
		}
	}
	return nil, nil
}

// waitPackageHealthy waits until a package is Installed and Healthy.
func waitPackageHealthy(ctx context.Context, c client.Client, kind, name string) error {
	return poll(ctx, 3*time.Minute, kind+" "+name+" installed and healthy", func() (bool, string, error) {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("pkg.crossplane.io/v1")
		u.SetKind(kind)
		if err := c.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
			return false, "", err
		}
		installed, healthy := condition(u, "Installed"), condition(u, "Healthy")
		return installed.Status == "True" && healthy.Status == "True",
			fmt.Sprintf("Installed=%s (%s) Healthy=%s (%s: %s)", installed.Status, installed.Message, healthy.Status, healthy.Reason, healthy.Message), nil
	})
}

// The XRDs the Configuration installs.
var configurationXRDs = []string{
	"xpostgresqls.database.homeplane.dev",
	"xmatrixservers.matrix.homeplane.dev",
	"xcollaboras.office.homeplane.dev",
}

// waitXRDOffered waits until an XRD's composite and claim kinds are served.
func waitXRDOffered(ctx context.Context, c client.Client, name string) error {
	return poll(ctx, 2*time.Minute, "XRD "+name+" established and offered", func() (bool, string, error) {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("apiextensions.crossplane.io/v1")
		u.SetKind("CompositeResourceDefinition")
		if err := c.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
			return false, "", err
		}
		e, o := condition(u, "Established"), condition(u, "Offered")
		return e.Status == "True" && o.Status == "True", "Established=" + e.Status + " Offered=" + o.Status + " " + o.Message, nil
	})
}

// errPollTimeout marks a poll that ran out of time.
var errPollTimeout = errors.New("timed out")
