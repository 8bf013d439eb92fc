//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/homeplane/homeplane/internal/tools"
)

// The namespace Crossplane core runs packages in.
const crossplaneNamespace = "crossplane-system"

// Names of the Secrets `core init` fills (the Helm chart's names).
const (
	tlsCASecret     = "crossplane-root-ca"
	tlsClientSecret = "crossplane-tls-client"
	tlsServerSecret = "crossplane-tls-server"
)

// toolsCache finds the pinned binaries `make e2e` built (internal/tools).
var toolsCache = tools.New()

// ourBinary returns $ENV or builds ./pkg of this module into the work dir.
func ourBinary(ctx context.Context, envName, pkg string) (string, error) {
	if p := os.Getenv(envName); p != "" {
		return p, nil
	}
	out := filepath.Join(workDir, "bin", filepath.Base(pkg))
	_, err := command(ctx, []string{"CGO_ENABLED=0"}, "go", "build", "-C", repoRoot, "-o", out, pkg)
	return out, err
}

// A controlPlane is etcd, kube-apiserver and kube-controller-manager on
// loopback, with an admin token in system:masters.
type controlPlane struct {
	host       string // https://127.0.0.1:port
	token      string
	ca         *ca
	kubeconfig string
	cfg        *rest.Config
	client     client.Client
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func startControlPlane(ctx context.Context, etcdBin, apiserverBin, kcmBin string) (*controlPlane, error) {
	dir := filepath.Join(workDir, "kube")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}

	start := time.Now()
	clientPort, peerPort := freePort(), freePort()
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	etcd, err := run("etcd", nil, etcdBin,
		"--name=e2e", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=e2e="+peerURL,
		"--unsafe-no-fsync", "--log-level=warn")
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, etcd, etcdURL+"/health", nil); err != nil {
		return nil, err
	}
	phase("etcd ready", start)

	start = time.Now()
	cp := &controlPlane{ca: newCA("homeplane-e2e-ca"), token: randomHex(24)}
	serving, servingKey := cp.ca.issue("kube-apiserver", "localhost", "kubernetes.default.svc")
	// The service-account key file must be SEC1 or PKCS#1 (not PKCS#8).
	saDER, err := x509.MarshalECPrivateKey(newKey())
	if err != nil {
		return nil, err
	}
	saKey := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: saDER})
	files := map[string][]byte{
		"ca.crt":        cp.ca.certPEM,
		"apiserver.crt": serving,
		"apiserver.key": servingKey,
		"sa.key":        saKey,
		"tokens.csv":    []byte(cp.token + `,e2e-admin,e2e-admin,"system:masters"` + "\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return nil, err
		}
	}
	port := freePort()
	cp.host = fmt.Sprintf("https://127.0.0.1:%d", port)
	apiserver, err := run("kube-apiserver", nil, apiserverBin,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--tls-cert-file="+filepath.Join(dir, "apiserver.crt"),
		"--tls-private-key-file="+filepath.Join(dir, "apiserver.key"),
		"--client-ca-file="+filepath.Join(dir, "ca.crt"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+filepath.Join(dir, "sa.key"),
		"--service-account-signing-key-file="+filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range=10.96.0.0/16",
		"--token-auth-file="+filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		// No kubelet or kube-proxy: the kubernetes Service has no endpoints.
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--v=0")
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, apiserver, cp.host+"/readyz", cp); err != nil {
		return nil, err
	}
	cp.cfg = &rest.Config{
		Host:            cp.host,
		BearerToken:     cp.token,
		TLSClientConfig: rest.TLSClientConfig{CAData: cp.ca.certPEM},
		QPS:             100,
		Burst:           200,
	}
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = apiextensionsv1.AddToScheme(scheme)
	if cp.client, err = client.New(cp.cfg, client.Options{Scheme: scheme}); err != nil {
		return nil, err
	}
	cp.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(cp.kubeconfig, []byte(cp.kubeconfigYAML()), 0o600); err != nil {
		return nil, err
	}
	phase("kube-apiserver ready", start)

	start = time.Now()
	kcm, err := run("kube-controller-manager", nil, kcmBin,
		"--kubeconfig="+cp.kubeconfig,
		"--controllers=garbagecollector,namespace",
		"--leader-elect=false", "--secure-port=0",
		"--concurrent-gc-syncs=5", "--v=0")
	if err != nil {
		return nil, err
	}
	// No serving port: wait until its garbage collector has synced once
	// (it logs that) or give up after a short while; deletion tests wait
	// for their own outcome anyway.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(kcm.tailLog(1<<20), "Proceeding to collect garbage") {
		if kcm.exited() {
			return nil, fmt.Errorf("kube-controller-manager exited:\n%s", kcm.tailLog(3000))
		}
		time.Sleep(200 * time.Millisecond)
	}
	phase("kube-controller-manager up", start)
	return cp, nil
}

func (cp *controlPlane) kubeconfigYAML() string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: e2e-admin
  user:
    token: %s
contexts:
- name: e2e
  context: {cluster: e2e, user: e2e-admin}
current-context: e2e
`, cp.host, b64(cp.ca.certPEM), cp.token)
}

// waitHTTP polls url until it answers 200 (with the control plane's CA
// and token when cp is set) or p exits.
func waitHTTP(ctx context.Context, p *process, url string, cp *controlPlane) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	if cp != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(cp.ca.certPEM)
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if cp != nil {
			req.Header.Set("Authorization", "Bearer "+cp.token)
		}
		if r, err := hc.Do(req); err == nil {
			_ = r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return nil
			}
			last = r.Status
		} else {
			last = err.Error()
		}
		if p.exited() {
			return fmt.Errorf("%s exited:\n%s", p.name, p.tailLog(4000))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s (%s): %w", p.name, url, last, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ensureNamespace creates a namespace if it does not exist.
func ensureNamespace(ctx context.Context, c client.Client, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Create(ctx, ns); err != nil && !isAlreadyExists(err) {
		return err
	}
	return nil
}
