//go:build e2e

// Package e2e runs Homeplane on a real control plane on loopback: etcd,
// kube-apiserver, kube-controller-manager and Crossplane core, with our
// function, provider and packages installed the way a user installs them,
// and BIND as the DNS backend. TestMain starts everything on free ports and
// stops everything it started by PID at the end, also on failure.
//
//	go test -tags e2e -count=1 -v ./test/e2e/...   (or `make e2e`)
//
// Binaries come from the tools cache (internal/tools; `make e2e` builds them
// before the tests, never under the test's deadline); ETCD, KUBE_APISERVER,
// KUBE_CONTROLLER_MANAGER, CROSSPLANE_CORE, CROSSPLANE, HYDRA, E2E_FUNCTION and
// E2E_PROVIDER override them. E2E_KEEP=1 keeps the work directory (logs, configs) after a pass.
package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// The zone BIND serves for the scenarios.
const testZone = "homeplane.test."

var (
	repoRoot, workDir, logDir string
	env                       *environment
)

// environment is what the scenarios use.
type environment struct {
	cp       *controlPlane
	x        *crossplaneCore
	dns      *bind
	idp      *hydra
	registry string
	c        client.Client
}

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) (code int) {
	flag.Parse()
	ctrllog.SetLogger(logr.Discard())
	total := time.Now()
	var err error
	if repoRoot, err = filepath.Abs("../.."); err != nil {
		panic(err)
	}
	if workDir, err = os.MkdirTemp("", "homeplane-e2e-"); err != nil {
		panic(err)
	}
	logDir = filepath.Join(workDir, "logs")
	if err := os.MkdirAll(logDir, 0o700); err != nil {
		panic(err)
	}
	fmt.Printf("e2e: work dir %s\n", workDir)

	// Stop everything on the way out: normal end, failure, interrupt, or
	// shortly before `go test -timeout` would kill us without cleanup.
	defer func() {
		start := time.Now()
		stopAll()
		phase("teardown", start)
		if code == 0 && os.Getenv("E2E_KEEP") == "" {
			_ = os.RemoveAll(workDir)
		} else {
			fmt.Printf("e2e: logs and configs kept in %s\n", workDir)
		}
		phase("total", total)
	}()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "e2e: %v: stopping everything\n", s)
		stopAll()
		os.Exit(2)
	}()
	if f := flag.Lookup("test.timeout"); f != nil {
		if d, ok := f.Value.(flag.Getter).Get().(time.Duration); ok && d > time.Minute {
			time.AfterFunc(d-30*time.Second, func() {
				fmt.Fprintln(os.Stderr, "e2e: test timeout is near: dumping logs and stopping everything")
				dumpLogs()
				stopAll()
				os.Exit(3)
			})
		}
	}

	ctx := context.Background()
	if env, err = setup(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: setup failed: %v\n", err)
		dumpLogs()
		return 1
	}
	phase("setup", total)
	start := time.Now()
	code = m.Run()
	phase("scenarios", start)
	if code != 0 {
		dumpLogs()
	}
	return code
}

func setup(ctx context.Context) (*environment, error) {
	start := time.Now()
	bins := map[string]string{}
	for _, t := range []struct{ key, name string }{
		{"etcd", "etcd"},
		{"apiserver", "kube-apiserver"},
		{"kcm", "kube-controller-manager"},
		{"core", "crossplane-core"},
		{"cli", "crossplane"},
		{"hydra", "hydra"},
	} {
		p, err := toolsCache.Find(t.name)
		if err != nil {
			return nil, err
		}
		bins[t.key] = p
	}
	for key, pkg := range map[string]string{"function": "./fn", "provider": "./provider"} {
		p, err := ourBinary(ctx, "E2E_"+map[string]string{"function": "FUNCTION", "provider": "PROVIDER"}[key], pkg)
		if err != nil {
			return nil, err
		}
		bins[key] = p
	}
	phase("binaries", start)

	e := &environment{}
	cp, err := startControlPlane(ctx, bins["etcd"], bins["apiserver"], bins["kcm"])
	if err != nil {
		return nil, err
	}
	e.cp, e.c = cp, cp.client

	// Independent of Crossplane: the CRDs of what we compose, and BIND.
	start = time.Now()
	if err := installComposedCRDs(ctx, cp.client); err != nil {
		return nil, err
	}
	phase("composed kinds' CRDs", start)
	start = time.Now()
	if e.dns, err = startBIND(ctx, testZone); err != nil {
		return nil, err
	}
	phase("BIND ready", start)
	start = time.Now()
	if e.idp, err = startHydra(ctx, bins["hydra"]); err != nil {
		return nil, err
	}
	phase("Hydra ready", start)

	if e.x, err = startCrossplane(ctx, cp, bins["core"]); err != nil {
		return nil, err
	}

	// The function and provider run as local processes (the harness plays
	// the External package runtime).
	start = time.Now()
	fnPort := freePort()
	fnAddr := fmt.Sprintf("127.0.0.1:%d", fnPort)
	fnCert, fnKey := e.x.ca.issue("homeplane-function")
	fnTLS := filepath.Join(workDir, "function-tls")
	if err := writeTLSDir(fnTLS, fnCert, fnKey, e.x.ca.certPEM); err != nil {
		return nil, err
	}
	fn, err := run("function", []string{"TLS_SERVER_CERTS_DIR=" + fnTLS}, bins["function"], "--address="+fnAddr, "--debug")
	if err != nil {
		return nil, err
	}
	if err := waitTCP(ctx, fn, fnAddr); err != nil {
		return nil, err
	}
	startProvider := func() (*process, error) {
		return run("provider", []string{"KUBECONFIG=" + cp.kubeconfig}, bins["provider"],
			"--debug", "--metrics-bind-address=0", "--health-probe-bind-address=0", "--poll=10s")
	}
	phase("function started", start)

	// The registry runs inside the test binary and ends with it.
	addr, _, err := startRegistry()
	if err != nil {
		return nil, err
	}
	e.registry = addr
	if err := installPackages(ctx, cp, e.x, bins["cli"], addr, fn, fnAddr, startProvider); err != nil {
		return nil, err
	}
	start = time.Now()
	if err := configureProvider(ctx, cp.client, e.dns, e.idp); err != nil {
		return nil, err
	}
	phase("provider configured", start)
	return e, nil
}

// moduleDir returns the module cache directory of a module at the version
// go.mod pins.
func moduleDir(ctx context.Context, module string) (string, error) {
	out, err := command(ctx, nil, "go", "list", "-C", repoRoot, "-m", "-f", "{{.Dir}}", module)
	if err == nil && trimNL(out) != "" {
		return trimNL(out), nil
	}
	v, err := command(ctx, nil, "go", "list", "-C", repoRoot, "-m", "-f", "{{.Version}}", module)
	if err != nil {
		return "", err
	}
	if _, err := command(ctx, nil, "go", "mod", "download", module+"@"+trimNL(v)); err != nil {
		return "", err
	}
	out, err = command(ctx, nil, "go", "list", "-C", repoRoot, "-m", "-f", "{{.Dir}}", module)
	return trimNL(out), err
}

// installComposedCRDs applies the CRDs of the kinds our Compositions
// compose from their modules at the versions go.mod pins: Zalando's
// postgresql, Gateway API's standard channel and cert-manager's Certificate.
func installComposedCRDs(ctx context.Context, c client.Client) error {
	zalando, err := moduleDir(ctx, "github.com/zalando/postgres-operator")
	if err != nil {
		return err
	}
	gateway, err := moduleDir(ctx, "sigs.k8s.io/gateway-api")
	if err != nil {
		return err
	}
	certManager, err := moduleDir(ctx, "github.com/cert-manager/cert-manager")
	if err != nil {
		return err
	}
	files := []string{
		filepath.Join(zalando, "manifests", "postgresql.crd.yaml"),
		filepath.Join(certManager, "deploy", "crds", "crd-certificates.yaml"),
	}
	std, _ := filepath.Glob(filepath.Join(gateway, "config", "crd", "standard", "*.yaml"))
	files = append(files, std...)
	var names []string
	for _, f := range files {
		objs, err := readObjects(f)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if o.GetKind() != "CustomResourceDefinition" {
				continue
			}
			// cert-manager ships its CRDs as Helm templates: drop the
			// templated labels (the schema itself is plain).
			labels := o.GetLabels()
			for k, v := range labels {
				if strings.Contains(v, "{{") {
					delete(labels, k)
				}
			}
			o.SetLabels(labels)
			if err := apply(ctx, c, o); err != nil {
				return err
			}
			names = append(names, o.GetName())
		}
	}
	for _, n := range names {
		if err := waitCRDEstablished(ctx, c, n); err != nil {
			return err
		}
	}
	return nil
}

// crdEstablished reports whether a CRD exists and is established.
func crdEstablished(ctx context.Context, c client.Client, name string) bool {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := c.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
		return false
	}
	for _, cd := range crd.Status.Conditions {
		if cd.Type == apiextensionsv1.Established && cd.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}

func waitCRDEstablished(ctx context.Context, c client.Client, name string) error {
	return poll(ctx, time.Minute, "CRD "+name+" established", func() (bool, string, error) {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
			return false, "", err
		}
		for _, cd := range crd.Status.Conditions {
			if cd.Type == apiextensionsv1.Established && cd.Status == apiextensionsv1.ConditionTrue {
				return true, "", nil
			}
		}
		return false, "not established", nil
	})
}

// configureProvider gives the provider a ClusterProviderConfig "bind" for
// the BIND server, with the TSIG secret in a Secret, and "hydra" for Hydra's
// dynamic client registration, as a user would.
func configureProvider(ctx context.Context, c client.Client, dns *bind, idp *hydra) error {
	if err := waitCRDEstablished(ctx, c, "clusterproviderconfigs.homeplane.dev"); err != nil {
		return err
	}
	secret := obj("v1", "Secret", crossplaneNamespace, "bind-tsig", nil)
	secret.Object["stringData"] = map[string]any{"secret": dns.secret}
	pc := obj("homeplane.dev/v1alpha1", "ClusterProviderConfig", "", "bind", map[string]any{
		"type": "rfc2136",
		"rfc2136": map[string]any{
			"server":        dns.addr,
			"tsigKeyName":   dns.keyName,
			"tsigAlgorithm": dns.algo,
		},
		"credentials": map[string]any{
			"source": "Secret",
			"secretRef": map[string]any{
				"namespace": crossplaneNamespace, "name": "bind-tsig", "key": "secret",
			},
		},
	})
	oidc := obj("homeplane.dev/v1alpha1", "ClusterProviderConfig", "", "hydra", map[string]any{
		"type":        "rfc7591",
		"rfc7591":     map[string]any{"issuerURL": idp.issuer},
		"credentials": map[string]any{"source": "None"},
	})
	return apply(ctx, c, []*unstructured.Unstructured{secret, pc, oidc}...)
}
