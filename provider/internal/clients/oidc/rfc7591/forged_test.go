package rfc7591

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/homeplane/homeplane/internal/testservers"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

// The registration_client_uri a state carries comes from the connection
// Secret, which the tenant can write: it is never used. A tenant that points
// it at Hydra's admin API (which needs no token) with another tenant's
// client ID and a made-up token reads, changes and deletes nothing.
func TestForgedRegistrationClientURIAgainstHydra(t *testing.T) {
	h := testservers.StartHydra(t)
	ctx := context.Background()
	c, err := New(Config{IssuerURL: h.Issuer, AdminURL: h.AdminURL})
	if err != nil {
		t.Fatal(err)
	}
	spec := oidc.Spec{RedirectURIs: []string{"https://a.example.org/cb"}, GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"}}
	victim, err := c.Create(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSuffix(d.RegistrationEndpoint, "/") + "/" + victim.ClientID; victim.RegistrationClientURI != want {
		t.Fatalf("RegistrationClientURI after Create = %q, want %q", victim.RegistrationClientURI, want)
	}

	forged := oidc.State{ClientID: victim.ClientID, RegistrationAccessToken: "anything",
		RegistrationClientURI: h.AdminURL + "/admin/clients/" + victim.ClientID}
	if obs, err := c.Get(ctx, forged); err == nil || !errors.Is(err, oidc.ErrTokenRejected) {
		t.Fatalf("Get with a forged registration_client_uri: %+v %v; want ErrTokenRejected", obs, err)
	}
	evil := spec
	evil.RedirectURIs = []string{"https://attacker.example/cb"}
	if _, err := c.Update(ctx, evil, forged); !errors.Is(err, oidc.ErrTokenRejected) {
		t.Fatalf("Update with a forged registration_client_uri: %v; want ErrTokenRejected", err)
	}
	if err := c.Delete(ctx, forged); !errors.Is(err, oidc.ErrTokenRejected) {
		t.Fatalf("Delete with a forged registration_client_uri: %v; want ErrTokenRejected", err)
	}
	got, err := h.Client(ctx, victim.ClientID)
	if err != nil || got == nil {
		t.Fatalf("victim's client: %v %v", got, err)
	}
	if uris, _ := got["redirect_uris"].([]any); len(uris) != 1 || uris[0] != "https://a.example.org/cb" {
		t.Fatalf("victim's redirect_uris now %v", got["redirect_uris"])
	}

	// The owner's own state works whatever URI it carries, and reads
	// report the derived one.
	own := victim
	own.RegistrationClientURI = h.AdminURL + "/admin/clients/" + victim.ClientID
	obs, err := c.Get(ctx, own)
	if err != nil || !obs.ReadWithClientToken || obs.RegistrationClientURI != victim.RegistrationClientURI {
		t.Fatalf("Get with the client's own token: %+v %v", obs, err)
	}
}

// A Get or Update answered with another client than the one asked for is
// no proof of holding that client.
func TestAnswerForAnotherClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/.well-known/openid-configuration" {
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": "http://" + r.Host, "registration_endpoint": "http://" + r.Host + "/register"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"client_id": "someone-else", "redirect_uris": []string{"https://x/cb"}})
	}))
	defer srv.Close()
	c, _ := New(Config{IssuerURL: srv.URL})
	st := oidc.State{ClientID: "mine", RegistrationAccessToken: "tok"}
	if obs, err := c.Get(context.Background(), st); !errors.Is(err, oidc.ErrWrongClient) {
		t.Fatalf("Get answered for another client: %+v %v; want ErrWrongClient", obs, err)
	}
	if _, err := c.Update(context.Background(), oidc.Spec{RedirectURIs: []string{"https://x/cb"}, Public: true}, st); !errors.Is(err, oidc.ErrWrongClient) {
		t.Fatalf("Update answered for another client: %v; want ErrWrongClient", err)
	}
}

// An error response goes into conditions and events, which the tenant
// reads: only a short excerpt, with no secret or token in it.
func TestErrorBodyIsShortAndRedacted(t *testing.T) {
	const iat = "initial-access-token-XYZ"
	huge := strings.Repeat("A", 1<<20)
	var reqs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs = append(reqs, r.Method+" "+r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": "http://" + r.Host, "registration_endpoint": "http://" + r.Host + "/register"})
		case "/register":
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": "invalid_client_metadata", "error_description": "bad redirect_uri",
				"client_secret": "SECRET-1", "registration_access_token": "TOKEN-1", "debug": map[string]any{"password": "PW-1", "blob": strings.Repeat("B", 5000)}})
		default:
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("upstream said: Bearer tok-ABC " + iat + " " + huge))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	c, _ := New(Config{IssuerURL: srv.URL, InitialAccessToken: iat})
	_, err := c.Create(ctx, oidc.Spec{RedirectURIs: []string{"https://x/cb"}})
	if err == nil {
		t.Fatal("Create succeeded")
	}
	_, err2 := c.Get(ctx, oidc.State{ClientID: "c1", RegistrationAccessToken: "tok-ABC"})
	if err2 == nil {
		t.Fatal("Get succeeded")
	}
	for _, e := range []error{err, err2} {
		msg := e.Error()
		if len(msg) > 2*oidc.MaxErrorBody+200 {
			t.Fatalf("error is %d bytes long", len(msg))
		}
		for _, s := range []string{"SECRET-1", "TOKEN-1", "PW-1", "tok-ABC", iat} {
			if strings.Contains(msg, s) {
				t.Fatalf("error echoes %q: %s", s, msg)
			}
		}
	}
	if !strings.Contains(err.Error(), "invalid_client_metadata") || !strings.Contains(err.Error(), "bad redirect_uri") {
		t.Fatalf("error lost the server's reason: %v", err)
	}
	if !slices.Contains(reqs, "GET /register/c1") {
		t.Fatalf("requests %v", reqs)
	}
}
