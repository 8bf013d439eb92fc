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
// The servers are started by internal/testservers, which the provider's own
// tests (and its e2e test, provider/internal/e2e) start theirs with.
package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/homeplane/homeplane/internal/testservers"
	"github.com/homeplane/homeplane/internal/tools"
)

// The zone BIND serves for the scenarios.
const testZone = "homeplane.test."

var (
	repoRoot, workDir string
	// procs are the processes the harness started, stopped at the end.
	procs *testservers.Group
	env   *environment
	// toolsCache finds the pinned binaries `make e2e` built (internal/tools).
	toolsCache = tools.New()
)

// The namespace Crossplane core runs packages in.
const crossplaneNamespace = testservers.CrossplaneNamespace

// environment is what the scenarios use.
type environment struct {
	cp       *testservers.ControlPlane
	x        *testservers.Crossplane
	dns      *testservers.DNS
	idp      *testservers.Hydra
	registry string
	c        client.Client
	// fn is the function's process and fnMetrics its Prometheus endpoint.
	fn        *testservers.Process
	fnMetrics string
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
	if procs, err = testservers.NewGroup(workDir); err != nil {
		panic(err)
	}
	procs.Phase = phase
	fmt.Printf("e2e: work dir %s\n", workDir)

	// The harness's own players (volume provisioner, Patroni) run until
	// the processes stop.
	ctx, cancel := context.WithCancel(context.Background())
	// Stop everything on the way out: normal end, failure, interrupt, or
	// shortly before `go test -timeout` would kill us without cleanup.
	defer func() {
		cancel()
		start := time.Now()
		procs.Stop()
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
		procs.Stop()
		os.Exit(2)
	}()
	if f := flag.Lookup("test.timeout"); f != nil {
		if d, ok := f.Value.(flag.Getter).Get().(time.Duration); ok && d > time.Minute {
			time.AfterFunc(d-30*time.Second, func() {
				fmt.Fprintln(os.Stderr, "e2e: test timeout is near: dumping logs and stopping everything")
				dumpLogs()
				procs.Stop()
				os.Exit(3)
			})
		}
	}

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
		{"scheduler", "kube-scheduler"},
		{"kwok", "kwok"},
		{"operator", "postgres-operator"},
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
	cp, err := procs.ControlPlane(ctx, testservers.ControlPlaneBinaries{
		Etcd: bins["etcd"], APIServer: bins["apiserver"], ControllerManager: bins["kcm"],
		Controllers: realControllers, ControllerManagerArgs: controllerManagerArgs,
		APIServerArgs: apiServerArgs(),
	})
	if err != nil {
		return nil, err
	}
	e.cp, e.c = cp, cp.Client
	go cp.ProvisionVolumes(ctx, logf)
	stages, err := kwokStages(ctx)
	if err != nil {
		return nil, err
	}
	if err := procs.Nodes(ctx, cp, testservers.NodeBinaries{Scheduler: bins["scheduler"], Kwok: bins["kwok"], Stages: stages}, 3); err != nil {
		return nil, err
	}

	// Independent of Crossplane: the CRDs of what we compose, and BIND.
	start = time.Now()
	if err := installComposedCRDs(ctx, cp.Client); err != nil {
		return nil, err
	}
	phase("composed kinds' CRDs", start)
	// For make scale: E2E_OPERATOR_WORKERS, the operator's "workers" (default
	// 8); E2E_OPERATOR_RESYNC, its "resync_period" (default 30m, the only
	// time it retries a cluster whose creation failed); E2E_OPERATOR_QPS,
	// its client's requests per second (default 10, bursts twice that).
	op := testservers.PostgresOperatorOptions{Config: map[string]string{}}
	for env, key := range map[string]string{"E2E_OPERATOR_WORKERS": "workers", "E2E_OPERATOR_RESYNC": "resync_period"} {
		if v := os.Getenv(env); v != "" {
			op.Config[key] = v
		}
	}
	if q := os.Getenv("E2E_OPERATOR_QPS"); q != "" {
		qps, err := strconv.Atoi(q)
		if err != nil || qps < 1 {
			return nil, fmt.Errorf("E2E_OPERATOR_QPS=%q: want a positive number of requests per second", q)
		}
		op.Args = []string{fmt.Sprintf("-kubeqps=%d", qps), fmt.Sprintf("-kubeburst=%d", 2*qps)}
	}
	if err := procs.PostgresOperator(ctx, cp, bins["operator"], op, logf); err != nil {
		return nil, err
	}
	start = time.Now()
	if e.dns, err = procs.BIND(ctx, testZone); err != nil {
		return nil, err
	}
	phase("BIND ready", start)
	start = time.Now()
	if e.idp, err = procs.Hydra(ctx, bins["hydra"]); err != nil {
		return nil, err
	}
	phase("Hydra ready", start)

	coreDir, err := coreModuleDir(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := installCrossplaneRBAC(ctx, cp, coreDir)
	if err != nil {
		return nil, err
	}
	// E2E_FUNCTION_RESPONSE_CACHE=1: core caches function responses, for make scale.
	if e.x, err = procs.Crossplane(ctx, cp, bins["core"], filepath.Join(coreDir, "cluster", "crds"), ids,
		os.Getenv("E2E_FUNCTION_RESPONSE_CACHE") == "1"); err != nil {
		return nil, err
	}

	// The function and provider run as local processes (the harness plays
	// the External package runtime).
	start = time.Now()
	fnPort, err := testservers.FreePorts(2)
	if err != nil {
		return nil, err
	}
	fnAddr := fmt.Sprintf("127.0.0.1:%d", fnPort[0])
	fnCert, fnKey, err := e.x.CA.Issue("homeplane-function")
	if err != nil {
		return nil, err
	}
	fnTLS := filepath.Join(workDir, "function-tls")
	if err := testservers.WriteTLSDir(fnTLS, fnCert, fnKey, e.x.CA.CertPEM); err != nil {
		return nil, err
	}
	fn, err := procs.Run("function", []string{"TLS_SERVER_CERTS_DIR=" + fnTLS}, bins["function"], "--address="+fnAddr,
		fmt.Sprintf("--metrics-address=127.0.0.1:%d", fnPort[1]), "--debug")
	if err != nil {
		return nil, err
	}
	if err := fn.WaitTCP(ctx, fnAddr); err != nil {
		return nil, err
	}
	e.fn, e.fnMetrics = fn, fmt.Sprintf("http://127.0.0.1:%d/metrics", fnPort[1])
	startProvider := func(kubeconfig string) (*testservers.Process, error) {
		return procs.Run("provider", []string{"KUBECONFIG=" + kubeconfig}, bins["provider"],
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
	if err := installNamespacedConfiguration(ctx, cp.Client, bins["cli"], addr); err != nil {
		return nil, err
	}
	start = time.Now()
	if err := configureProvider(ctx, cp.Client, e.dns, e.idp); err != nil {
		return nil, err
	}
	phase("provider configured", start)
	// Every kind exists now (composed kinds, the XRDs' composites and
	// claims): a garbage collector that knows them all orphans what the
	// migration tests orphan, instead of racing its 30 s rediscovery.
	if err := procs.RestartControllerManager(cp); err != nil {
		return nil, err
	}
	return e, nil
}

// moduleDir returns the module cache directory of a module at the version
// go.mod pins.
func moduleDir(ctx context.Context, module string) (string, error) {
	out, err := testservers.Output(ctx, nil, "go", "list", "-C", repoRoot, "-m", "-f", "{{.Dir}}", module)
	if err == nil && trimNL(out) != "" {
		return trimNL(out), nil
	}
	v, err := testservers.Output(ctx, nil, "go", "list", "-C", repoRoot, "-m", "-f", "{{.Version}}", module)
	if err != nil {
		return "", err
	}
	if _, err := testservers.Output(ctx, nil, "go", "mod", "download", module+"@"+trimNL(v)); err != nil {
		return "", err
	}
	out, err = testservers.Output(ctx, nil, "go", "list", "-C", repoRoot, "-m", "-f", "{{.Dir}}", module)
	return trimNL(out), err
}

// realControllers are the controllers of kube-controller-manager that e2e
// runs, so that Deployments, StatefulSets, PodDisruptionBudgets and volume
// claims reach their real status: serviceaccount because pods need their
// namespace's default ServiceAccount to be admitted, nodelifecycle to lift
// the not-ready taint from kwok's nodes, clusterrole-aggregation to fill
// Crossplane's aggregated ClusterRoles, pvc-protection to lift the finalizer
// it sets once no pod uses a claim (else a namespace with a volume claim
// never finishes terminating).
var realControllers = []string{
	"deployment", "replicaset", "statefulset", "endpointslice", "disruption",
	"persistentvolume-binder", "pvc-protection", "garbagecollector", "namespace", "serviceaccount", "nodelifecycle",
	"clusterrole-aggregation",
}

// apiServerArgs: E2E_APISERVER_PROFILING=1 serves /debug/pprof (make scale
// PROFILE=...), so that a benchmark can say what kube-apiserver spends its CPU
// on.
func apiServerArgs() []string {
	if os.Getenv("E2E_APISERVER_PROFILING") == "1" {
		return []string{"--profiling=true"}
	}
	return nil
}

// controllerManagerArgs: kwok's node leases lapse under load on 2 cores,
// and with the default grace period (50 s) the node lifecycle controller
// then marks every pod NotReady, a failure of the harness, not of what is
// tested.
var controllerManagerArgs = []string{"--node-monitor-grace-period=10m"}

// kwokStages are the Stage files of kwok's "fast" set (its
// kustomize/stage/fast): nodes Ready at once and kept alive by leases, pods
// Running and Ready once scheduled, deleted when asked.
func kwokStages(ctx context.Context) ([]string, error) {
	dir, err := toolModuleDir(ctx, "kwok", "sigs.k8s.io/kwok", "kustomize/stage")
	if err != nil {
		return nil, err
	}
	var files []string
	for _, set := range []string{"node/fast", "node/heartbeat-with-lease", "pod/fast"} {
		fs, _ := filepath.Glob(filepath.Join(dir, "kustomize", "stage", set, "*.yaml"))
		for _, f := range fs {
			if filepath.Base(f) != "kustomization.yaml" {
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no kwok stages under %s", dir)
	}
	return files, nil
}

// coreModuleDir returns the module cache directory of Crossplane core, whose
// cluster/crds `core init` installs.
func coreModuleDir(ctx context.Context) (string, error) {
	return toolModuleDir(ctx, "crossplane-core", "github.com/crossplane/crossplane/v2", "cluster/crds")
}

// toolModuleDir returns the module cache directory of a tool's module at
// its pinned version, downloading it when building the tool did not leave
// it (probe is a path that must exist in it).
func toolModuleDir(ctx context.Context, tool, module, probe string) (string, error) {
	gomodcache, err := testservers.Output(ctx, nil, "go", "env", "GOMODCACHE")
	if err != nil {
		return "", err
	}
	version, err := toolsCache.Version(tool)
	if err != nil {
		return "", err
	}
	mod := module + "@" + version
	dir := filepath.Join(trimNL(gomodcache), mod)
	if _, err := os.Stat(filepath.Join(dir, probe)); err != nil {
		if _, err := testservers.Output(ctx, []string{"GOFLAGS=-mod=mod"}, "go", "mod", "download", mod); err != nil {
			return "", err
		}
	}
	return dir, nil
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
func configureProvider(ctx context.Context, c client.Client, dns *testservers.DNS, idp *testservers.Hydra) error {
	if err := waitCRDEstablished(ctx, c, "clusterproviderconfigs.homeplane.dev"); err != nil {
		return err
	}
	secret := obj("v1", "Secret", crossplaneNamespace, "bind-tsig", nil)
	secret.Object["stringData"] = map[string]any{"secret": dns.Secret}
	pc := obj("homeplane.dev/v1alpha1", "ClusterProviderConfig", "", "bind", map[string]any{
		"type": "rfc2136",
		"rfc2136": map[string]any{
			"server":        dns.Addr,
			"tsigKeyName":   dns.KeyName,
			"tsigAlgorithm": dns.Algo,
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
		"rfc7591":     map[string]any{"issuerURL": idp.Issuer},
		"credentials": map[string]any{"source": "None"},
	})
	return apply(ctx, c, []*unstructured.Unstructured{secret, pc, oidc}...)
}

// phase prints a timing line for a named step of the harness.
func phase(name string, start time.Time) {
	fmt.Printf("e2e: phase %-28s %6.1fs\n", name, time.Since(start).Seconds())
}

// logf prints what the harness's own players (volume provisioner, Patroni)
// could not do.
func logf(format string, args ...any) { fmt.Printf("e2e: "+format+"\n", args...) }

// dumpLogs prints the end of every process log (on failure).
func dumpLogs() { fmt.Fprint(os.Stderr, procs.Tails(6000)) }

// ourBinary returns $ENV or builds ./pkg of this module into the work dir.
func ourBinary(ctx context.Context, envName, pkg string) (string, error) {
	if p := os.Getenv(envName); p != "" {
		return p, nil
	}
	out := filepath.Join(workDir, "bin", filepath.Base(pkg))
	_, err := testservers.Output(ctx, []string{"CGO_ENABLED=0"}, "go", "build", "-C", repoRoot, "-o", out, pkg)
	return out, err
}
