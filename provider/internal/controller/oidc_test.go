package controller_test

import (
	"context"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	oidcv1alpha1 "github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	"github.com/homeplane/homeplane/apis/provider"
	apisv1alpha1 "github.com/homeplane/homeplane/apis/v1alpha1"
	"github.com/homeplane/homeplane/internal/testservers"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
	"github.com/homeplane/homeplane/provider/internal/controller/oidcclient"
	"github.com/homeplane/homeplane/provider/internal/controller/pcfg"
)

// The real managed reconciler and connection secret publisher, a fake API
// client, and a real Hydra.
func TestOIDCClientReconcilerAgainstHydra(t *testing.T) {
	h := testservers.StartHydra(t)
	ctx := context.Background()
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = provider.AddToScheme(s)
	kube := fake.NewClientBuilder().WithScheme(s).
		WithStatusSubresource(&oidcv1alpha1.OIDCClient{}, &apisv1alpha1.ClusterProviderConfig{}).Build()
	cpc := &apisv1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "hydra"},
		Spec: apisv1alpha1.ProviderConfigSpec{
			Type:        apisv1alpha1.BackendRFC7591,
			RFC7591:     &apisv1alpha1.RFC7591Config{IssuerURL: h.Issuer},
			Credentials: apisv1alpha1.ProviderCredentials{Source: xpv2.CredentialsSourceNone},
		},
	}
	if err := kube.Create(ctx, cpc); err != nil {
		t.Fatal(err)
	}
	r := managed.NewReconciler(stubManager{c: kube, s: s}, resource.ManagedKind(oidcv1alpha1.OIDCClientGroupVersionKind),
		managed.WithTypedExternalConnector[*oidcv1alpha1.OIDCClient](&oidcclient.Connector{
			Resolver: pcfg.NewResolver(kube), Kube: kube}),
		managed.WithInitializers(),
		managed.WithManagementPolicies(),
		managed.WithCreationGracePeriod(0),
	)
	key := types.NamespacedName{Namespace: "apps", Name: "web"}
	rec := func() {
		t.Helper()
		if _, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: key}); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
	}
	get := func() *oidcv1alpha1.OIDCClient {
		cr := &oidcv1alpha1.OIDCClient{}
		if err := kube.Get(ctx, key, cr); err != nil {
			return nil
		}
		return cr
	}
	conn := func() map[string][]byte {
		sec := &corev1.Secret{}
		if err := kube.Get(ctx, types.NamespacedName{Namespace: "apps", Name: "web-oidc"}, sec); err != nil {
			t.Fatalf("connection secret: %v", err)
		}
		return sec.Data
	}

	cr := &oidcv1alpha1.OIDCClient{
		ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "web", UID: "uid-web"},
		Spec: oidcv1alpha1.OIDCClientSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{
				ProviderConfigReference:          &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "hydra"},
				WriteConnectionSecretToReference: &xpv2.LocalSecretReference{Name: "web-oidc"},
				ManagementPolicies:               xpv2.ManagementPolicies{xpv2.ManagementActionAll},
			},
			ForProvider: oidcv1alpha1.OIDCClientParameters{
				DisplayName:  "Web",
				RedirectURIs: []string{"https://web.example.org/cb"},
				GrantTypes:   []string{"authorization_code", "refresh_token", "client_credentials"},
				Scopes:       []string{"openid", "profile"},
			},
		},
	}
	if err := kube.Create(ctx, cr); err != nil {
		t.Fatal(err)
	}
	rec()
	rec()
	cr = get()
	if cr.GetCondition(xpv2.TypeReady).Status != corev1.ConditionTrue || cr.GetCondition(xpv2.TypeSynced).Status != corev1.ConditionTrue {
		t.Fatalf("not Ready/Synced: %+v", cr.Status.Conditions)
	}
	d := conn()
	for _, k := range []string{oidc.KeyClientID, oidc.KeyClientSecret, oidc.KeyIssuerURL, oidc.KeyDiscoveryURL} {
		if len(d[k]) == 0 {
			t.Fatalf("connection secret lacks %s", k)
		}
	}
	id, secret := string(d[oidc.KeyClientID]), string(d[oidc.KeyClientSecret])
	if cr.Status.AtProvider.ClientID != id || cr.Status.AtProvider.IssuerURL != h.Issuer {
		t.Fatalf("atProvider %+v", cr.Status.AtProvider)
	}
	if !h.TokenWorks(t, id, secret) {
		t.Fatal("published secret does not work")
	}

	// Many reconciles later the secret is the same one (Hydra cannot return it).
	for range 3 {
		rec()
	}
	if got := string(conn()[oidc.KeyClientSecret]); got != secret {
		t.Fatal("client secret changed or vanished across reconciles")
	}

	// Spec change is applied in place: same client, same secret.
	cr = get()
	cr.Spec.ForProvider.RedirectURIs = append(cr.Spec.ForProvider.RedirectURIs, "https://web.example.org/cb2")
	if err := kube.Update(ctx, cr); err != nil {
		t.Fatal(err)
	}
	rec()
	rec()
	cr = get()
	if c := cr.GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionTrue {
		t.Fatalf("after update Synced=%s %q", c.Status, c.Message)
	}
	d = conn()
	if string(d[oidc.KeyClientID]) != id || string(d[oidc.KeyClientSecret]) != secret {
		t.Fatal("update replaced the client or its secret")
	}
	if !h.TokenWorks(t, id, secret) {
		t.Fatal("secret stopped working after update")
	}

	// Deletion removes the client at Hydra and then the resource.
	if err := kube.Delete(ctx, cr); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		rec()
	}
	if get() != nil {
		t.Fatal("resource not deleted")
	}
	if h.TokenWorks(t, id, secret) {
		t.Fatal("client still works at Hydra after deletion")
	}
}
