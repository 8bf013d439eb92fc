package authentik

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

func newFakeAuthentik(t *testing.T) (*fakeAuthentik, string) {
	f := &fakeAuthentik{token: "api-token", providers: map[int]*provider{}, apps: map[string]*application{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func mustCreate(t *testing.T, c *Client, id, uri string) oidc.State {
	t.Helper()
	st, err := c.Create(context.Background(), oidc.Spec{ClientID: id, Slug: c.cfg.Slug, RedirectURIs: []string{uri}, Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// The provider pk a state carries may come from a tenant (an old connection
// Secret's backend_id): a provider found by it is used only when it has the
// state's client ID, and a pk that is not a number never reaches the path.
func TestAuthentikForgedBackendID(t *testing.T) {
	f, u := newFakeAuthentik(t)
	ctx := context.Background()
	c, _ := New(Config{URL: u, Token: "api-token"})
	victim := mustCreate(t, c.WithSlug("tenant-a-web"), "tenant-a.web", "https://a.example/cb")
	own := mustCreate(t, c.WithSlug("tenant-b-evil"), "tenant-b.evil", "https://b.example/cb")
	b := c.WithSlug("tenant-b-evil")
	for _, id := range []string{victim.ID, victim.ID + "/../" + victim.ID, "0" + victim.ID} {
		forged := oidc.State{ClientID: own.ClientID, ID: id}
		obs, err := b.Get(ctx, forged)
		if err != nil || obs.Spec.ClientID != own.ClientID || obs.ID != own.ID || obs.ClientSecret != own.ClientSecret {
			t.Fatalf("Get with pk %q: %+v %v; want the state's own provider", id, obs, err)
		}
	}
	forged := oidc.State{ClientID: own.ClientID, ID: victim.ID}
	if _, err := b.Update(ctx, oidc.Spec{ClientID: own.ClientID, RedirectURIs: []string{"https://attacker.example/cb"}, Scopes: []string{"openid"}}, forged); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, forged); err != nil {
		t.Fatal(err)
	}
	pk, _ := strconv.Atoi(victim.ID)
	if v := f.providers[pk]; v == nil || v.RedirectURIs[0].URL != "https://a.example/cb" || f.apps["tenant-a-web"] == nil {
		t.Fatalf("victim's provider or application changed: %+v apps %v", v, f.apps)
	}
	if len(f.providers) != 1 || f.apps["tenant-b-evil"] != nil {
		t.Fatalf("own client not deleted: providers %v apps %v", f.providers, f.apps)
	}
	// Only the pk's own client: a state for a client that does not exist
	// is not found, whatever pk it carries.
	if _, err := b.Get(ctx, oidc.State{ClientID: "nobody", ID: victim.ID}); !errors.Is(err, oidc.ErrNotFound) {
		t.Fatalf("Get of a missing client with another's pk: %v", err)
	}
}

// The application at the slug is changed or deleted only when it exposes
// the client's own provider. A slug that names another tenant's
// application leaves that application alone.
func TestAuthentikSlugOfAnotherApplication(t *testing.T) {
	f, u := newFakeAuthentik(t)
	ctx := context.Background()
	c, _ := New(Config{URL: u, Token: "api-token"})
	victim := mustCreate(t, c.WithSlug("shop"), "tenant-a.shop", "https://shop.example/cb")
	own := mustCreate(t, c.WithSlug("tenant-b-evil"), "tenant-b.evil", "https://b.example/cb")
	f.apps["shop"].Name = "Shop"

	want := oidc.Spec{ClientID: own.ClientID, Slug: "tenant-b-evil", RedirectURIs: []string{"https://b.example/cb"}, Scopes: []string{"openid"}}
	if obs, err := c.WithSlug("tenant-b-evil").Get(ctx, own); err != nil || !c.UpToDate(want, obs) {
		t.Fatalf("own client under its own slug: %+v %v", obs, err)
	}
	b := c.WithSlug("shop") // the slug edited to another tenant's
	obs, err := b.Get(ctx, own)
	if err != nil {
		t.Fatal(err)
	}
	if b.UpToDate(want, obs) {
		t.Fatal("up to date through another application's slug: Update would never say why")
	}
	if iss, _ := b.Issuer(ctx); iss != u+"/application/o/shop/" {
		t.Fatalf("issuer %q", iss)
	}
	if _, err := b.Update(ctx, oidc.Spec{ClientID: own.ClientID, DisplayName: "Evil", RedirectURIs: []string{"https://b.example/cb"}, Scopes: []string{"openid"}}, own); err == nil ||
		!strings.Contains(err.Error(), "exposes another provider") {
		t.Fatalf("Update through another application's slug: %v", err)
	}
	if err := b.Delete(ctx, own); err != nil {
		t.Fatal(err)
	}
	if a := f.apps["shop"]; a == nil || a.Name != "Shop" || strconv.Itoa(a.Provider) != victim.ID {
		t.Fatalf("tenant-a's application: %+v", a)
	}
	if len(f.providers) != 1 {
		t.Fatalf("providers left: %v", f.providers)
	}
}

// A client created when the default slug was the bare resource name keeps
// its application (issuer, update, delete) under the new default slug, and
// another tenant's application with that bare name is never taken for it.
func TestAuthentikLegacySlug(t *testing.T) {
	f, u := newFakeAuthentik(t)
	ctx := context.Background()
	c, _ := New(Config{URL: u, Token: "api-token"})
	old := mustCreate(t, c.WithSlug("web"), "tenant-a.web", "https://a.example/cb") // tenant-a/web, old default

	a, _ := New(Config{URL: u, Token: "api-token", Slug: "tenant-a-web", LegacySlugs: []string{"web"}})
	if _, err := a.Get(ctx, old); err != nil {
		t.Fatal(err)
	}
	if iss, _ := a.Issuer(ctx); iss != u+"/application/o/web/" {
		t.Fatalf("issuer of a legacy client %q", iss)
	}
	if _, err := a.Update(ctx, oidc.Spec{ClientID: old.ClientID, DisplayName: "Web 2", RedirectURIs: []string{"https://a.example/cb"}, Scopes: []string{"openid"}}, old); err != nil {
		t.Fatal(err)
	}
	if f.apps["web"].Name != "Web 2" || f.apps["tenant-a-web"] != nil {
		t.Fatalf("apps after Update: %v", f.apps)
	}

	// tenant-b/web, created after the upgrade, gets its own application;
	// tenant-a's "web" is not its.
	bc, _ := New(Config{URL: u, Token: "api-token", Slug: "tenant-b-web", LegacySlugs: []string{"web"}})
	nb := mustCreate(t, bc, "tenant-b.web", "https://b.example/cb")
	if _, err := bc.Get(ctx, nb); err != nil {
		t.Fatal(err)
	}
	if iss, _ := bc.Issuer(ctx); iss != u+"/application/o/tenant-b-web/" {
		t.Fatalf("issuer of a new client %q", iss)
	}
	if err := bc.Delete(ctx, nb); err != nil {
		t.Fatal(err)
	}
	if f.apps["web"] == nil || f.apps["tenant-b-web"] != nil {
		t.Fatalf("apps after tenant-b's Delete: %v", f.apps)
	}
	if err := a.Delete(ctx, old); err != nil {
		t.Fatal(err)
	}
	if len(f.apps) != 0 || len(f.providers) != 0 {
		t.Fatalf("left behind: apps %v providers %v", f.apps, f.providers)
	}
}
