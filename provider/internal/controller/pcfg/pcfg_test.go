package pcfg_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	dnsv1alpha1 "github.com/homeplane/homeplane/apis/dns/v1alpha1"
	oidcv1alpha1 "github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	"github.com/homeplane/homeplane/apis/provider"
	apisv1alpha1 "github.com/homeplane/homeplane/apis/v1alpha1"
	"github.com/homeplane/homeplane/provider/internal/controller/pcfg"
)

// The file a Filesystem source would read: the provider's own
// service-account token in a real pod.
const tokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"

func creds(src xpv2.CredentialsSource, secretNS string) apisv1alpha1.ProviderCredentials {
	c := apisv1alpha1.ProviderCredentials{Source: src}
	switch src {
	case xpv2.CredentialsSourceSecret:
		c.SecretRef = &xpv2.SecretKeySelector{SecretReference: xpv2.SecretReference{Namespace: secretNS, Name: "cred"}, Key: "k"}
	case xpv2.CredentialsSourceFilesystem:
		c.Fs = &xpv2.FsSelector{Path: tokenPath}
	case xpv2.CredentialsSourceEnvironment:
		c.Env = &xpv2.EnvSelector{Name: "HOMEPLANE_TEST_PROVIDER_ENV"}
	default: // None, InjectedIdentity: nothing to select
	}
	return c
}

// managed returns a RecordSet (DNS backends) or an OIDCClient (OIDC
// backends) in namespace tenant-a referring to config kind/name.
func managed(backend apisv1alpha1.BackendType, kind string) resource.ModernManaged {
	ref := &xpv2.ProviderConfigReference{Kind: kind, Name: "cfg"}
	om := metav1.ObjectMeta{Namespace: "tenant-a", Name: "web", UID: "uid-web"}
	switch backend {
	case apisv1alpha1.BackendRFC2136, apisv1alpha1.BackendPowerDNS:
		rs := &dnsv1alpha1.RecordSet{ObjectMeta: om}
		rs.SetGroupVersionKind(dnsv1alpha1.RecordSetGroupVersionKind)
		rs.SetProviderConfigReference(ref)
		return rs
	default:
		c := &oidcv1alpha1.OIDCClient{ObjectMeta: om}
		c.SetGroupVersionKind(oidcv1alpha1.OIDCClientGroupVersionKind)
		c.SetProviderConfigReference(ref)
		return c
	}
}

func TestResolveTenantCredentialSources(t *testing.T) {
	t.Setenv("HOMEPLANE_TEST_PROVIDER_ENV", "provider-environment-value")
	for _, backend := range []apisv1alpha1.BackendType{apisv1alpha1.BackendRFC2136, apisv1alpha1.BackendPowerDNS,
		apisv1alpha1.BackendRFC7591, apisv1alpha1.BackendKeycloak, apisv1alpha1.BackendAuthentik} {
		for _, tc := range []struct {
			name     string
			kind     string
			src      xpv2.CredentialsSource
			secretNS string
			// wantErr is a substring of the error; "" means resolved.
			wantErr string
			// tenant means errors.Is(err, pcfg.ErrTenantSource).
			tenant bool
		}{
			{name: "namespaced/Secret in own namespace", kind: apisv1alpha1.ProviderConfigKind, src: xpv2.CredentialsSourceSecret, secretNS: "tenant-a"},
			{name: "namespaced/Secret in another namespace", kind: apisv1alpha1.ProviderConfigKind, src: xpv2.CredentialsSourceSecret, secretNS: "crossplane-system",
				wantErr: `spec.credentials.secretRef.namespace is "crossplane-system"`},
			{name: "namespaced/Filesystem", kind: apisv1alpha1.ProviderConfigKind, src: xpv2.CredentialsSourceFilesystem,
				wantErr: `spec.credentials.source is "Filesystem"`, tenant: true},
			{name: "namespaced/Environment", kind: apisv1alpha1.ProviderConfigKind, src: xpv2.CredentialsSourceEnvironment,
				wantErr: `spec.credentials.source is "Environment"`, tenant: true},
			{name: "namespaced/None", kind: apisv1alpha1.ProviderConfigKind, src: xpv2.CredentialsSourceNone,
				wantErr: `spec.credentials.source is "None"`, tenant: true},
			{name: "namespaced/empty source", kind: apisv1alpha1.ProviderConfigKind, src: "",
				wantErr: `spec.credentials.source is ""`, tenant: true},
			{name: "cluster/Secret anywhere", kind: apisv1alpha1.ClusterProviderConfigKind, src: xpv2.CredentialsSourceSecret, secretNS: "crossplane-system"},
			{name: "cluster/Environment", kind: apisv1alpha1.ClusterProviderConfigKind, src: xpv2.CredentialsSourceEnvironment},
			{name: "cluster/None", kind: apisv1alpha1.ClusterProviderConfigKind, src: xpv2.CredentialsSourceNone},
		} {
			t.Run(string(backend)+"/"+tc.name, func(t *testing.T) {
				ctx := context.Background()
				s := runtime.NewScheme()
				if err := clientgoscheme.AddToScheme(s); err != nil {
					t.Fatal(err)
				}
				if err := provider.AddToScheme(s); err != nil {
					t.Fatal(err)
				}
				spec := apisv1alpha1.ProviderConfigSpec{Type: backend, Credentials: creds(tc.src, tc.secretNS)}
				objs := []client.Object{}
				for _, ns := range []string{"tenant-a", "crossplane-system"} {
					objs = append(objs, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cred"},
						Data: map[string][]byte{"k": []byte("secret-in-" + ns)}})
				}
				if tc.kind == apisv1alpha1.ProviderConfigKind {
					objs = append(objs, &apisv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "cfg"}, Spec: spec})
				} else {
					objs = append(objs, &apisv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}, Spec: spec})
				}
				kube := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
				mg := managed(backend, tc.kind)
				cfg, err := pcfg.NewResolver(kube).Resolve(ctx, mg, backend)
				if tc.wantErr == "" {
					if err != nil {
						t.Fatalf("Resolve: %v", err)
					}
					if tc.src == xpv2.CredentialsSourceSecret && string(cfg.Credentials) != "secret-in-"+tc.secretNS {
						t.Fatalf("credentials %q", cfg.Credentials)
					}
					if tc.src == xpv2.CredentialsSourceEnvironment && string(cfg.Credentials) != "provider-environment-value" {
						t.Fatalf("credentials %q", cfg.Credentials)
					}
					return
				}
				if err == nil {
					t.Fatalf("Resolve accepted it; credentials %q", cfg.Credentials)
				}
				if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "tenant-a/cfg") {
					t.Fatalf("error %q does not name the field (%s) and the config", err, tc.wantErr)
				}
				if errors.Is(err, pcfg.ErrTenantSource) != tc.tenant {
					t.Fatalf("errors.Is(ErrTenantSource) = %v for %q", !tc.tenant, err)
				}
			})
		}
	}
}
