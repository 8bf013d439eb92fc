package keycloak

import (
	"context"
	"strings"
	"testing"

	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

// The internal ID a state carries may come from a tenant (an old
// connection Secret's backend_id): a client found by it is used only when it
// has the state's client ID, and an ID that is not a UUID never reaches the
// URL path.
func TestKeycloakForgedBackendID(t *testing.T) {
	f, srv := newFake(t)
	ctx := context.Background()
	c, _ := New(Config{URL: srv.URL, Realm: "home", AuthRealm: "master", Username: "admin", Secret: f.secret})
	spec := func(id, uri string) oidc.Spec {
		return oidc.Spec{ClientID: id, RedirectURIs: []string{uri}, GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"}}
	}
	victim, err := c.Create(ctx, spec("tenant-a.web", "https://a.example/cb"))
	if err != nil {
		t.Fatal(err)
	}
	own, err := c.Create(ctx, spec("tenant-b.evil", "https://b.example/cb"))
	if err != nil {
		t.Fatal(err)
	}
	forged := oidc.State{ClientID: own.ClientID, ID: victim.ID}
	obs, err := c.Get(ctx, forged)
	if err != nil || obs.Spec.ClientID != own.ClientID || obs.ID != own.ID || obs.ClientSecret != own.ClientSecret {
		t.Fatalf("Get with another client's ID: %+v %v; want the state's own client", obs, err)
	}
	if _, err := c.Update(ctx, spec(own.ClientID, "https://attacker.example/cb"), forged); err != nil {
		t.Fatal(err)
	}
	if rot, err := c.RotateSecret(ctx, forged); err != nil || rot.ID != own.ID {
		t.Fatalf("RotateSecret: %+v %v", rot, err)
	}
	if err := c.Delete(ctx, forged); err != nil {
		t.Fatal(err)
	}
	v := f.clients[victim.ID]
	if v == nil || v.RedirectURIs[0] != "https://a.example/cb" || f.secrets[victim.ID] != victim.ClientSecret {
		t.Fatalf("victim's client changed: %+v", v)
	}
	if f.clients[own.ID] != nil {
		t.Fatal("the state's own client was not deleted")
	}

	// Not a UUID: never joined into the path.
	f.requests = nil
	for _, id := range []string{"../client-scopes", "../../../master/clients/" + victim.ID, victim.ID + "/../" + victim.ID} {
		if obs, err := c.Get(ctx, oidc.State{ClientID: "tenant-b.evil", ID: id}); err == nil {
			t.Fatalf("Get with ID %q: %+v", id, obs)
		}
	}
	for _, r := range f.requests {
		if strings.Contains(r, "..") || strings.Contains(r, victim.ID) {
			t.Fatalf("request %q", r)
		}
	}
	if got := c.admin("clients", "../x"); !strings.HasSuffix(got, "/admin/realms/home/clients/..%2Fx") {
		t.Fatalf("admin path %q", got)
	}
}

// A client switched to Public keeps no secret: the one it had as a
// confidential client would be published but never work.
func TestKeycloakSwitchToPublicDropsSecret(t *testing.T) {
	f, srv := newFake(t)
	ctx := context.Background()
	c, _ := New(Config{URL: srv.URL, Realm: "home", AuthRealm: "master", Username: "admin", Secret: f.secret})
	s := oidc.Spec{ClientID: "apps-spa", RedirectURIs: []string{"https://spa/cb"}, GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"}}
	st, err := c.Create(ctx, s)
	if err != nil || st.ClientSecret == "" {
		t.Fatalf("Create: %+v %v", st, err)
	}
	s.Public = true
	if st, err = c.Update(ctx, s, st); err != nil {
		t.Fatal(err)
	}
	if st.ClientSecret != "" {
		t.Fatal("Update to Public kept the confidential client's secret")
	}
	if obs, err := c.Get(ctx, st); err != nil || !obs.Spec.Public || obs.ClientSecret != "" {
		t.Fatalf("Get after the switch: %+v %v", obs, err)
	}
}
