package controller_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
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

// hydraClientIDs lists the clients Hydra's admin API knows.
func hydraClientIDs(t *testing.T, h *testservers.Hydra) []string {
	t.Helper()
	resp, err := http.Get(h.AdminURL + "/admin/clients?page_size=500")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var cs []struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&cs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ClientID)
	}
	return ids
}

// A 401 from Hydra's RFC 7592 endpoint is reported, not answered with a new
// registration; only Hydra's admin API saying 404 leads to one. Real
// reconciler, fake API client, real Hydra.
func TestOIDCClientTokenRejectedAgainstHydra(t *testing.T) {
	h := testservers.StartHydra(t)
	ctx := context.Background()
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = provider.AddToScheme(s)
	kube := fake.NewClientBuilder().WithScheme(s).
		WithStatusSubresource(&oidcv1alpha1.OIDCClient{}, &apisv1alpha1.ClusterProviderConfig{}, &apisv1alpha1.ProviderConfig{}).Build()
	for name, admin := range map[string]string{"hydra": "", "hydra-admin": h.AdminURL} {
		if err := kube.Create(ctx, &apisv1alpha1.ClusterProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: apisv1alpha1.ProviderConfigSpec{Type: apisv1alpha1.BackendRFC7591,
				RFC7591:     &apisv1alpha1.RFC7591Config{IssuerURL: h.Issuer, AdminURL: admin},
				Credentials: apisv1alpha1.ProviderCredentials{Source: xpv2.CredentialsSourceNone}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	r := managed.NewReconciler(stubManager{c: kube, s: s}, resource.ManagedKind(oidcv1alpha1.OIDCClientGroupVersionKind),
		managed.WithTypedExternalConnector[*oidcv1alpha1.OIDCClient](&oidcclient.Connector{Resolver: pcfg.NewResolver(kube), Kube: kube}),
		managed.WithInitializers(),
		managed.WithManagementPolicies(),
		managed.WithCreationGracePeriod(0),
	)
	rec := func(key types.NamespacedName) {
		t.Helper()
		if _, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: key}); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
	}
	get := func(key types.NamespacedName) *oidcv1alpha1.OIDCClient {
		t.Helper()
		cr := &oidcv1alpha1.OIDCClient{}
		if err := kube.Get(ctx, key, cr); err != nil {
			t.Fatal(err)
		}
		return cr
	}
	conn := func(ns, name string) map[string][]byte {
		t.Helper()
		sec := &corev1.Secret{}
		if err := kube.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, sec); err != nil {
			t.Fatalf("connection secret: %v", err)
		}
		return sec.Data
	}
	newClient := func(ns, name string, ref xpv2.ProviderConfigReference) types.NamespacedName {
		t.Helper()
		cr := &oidcv1alpha1.OIDCClient{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + ns + "-" + name)},
			Spec: oidcv1alpha1.OIDCClientSpec{
				ManagedResourceSpec: xpv2.ManagedResourceSpec{
					ProviderConfigReference:          &ref,
					WriteConnectionSecretToReference: &xpv2.LocalSecretReference{Name: name + "-oidc"},
					ManagementPolicies:               xpv2.ManagementPolicies{xpv2.ManagementActionAll},
				},
				ForProvider: oidcv1alpha1.OIDCClientParameters{
					RedirectURIs: []string{"https://" + name + ".example.org/cb"},
					GrantTypes:   []string{"authorization_code", "refresh_token", "client_credentials"},
				},
			},
		}
		if err := kube.Create(ctx, cr); err != nil {
			t.Fatal(err)
		}
		return types.NamespacedName{Namespace: ns, Name: name}
	}

	key := newClient("tenant-a", "web", xpv2.ProviderConfigReference{Kind: apisv1alpha1.ClusterProviderConfigKind, Name: "hydra"})
	rec(key)
	rec(key)
	if c := get(key).GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionTrue {
		t.Fatalf("not Ready: %+v", get(key).Status.Conditions)
	}
	d := conn("tenant-a", "web-oidc")
	id, secret := string(d[oidc.KeyClientID]), string(d[oidc.KeyClientSecret])
	clients := len(hydraClientIDs(t, h))

	// An RFC 7592 update whose answer the provider never stored: Hydra has
	// rotated the registration access token, the stored one gets 401.
	body, err := json.Marshal(map[string]any{"client_id": id, "redirect_uris": []string{"https://web.example.org/cb"},
		"grant_types": []string{"authorization_code", "refresh_token", "client_credentials"}, "response_types": []string{"code"},
		"token_endpoint_auth_method": "client_secret_basic"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, string(d[oidc.KeyRegistrationClientURI]), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+string(d[oidc.KeyRegistrationAccessToken]))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("out-of-band RFC 7592 update: %v %v", resp, err)
	}
	_ = resp.Body.Close()
	rejected := func(when string) {
		t.Helper()
		rec(key)
		rec(key)
		c := get(key).GetCondition(xpv2.TypeSynced)
		if c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, oidc.ErrTokenRejected.Error()) {
			t.Fatalf("%s: Synced %s %q; want the rejected token reported", when, c.Status, c.Message)
		}
		if d := conn("tenant-a", "web-oidc"); string(d[oidc.KeyClientID]) != id || string(d[oidc.KeyClientSecret]) != secret {
			t.Fatalf("%s: connection secret overwritten (client %q)", when, d[oidc.KeyClientID])
		}
		if n := len(hydraClientIDs(t, h)); n != clients {
			t.Fatalf("%s: %d clients at Hydra, want %d: a new one was registered", when, n, clients)
		}
	}
	rejected("token rotated away")
	if !h.TokenWorks(t, id, secret) {
		t.Fatal("the client's secret stopped working")
	}

	// Deleted at Hydra: RFC 7592 answers 401 just the same; still reported.
	del, _ := http.NewRequest(http.MethodDelete, h.AdminURL+"/admin/clients/"+id, nil)
	if resp, err = http.DefaultClient.Do(del); err != nil {
		t.Fatalf("admin delete: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("admin delete: %s", resp.Status)
	}
	clients--
	rejected("deleted, no admin API to confirm")

	// With the admin API, the 404 there confirms it: a new client.
	cr := get(key)
	cr.Spec.ProviderConfigReference.Name = "hydra-admin"
	if err := kube.Update(ctx, cr); err != nil {
		t.Fatal(err)
	}
	rec(key)
	rec(key)
	if c := get(key).GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionTrue {
		t.Fatalf("after confirmed deletion: Synced %s %q", c.Status, c.Message)
	}
	d = conn("tenant-a", "web-oidc")
	if string(d[oidc.KeyClientID]) == id || !h.TokenWorks(t, string(d[oidc.KeyClientID]), string(d[oidc.KeyClientSecret])) {
		t.Fatalf("no working new client after confirmed deletion (client %q)", d[oidc.KeyClientID])
	}

	// A tenant's own ProviderConfig may not read the provider's environment.
	if err := kube.Create(ctx, &apisv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-b", Name: "own"},
		Spec: apisv1alpha1.ProviderConfigSpec{Type: apisv1alpha1.BackendRFC7591,
			RFC7591: &apisv1alpha1.RFC7591Config{IssuerURL: h.Issuer},
			Credentials: apisv1alpha1.ProviderCredentials{Source: xpv2.CredentialsSourceEnvironment,
				CommonCredentialSelectors: xpv2.CommonCredentialSelectors{Env: &xpv2.EnvSelector{Name: "HOME"}}}},
	}); err != nil {
		t.Fatal(err)
	}
	env := newClient("tenant-b", "env", xpv2.ProviderConfigReference{Kind: apisv1alpha1.ProviderConfigKind, Name: "own"})
	rec(env)
	if c := get(env).GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionFalse ||
		!strings.Contains(c.Message, `spec.credentials.source is "Environment"`) {
		t.Fatalf("namespaced Environment config: Synced %s %q", c.Status, c.Message)
	}
	if err := kube.Get(ctx, types.NamespacedName{Namespace: "tenant-b", Name: "env-oidc"}, &corev1.Secret{}); err == nil {
		t.Fatal("a connection secret was written")
	}
}
