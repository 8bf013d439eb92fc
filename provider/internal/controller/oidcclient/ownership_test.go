package oidcclient

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

// memIDP is an in-memory backend that stores ownership markers the way the
// keycloak backend does (one attribute per client) and returns secrets on
// read, the case in which adopting someone else's client would leak it.
type memIDP struct {
	clients map[string]*oidc.Observed // by client ID
	next    int
	// noMarks makes it a backend without a place for markers (authentik).
	noMarks bool
}

func (m *memIDP) Issuer(context.Context) (string, error) { return "https://idp.example/", nil }

func (m *memIDP) Get(_ context.Context, st oidc.State) (*oidc.Observed, error) {
	c, ok := m.clients[st.ClientID]
	if !ok {
		return nil, oidc.ErrNotFound
	}
	o := *c
	return &o, nil
}

func (m *memIDP) Create(_ context.Context, s oidc.Spec) (oidc.State, error) {
	if _, ok := m.clients[s.ClientID]; ok {
		return oidc.State{}, fmt.Errorf("client %s already exists", s.ClientID)
	}
	m.next++
	if m.noMarks {
		s.Owner = ""
	}
	m.clients[s.ClientID] = &oidc.Observed{Spec: s, ClientSecret: fmt.Sprintf("secret-%d", m.next), ID: fmt.Sprint(m.next)}
	return oidc.State{ClientID: s.ClientID, ID: fmt.Sprint(m.next), ClientSecret: fmt.Sprintf("secret-%d", m.next)}, nil
}

func (m *memIDP) Update(_ context.Context, s oidc.Spec, st oidc.State) (oidc.State, error) {
	c, ok := m.clients[st.ClientID]
	if !ok {
		return st, oidc.ErrNotFound
	}
	if m.noMarks {
		s.Owner = ""
	}
	c.Spec = s
	return st, nil
}

func (m *memIDP) RotateSecret(_ context.Context, st oidc.State) (oidc.State, error) { return st, nil }

func (m *memIDP) Delete(_ context.Context, st oidc.State) error {
	delete(m.clients, st.ClientID)
	return nil
}

func (m *memIDP) UpToDate(want oidc.Spec, got *oidc.Observed) bool {
	return oidc.UpToDate(want, got.Spec) && (m.noMarks || want.Owner == got.Spec.Owner)
}

func tenantClient(ns, name string) *v1alpha1.OIDCClient {
	return &v1alpha1.OIDCClient{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + ns + "-" + name)},
		Spec: v1alpha1.OIDCClientSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{WriteConnectionSecretToReference: &xpv2.LocalSecretReference{Name: name + "-oidc"}},
			ForProvider:         v1alpha1.OIDCClientParameters{RedirectURIs: []string{"https://" + name + "." + ns + ".example/cb"}},
		},
	}
}

// external is the client the connector would build for cr: shared means a
// ClusterProviderConfig.
func external(idp *memIDP, kube client.Reader, cr *v1alpha1.OIDCClient, shared bool) *External {
	return NewExternal(idp, kube).WithOwnership(oidc.OwnerMarker("homeplane", cr.GetNamespace(), cr.GetName()), shared)
}

func TestOwnershipBetweenNamespaces(t *testing.T) {
	ctx := context.Background()
	kube := newKube()
	idp := &memIDP{clients: map[string]*oidc.Observed{}}

	// tenant-a registers its client through the admin's config.
	a := tenantClient("tenant-a", "web")
	ea := external(idp, kube, a, true)
	cre, err := ea.Create(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	aID := meta.GetExternalName(a)
	if aID != "tenant-a.web" || idp.clients[aID].Spec.Owner != oidc.OwnerMarker("homeplane", "tenant-a", "web") {
		t.Fatalf("created %q with owner %q", aID, idp.clients[aID].Spec.Owner)
	}
	publish(t, kube, a, cre.ConnectionDetails)
	if obs, err := ea.Observe(ctx, a); err != nil || !obs.ResourceExists || !obs.ResourceUpToDate {
		t.Fatalf("tenant-a Observe: %+v %v", obs, err)
	}

	noSecret := func(t *testing.T, obs managed.ExternalObservation) {
		t.Helper()
		if len(obs.ConnectionDetails) > 0 {
			t.Fatalf("published %v", obs.ConnectionDetails)
		}
	}

	// tenant-b points its external name at tenant-a's client.
	b := tenantClient("tenant-b", "web")
	meta.SetExternalName(b, aID)
	for _, shared := range []bool{true, false} {
		obs, err := external(idp, kube, b, shared).Observe(ctx, b)
		if !errors.Is(err, oidc.ErrOwnedByOther) {
			t.Fatalf("tenant-b adopting tenant-a's client (shared=%v): %+v %v; want ErrOwnedByOther", shared, obs, err)
		}
		noSecret(t, obs)
	}

	// tenant-b forges a connection secret it controls, naming tenant-a's client.
	publish(t, kube, b, managed.ConnectionDetails{oidc.KeyClientID: []byte(aID), oidc.KeyID: []byte(idp.clients[aID].ID)})
	obs, err := external(idp, kube, b, true).Observe(ctx, b)
	if !errors.Is(err, oidc.ErrOwnedByOther) {
		t.Fatalf("tenant-b with a forged connection secret: %+v %v; want ErrOwnedByOther", obs, err)
	}
	noSecret(t, obs)

	// Deleting tenant-b's resource leaves tenant-a's client alone.
	now := metav1.Now()
	b.SetDeletionTimestamp(&now)
	if obs, err := external(idp, kube, b, true).Observe(ctx, b); err != nil || obs.ResourceExists {
		t.Fatalf("tenant-b being deleted: %+v %v; want gone so the finalizer goes", obs, err)
	}
	if idp.clients[aID] == nil {
		t.Fatal("tenant-a's client deleted")
	}

	// A client nobody marked (made by hand): not adoptable with the admin's
	// credentials, adoptable with the tenant's own, which marks it.
	idp.clients["legacy"] = &oidc.Observed{Spec: oidc.Spec{ClientID: "legacy", RedirectURIs: []string{"https://x/cb"}}, ClientSecret: "legacy-secret"}
	c := tenantClient("tenant-c", "app")
	meta.SetExternalName(c, "legacy")
	obs, err = external(idp, kube, c, true).Observe(ctx, c)
	if !errors.Is(err, oidc.ErrUnmarked) {
		t.Fatalf("adopting an unmarked client through a ClusterProviderConfig: %+v %v; want ErrUnmarked", obs, err)
	}
	noSecret(t, obs)
	ec := external(idp, kube, c, false)
	if obs, err = ec.Observe(ctx, c); err != nil || !obs.ResourceExists || obs.ResourceUpToDate {
		t.Fatalf("adopting an unmarked client with the tenant's own config: %+v %v; want exists, to update", obs, err)
	}
	if _, err := ec.Update(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got := idp.clients["legacy"].Spec; got.Owner != oidc.OwnerMarker("homeplane", "tenant-c", "app") || got.ClientID != "legacy" {
		t.Fatalf("after adoption: client %q owner %q", got.ClientID, got.Owner)
	}

	// A client the backend cannot mark (authentik) is known by the ID the
	// provider recorded in status, which a tenant cannot write; a forged
	// connection secret (even with a registration access token in it)
	// does not make another tenant's unmarked client its own.
	idp.clients["tenant-a-auth"] = &oidc.Observed{Spec: oidc.Spec{ClientID: "tenant-a-auth"}, ClientSecret: "auth-secret", ID: "7"}
	forger := tenantClient("tenant-b", "auth")
	meta.SetExternalName(forger, "tenant-a-auth")
	publish(t, kube, forger, managed.ConnectionDetails{oidc.KeyClientID: []byte("tenant-a-auth"), oidc.KeyID: []byte("7"),
		oidc.KeyRegistrationAccessToken: []byte("made-up")})
	obs, err = external(idp, kube, forger, true).Observe(ctx, forger)
	if !errors.Is(err, oidc.ErrUnmarked) {
		t.Fatalf("tenant-b forging a secret for an unmarked client: %+v %v; want ErrUnmarked", obs, err)
	}
	noSecret(t, obs)
	owner := tenantClient("tenant-a", "auth")
	meta.SetExternalName(owner, "tenant-a-auth")
	owner.Status.AtProvider.ClientID = "tenant-a-auth"
	publish(t, kube, owner, managed.ConnectionDetails{oidc.KeyClientID: []byte("tenant-a-auth"), oidc.KeyID: []byte("7")})
	if obs, err = external(idp, kube, owner, true).Observe(ctx, owner); err != nil || string(obs.ConnectionDetails[oidc.KeyClientSecret]) != "auth-secret" {
		t.Fatalf("tenant-a's own unmarked client: %+v %v", obs, err)
	}

	// A client registered before markers existed under the old default ID
	// "<namespace>-<name>", known from its own connection secret: still its
	// resource's (the provider recorded its ID in status), marked on the
	// next update, and not renamed.
	old := tenantClient("tenant-a", "old")
	idp.clients["tenant-a-old"] = &oidc.Observed{Spec: oidc.Spec{ClientID: "tenant-a-old", RedirectURIs: old.Spec.ForProvider.RedirectURIs,
		GrantTypes: []string{"authorization_code", "refresh_token"}, Scopes: []string{"openid", "profile", "email"}}, ClientSecret: "old-secret", ID: "99"}
	meta.SetExternalName(old, "tenant-a-old")
	old.Status.AtProvider.ClientID = "tenant-a-old" // as earlier releases recorded it
	publish(t, kube, old, managed.ConnectionDetails{oidc.KeyClientID: []byte("tenant-a-old"), oidc.KeyID: []byte("99"), oidc.KeyClientSecret: []byte("old-secret")})
	eo := external(idp, kube, old, true)
	obs, err = eo.Observe(ctx, old)
	if err != nil || !obs.ResourceExists || obs.ResourceUpToDate || string(obs.ConnectionDetails[oidc.KeyClientSecret]) != "old-secret" {
		t.Fatalf("pre-marker client: %+v %v; want exists, its secret, to update", obs, err)
	}
	if _, err := eo.Update(ctx, old); err != nil {
		t.Fatal(err)
	}
	if got := idp.clients["tenant-a-old"]; got == nil || got.Spec.Owner != oidc.OwnerMarker("homeplane", "tenant-a", "old") {
		t.Fatalf("pre-marker client after update: %+v", got)
	}
	if _, ok := idp.clients["tenant-a.old"]; ok {
		t.Fatal("a second client was registered under the new default ID")
	}
	if obs, err = eo.Observe(ctx, old); err != nil || !obs.ResourceUpToDate {
		t.Fatalf("pre-marker client after update: %+v %v", obs, err)
	}
	// Other tenants cannot take it any more, even with a forged secret.
	x := tenantClient("tenant-x", "old")
	meta.SetExternalName(x, "tenant-a-old")
	publish(t, kube, x, managed.ConnectionDetails{oidc.KeyClientID: []byte("tenant-a-old"), oidc.KeyID: []byte("99")})
	if _, err := external(idp, kube, x, true).Observe(ctx, x); !errors.Is(err, oidc.ErrOwnedByOther) {
		t.Fatalf("tenant-x: %v; want ErrOwnedByOther", err)
	}
}

func TestDefaultClientIDInjective(t *testing.T) {
	ab, bc := tenantClient("a-b", "c"), tenantClient("a", "b-c")
	if DefaultClientID(ab) == DefaultClientID(bc) {
		t.Fatalf("a-b/c and a/b-c both ask for %q", DefaultClientID(ab))
	}
	if oidc.OwnerMarker("homeplane", "a-b", "c") == oidc.OwnerMarker("homeplane", "a", "b-c") {
		t.Fatal("a-b/c and a/b-c share an ownership marker")
	}
}
