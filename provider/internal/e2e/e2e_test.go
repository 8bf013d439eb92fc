//go:build e2e

// Package e2e runs the whole provider (manager, safe-start gate, config and
// managed resource controllers) against a real etcd + kube-apiserver, a real
// BIND and a real Hydra, all on loopback. Build the control plane with
// `go run ./hack/tools build e2e`; run with `make provider-e2e`.
package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	dnsv1alpha1 "github.com/homeplane/homeplane/apis/dns/v1alpha1"
	oidcv1alpha1 "github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	"github.com/homeplane/homeplane/apis/provider"
	apisv1alpha1 "github.com/homeplane/homeplane/apis/v1alpha1"
	"github.com/homeplane/homeplane/provider/internal/app"
	dnsc "github.com/homeplane/homeplane/provider/internal/clients/dns"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/dnstest"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/rfc2136"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
	"github.com/homeplane/homeplane/provider/internal/testservers"
)

const (
	crdDir = "../../../package/provider/crds"
)

func controlPlane(t testing.TB) *rest.Config {
	t.Helper()
	etcd := testservers.ToolPath(t, "etcd")
	apiserver := testservers.ToolPath(t, "kube-apiserver")
	dir := t.TempDir()

	client, peer := testservers.FreePort(t), testservers.FreePort(t)
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", client)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
	testservers.Start(t, dir, "etcd", exec.Command(etcd, "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default="+peerURL, "--name", "default"))

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyFile := filepath.Join(dir, "sa.key")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	token := hex.EncodeToString(tok)
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+`,admin,admin,"system:masters"`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := testservers.FreePort(t)
	testservers.Start(t, dir, "kube-apiserver", exec.Command(apiserver,
		"--etcd-servers", etcdURL, "--bind-address", "127.0.0.1", fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir", filepath.Join(dir, "certs"), "--token-auth-file", tokens,
		"--service-account-issuer", "https://kubernetes.default.svc", "--service-account-key-file", keyFile,
		"--service-account-signing-key-file", keyFile, "--service-cluster-ip-range", "10.96.0.0/24",
		"--authorization-mode", "RBAC", "--disable-admission-plugins", "ServiceAccount"))

	cfg := &rest.Config{Host: fmt.Sprintf("https://127.0.0.1:%d", port), BearerToken: token,
		TLSClientConfig: rest.TLSClientConfig{Insecure: true}}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // loopback test apiserver with a self-signed cert
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, cfg.Host+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cfg
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("kube-apiserver not ready: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func applyCRDs(t testing.TB, kube client.Client) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(crdDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in %s: %v", crdDir, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(b, crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := kube.Create(context.Background(), crd); err != nil {
			t.Fatalf("create CRD %s: %v", crd.Name, err)
		}
	}
}

func eventually(t testing.TB, what string, timeout time.Duration, f func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, msg := f()
		if ok {
			return
		}
		last = msg
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s; last: %s", timeout, what, last)
}

type conditioned interface {
	client.Object
	GetCondition(xpv2.ConditionType) xpv2.Condition
}

func status(kube client.Client, o conditioned) (ready, synced xpv2.Condition, err error) {
	if err := kube.Get(context.Background(), client.ObjectKeyFromObject(o), o); err != nil {
		return xpv2.Condition{}, xpv2.Condition{}, err
	}
	return o.GetCondition(xpv2.TypeReady), o.GetCondition(xpv2.TypeSynced), nil
}

func readyAndSynced(kube client.Client, o conditioned) func() (bool, string) {
	return func() (bool, string) {
		r, s, err := status(kube, o)
		if err != nil {
			return false, err.Error()
		}
		return r.Status == corev1.ConditionTrue && s.Status == corev1.ConditionTrue,
			fmt.Sprintf("Ready=%s(%s) Synced=%s(%s)", r.Status, r.Message, s.Status, s.Message)
	}
}

func gone(kube client.Client, o client.Object) func() (bool, string) {
	return func() (bool, string) {
		err := kube.Get(context.Background(), client.ObjectKeyFromObject(o), o)
		return kerrors.IsNotFound(err), fmt.Sprintf("still there (finalizers %v), err %v", o.GetFinalizers(), err)
	}
}

func tokenWorks(t *testing.T, h *testservers.Hydra, id, secret string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.PublicURL+"/oauth2/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func TestProviderEndToEnd(t *testing.T) {
	cfg := controlPlane(t)
	bind := testservers.BIND(t, "e2e.test")
	hydra := testservers.StartHydra(t)

	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, provider.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	kube, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// Start the provider before its CRDs exist: safe-start must hold the
	// managed resource controllers back until they do.
	ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- app.Run(runCtx, cfg, app.Options{
			Log: logging.NewNopLogger(), SyncInterval: time.Hour, PollInterval: 2 * time.Second,
			PollStateMetric: 5 * time.Second, MaxReconcileRate: 10, ManagementPolicies: true,
			MetricsBindAddress: "0", HealthProbeBindAddress: "0", Registry: prometheus.NewRegistry(),
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("provider: %v", err)
		}
	})
	time.Sleep(time.Second)
	applyCRDs(t, kube)

	for _, ns := range []string{"apps", "crossplane-system"} {
		if err := kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	objs := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "crossplane-system", Name: "tsig"},
			Data: map[string][]byte{"secret": []byte(bind.Secret)}},
		&apisv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "default"},
			Spec: apisv1alpha1.ProviderConfigSpec{Type: apisv1alpha1.BackendRFC2136,
				RFC2136: &apisv1alpha1.RFC2136Config{Server: bind.Addr, TSIGKeyName: bind.KeyName},
				Credentials: apisv1alpha1.ProviderCredentials{Source: xpv2.CredentialsSourceSecret,
					CommonCredentialSelectors: xpv2.CommonCredentialSelectors{SecretRef: &xpv2.SecretKeySelector{
						SecretReference: xpv2.SecretReference{Namespace: "crossplane-system", Name: "tsig"}, Key: "secret"}}}}},
		&apisv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "hydra"},
			Spec: apisv1alpha1.ProviderConfigSpec{Type: apisv1alpha1.BackendRFC7591,
				RFC7591:     &apisv1alpha1.RFC7591Config{IssuerURL: hydra.Issuer},
				Credentials: apisv1alpha1.ProviderCredentials{Source: xpv2.CredentialsSourceNone}}},
	}
	rs := &dnsv1alpha1.RecordSet{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "web"},
		Spec: dnsv1alpha1.RecordSetSpec{ForProvider: dnsv1alpha1.RecordSetParameters{
			Zone: "e2e.test", Name: "web", Type: "A", Records: []string{"192.0.2.80"}}}}
	oc := &oidcv1alpha1.OIDCClient{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "web"},
		Spec: oidcv1alpha1.OIDCClientSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{
				ProviderConfigReference:          &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "hydra"},
				WriteConnectionSecretToReference: &xpv2.LocalSecretReference{Name: "web-oidc"}},
			ForProvider: oidcv1alpha1.OIDCClientParameters{DisplayName: "Web",
				RedirectURIs: []string{"https://web.e2e.test/cb"},
				GrantTypes:   []string{"authorization_code", "refresh_token", "client_credentials"}}}}
	for _, o := range append(objs, rs, oc) {
		if err := kube.Create(ctx, o); err != nil {
			t.Fatalf("create %T %s: %v", o, o.GetName(), err)
		}
	}

	// API server defaults: providerConfigRef and TTL.
	start := time.Now()
	eventually(t, "RecordSet Ready", 60*time.Second, readyAndSynced(kube, rs))
	eventually(t, "OIDCClient Ready", 60*time.Second, readyAndSynced(kube, oc))
	t.Logf("RecordSet and OIDCClient Ready/Synced %s after creation", time.Since(start).Round(time.Millisecond))
	if rs.Spec.ProviderConfigReference == nil || rs.Spec.ProviderConfigReference.Name != "default" || *rs.Spec.ForProvider.TTL != 300 {
		t.Fatalf("defaults not applied: %+v", rs.Spec)
	}

	check, err := rfc2136.New(rfc2136.Config{Server: bind.Addr, KeyName: bind.KeyName, Secret: bind.Secret})
	if err != nil {
		t.Fatal(err)
	}
	records := func() []string {
		set, err := check.Get(ctx, bind.Zone, dnsc.FQDN("web", bind.Zone), 1)
		if err != nil {
			t.Fatal(err)
		}
		if set == nil {
			return nil
		}
		return set.Records()
	}
	if got := records(); !slices.Equal(got, []string{"192.0.2.80"}) {
		t.Fatalf("BIND serves %v", got)
	}

	sec := &corev1.Secret{}
	if err := kube.Get(ctx, types.NamespacedName{Namespace: "apps", Name: "web-oidc"}, sec); err != nil {
		t.Fatalf("connection secret: %v", err)
	}
	for _, k := range []string{oidc.KeyClientID, oidc.KeyClientSecret, oidc.KeyIssuerURL, oidc.KeyDiscoveryURL} {
		if len(sec.Data[k]) == 0 {
			t.Fatalf("connection secret lacks %s", k)
		}
	}
	id, secret := string(sec.Data[oidc.KeyClientID]), string(sec.Data[oidc.KeyClientSecret])
	if !tokenWorks(t, hydra, id, secret) {
		t.Fatal("published client secret does not work at Hydra")
	}

	// Usage accounting for a ClusterProviderConfig used from a namespace.
	cpc := &apisv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	eventually(t, "ClusterProviderConfig users=1", 30*time.Second, func() (bool, string) {
		if err := kube.Get(ctx, client.ObjectKeyFromObject(cpc), cpc); err != nil {
			return false, err.Error()
		}
		return cpc.Status.Users == 1, fmt.Sprintf("users=%d", cpc.Status.Users)
	})

	// DNS server down: Synced=False with the reason; back: recovers.
	bind.Stop()
	phase0 := time.Now()
	eventually(t, "RecordSet Synced=False while BIND is down", 30*time.Second, func() (bool, string) {
		_, s, err := status(kube, rs)
		if err != nil {
			return false, err.Error()
		}
		return s.Status == corev1.ConditionFalse && strings.Contains(s.Message, "connect"), s.Message
	})
	_, s2, _ := status(kube, rs)
	t.Logf("%s after BIND stopped: Synced=False %q", time.Since(phase0).Round(time.Millisecond), s2.Message)
	bind.Start()
	phase := time.Now()
	eventually(t, "RecordSet recovers", 90*time.Second, readyAndSynced(kube, rs))
	t.Logf("recovered %s after BIND came back", time.Since(phase).Round(time.Millisecond))

	// Drift: a record changed behind our back is put back on the next poll.
	drift, _ := dnsc.ParseSet(bind.Zone, "web", "A", 300, []string{"203.0.113.66"})
	dnstest.OutOfBand(t, bind, drift)
	phase = time.Now()
	eventually(t, "drift repaired", 30*time.Second, func() (bool, string) {
		got := records()
		return slices.Equal(got, []string{"192.0.2.80"}), fmt.Sprint(got)
	})
	t.Logf("drift repaired in %s (poll interval 2s)", time.Since(phase).Round(time.Millisecond))

	// Deletion removes the record and the client.
	for _, o := range []client.Object{rs, oc} {
		if err := kube.Delete(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	phase = time.Now()
	eventually(t, "RecordSet deleted", 60*time.Second, gone(kube, rs))
	t.Logf("RecordSet deleted in %s", time.Since(phase).Round(time.Millisecond))
	eventually(t, "OIDCClient deleted", 60*time.Second, gone(kube, oc))
	// crossplane-runtime waits out its creation grace period (30 s) before
	// trusting that a just-created client is gone.
	t.Logf("OIDCClient deleted in %s", time.Since(phase).Round(time.Millisecond))
	if got := records(); got != nil {
		t.Fatalf("record still in BIND: %v", got)
	}
	if tokenWorks(t, hydra, id, secret) {
		t.Fatal("client still works at Hydra after deletion")
	}
}
