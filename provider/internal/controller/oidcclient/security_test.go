package oidcclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	"github.com/homeplane/homeplane/internal/testservers"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc/authentik"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc/rfc7591"
)

func newKube() client.Client {
	sch := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(sch)
	return fake.NewClientBuilder().WithScheme(sch).Build()
}

// createdWithStash creates tenant-a's client "web" at an in-memory IdP
// through an External that keeps its tokens in stash; connect returns a new
// External sharing it, as the managed reconciler connects once per
// reconcile (shared: a ClusterProviderConfig).
func createdWithStash(t *testing.T, shared bool) (idp *memIDP, stash *TokenStash, cr *v1alpha1.OIDCClient, connect func() *External) {
	t.Helper()
	kube := newKube()
	idp = &memIDP{clients: map[string]*oidc.Observed{}}
	stash = &TokenStash{}
	cr = tenantClient("tenant-a", "web")
	connect = func() *External {
		e := external(idp, kube, cr, shared)
		e.tokens = stash
		return e
	}
	if _, err := connect().Create(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	return idp, stash, cr, connect
}

// Tenant-b names tenant-a's client (external name) and writes a connection
// Secret with a made-up registration access token and a
// registration_client_uri pointing at Hydra's admin API, which answers
// without a token. Observe must not adopt the client, Update must not change
// it, Delete must not remove it (real Hydra).
func TestForgedRegistrationURIAgainstHydra(t *testing.T) {
	h := testservers.StartHydra(t)
	ctx := context.Background()
	kube := newKube()
	cl, err := rfc7591.New(rfc7591.Config{IssuerURL: h.Issuer, AdminURL: h.AdminURL})
	if err != nil {
		t.Fatal(err)
	}
	a := tenantClient("tenant-a", "web")
	ea := NewExternal(cl, kube).WithOwnership(oidc.OwnerMarker("hp", "tenant-a", "web"), true)
	cre, err := ea.Create(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	aID := meta.GetExternalName(a)
	publish(t, kube, a, cre.ConnectionDetails)

	b := tenantClient("tenant-b", "evil")
	b.Spec.ForProvider.RedirectURIs = []string{"https://attacker.example/cb"}
	meta.SetExternalName(b, aID)
	publish(t, kube, b, managed.ConnectionDetails{
		oidc.KeyClientID:                []byte(aID),
		oidc.KeyClientSecret:            []byte("x"),
		oidc.KeyRegistrationAccessToken: []byte("anything"),
		oidc.KeyRegistrationClientURI:   []byte(h.AdminURL + "/admin/clients/" + aID),
	})
	for _, shared := range []bool{true, false} {
		eb := NewExternal(cl, kube).WithOwnership(oidc.OwnerMarker("hp", "tenant-b", "evil"), shared)
		obs, err := eb.Observe(ctx, b)
		if !errors.Is(err, oidc.ErrTokenRejected) || obs.ResourceExists || len(obs.ConnectionDetails) > 0 || b.Status.AtProvider.ClientID != "" {
			t.Fatalf("Observe (shared=%v): %+v %v, status clientID %q; want ErrTokenRejected, nothing published", shared, obs, err, b.Status.AtProvider.ClientID)
		}
		if _, err := eb.Update(ctx, b); err == nil {
			t.Fatal("Update with a forged registration_client_uri succeeded")
		}
		if _, err := eb.Delete(ctx, b); err == nil {
			t.Fatal("Delete with a forged registration_client_uri succeeded")
		}
	}
	c, err := h.Client(ctx, aID)
	if err != nil || c == nil {
		t.Fatalf("tenant-a's client: %v %v", c, err)
	}
	if uris, _ := c["redirect_uris"].([]any); len(uris) != 1 || uris[0] != a.Spec.ForProvider.RedirectURIs[0] {
		t.Fatalf("tenant-a's redirect_uris now %v", c["redirect_uris"])
	}
	// tenant-a's own resource is unaffected, and its status names the
	// derived URL, not whatever its Secret says.
	publish(t, kube, a, managed.ConnectionDetails{
		oidc.KeyClientID:                cre.ConnectionDetails[oidc.KeyClientID],
		oidc.KeyClientSecret:            cre.ConnectionDetails[oidc.KeyClientSecret],
		oidc.KeyRegistrationAccessToken: cre.ConnectionDetails[oidc.KeyRegistrationAccessToken],
		oidc.KeyRegistrationClientURI:   []byte("https://elsewhere.example/x"),
	})
	obs, err := ea.Observe(ctx, a)
	if err != nil || !obs.ResourceExists || !strings.HasSuffix(a.Status.AtProvider.RegistrationClientURI, "/"+aID) ||
		strings.Contains(string(obs.ConnectionDetails[oidc.KeyRegistrationClientURI]), "elsewhere") {
		t.Fatalf("tenant-a: %+v %v, status URI %q", obs, err, a.Status.AtProvider.RegistrationClientURI)
	}
}

// fakeAuthentik answers the authentik API v3 calls the backend makes, enough
// for the controller tests: providers by pk and by client_id, applications
// by slug.
type fakeAuthentik struct {
	mu    sync.Mutex
	provs map[string]map[string]any // by pk
	apps  map[string]map[string]any // by slug
	log   []string
}

func (f *fakeAuthentik) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := strings.TrimPrefix(r.URL.Path, "/api/v3/")
	f.log = append(f.log, r.Method+" "+p)
	reply := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		b, err := json.Marshal(v)
		if err != nil {
			code, b = http.StatusInternalServerError, []byte(`{"detail":"fake: cannot encode"}`)
		}
		w.WriteHeader(code)
		if v != nil {
			_, _ = w.Write(b)
		}
	}
	switch {
	case strings.HasPrefix(p, "propertymappings/"):
		reply(http.StatusOK, map[string]any{"results": []any{}})
	case p == "providers/oauth2/" && r.Method == http.MethodGet:
		out := []any{}
		for _, pr := range f.provs {
			if pr["client_id"] == r.URL.Query().Get("client_id") {
				out = append(out, pr)
			}
		}
		reply(http.StatusOK, map[string]any{"results": out})
	case strings.HasPrefix(p, "providers/oauth2/"):
		pk := strings.Trim(strings.TrimPrefix(p, "providers/oauth2/"), "/")
		pr, ok := f.provs[pk]
		switch {
		case !ok:
			reply(http.StatusNotFound, map[string]string{"detail": "Not found."})
		case r.Method == http.MethodDelete:
			delete(f.provs, pk)
			reply(http.StatusNoContent, nil)
		default:
			reply(http.StatusOK, pr)
		}
	case strings.HasPrefix(p, "core/applications/"):
		slug, _ := url.PathUnescape(strings.Trim(strings.TrimPrefix(p, "core/applications/"), "/"))
		a, ok := f.apps[slug]
		switch {
		case !ok:
			reply(http.StatusNotFound, map[string]string{"detail": "Not found."})
		case r.Method == http.MethodDelete:
			delete(f.apps, slug)
			reply(http.StatusNoContent, nil)
		case r.Method == http.MethodPatch:
			var patch map[string]any
			_ = json.NewDecoder(r.Body).Decode(&patch)
			for k, v := range patch {
				a[k] = v
			}
			reply(http.StatusOK, a)
		default:
			reply(http.StatusOK, a)
		}
	default:
		reply(http.StatusNotFound, map[string]string{"detail": "Not found."})
	}
}

func twoAuthentikTenants() *fakeAuthentik {
	return &fakeAuthentik{
		provs: map[string]map[string]any{
			"1": {"pk": 1, "name": "shop", "client_type": "confidential", "client_id": "tenant-a.shop", "client_secret": "VICTIM-SECRET",
				"redirect_uris": []any{map[string]any{"url": "https://shop.tenant-a.example/cb"}}, "property_mappings": []any{}},
			"2": {"pk": 2, "name": "evil", "client_type": "confidential", "client_id": "tenant-b.evil", "client_secret": "own",
				"redirect_uris": []any{map[string]any{"url": "https://evil.tenant-b.example/cb"}}, "property_mappings": []any{}},
		},
		apps: map[string]map[string]any{
			"shop":          {"name": "shop", "slug": "shop", "provider": 1},
			"tenant-b_evil": {"name": "evil", "slug": "tenant-b_evil", "provider": 2},
		},
	}
}

// Tenant-b writes tenant-a's provider pk as backend_id into its own
// connection Secret. Its resource must neither publish tenant-a's secret nor
// delete tenant-a's provider.
func TestForgedBackendIDAuthentik(t *testing.T) {
	f := twoAuthentikTenants()
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx := context.Background()
	kube := newKube()
	b := tenantClient("tenant-b", "evil")
	b.Spec.ForProvider.RedirectURIs = []string{"https://evil.tenant-b.example/cb"}
	meta.SetExternalName(b, "tenant-b.evil")
	b.Status.AtProvider.ClientID = "tenant-b.evil" // recorded by the provider when it created b's client
	publish(t, kube, b, managed.ConnectionDetails{oidc.KeyClientID: []byte("tenant-b.evil"), oidc.KeyID: []byte("1")})
	cl, _ := authentik.New(authentik.Config{URL: srv.URL, Token: "admin", Slug: Spec(b).Slug, LegacySlugs: LegacySlugs(b)})
	eb := NewExternal(cl, kube).WithOwnership(oidc.OwnerMarker("hp", "tenant-b", "evil"), true)
	obs, err := eb.Observe(ctx, b)
	if err != nil || !obs.ResourceExists {
		t.Fatalf("Observe: %+v %v", obs, err)
	}
	if got := string(obs.ConnectionDetails[oidc.KeyClientSecret]); got != "own" {
		t.Fatalf("published client_secret %q, want tenant-b's own", got)
	}
	if got := string(obs.ConnectionDetails[oidc.KeyID]); got != "2" || b.Status.AtProvider.BackendID != "2" {
		t.Fatalf("backend_id %q, status %q; want 2", got, b.Status.AtProvider.BackendID)
	}
	// Even a status naming tenant-a's pk (as if the backend had reassigned
	// it) gets only a provider with b's client ID.
	b.Status.AtProvider.BackendID = "1"
	if _, err := eb.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	if f.provs["1"] == nil || f.apps["shop"] == nil {
		t.Fatalf("tenant-a's provider or application deleted: %v %v", f.provs, f.apps)
	}
	if f.provs["2"] != nil || f.apps["tenant-b_evil"] != nil {
		t.Fatalf("tenant-b's own client not deleted: %v %v", f.provs, f.apps)
	}
}

// Tenant-b's resource names another tenant's application as its slug (the
// CRD makes the slug immutable, but it can be set so at creation). The
// application exposes another provider: it is neither changed nor deleted.
func TestSlugOfAnotherTenantsApplication(t *testing.T) {
	f := twoAuthentikTenants()
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx := context.Background()
	kube := newKube()
	b := tenantClient("tenant-b", "evil")
	b.Spec.ForProvider.DisplayName = "evil"
	b.Spec.ForProvider.RedirectURIs = []string{"https://evil.tenant-b.example/cb"}
	b.Spec.ForProvider.Scopes = []string{"x"}
	b.Spec.ForProvider.Authentik = &v1alpha1.AuthentikParameters{Slug: "shop"}
	meta.SetExternalName(b, "tenant-b.evil")
	b.Status.AtProvider.ClientID = "tenant-b.evil"
	b.Status.AtProvider.BackendID = "2"
	cl, _ := authentik.New(authentik.Config{URL: srv.URL, Token: "admin", Slug: Spec(b).Slug, LegacySlugs: LegacySlugs(b)})
	eb := NewExternal(cl, kube).WithOwnership(oidc.OwnerMarker("hp", "tenant-b", "evil"), true)
	obs, err := eb.Observe(ctx, b)
	if err != nil || !obs.ResourceExists || obs.ResourceUpToDate {
		t.Fatalf("Observe: %+v %v; want exists and not up to date, so that Update reports the slug", obs, err)
	}
	f.apps["shop"]["name"] = "Shop"
	b.Spec.ForProvider.DisplayName = "Evil"
	if _, err := eb.Update(ctx, b); err == nil || !strings.Contains(err.Error(), "exposes another provider") {
		t.Fatalf("Update: %v", err)
	}
	if _, err := eb.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	if a := f.apps["shop"]; a == nil || a["name"] != "Shop" {
		t.Fatalf("tenant-a's application changed or deleted: %v; requests %v", f.apps, f.log)
	}
	for _, r := range f.log {
		if r == "PATCH core/applications/shop/" || r == "DELETE core/applications/shop/" {
			t.Fatalf("request %s", r)
		}
	}
}

// The default slug is "<namespace>_<name>": two namespaces' resources never
// ask for the same application (a-b/c and a/b-c neither). The old default
// (the bare name) is looked at only for an existing client's application.
func TestDefaultSlug(t *testing.T) {
	a, b := tenantClient("tenant-a", "web"), tenantClient("tenant-b", "web")
	if Spec(a).Slug != "tenant-a_web" || Spec(a).Slug == Spec(b).Slug {
		t.Fatalf("default slugs %q, %q", Spec(a).Slug, Spec(b).Slug)
	}
	if x, y := tenantClient("a-b", "c"), tenantClient("a", "b-c"); Spec(x).Slug == Spec(y).Slug {
		t.Fatalf("a-b/c and a/b-c share the slug %q", Spec(x).Slug)
	}
	if got := LegacySlugs(a); len(got) != 1 || got[0] != "web" {
		t.Fatalf("legacy slugs %v", got)
	}
	a.Spec.ForProvider.Authentik = &v1alpha1.AuthentikParameters{Slug: "chosen"}
	if Spec(a).Slug != "chosen" || LegacySlugs(a) != nil {
		t.Fatalf("explicit slug: %q, legacy %v", Spec(a).Slug, LegacySlugs(a))
	}
}

// The runtime could not write the external name after Create and the user
// removed the external-create-pending annotation as told: Observe finds the
// client through what the provider recorded (status) or kept (TokenStash)
// and writes the external name back; no second client is registered.
func TestLostExternalNameAfterCreate(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// keepStatus: the status write in Create succeeded.
		keepStatus, keepStash bool
	}{
		{"status recorded", true, false},
		{"status write failed too", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idp, stash, cr, connect := createdWithStash(t, true)
			id := meta.GetExternalName(cr)
			meta.SetExternalName(cr, "")
			if !tc.keepStatus {
				cr.Status.AtProvider = v1alpha1.OIDCClientObservation{}
			}
			if !tc.keepStash {
				stash.Forget(cr.UID)
			}
			obs, err := connect().Observe(ctx, cr)
			if err != nil || !obs.ResourceExists || !obs.ResourceLateInitialized {
				t.Fatalf("Observe: %+v %v; want the client found, the external name written back", obs, err)
			}
			if got := meta.GetExternalName(cr); got != id {
				t.Fatalf("external name %q, want %q", got, id)
			}
			if string(obs.ConnectionDetails[oidc.KeyClientSecret]) != idp.clients[id].ClientSecret {
				t.Fatal("the client's secret not republished")
			}
			if len(idp.clients) != 1 {
				t.Fatalf("%d clients at the backend", len(idp.clients))
			}
		})
	}
}

// The server confirmed Delete but the status write that records it failed:
// the deleted client ID kept in the TokenStash still lets the rejected
// token mean "gone" (no adminURL), and the stash entry goes with the
// resource (real Hydra).
func TestDeletedClientIDKeptAgainstHydra(t *testing.T) {
	h, kube, cl := hydraBackend(t)
	ctx := context.Background()
	stash := &TokenStash{}
	reconcile := reconciles(cl, kube, stash)
	cr := tenantClient("apps", "chat")
	cre, err := reconcile().Create(ctx, cr)
	if err != nil {
		t.Fatal(err)
	}
	publish(t, kube, cr, cre.ConnectionDetails)
	now := metav1.Now()
	cr.SetDeletionTimestamp(&now)
	e := reconcile()
	if obs, err := e.Observe(ctx, cr); err != nil || !obs.ResourceExists {
		t.Fatalf("Observe: %+v %v", obs, err)
	}
	if _, err := e.Delete(ctx, cr); err != nil {
		t.Fatal(err)
	}
	cr.Status.AtProvider.DeletedClientID = "" // the status write failed
	obs, err := reconcile().Observe(ctx, cr)
	if err != nil || obs.ResourceExists {
		t.Fatalf("Observe after a confirmed Delete whose status write failed: %+v %v; want gone", obs, err)
	}
	if stash.Deleted(cr.UID) != "" || stash.ClientID(cr.UID) != "" {
		t.Fatal("stash entry kept after the resource is gone")
	}
	if got := hydraClients(t, h); len(got) != 0 {
		t.Fatalf("Hydra still holds %v", got)
	}
}

// A client switched to Public publishes no secret, whatever the Secret still
// holds from when it was confidential.
func TestPublicClientPublishesNoSecret(t *testing.T) {
	ctx := context.Background()
	kube := newKube()
	idp := &memIDP{clients: map[string]*oidc.Observed{}}
	cr := tenantClient("tenant-a", "spa")
	e := external(idp, kube, cr, false)
	cre, err := e.Create(ctx, cr)
	if err != nil {
		t.Fatal(err)
	}
	publish(t, kube, cr, cre.ConnectionDetails)
	cr.Spec.ForProvider.ClientType = v1alpha1.ClientTypePublic
	if _, err := e.Update(ctx, cr); err != nil {
		t.Fatal(err)
	}
	idp.clients[meta.GetExternalName(cr)].ClientSecret = "" // as a backend reports a public client
	obs, err := e.Observe(ctx, cr)
	if err != nil || !obs.ResourceExists {
		t.Fatalf("Observe: %+v %v", obs, err)
	}
	if s, ok := obs.ConnectionDetails[oidc.KeyClientSecret]; ok {
		t.Fatalf("public client publishes client_secret %q", s)
	}
}

// A resource that goes without Delete (management policies without it)
// leaves nothing in the TokenStash.
func TestStashForgetsResourceLeftWithoutDelete(t *testing.T) {
	ctx := context.Background()
	idp, stash, cr, connect := createdWithStash(t, false)
	e := connect()
	if stash.ClientID(cr.UID) == "" {
		t.Fatal("Create kept nothing")
	}
	cr.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate}
	now := metav1.Now()
	cr.SetDeletionTimestamp(&now)
	if _, err := e.Observe(ctx, cr); err != nil {
		t.Fatal(err)
	}
	if stash.ClientID(cr.UID) != "" {
		t.Fatal("stash entry kept for a resource that goes without Delete")
	}
	if len(idp.clients) != 1 {
		t.Fatal("client deleted")
	}
}
