package rfc7591

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/homeplane/homeplane/internal/testservers"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

func TestHydra(t *testing.T) {
	h := testservers.StartHydra(t)
	ctx := context.Background()
	c, err := New(Config{IssuerURL: h.Issuer})
	if err != nil {
		t.Fatal(err)
	}
	iss, err := c.Issuer(ctx)
	if err != nil || iss != h.Issuer {
		t.Fatalf("Issuer = %q, %v; want %q", iss, err, h.Issuer)
	}

	spec := oidc.Spec{
		DisplayName:            "Web app",
		RedirectURIs:           []string{"https://app.example.org/callback"},
		PostLogoutRedirectURIs: []string{"https://app.example.org/"},
		GrantTypes:             []string{"authorization_code", "refresh_token", "client_credentials"},
		Scopes:                 []string{"openid", "profile", "email"},
	}
	st, err := c.Create(ctx, spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if st.ClientID == "" || st.ClientSecret == "" || st.RegistrationAccessToken == "" {
		t.Fatalf("Create returned incomplete state (id %q, secret set %v, token set %v)",
			st.ClientID, st.ClientSecret != "", st.RegistrationAccessToken != "")
	}
	if !h.TokenWorks(t, st.ClientID, st.ClientSecret, "profile") {
		t.Fatal("issued secret does not get a client_credentials token")
	}

	obs, err := c.Get(ctx, st)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !oidc.UpToDate(spec, obs.Spec) {
		t.Fatalf("read back %+v, want %+v", obs.Spec, spec)
	}
	if obs.ClientSecret != "" {
		t.Fatal("Hydra returned the secret on read; the keep-the-stored-secret path is untested")
	}

	// Update: new redirect URI; Hydra rotates the registration token.
	spec.RedirectURIs = append(spec.RedirectURIs, "https://app.example.org/callback2")
	spec.DisplayName = "Web app 2"
	st2, err := c.Update(ctx, spec, st)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if st2.RegistrationAccessToken == st.RegistrationAccessToken {
		t.Fatal("registration access token not rotated by Update")
	}
	if st2.ClientSecret != st.ClientSecret {
		t.Fatal("Update lost or changed the stored secret")
	}
	// The old token (an Update whose answer was lost) is rejected with 401,
	// as a deleted client would be: not proof that the client is gone.
	if _, err := c.Get(ctx, st); !errors.Is(err, oidc.ErrTokenRejected) || errors.Is(err, oidc.ErrNotFound) {
		t.Fatalf("Get with the rotated-away token: got %v, want ErrTokenRejected", err)
	}
	if _, err := c.Update(ctx, spec, st); !errors.Is(err, oidc.ErrTokenRejected) {
		t.Fatalf("Update with the rotated-away token: got %v, want ErrTokenRejected", err)
	}
	// The admin API confirms the client still exists.
	admin, err := New(Config{IssuerURL: h.Issuer, AdminURL: h.AdminURL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Get(ctx, st); !errors.Is(err, oidc.ErrTokenRejected) || !strings.Contains(err.Error(), "admin API still has client") {
		t.Fatalf("Get with the rotated-away token, admin API set: got %v, want ErrTokenRejected (still exists)", err)
	}
	obs, err = c.Get(ctx, st2)
	if err != nil || !oidc.UpToDate(spec, obs.Spec) {
		t.Fatalf("after Update: %+v, %v", obs, err)
	}
	if !h.TokenWorks(t, st2.ClientID, st2.ClientSecret, "profile") {
		t.Fatal("secret stopped working after Update")
	}
	if _, err := c.RotateSecret(ctx, st2); !errors.Is(err, oidc.ErrRotateUnsupported) {
		t.Fatalf("RotateSecret: %v", err)
	}

	// Public client: no secret.
	pub, err := c.Create(ctx, oidc.Spec{RedirectURIs: []string{"https://spa.example.org/cb"},
		GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"}, Public: true})
	if err != nil {
		t.Fatalf("Create public: %v", err)
	}
	if pub.ClientSecret != "" {
		t.Fatal("public client got a secret")
	}
	if obs, err := c.Get(ctx, pub); err != nil || !obs.Spec.Public {
		t.Fatalf("public client read back: %+v %v", obs, err)
	}

	if err := c.Delete(ctx, st2); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	// Deleted: RFC 7592 answers 401 again; only the admin API's 404 proves it.
	if _, err := c.Get(ctx, st2); !errors.Is(err, oidc.ErrTokenRejected) || errors.Is(err, oidc.ErrNotFound) {
		t.Fatalf("Get after Delete: got %v, want ErrTokenRejected", err)
	}
	if _, err := admin.Get(ctx, st2); !errors.Is(err, oidc.ErrNotFound) {
		t.Fatalf("Get after Delete, admin API set: got %v, want ErrNotFound", err)
	}
	// An admin API that cannot be reached proves nothing either.
	down, err := New(Config{IssuerURL: h.Issuer, AdminURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := down.Get(ctx, st2); !errors.Is(err, oidc.ErrTokenRejected) || errors.Is(err, oidc.ErrNotFound) {
		t.Fatalf("Get after Delete, admin API down: got %v, want ErrTokenRejected", err)
	}
	if h.TokenWorks(t, st2.ClientID, st2.ClientSecret, "profile") {
		t.Fatal("deleted client still gets tokens")
	}
	// A second delete cannot tell a deleted client from a lost token either:
	// without the admin API it is refused, so no client is left behind
	// silently; with it, the client's absence is confirmed.
	if err := c.Delete(ctx, st2); !errors.Is(err, oidc.ErrTokenRejected) {
		t.Fatalf("second Delete: got %v, want ErrTokenRejected", err)
	}
	if err := admin.Delete(ctx, st2); err != nil {
		t.Fatalf("second Delete, admin API set: %v", err)
	}
	if err := down.Delete(ctx, st2); !errors.Is(err, oidc.ErrTokenRejected) {
		t.Fatalf("second Delete, admin API down: got %v, want ErrTokenRejected", err)
	}
}

// Client type changes and default scopes, as Ory Hydra v2.3.0 does them.
func TestHydraClientTypeAndScopes(t *testing.T) {
	h := testservers.StartHydra(t)
	ctx := context.Background()
	c, err := New(Config{IssuerURL: h.Issuer})
	if err != nil {
		t.Fatal(err)
	}
	grants := []string{"authorization_code", "refresh_token", "client_credentials"}
	spec := oidc.Spec{RedirectURIs: []string{"https://app.example.org/cb"}, GrantTypes: grants,
		Scopes: []string{"openid", "profile"}, Public: true}

	// Public to confidential: Hydra would switch and issue no secret, so
	// the provider refuses and the client stays public.
	pub, err := c.Create(ctx, spec)
	if err != nil || pub.ClientSecret != "" {
		t.Fatalf("Create public: secret set %v, %v", pub.ClientSecret != "", err)
	}
	spec.Public = false
	if _, err := c.Update(ctx, spec, pub); !errors.Is(err, oidc.ErrNoSecretToConfidential) {
		t.Fatalf("public to confidential: got %v, want ErrNoSecretToConfidential", err)
	}
	if obs, err := c.Get(ctx, pub); err != nil || !obs.Spec.Public {
		t.Fatalf("after the refusal: %+v, %v; want still public", obs, err)
	}

	// Confidential to public: the old secret is no longer published.
	conf, err := c.Create(ctx, spec)
	if err != nil || conf.ClientSecret == "" {
		t.Fatalf("Create confidential: %v", err)
	}
	// A confidential client whose stored secret was lost still updates.
	lost := conf
	lost.ClientSecret = ""
	spec.DisplayName = "lost secret"
	if lost, err = c.Update(ctx, spec, lost); err != nil {
		t.Fatalf("Update of a confidential client without its stored secret: %v", err)
	}
	spec.Public = true
	pub2, err := c.Update(ctx, spec, lost)
	if err != nil || pub2.ClientSecret != "" {
		t.Fatalf("confidential to public: secret kept %v, %v", pub2.ClientSecret != "", err)
	}
	if h.TokenWorks(t, conf.ClientID, conf.ClientSecret, "profile") {
		t.Fatal("the old secret still gets a token from the public client")
	}

	// No scopes asked: Hydra's default is up to date, not a perpetual update.
	bare := oidc.Spec{RedirectURIs: []string{"https://app.example.org/cb"}, GrantTypes: grants}
	st, err := c.Create(ctx, bare)
	if err != nil {
		t.Fatalf("Create without scopes: %v", err)
	}
	obs, err := c.Get(ctx, st)
	if err != nil || len(obs.Spec.Scopes) == 0 || !c.UpToDate(bare, obs) {
		t.Fatalf("without scopes: read %v, %v; want Hydra's default, up to date", obs.Spec.Scopes, err)
	}
}

// token_endpoint_auth_method is registered, enforced by Hydra, and a change
// is detected and applied.
func TestHydraTokenEndpointAuthMethod(t *testing.T) {
	h := testservers.StartHydra(t)
	ctx := context.Background()
	c, err := New(Config{IssuerURL: h.Issuer})
	if err != nil {
		t.Fatal(err)
	}
	spec := oidc.Spec{RedirectURIs: []string{"https://app.example.org/cb"},
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"profile"},
		TokenEndpointAuthMethod: "client_secret_post"}
	st, err := c.Create(ctx, spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if !h.TokenWorksPost(t, st.ClientID, st.ClientSecret, "profile") || h.TokenWorks(t, st.ClientID, st.ClientSecret, "profile") {
		t.Fatal("client_secret_post client: want a token with the secret in the form only")
	}
	obs, err := c.Get(ctx, st)
	if err != nil || !c.UpToDate(spec, obs) {
		t.Fatalf("read back %+v, %v; want up to date", obs, err)
	}
	spec.TokenEndpointAuthMethod = "" // the default, client_secret_basic
	if c.UpToDate(spec, obs) {
		t.Fatal("a change to client_secret_basic is not detected")
	}
	if st, err = c.Update(ctx, spec, st); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if !h.TokenWorks(t, st.ClientID, st.ClientSecret, "profile") {
		t.Fatal("after the update the secret in a Basic header gets no token")
	}
	if obs, err = c.Get(ctx, st); err != nil || !c.UpToDate(spec, obs) {
		t.Fatalf("after Update: %+v, %v", obs, err)
	}
}
