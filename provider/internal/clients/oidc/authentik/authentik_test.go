package authentik

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

// fakeAuthentik follows the authentik API v3 contract
// (https://api.goauthentik.io/) for the endpoints the client uses. It is not
// authentik: no authentik can run on CI machines.
type fakeAuthentik struct {
	mu        sync.Mutex
	token     string
	providers map[int]*provider
	apps      map[string]*application
	next      int
}

var fakeFlows = []flow{
	{PK: "f-authz", Slug: "default-provider-authorization-implicit-consent"},
	{PK: "f-inval", Slug: "default-provider-invalidation-flow"},
}

var fakeScopes = []scopeMapping{{"m-openid", "openid"}, {"m-profile", "profile"}, {"m-email", "email"}, {"m-offline", "offline_access"}}

func (f *fakeAuthentik) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	reply := func(code int, v any) {
		var body []byte
		if v != nil {
			var err error
			if body, err = json.Marshal(v); err != nil {
				code, body = http.StatusInternalServerError, []byte(strconv.Quote("fake: "+err.Error()))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write(body)
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		reply(http.StatusForbidden, map[string]string{"detail": "Authentication credentials were not provided."})
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/api/v3/")
	switch {
	case p == "flows/instances/" && r.Method == http.MethodGet:
		out := []flow{}
		for _, fl := range fakeFlows {
			if s := r.URL.Query().Get("slug"); s == "" || s == fl.Slug {
				out = append(out, fl)
			}
		}
		reply(http.StatusOK, map[string]any{"results": out})
	case p == "propertymappings/provider/scope/" && r.Method == http.MethodGet:
		reply(http.StatusOK, map[string]any{"results": fakeScopes})
	case p == "providers/oauth2/" && r.Method == http.MethodGet:
		out := []provider{}
		for _, pr := range f.providers {
			if q := r.URL.Query().Get("client_id"); q == "" || q == pr.ClientID {
				out = append(out, *pr)
			}
		}
		reply(http.StatusOK, map[string]any{"results": out})
	case p == "providers/oauth2/" && r.Method == http.MethodPost:
		var pr provider
		if err := json.NewDecoder(r.Body).Decode(&pr); err != nil || pr.Name == "" || pr.AuthorizationFlow != "f-authz" || pr.InvalidationFlow != "f-inval" {
			reply(http.StatusBadRequest, map[string]string{"detail": "invalid provider"})
			return
		}
		f.next++
		pr.PK = f.next
		if pr.ClientID == "" {
			pr.ClientID = fmt.Sprintf("generated-%d", f.next)
		}
		if pr.ClientSecret == "" {
			pr.ClientSecret = fmt.Sprintf("secret-%d", f.next)
		}
		f.providers[pr.PK] = &pr
		reply(http.StatusCreated, pr)
	case strings.HasPrefix(p, "providers/oauth2/"):
		pk, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "providers/oauth2/"), "/"))
		pr, ok := f.providers[pk]
		if !ok {
			reply(http.StatusNotFound, map[string]string{"detail": "Not found."})
			return
		}
		switch r.Method {
		case http.MethodGet:
			reply(http.StatusOK, pr)
		case http.MethodPatch:
			n, err := patched(pr, r.Body)
			if err != nil {
				reply(http.StatusBadRequest, map[string]string{"detail": err.Error()})
				return
			}
			n.PK = pk
			f.providers[pk] = n
			reply(http.StatusOK, n)
		case http.MethodDelete:
			delete(f.providers, pk)
			reply(http.StatusNoContent, nil)
		}
	case p == "core/applications/" && r.Method == http.MethodPost:
		var a application
		if err := json.NewDecoder(r.Body).Decode(&a); err != nil || a.Slug == "" || f.providers[a.Provider] == nil {
			reply(http.StatusBadRequest, map[string]string{"detail": "invalid application"})
			return
		}
		if _, dup := f.apps[a.Slug]; dup {
			reply(http.StatusBadRequest, map[string]any{"slug": []string{"Application with this slug already exists."}})
			return
		}
		f.apps[a.Slug] = &a
		reply(http.StatusCreated, a)
	case strings.HasPrefix(p, "core/applications/"):
		slug := strings.TrimSuffix(strings.TrimPrefix(p, "core/applications/"), "/")
		a, ok := f.apps[slug]
		if !ok {
			reply(http.StatusNotFound, map[string]string{"detail": "Not found."})
			return
		}
		switch r.Method {
		case http.MethodGet:
			reply(http.StatusOK, a)
		case http.MethodPatch:
			var patch application
			_ = json.NewDecoder(r.Body).Decode(&patch)
			a.Name = patch.Name
			reply(http.StatusOK, a)
		case http.MethodDelete:
			delete(f.apps, slug)
			reply(http.StatusNoContent, nil)
		}
	default:
		reply(http.StatusNotFound, map[string]string{"detail": "Not found."})
	}
}

// patched is pr with the top-level fields of the PATCH body replaced.
func patched(pr *provider, body io.Reader) (*provider, error) {
	var patch map[string]json.RawMessage
	if err := json.NewDecoder(body).Decode(&patch); err != nil {
		return nil, err
	}
	b, err := json.Marshal(pr)
	if err != nil {
		return nil, err
	}
	var cur map[string]json.RawMessage
	if err := json.Unmarshal(b, &cur); err != nil {
		return nil, err
	}
	maps.Copy(cur, patch)
	if b, err = json.Marshal(cur); err != nil {
		return nil, err
	}
	n := &provider{}
	return n, json.Unmarshal(b, n)
}

func TestAuthentikContract(t *testing.T) {
	f := &fakeAuthentik{token: "api-token", providers: map[int]*provider{}, apps: map[string]*application{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx := context.Background()
	c, err := New(Config{URL: srv.URL, Token: "api-token", Slug: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if iss, _ := c.Issuer(ctx); iss != srv.URL+"/application/o/web/" {
		t.Fatalf("issuer %q", iss)
	}
	spec := oidc.Spec{ClientID: "apps-web", DisplayName: "Web", Slug: "web",
		RedirectURIs: []string{"https://web/cb"}, Scopes: []string{"openid", "profile"}}
	st, err := c.Create(ctx, spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if st.ClientID != "apps-web" || st.ClientSecret == "" || f.apps["web"] == nil || f.apps["web"].Provider != 1 {
		t.Fatalf("after Create: client %q secret set %v apps %v", st.ClientID, st.ClientSecret != "", f.apps)
	}
	obs, err := c.Get(ctx, oidc.State{ClientID: "apps-web"})
	if err != nil || !c.UpToDate(spec, obs) || obs.ClientSecret != st.ClientSecret {
		t.Fatalf("Get: %+v %v", obs, err)
	}

	spec.RedirectURIs = append(spec.RedirectURIs, "https://web/cb2")
	spec.Scopes = append(spec.Scopes, "email")
	spec.DisplayName = "Web 2"
	if c.UpToDate(spec, obs) {
		t.Fatal("change not detected")
	}
	if _, err := c.Update(ctx, spec, st); err != nil {
		t.Fatalf("Update: %v", err)
	}
	obs, _ = c.Get(ctx, st)
	if !c.UpToDate(spec, obs) || f.apps["web"].Name != "Web 2" {
		t.Fatalf("after Update: %+v app %+v", obs.Spec, f.apps["web"])
	}

	rot, err := c.RotateSecret(ctx, st)
	if err != nil || rot.ClientSecret == st.ClientSecret {
		t.Fatalf("RotateSecret: %v", err)
	}
	if obs, _ = c.Get(ctx, st); obs.ClientSecret != rot.ClientSecret {
		t.Fatal("rotated secret not stored")
	}

	if _, err := c.Update(ctx, oidc.Spec{RedirectURIs: []string{"x"}, PostLogoutRedirectURIs: []string{"y"}}, st); err == nil {
		t.Fatal("post-logout URIs accepted")
	}
	if _, err := c.Update(ctx, oidc.Spec{RedirectURIs: []string{"x"}, Scopes: []string{"nope"}}, st); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("unknown scope: %v", err)
	}

	if err := c.Delete(ctx, st); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if len(f.apps) != 0 || len(f.providers) != 0 {
		t.Fatalf("left behind: apps %v providers %v", f.apps, f.providers)
	}
	if _, err := c.Get(ctx, st); !errors.Is(err, oidc.ErrNotFound) {
		t.Fatalf("Get after delete: %v", err)
	}
	if err := c.Delete(ctx, st); err != nil {
		t.Fatalf("second Delete: %v", err)
	}

	bad, _ := New(Config{URL: srv.URL, Token: "wrong", Slug: "web"})
	if _, err := bad.Create(ctx, spec); !errors.Is(err, oidc.ErrAuth) {
		t.Fatalf("wrong token: %v", err)
	}
}

// A 401/403 from the API is a credentials error, never "gone": the
// controller registers a new client only on ErrNotFound (a 404 for the
// provider's pk, or no provider with the client_id).
func TestAuthentikUnauthorizedIsNotGone(t *testing.T) {
	f := &fakeAuthentik{token: "api-token", providers: map[int]*provider{}, apps: map[string]*application{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx := context.Background()
	c, _ := New(Config{URL: srv.URL, Token: "api-token", Slug: "web"})
	st, err := c.Create(ctx, oidc.Spec{ClientID: "tenant-a.web", Slug: "web", RedirectURIs: []string{"https://web/cb"}, Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.token = "rotated-by-the-admin"
	f.mu.Unlock()
	for _, s := range []oidc.State{st, {ClientID: st.ClientID}} {
		if _, err := c.Get(ctx, s); !errors.Is(err, oidc.ErrAuth) || errors.Is(err, oidc.ErrNotFound) {
			t.Fatalf("Get(%+v) with a revoked token: %v; want ErrAuth", s, err)
		}
	}
}
