package oidcclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	"github.com/homeplane/homeplane/internal/testservers"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

// hydraClients lists the client IDs Hydra holds (admin API).
func hydraClients(t *testing.T, h *testservers.Hydra) []string {
	t.Helper()
	r, err := http.Get(h.AdminURL + "/admin/clients?page_size=500")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Body.Close() }()
	var l []struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(l))
	for _, c := range l {
		out = append(out, c.ClientID)
	}
	return out
}

// Ory Hydra replaces the registration access token on every update. When
// the connection Secret write after Create or Update fails, the provider
// still manages the one client it registered (no second registration), and
// when the token is lost for good (a restart in between), it neither
// registers another client nor lets the resource go while the client may
// still exist.
func TestLostCredentialsAgainstHydra(t *testing.T) {
	h, kube, cl := hydraBackend(t)
	ctx := context.Background()
	stash := &TokenStash{}
	reconcile := reconciles(cl, kube, stash)
	cr := &v1alpha1.OIDCClient{
		ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "chat", UID: "uid-lost"},
		Spec: v1alpha1.OIDCClientSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{WriteConnectionSecretToReference: &xpv2.LocalSecretReference{Name: "chat-oidc"}},
			ForProvider:         v1alpha1.OIDCClientParameters{RedirectURIs: []string{"https://chat.example.org/cb"}},
		},
	}

	// Create's answer never reaches the Secret.
	cre, err := reconcile().Create(ctx, cr)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	secret := string(cre.ConnectionDetails[oidc.KeyClientSecret])
	obs, err := reconcile().Observe(ctx, cr)
	if err != nil || !obs.ResourceExists || !obs.ResourceUpToDate {
		t.Fatalf("Observe after an unpublished Create: %+v %v", obs, err)
	}
	if string(obs.ConnectionDetails[oidc.KeyClientSecret]) != secret ||
		string(obs.ConnectionDetails[oidc.KeyRegistrationAccessToken]) != string(cre.ConnectionDetails[oidc.KeyRegistrationAccessToken]) {
		t.Fatal("Observe did not republish the credentials Create issued")
	}
	publish(t, kube, cr, obs.ConnectionDetails)

	// Update's new token never reaches the Secret: Hydra already rejects the
	// stored one.
	cr.Spec.ForProvider.RedirectURIs = append(cr.Spec.ForProvider.RedirectURIs, "https://chat.example.org/cb2")
	e := reconcile()
	if obs, err = e.Observe(ctx, cr); err != nil || obs.ResourceUpToDate {
		t.Fatalf("Observe before Update: %+v %v", obs, err)
	}
	upd, err := e.Update(ctx, cr)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	stale := obs.ConnectionDetails
	if _, err := cl.Get(ctx, oidc.State{ClientID: string(stale[oidc.KeyClientID]),
		RegistrationAccessToken: string(stale[oidc.KeyRegistrationAccessToken])}); !errors.Is(err, oidc.ErrTokenRejected) {
		t.Fatalf("Hydra still accepts the token Update replaced: %v", err)
	}
	obs, err = reconcile().Observe(ctx, cr)
	if err != nil || !obs.ResourceExists || !obs.ResourceUpToDate {
		t.Fatalf("Observe after an unpublished Update: %+v %v", obs, err)
	}
	if string(obs.ConnectionDetails[oidc.KeyRegistrationAccessToken]) != string(upd.ConnectionDetails[oidc.KeyRegistrationAccessToken]) {
		t.Fatal("Observe did not republish the token Update got")
	}
	if got := hydraClients(t, h); len(got) != 1 {
		t.Fatalf("Hydra holds %d clients, want the one registered: %v", len(got), got)
	}
	publish(t, kube, cr, obs.ConnectionDetails)
	if _, err := reconcile().Observe(ctx, cr); err != nil {
		t.Fatal(err)
	}
	if _, kept := stash.Recover(cr.UID, oidc.State{ClientID: string(obs.ConnectionDetails[oidc.KeyClientID])}); kept {
		t.Fatal("credentials still kept after the Secret holds them")
	}

	// Lost for good: another Update's token is lost with the process.
	cr.Spec.ForProvider.RedirectURIs = cr.Spec.ForProvider.RedirectURIs[:1]
	e = reconcile()
	if _, err := e.Observe(ctx, cr); err != nil {
		t.Fatal(err)
	}
	lost, err := e.Update(ctx, cr)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	stash = &TokenStash{}
	reconcile = reconciles(cl, kube, stash)
	if _, err := reconcile().Observe(ctx, cr); !errors.Is(err, oidc.ErrTokenRejected) {
		t.Fatalf("Observe with a lost token: got %v, want ErrTokenRejected", err)
	}
	now := metav1.Now()
	cr.SetDeletionTimestamp(&now)
	e = reconcile()
	if obs, err = e.Observe(ctx, cr); err != nil || !obs.ResourceExists {
		t.Fatalf("Observe of a deleted resource with a lost token: %+v %v; want it to exist until deleted", obs, err)
	}
	_, err = e.Delete(ctx, cr)
	if !errors.Is(err, oidc.ErrTokenRejected) || !strings.Contains(err.Error(), "managementPolicies") {
		t.Fatalf("Delete with a lost token: got %v, want ErrTokenRejected naming managementPolicies", err)
	}
	if got := hydraClients(t, h); len(got) != 1 {
		t.Fatalf("Hydra holds %d clients, want the one registered: %v", len(got), got)
	}

	// With the token back in the Secret, deletion deletes the client, and
	// only then is the rejected token taken as the client being gone.
	publish(t, kube, cr, lost.ConnectionDetails)
	e = reconcile()
	if obs, err = e.Observe(ctx, cr); err != nil || !obs.ResourceExists {
		t.Fatalf("Observe: %+v %v", obs, err)
	}
	if _, err := e.Delete(ctx, cr); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if obs, err = reconcile().Observe(ctx, cr); err != nil || obs.ResourceExists {
		t.Fatalf("Observe after Delete: %+v %v", obs, err)
	}
	if got := hydraClients(t, h); len(got) != 0 {
		t.Fatalf("Hydra still holds %v", got)
	}
}
