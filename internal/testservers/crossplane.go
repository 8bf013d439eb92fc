package testservers

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// CrossplaneNamespace is the namespace Crossplane core runs packages in.
const CrossplaneNamespace = "crossplane-system"

// Names of the Secrets `core init` fills (the Helm chart's names).
const (
	tlsCASecret     = "crossplane-root-ca"
	tlsClientSecret = "crossplane-tls-client"
	tlsServerSecret = "crossplane-tls-server"
)

// Crossplane is Crossplane core running out of cluster with the External
// package runtime: whoever starts it runs the functions and providers.
type Crossplane struct {
	Process *Process
	// CA is the CA `core init` generated: core dials functions with a
	// client certificate it signed and trusts servers it signed.
	CA *CA
	// MetricsURL serves core's Prometheus metrics, among them
	// function_run_function_request_total per function.
	MetricsURL string
}

// CrossplaneIdentities are the kubeconfigs core and its RBAC manager run
// with; empty means the control plane's admin. A real install's are their
// ServiceAccounts' (ControlPlane.KubeconfigFor) with the roles of
// Crossplane's Helm chart.
type CrossplaneIdentities struct {
	Core, RBACManager string
}

// Crossplane runs `core init` (installing the CRDs in crdsDir) and
// `core start` from bin against cp, with core's webhooks served on loopback
// and registered by URL, and waits until core is ready. With an RBAC
// manager identity it runs `rbac init` and `rbac start` too, which grant
// core access to the composite kinds of each XRD and providers access to
// their kinds, as in a real install.
//
// responseCache turns on core's function response cache (an alpha feature,
// --enable-function-response-cache) with its files under the work
// directory.
func (g *Group) Crossplane(ctx context.Context, cp *ControlPlane, bin, crdsDir string, ids CrossplaneIdentities, responseCache bool) (*Crossplane, error) {
	start := time.Now()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: CrossplaneNamespace}}
	if err := cp.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("cannot create namespace %s: %w", CrossplaneNamespace, err)
	}
	if ids.Core == "" {
		ids.Core = cp.Kubeconfig
	}
	env := []string{
		"KUBECONFIG=" + ids.Core,
		"POD_NAMESPACE=" + CrossplaneNamespace,
		"CRDS_PATH=" + crdsDir,
		"TLS_CA_SECRET_NAME=" + tlsCASecret,
		"TLS_CLIENT_SECRET_NAME=" + tlsClientSecret,
		"TLS_SERVER_SECRET_NAME=" + tlsServerSecret,
	}
	// The first run can fail before the Lock CRD is discoverable: retry.
	var out string
	var err error
	for attempt := 1; ; attempt++ {
		out, err = Output(ctx, append(env, "ENABLE_WEBHOOKS=false"), bin, "core", "init")
		if err == nil {
			break
		}
		if attempt == 3 {
			return nil, fmt.Errorf("crossplane core init failed %d times: %w", attempt, err)
		}
		time.Sleep(time.Second)
	}
	_ = os.WriteFile(filepath.Join(g.Dir, "logs", "crossplane-init.log"), []byte(out), 0o600)
	g.phase("crossplane core init", start)
	if ids.RBACManager != "" {
		start = time.Now()
		renv := []string{"KUBECONFIG=" + ids.RBACManager, "POD_NAMESPACE=" + CrossplaneNamespace}
		if out, err := Output(ctx, renv, bin, "rbac", "init"); err != nil {
			return nil, fmt.Errorf("crossplane rbac init: %w: %s", err, out)
		}
		if _, err := g.Run("crossplane-rbac-manager", renv, bin, "rbac", "start",
			"--provider-clusterrole=crossplane:allowed-provider-permissions", "--debug"); err != nil {
			return nil, err
		}
		g.phase("crossplane rbac manager started", start)
	}

	start = time.Now()
	x := &Crossplane{}
	caSecret, clientSecret := &corev1.Secret{}, &corev1.Secret{}
	for name, s := range map[string]*corev1.Secret{tlsCASecret: caSecret, tlsClientSecret: clientSecret} {
		if err := cp.Client.Get(ctx, types.NamespacedName{Namespace: CrossplaneNamespace, Name: name}, s); err != nil {
			return nil, fmt.Errorf("cannot read the Secret core init wrote: %w", err)
		}
	}
	if x.CA, err = ParseCA(caSecret.Data["tls.crt"], caSecret.Data["tls.key"]); err != nil {
		return nil, fmt.Errorf("cannot read Crossplane's CA: %w", err)
	}
	dir, err := g.dir("crossplane")
	if err != nil {
		return nil, err
	}
	clientDir := filepath.Join(dir, "tls-client")
	if err := WriteTLSDir(clientDir, clientSecret.Data["tls.crt"], clientSecret.Data["tls.key"], clientSecret.Data["ca.crt"]); err != nil {
		return nil, err
	}
	// Core's webhook server (Usages block deletions through it) serves a
	// certificate for 127.0.0.1 signed by the control plane's CA; the
	// ValidatingWebhookConfiguration below points at it by URL.
	webhookDir := filepath.Join(dir, "tls-server")
	crt, key, err := cp.CA.Issue("crossplane-webhook")
	if err != nil {
		return nil, err
	}
	if err := WriteTLSDir(webhookDir, crt, key, cp.CA.CertPEM); err != nil {
		return nil, err
	}
	cacheDir := filepath.Join(dir, "xpkg-cache")
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the package cache: %w", err)
	}
	ports, err := FreePorts(3)
	if err != nil {
		return nil, err
	}
	webhookPort, healthPort, metricsPort := ports[0], ports[1], ports[2]
	x.MetricsURL = fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)
	args := []string{"core", "start",
		"--package-runtime=External",
		"--enable-webhooks=true",
		fmt.Sprintf("--webhook-port=%d", webhookPort),
		"--tls-server-certs-dir=" + webhookDir,
		"--tls-client-certs-dir=" + clientDir,
		"--xpkg-cache-dir=" + cacheDir,
		fmt.Sprintf("--metrics-port=%d", metricsPort),
		fmt.Sprintf("--health-probe-port=%d", healthPort),
		"--poll-interval=15s",
		"--debug"}
	if responseCache {
		args = append(args, "--enable-function-response-cache", "--xfn-cache-dir="+filepath.Join(dir, "xfn-cache"))
	}
	x.Process, err = g.Run("crossplane", append(env, "ENABLE_WEBHOOKS=true"), bin, args...)
	if err != nil {
		return nil, err
	}
	// Core's probe and webhook ports bind all interfaces (it has no host
	// flag); the harness only ever talks to them on 127.0.0.1.
	if err := x.Process.waitHTTP(ctx, http.DefaultClient, fmt.Sprintf("http://127.0.0.1:%d/readyz", healthPort), ""); err != nil {
		return nil, err
	}
	if err := registerUsageWebhook(ctx, cp, webhookPort); err != nil {
		return nil, err
	}
	g.phase("crossplane core ready", start)
	return x, nil
}

// registerUsageWebhook installs what `core init` installs with webhooks on
// (cluster/webhookconfigurations), but by URL on loopback instead of a
// Service, because no kube-proxy runs.
func registerUsageWebhook(ctx context.Context, cp *ControlPlane, port int) error {
	url := fmt.Sprintf("https://127.0.0.1:%d/validate-no-usages", port)
	whc := &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "crossplane-no-usages"},
		Webhooks: []admissionv1.ValidatingWebhook{{
			Name:                    "nousages.protection.crossplane.io",
			AdmissionReviewVersions: []string{"v1"},
			ClientConfig:            admissionv1.WebhookClientConfig{URL: &url, CABundle: cp.CA.CertPEM},
			FailurePolicy:           ptr.To(admissionv1.Fail),
			SideEffects:             ptr.To(admissionv1.SideEffectClassNone),
			ObjectSelector:          &metav1.LabelSelector{MatchLabels: map[string]string{"crossplane.io/in-use": "true"}},
			Rules: []admissionv1.RuleWithOperations{{
				Operations: []admissionv1.OperationType{admissionv1.Delete},
				Rule: admissionv1.Rule{
					APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: []string{"*"},
				},
			}},
		}},
	}
	if err := cp.Client.Create(ctx, whc); err != nil {
		return fmt.Errorf("cannot register Crossplane's Usage webhook: %w", err)
	}
	return nil
}
