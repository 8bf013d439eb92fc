package keycloak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

// fakeKeycloak follows the Keycloak admin REST API contract
// (https://www.keycloak.org/docs-api/latest/rest-api/) for the endpoints
// the client uses. It is not Keycloak: no Keycloak can run on CI machines.
type fakeKeycloak struct {
	t        *testing.T
	mu       sync.Mutex
	realm    string
	secret   string
	user     string
	clients  map[string]*representation // by UUID
	secrets  map[string]string
	scopes   []scope
	defaults map[string][]string // client UUID -> scope ids
	optional map[string][]string
	next     int
	requests []string
	// revoked makes the admin API answer 401 to every token.
	revoked bool
}

func newFake(t *testing.T) (*fakeKeycloak, *httptest.Server) {
	f := &fakeKeycloak{t: t, realm: "home", secret: "admin-secret", user: "admin",
		clients: map[string]*representation{}, secrets: map[string]string{},
		defaults: map[string][]string{}, optional: map[string][]string{},
		scopes: []scope{{"s-profile", "profile"}, {"s-email", "email"}, {"s-roles", "roles"}, {"s-offline", "offline_access"}}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeKeycloak) scopeNames(ids []string) []scope {
	var out []scope
	for _, id := range ids {
		for _, s := range f.scopes {
			if s.ID == id {
				out = append(out, s)
			}
		}
	}
	return out
}

func (f *fakeKeycloak) scopeIDs(names []string) []string {
	var out []string
	for _, n := range names {
		for _, s := range f.scopes {
			if s.Name == n {
				out = append(out, s.ID)
			}
		}
	}
	return out
}

func (f *fakeKeycloak) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
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
	if r.URL.Path == "/realms/master/protocol/openid-connect/token" {
		_ = r.ParseForm()
		ok := r.Form.Get("client_id") == "admin-cli" &&
			((r.Form.Get("grant_type") == "password" && r.Form.Get("username") == f.user && r.Form.Get("password") == f.secret) ||
				(r.Form.Get("grant_type") == "client_credentials" && r.Form.Get("client_secret") == f.secret))
		if !ok {
			reply(http.StatusUnauthorized, map[string]string{"error": "invalid_grant"})
			return
		}
		reply(http.StatusOK, map[string]any{"access_token": "tok", "expires_in": 60, "token_type": "Bearer"})
		return
	}
	if r.Header.Get("Authorization") != "Bearer tok" || f.revoked {
		reply(http.StatusUnauthorized, nil)
		return
	}
	prefix := "/admin/realms/" + f.realm + "/"
	if !strings.HasPrefix(r.URL.Path, prefix) {
		reply(http.StatusNotFound, nil)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, prefix), "/")
	switch {
	case len(parts) == 1 && parts[0] == "client-scopes" && r.Method == http.MethodGet:
		reply(http.StatusOK, f.scopes)
	case len(parts) == 1 && parts[0] == "clients" && r.Method == http.MethodGet:
		out := []representation{}
		for _, c := range f.clients {
			if q := r.URL.Query().Get("clientId"); q == "" || q == c.ClientID {
				out = append(out, *c)
			}
		}
		reply(http.StatusOK, out)
	case len(parts) == 1 && parts[0] == "clients" && r.Method == http.MethodPost:
		var c representation
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil || c.ClientID == "" {
			reply(http.StatusBadRequest, nil)
			return
		}
		for _, o := range f.clients {
			if o.ClientID == c.ClientID {
				reply(http.StatusConflict, map[string]string{"errorMessage": "Client " + c.ClientID + " already exists"})
				return
			}
		}
		f.next++
		c.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", f.next)
		f.defaults[c.ID] = f.scopeIDs(c.DefaultClientScopes)
		f.optional[c.ID] = f.scopeIDs(c.OptionalClientScopes)
		c.DefaultClientScopes, c.OptionalClientScopes = nil, nil
		f.clients[c.ID] = &c
		if !c.PublicClient {
			f.secrets[c.ID] = fmt.Sprintf("secret-%d", f.next)
		}
		w.Header().Set("Location", "http://"+r.Host+r.URL.Path+"/"+c.ID)
		reply(http.StatusCreated, nil)
	case len(parts) >= 2 && parts[0] == "clients":
		c, ok := f.clients[parts[1]]
		if !ok {
			reply(http.StatusNotFound, map[string]string{"error": "Could not find client"})
			return
		}
		switch {
		case len(parts) == 2 && r.Method == http.MethodGet:
			reply(http.StatusOK, c)
		case len(parts) == 2 && r.Method == http.MethodPut:
			var n representation
			if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
				reply(http.StatusBadRequest, nil)
				return
			}
			// Keycloak ignores scope lists on PUT; only their endpoints change them.
			n.ID, n.DefaultClientScopes, n.OptionalClientScopes = c.ID, nil, nil
			f.clients[c.ID] = &n
			reply(http.StatusNoContent, nil)
		case len(parts) == 2 && r.Method == http.MethodDelete:
			delete(f.clients, c.ID)
			reply(http.StatusNoContent, nil)
		case len(parts) == 3 && parts[2] == "client-secret" && r.Method == http.MethodGet:
			reply(http.StatusOK, map[string]string{"type": "secret", "value": f.secrets[c.ID]})
		case len(parts) == 3 && parts[2] == "client-secret" && r.Method == http.MethodPost:
			f.next++
			f.secrets[c.ID] = fmt.Sprintf("rotated-%d", f.next)
			reply(http.StatusOK, map[string]string{"type": "secret", "value": f.secrets[c.ID]})
		case len(parts) >= 3 && (parts[2] == "default-client-scopes" || parts[2] == "optional-client-scopes"):
			m := f.defaults
			if parts[2] == "optional-client-scopes" {
				m = f.optional
			}
			switch {
			case len(parts) == 3 && r.Method == http.MethodGet:
				reply(http.StatusOK, f.scopeNames(m[c.ID]))
			case len(parts) == 4 && r.Method == http.MethodPut:
				m[c.ID] = append(m[c.ID], parts[3])
				reply(http.StatusNoContent, nil)
			case len(parts) == 4 && r.Method == http.MethodDelete:
				var keep []string
				for _, id := range m[c.ID] {
					if id != parts[3] {
						keep = append(keep, id)
					}
				}
				m[c.ID] = keep
				reply(http.StatusNoContent, nil)
			default:
				reply(http.StatusMethodNotAllowed, nil)
			}
		default:
			reply(http.StatusMethodNotAllowed, nil)
		}
	default:
		reply(http.StatusNotFound, nil)
	}
}

func TestKeycloakContract(t *testing.T) {
	f, srv := newFake(t)
	ctx := context.Background()
	c, err := New(Config{URL: srv.URL, Realm: "home", AuthRealm: "master", Username: "admin", Secret: f.secret})
	if err != nil {
		t.Fatal(err)
	}
	spec := oidc.Spec{
		ClientID: "apps-web", DisplayName: "Web",
		RedirectURIs:           []string{"https://web.example.org/cb"},
		PostLogoutRedirectURIs: []string{"https://web.example.org/", "https://web.example.org/bye"},
		GrantTypes:             []string{"authorization_code", "refresh_token"},
		Scopes:                 []string{"openid", "profile", "email"},
		PKCE:                   true,
	}
	st, err := c.Create(ctx, spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if st.ID != "00000000-0000-4000-8000-000000000001" || st.ClientSecret != "secret-1" || st.ClientID != "apps-web" {
		t.Fatalf("state after Create: id %q client %q secret set %v", st.ID, st.ClientID, st.ClientSecret != "")
	}
	// Lookup by clientId alone, as after adoption.
	obs, err := c.Get(ctx, oidc.State{ClientID: "apps-web"})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !c.UpToDate(spec, obs) {
		t.Fatalf("not up to date after create: %+v", obs.Spec)
	}
	if obs.ClientSecret != "secret-1" || obs.ID != "00000000-0000-4000-8000-000000000001" {
		t.Fatal("Get did not return the secret via the client-secret endpoint")
	}

	// Change redirect URIs and scopes.
	spec.RedirectURIs = []string{"https://web.example.org/cb2"}
	spec.Scopes = []string{"openid", "profile", "roles"}
	spec.OptionalClientScopes = []string{"offline_access"}
	obs, _ = c.Get(ctx, st)
	if c.UpToDate(spec, obs) {
		t.Fatal("change not detected")
	}
	if st, err = c.Update(ctx, spec, st); err != nil {
		t.Fatalf("Update: %v", err)
	}
	obs, err = c.Get(ctx, st)
	if err != nil || !c.UpToDate(spec, obs) {
		t.Fatalf("after Update: %+v %v", obs, err)
	}
	if !oidc.SameSet(obs.Spec.DefaultClientScopes, []string{"profile", "roles"}) {
		t.Fatalf("default scopes = %v", obs.Spec.DefaultClientScopes)
	}

	spec.Scopes = []string{"openid", "nope"}
	if _, err := c.Update(ctx, spec, st); err == nil || !strings.Contains(err.Error(), `no client scope "nope"`) {
		t.Fatalf("unknown scope: %v", err)
	}

	rot, err := c.RotateSecret(ctx, st)
	if err != nil || rot.ClientSecret == "" || rot.ClientSecret == st.ClientSecret {
		t.Fatalf("RotateSecret: changed=%v %v", rot.ClientSecret != st.ClientSecret, err)
	}
	if obs, _ = c.Get(ctx, st); obs.ClientSecret != rot.ClientSecret {
		t.Fatal("rotated secret not read back")
	}

	if err := c.Delete(ctx, st); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := c.Get(ctx, st); !errors.Is(err, oidc.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if err := c.Delete(ctx, st); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}

func TestKeycloakPublicClientAndCredentials(t *testing.T) {
	f, srv := newFake(t)
	ctx := context.Background()
	c, _ := New(Config{URL: srv.URL, Realm: "home", AuthRealm: "master", Secret: f.secret})
	st, err := c.Create(ctx, oidc.Spec{ClientID: "spa", RedirectURIs: []string{"https://spa/cb"},
		GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"}, Public: true})
	if err != nil {
		t.Fatalf("Create public with client_credentials admin grant: %v", err)
	}
	if st.ClientSecret != "" {
		t.Fatal("public client got a secret")
	}
	for _, r := range f.requests {
		if strings.HasSuffix(r, "/client-secret") {
			t.Fatalf("secret endpoint called for a public client: %s", r)
		}
	}
	bad, _ := New(Config{URL: srv.URL, Realm: "home", AuthRealm: "master", Secret: "wrong"})
	if _, err := bad.Get(ctx, st); !errors.Is(err, oidc.ErrAuth) {
		t.Fatalf("wrong admin secret: got %v, want ErrAuth", err)
	}
}

// The ownership marker lives in a client attribute: written on create and
// update, read back, and a client without it (made before markers, or by
// hand) is out of date until the update writes it.
func TestKeycloakOwnerAttribute(t *testing.T) {
	f, srv := newFake(t)
	ctx := context.Background()
	c, _ := New(Config{URL: srv.URL, Realm: "home", AuthRealm: "master", Username: "admin", Secret: f.secret})
	owner := oidc.OwnerMarker("homeplane", "tenant-a", "web")
	spec := oidc.Spec{ClientID: "tenant-a.web", RedirectURIs: []string{"https://web/cb"},
		GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"}, Owner: owner}
	st, err := c.Create(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.clients[st.ID].Attributes[AttrOwner]; got != owner {
		t.Fatalf("attribute %s = %q after Create", AttrOwner, got)
	}
	obs, err := c.Get(ctx, oidc.State{ClientID: "tenant-a.web"})
	if err != nil || obs.Spec.Owner != owner || !c.UpToDate(spec, obs) {
		t.Fatalf("Get: owner %q up to date %v, %v", obs.Spec.Owner, c.UpToDate(spec, obs), err)
	}
	delete(f.clients[st.ID].Attributes, AttrOwner) // as made before markers
	obs, _ = c.Get(ctx, st)
	if obs.Spec.Owner != "" || c.UpToDate(spec, obs) {
		t.Fatalf("unmarked client: owner %q, up to date %v", obs.Spec.Owner, c.UpToDate(spec, obs))
	}
	if _, err := c.Update(ctx, spec, st); err != nil {
		t.Fatal(err)
	}
	if obs, _ = c.Get(ctx, st); obs.Spec.Owner != owner || !c.UpToDate(spec, obs) {
		t.Fatalf("after Update: owner %q", obs.Spec.Owner)
	}
}

// The admin API answering 401 is a credentials problem, never "gone": no
// client is registered anew on it.
func TestKeycloakUnauthorizedIsNotGone(t *testing.T) {
	f, srv := newFake(t)
	ctx := context.Background()
	c, _ := New(Config{URL: srv.URL, Realm: "home", AuthRealm: "master", Username: "admin", Secret: f.secret})
	st, err := c.Create(ctx, oidc.Spec{ClientID: "x", RedirectURIs: []string{"https://x/cb"}, GrantTypes: []string{"authorization_code"}})
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.secret, f.revoked = "changed-by-the-admin", true
	f.mu.Unlock()
	if _, err := c.Get(ctx, st); !errors.Is(err, oidc.ErrAuth) || errors.Is(err, oidc.ErrNotFound) {
		t.Fatalf("Get with a revoked admin credential: %v; want ErrAuth", err)
	}
}
