package testservers

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ControlPlaneBinaries are the programs of a control plane; without a
// ControllerManager none runs (nothing garbage-collects or deletes
// namespaces' contents then).
type ControlPlaneBinaries struct {
	Etcd, APIServer, ControllerManager string
	// Controllers are kube-controller-manager's controllers (its
	// --controllers); empty means garbagecollector and namespace.
	Controllers []string
	// ControllerManagerArgs are more flags of kube-controller-manager.
	ControllerManagerArgs []string
	// APIServerArgs are more flags of kube-apiserver, after (and so
	// overriding) the harness's own.
	APIServerArgs []string
}

// A ControlPlane is etcd and kube-apiserver on loopback, and
// kube-controller-manager when asked for, with an admin token in
// system:masters and a serving certificate from CA.
type ControlPlane struct {
	Host       string // https://127.0.0.1:port
	Token      string
	CA         *CA
	Kubeconfig string // a file with Host, CA and Token
	// Config is the admin's, with client-go's default rate limits: what a
	// program under test is given.
	Config *rest.Config
	// Client is the harness's own (built-in and apiextensions kinds), with
	// higher rate limits so that waiting on many objects is not throttled.
	Client client.Client
	// AuditLog holds one JSON line per delete request (audit level
	// Metadata): who deleted what, when a test finds something gone.
	AuditLog string

	// harness and scheme are Client's, for Watch.
	harness *rest.Config
	scheme  *runtime.Scheme

	// kube-controller-manager and how it was started, for
	// RestartControllerManager.
	kcm     *Process
	kcmBin  string
	kcmArgs []string
}

// ControlPlane starts a control plane and waits until kube-apiserver is
// ready and kube-controller-manager's garbage collector runs.
func (g *Group) ControlPlane(ctx context.Context, bins ControlPlaneBinaries) (*ControlPlane, error) {
	dir, err := g.dir("kube")
	if err != nil {
		return nil, err
	}
	start := time.Now()
	ports, err := FreePorts(3)
	if err != nil {
		return nil, err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	etcd, err := g.Run("etcd", nil, bins.Etcd,
		"--name=e2e", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=e2e="+peerURL,
		"--unsafe-no-fsync", "--log-level=warn")
	if err != nil {
		return nil, err
	}
	if err := etcd.waitHTTP(ctx, http.DefaultClient, etcdURL+"/health", ""); err != nil {
		return nil, err
	}
	g.phase("etcd ready", start)

	start = time.Now()
	cp := &ControlPlane{Host: fmt.Sprintf("https://127.0.0.1:%d", ports[2]), Token: randomHex(24),
		AuditLog: filepath.Join(g.Dir, "logs", "kube-apiserver-deletes.log")}
	if err := cp.writeFiles(dir); err != nil {
		return nil, err
	}
	apiserverArgs := append([]string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", ports[2]),
		"--cert-dir=" + filepath.Join(dir, "certs"),
		"--tls-cert-file=" + filepath.Join(dir, "apiserver.crt"),
		"--tls-private-key-file=" + filepath.Join(dir, "apiserver.key"),
		"--client-ca-file=" + filepath.Join(dir, "ca.crt"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + filepath.Join(dir, "sa.key"),
		"--service-account-signing-key-file=" + filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range=10.96.0.0/16",
		"--token-auth-file=" + filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		// No kubelet or kube-proxy: the kubernetes Service has no endpoints.
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--audit-policy-file=" + filepath.Join(dir, "audit-policy.yaml"),
		"--audit-log-path=" + cp.AuditLog,
		"--v=0"}, bins.APIServerArgs...)
	apiserver, err := g.Run("kube-apiserver", nil, bins.APIServer, apiserverArgs...)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cp.CA.CertPEM)
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	if err := apiserver.waitHTTP(ctx, hc, cp.Host+"/readyz", cp.Token); err != nil {
		return nil, err
	}
	cp.Config = &rest.Config{Host: cp.Host, BearerToken: cp.Token, TLSClientConfig: rest.TLSClientConfig{CAData: cp.CA.CertPEM}}
	harness := rest.CopyConfig(cp.Config)
	harness.QPS, harness.Burst = 100, 200
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("cannot build the control plane's scheme: %w", err)
		}
	}
	cp.harness, cp.scheme = harness, scheme
	if cp.Client, err = client.New(harness, client.Options{Scheme: scheme}); err != nil {
		return nil, fmt.Errorf("cannot create a client for kube-apiserver: %w", err)
	}
	g.phase("kube-apiserver ready", start)

	if bins.ControllerManager == "" {
		return cp, nil
	}
	start = time.Now()
	controllers := bins.Controllers
	if len(controllers) == 0 {
		controllers = []string{"garbagecollector", "namespace"}
	}
	cp.kcmBin = bins.ControllerManager
	cp.kcmArgs = append([]string{
		"--kubeconfig=" + cp.Kubeconfig,
		"--controllers=" + strings.Join(controllers, ","),
		"--leader-elect=false", "--secure-port=0",
		"--concurrent-gc-syncs=5", "--v=0"}, bins.ControllerManagerArgs...)
	if err := g.startControllerManager(cp); err != nil {
		return nil, err
	}
	g.phase("kube-controller-manager up", start)
	return cp, nil
}

func (g *Group) startControllerManager(cp *ControlPlane) error {
	kcm, err := g.Run("kube-controller-manager", nil, cp.kcmBin, cp.kcmArgs...)
	if err != nil {
		return err
	}
	cp.kcm = kcm
	// No serving port: wait until its garbage collector has synced once
	// (it logs that) or give up after a short while; deletion tests wait
	// for their own outcome anyway.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(kcm.Tail(1<<20), "Proceeding to collect garbage") {
		if kcm.Exited() {
			return kcm.exitedErr()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}

// RestartControllerManager restarts kube-controller-manager, so that its
// garbage collector watches every kind that exists now. It discovers kinds
// created after its start (CRDs of composed kinds, of XRDs) only at its
// periodic resync, 30 s apart; until then it neither orphans nor deletes
// dependents of those kinds, and may delete, as dependents of a gone owner,
// objects that were to be orphaned. A real cluster's controller manager has
// long caught up; a fresh one in a test has not.
func (g *Group) RestartControllerManager(cp *ControlPlane) error {
	if cp.kcm == nil {
		return nil
	}
	start := time.Now()
	cp.kcm.Stop()
	if err := g.startControllerManager(cp); err != nil {
		return err
	}
	g.phase("kube-controller-manager restarted", start)
	return nil
}

// writeFiles creates the CA and writes what kube-apiserver and clients read
// into dir: serving certificate, service-account key, token file, kubeconfig.
func (cp *ControlPlane) writeFiles(dir string) error {
	var err error
	if cp.CA, err = NewCA("homeplane-test-ca"); err != nil {
		return err
	}
	serving, servingKey, err := cp.CA.Issue("kube-apiserver", "localhost", "kubernetes.default.svc")
	if err != nil {
		return err
	}
	sa, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("cannot generate the service-account key: %w", err)
	}
	// The service-account key file must be SEC 1 or PKCS#1 (not PKCS#8).
	saDER, err := x509.MarshalECPrivateKey(sa)
	if err != nil {
		return fmt.Errorf("cannot encode the service-account key: %w", err)
	}
	cp.Kubeconfig = filepath.Join(dir, "kubeconfig")
	files := map[string][]byte{
		"ca.crt":        cp.CA.CertPEM,
		"apiserver.crt": serving,
		"apiserver.key": servingKey,
		"sa.key":        pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: saDER}),
		"tokens.csv":    []byte(cp.Token + `,admin,admin,"system:masters"` + "\n"),
		"audit-policy.yaml": []byte(`apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [delete, deletecollection]
- level: None
`),
		"kubeconfig": []byte(cp.kubeconfig()),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return fmt.Errorf("cannot write %s: %w", name, err)
		}
	}
	return nil
}

func (cp *ControlPlane) kubeconfig() string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: test
  context: {cluster: test, user: admin}
current-context: test
`, cp.Host, base64.StdEncoding.EncodeToString(cp.CA.CertPEM), cp.Token)
}

// KubeconfigFor writes a kubeconfig that authenticates as ServiceAccount
// namespace/name (created if missing) with a token from the TokenRequest
// API, valid for a day: a program started with it has exactly the
// permissions RBAC grants that account, as in a pod.
func (cp *ControlPlane) KubeconfigFor(ctx context.Context, namespace, name string) (string, error) {
	cs, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		return "", err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	if err := cp.Client.Create(ctx, sa); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", fmt.Errorf("cannot create ServiceAccount %s/%s: %w", namespace, name, err)
	}
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](24 * 3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("cannot get a token for ServiceAccount %s/%s: %w", namespace, name, err)
	}
	path := filepath.Join(filepath.Dir(cp.Kubeconfig), "kubeconfig-"+namespace+"-"+name)
	text := strings.Replace(cp.kubeconfig(), "token: "+cp.Token, "token: "+tr.Status.Token, 1)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// Watch returns a reader of the objects of obj's kind that match sel (nil:
// all), kept by one watch until ctx ends: a harness loop that looks every
// half second lists this instead of asking the API server, whose CPU on a
// small machine belongs to the system under test. obj may be unstructured
// (a CRD's kind). Lists may lag the API server by a watch event.
func (cp *ControlPlane) Watch(ctx context.Context, obj client.Object, sel labels.Selector) (client.Reader, error) {
	c, err := cache.New(cp.harness, cache.Options{Scheme: cp.scheme,
		ByObject: map[client.Object]cache.ByObject{obj: {Label: sel}}})
	if err != nil {
		return nil, fmt.Errorf("cannot create a watch cache: %w", err)
	}
	if _, err := c.GetInformer(ctx, obj); err != nil {
		return nil, fmt.Errorf("cannot watch %T: %w", obj, err)
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("cannot sync the watch of %T: %w", obj, ctx.Err())
	}
	return c, nil
}

// watchFor is Watch retried every second until it works or ctx ends (nil
// then), for a harness loop that runs as long as the control plane.
func (cp *ControlPlane) watchFor(ctx context.Context, obj client.Object, sel labels.Selector, logf func(string, ...any)) client.Reader {
	for ctx.Err() == nil {
		r, err := cp.Watch(ctx, obj, sel)
		if err == nil {
			return r
		}
		if ctx.Err() == nil {
			logf("%v", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return nil
}
