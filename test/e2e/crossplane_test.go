//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// crossplaneCore is Crossplane core running out of cluster with the
// External package runtime: the harness runs the function and provider.
type crossplaneCore struct {
	proc *process
	// ca is the CA `core init` generated; core dials functions with a client
	// certificate it signed and trusts servers it signed.
	ca *ca
}

// coreModuleDir returns the module cache directory of Crossplane core, whose
// cluster/crds `core init` installs.
func coreModuleDir(ctx context.Context) (string, error) {
	gomodcache, err := command(ctx, nil, "go", "env", "GOMODCACHE")
	if err != nil {
		return "", err
	}
	version, err := toolsCache.Version("crossplane-core")
	if err != nil {
		return "", err
	}
	mod := "github.com/crossplane/crossplane/v2@" + version
	dir := filepath.Join(trimNL(gomodcache), mod)
	if _, err := os.Stat(filepath.Join(dir, "cluster", "crds")); err != nil {
		// Building core downloaded it; fetch it if not.
		if _, err := command(ctx, []string{"GOFLAGS=-mod=mod"}, "go", "mod", "download", mod); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func startCrossplane(ctx context.Context, cp *controlPlane, coreBin string) (*crossplaneCore, error) {
	start := time.Now()
	modDir, err := coreModuleDir(ctx)
	if err != nil {
		return nil, err
	}
	if err := ensureNamespace(ctx, cp.client, crossplaneNamespace); err != nil {
		return nil, err
	}
	env := []string{
		"KUBECONFIG=" + cp.kubeconfig,
		"POD_NAMESPACE=" + crossplaneNamespace,
		"CRDS_PATH=" + filepath.Join(modDir, "cluster", "crds"),
		"TLS_CA_SECRET_NAME=" + tlsCASecret,
		"TLS_CLIENT_SECRET_NAME=" + tlsClientSecret,
		"TLS_SERVER_SECRET_NAME=" + tlsServerSecret,
		"ENABLE_WEBHOOKS=false",
	}
	// The first run can fail before the Lock CRD is discoverable: retry.
	var out string
	for attempt := 1; ; attempt++ {
		out, err = command(ctx, env, coreBin, "core", "init")
		if err == nil {
			break
		}
		if attempt == 3 {
			return nil, fmt.Errorf("crossplane core init failed %d times: %w", attempt, err)
		}
		time.Sleep(time.Second)
	}
	_ = os.WriteFile(filepath.Join(logDir, "crossplane-init.log"), []byte(out), 0o600)
	phase("crossplane core init", start)

	start = time.Now()
	x := &crossplaneCore{}
	caSecret := &corev1.Secret{}
	if err := cp.client.Get(ctx, types.NamespacedName{Namespace: crossplaneNamespace, Name: tlsCASecret}, caSecret); err != nil {
		return nil, err
	}
	if x.ca, err = parseCA(caSecret.Data["tls.crt"], caSecret.Data["tls.key"]); err != nil {
		return nil, fmt.Errorf("cannot read Crossplane's CA: %w", err)
	}
	clientSecret := &corev1.Secret{}
	if err := cp.client.Get(ctx, types.NamespacedName{Namespace: crossplaneNamespace, Name: tlsClientSecret}, clientSecret); err != nil {
		return nil, err
	}
	clientDir := filepath.Join(workDir, "crossplane", "tls-client")
	if err := writeTLSDir(clientDir, clientSecret.Data["tls.crt"], clientSecret.Data["tls.key"], clientSecret.Data["ca.crt"]); err != nil {
		return nil, err
	}
	// Core's webhook server (Usages block deletions through it) serves a
	// certificate for 127.0.0.1 signed by the control plane's CA; the
	// ValidatingWebhookConfiguration below points at it by URL.
	webhookDir := filepath.Join(workDir, "crossplane", "tls-server")
	crt, key := cp.ca.issue("crossplane-webhook")
	if err := writeTLSDir(webhookDir, crt, key, cp.ca.certPEM); err != nil {
		return nil, err
	}
	cacheDir := filepath.Join(workDir, "crossplane", "xpkg-cache")
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		return nil, err
	}
	webhookPort, healthPort := freePort(), freePort()
	x.proc, err = run("crossplane", append(env[:len(env)-1], "ENABLE_WEBHOOKS=true"), coreBin, "core", "start",
		"--package-runtime=External",
		"--enable-webhooks=true",
		fmt.Sprintf("--webhook-port=%d", webhookPort),
		"--tls-server-certs-dir="+webhookDir,
		"--tls-client-certs-dir="+clientDir,
		"--xpkg-cache-dir="+cacheDir,
		fmt.Sprintf("--metrics-port=%d", freePort()),
		fmt.Sprintf("--health-probe-port=%d", healthPort),
		"--poll-interval=15s",
		"--debug")
	if err != nil {
		return nil, err
	}
	// Core's probe and webhook ports bind all interfaces (it has no host
	// flag); the harness only ever talks to them on 127.0.0.1.
	if err := waitHTTP(ctx, x.proc, fmt.Sprintf("http://127.0.0.1:%d/readyz", healthPort), nil); err != nil {
		return nil, err
	}
	if err := registerUsageWebhook(ctx, cp, webhookPort); err != nil {
		return nil, err
	}
	phase("crossplane core ready", start)
	return x, nil
}

// registerUsageWebhook installs what `core init` installs with webhooks on
// (cluster/webhookconfigurations), but by URL on loopback instead of a
// Service, because no kube-proxy runs.
func registerUsageWebhook(ctx context.Context, cp *controlPlane, port int) error {
	url := fmt.Sprintf("https://127.0.0.1:%d/validate-no-usages", port)
	whc := &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "crossplane-no-usages"},
		Webhooks: []admissionv1.ValidatingWebhook{{
			Name:                    "nousages.protection.crossplane.io",
			AdmissionReviewVersions: []string{"v1"},
			ClientConfig:            admissionv1.WebhookClientConfig{URL: &url, CABundle: cp.ca.certPEM},
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
	return cp.client.Create(ctx, whc)
}
