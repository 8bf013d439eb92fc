package oidcclient

import (
	"context"
	"errors"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	"github.com/homeplane/homeplane/internal/testservers"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc/rfc7591"
)

// publish stores connection details the way crossplane-runtime's secret
// publisher does: a Secret controlled by the resource.
func publish(t *testing.T, kube client.Client, cr *v1alpha1.OIDCClient, cd managed.ConnectionDetails) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: cr.Namespace, Name: cr.Spec.WriteConnectionSecretToReference.Name}}
	ctl := true
	s.OwnerReferences = []metav1.OwnerReference{{APIVersion: "oidc.homeplane.dev/v1alpha1", Kind: "OIDCClient",
		Name: cr.Name, UID: cr.UID, Controller: &ctl}}
	s.Data = map[string][]byte(cd)
	ctx := context.Background()
	if err := kube.Create(ctx, s); err != nil {
		if err := kube.Update(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
}

// hydraBackend starts Ory Hydra and returns it, an empty fake API client
// and an rfc7591 client of Hydra.
func hydraBackend(t *testing.T) (*testservers.Hydra, client.Client, *rfc7591.Client) {
	t.Helper()
	h := testservers.StartHydra(t)
	cl, err := rfc7591.New(rfc7591.Config{IssuerURL: h.Issuer})
	if err != nil {
		t.Fatal(err)
	}
	return h, newKube(), cl
}

// reconciles returns a new External per call, as the managed reconciler
// connects once per reconcile, all sharing one TokenStash.
func reconciles(cl oidc.Client, kube client.Client, stash *TokenStash) func() *External {
	return func() *External {
		e := NewExternal(cl, kube)
		e.tokens = stash
		return e
	}
}

func TestOIDCClientAgainstHydra(t *testing.T) {
	h, kube, cl := hydraBackend(t)
	ctx := context.Background()
	e := NewExternal(cl, kube)
	cr := &v1alpha1.OIDCClient{
		ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "web", UID: "uid-1"},
		Spec: v1alpha1.OIDCClientSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{WriteConnectionSecretToReference: &xpv2.LocalSecretReference{Name: "web-oidc"}},
			ForProvider: v1alpha1.OIDCClientParameters{
				DisplayName:  "Web",
				RedirectURIs: []string{"https://web.example.org/cb"},
				GrantTypes:   []string{"authorization_code", "refresh_token", "client_credentials"},
				Scopes:       []string{"openid", "profile"},
			},
		},
	}

	if obs, err := e.Observe(ctx, cr); err != nil || obs.ResourceExists {
		t.Fatalf("Observe before create: %+v %v", obs, err)
	}
	cre, err := e.Create(ctx, cr)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	id := string(cre.ConnectionDetails[oidc.KeyClientID])
	secret := string(cre.ConnectionDetails[oidc.KeyClientSecret])
	if id == "" || secret == "" || meta.GetExternalName(cr) != id {
		t.Fatalf("Create: id %q, secret set %v, external name %q", id, secret != "", meta.GetExternalName(cr))
	}
	for _, k := range []string{oidc.KeyIssuerURL, oidc.KeyDiscoveryURL, oidc.KeyRegistrationAccessToken} {
		if len(cre.ConnectionDetails[k]) == 0 {
			t.Fatalf("connection detail %s missing", k)
		}
	}
	if got := string(cre.ConnectionDetails[oidc.KeyDiscoveryURL]); got != h.Issuer+".well-known/openid-configuration" {
		t.Fatalf("discovery_url %q", got)
	}
	publish(t, kube, cr, cre.ConnectionDetails)

	// Hydra never returns the secret on read: Observe must republish the
	// stored one, not drop or regenerate it.
	obs, err := e.Observe(ctx, cr)
	if err != nil || !obs.ResourceExists || !obs.ResourceUpToDate {
		t.Fatalf("Observe: %+v %v", obs, err)
	}
	if got := string(obs.ConnectionDetails[oidc.KeyClientSecret]); got != secret {
		t.Fatal("Observe did not keep the stored client secret")
	}
	if cr.Status.AtProvider.ClientID != id || cr.Status.AtProvider.IssuerURL != h.Issuer {
		t.Fatalf("atProvider = %+v", cr.Status.AtProvider)
	}

	// Spec change: update in place, same id and secret, new RFC 7592 token.
	cr.Spec.ForProvider.RedirectURIs = append(cr.Spec.ForProvider.RedirectURIs, "https://web.example.org/cb2")
	if obs, _ = e.Observe(ctx, cr); obs.ResourceUpToDate {
		t.Fatal("spec change not detected")
	}
	upd, err := e.Update(ctx, cr)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if string(upd.ConnectionDetails[oidc.KeyClientID]) != id || string(upd.ConnectionDetails[oidc.KeyClientSecret]) != secret {
		t.Fatal("Update changed the client id or lost the secret")
	}
	if string(upd.ConnectionDetails[oidc.KeyRegistrationAccessToken]) == string(cre.ConnectionDetails[oidc.KeyRegistrationAccessToken]) {
		t.Fatal("rotated registration token not published")
	}
	publish(t, kube, cr, upd.ConnectionDetails)
	if obs, err = e.Observe(ctx, cr); err != nil || !obs.ResourceUpToDate {
		t.Fatalf("after Update: %+v %v", obs, err)
	}

	// Asking for a new secret fails clearly: RFC 7592 cannot rotate it.
	cr.SetAnnotations(map[string]string{v1alpha1.AnnotationRotateSecret: "1"})
	if obs, _ = e.Observe(ctx, cr); obs.ResourceUpToDate {
		t.Fatal("rotation request not seen")
	}
	if _, err := e.Update(ctx, cr); !errors.Is(err, oidc.ErrRotateUnsupported) {
		t.Fatalf("rotation on rfc7591: %v", err)
	}
	cr.SetAnnotations(nil)

	// Connection secret lost: the client is still there, the secret is not
	// regenerated, and the condition says so.
	if err := kube.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "web-oidc"}}); err != nil {
		t.Fatal(err)
	}
	publish(t, kube, cr, managed.ConnectionDetails{
		oidc.KeyClientID:                upd.ConnectionDetails[oidc.KeyClientID],
		oidc.KeyRegistrationAccessToken: upd.ConnectionDetails[oidc.KeyRegistrationAccessToken],
	})
	if obs, err = e.Observe(ctx, cr); err != nil || !obs.ResourceExists {
		t.Fatalf("Observe without stored secret: %+v %v", obs, err)
	}
	if _, ok := obs.ConnectionDetails[oidc.KeyClientSecret]; ok {
		t.Fatal("a client secret appeared from nowhere")
	}
	if c := cr.GetCondition(xpv2.TypeReady); c.Message != msgSecretLost {
		t.Fatalf("Ready condition message = %q", c.Message)
	}
	publish(t, kube, cr, upd.ConnectionDetails)

	now := metav1.Now()
	cr.SetDeletionTimestamp(&now)
	if _, err := e.Delete(ctx, cr); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if obs, err = e.Observe(ctx, cr); err != nil || obs.ResourceExists {
		t.Fatalf("after Delete: %+v %v", obs, err)
	}
}
