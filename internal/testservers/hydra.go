package testservers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Hydra is a running Ory Hydra.
type Hydra struct {
	Issuer, PublicURL, AdminURL string
}

// Hydra runs bin as `hydra serve all --dev` with an in-memory database and
// dynamic client registration enabled, and waits up to 30 s until it serves
// its discovery document.
func (g *Group) Hydra(ctx context.Context, bin string) (*Hydra, error) {
	ports, err := FreePorts(2)
	if err != nil {
		return nil, err
	}
	h := &Hydra{
		PublicURL: fmt.Sprintf("http://127.0.0.1:%d", ports[0]),
		AdminURL:  fmt.Sprintf("http://127.0.0.1:%d", ports[1]),
	}
	h.Issuer = h.PublicURL + "/"
	p, err := g.Run("hydra", []string{
		"DSN=memory",
		"URLS_SELF_ISSUER=" + h.Issuer,
		"SECRETS_SYSTEM=" + randomHex(24),
		"SERVE_PUBLIC_PORT=" + strconv.Itoa(ports[0]), "SERVE_PUBLIC_HOST=127.0.0.1",
		"SERVE_ADMIN_PORT=" + strconv.Itoa(ports[1]), "SERVE_ADMIN_HOST=127.0.0.1",
		"OIDC_DYNAMIC_CLIENT_REGISTRATION_ENABLED=true",
		// Hydra announces registration_endpoint in discovery only when told.
		"WEBFINGER_OIDC_DISCOVERY_CLIENT_REGISTRATION_URL=" + h.PublicURL + "/oauth2/register",
		"LOG_LEVEL=warn",
	}, bin, "serve", "all", "--dev")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.waitHTTP(ctx, http.DefaultClient, h.PublicURL+"/.well-known/openid-configuration", ""); err != nil {
		return nil, err
	}
	return h, nil
}

// TokenWorks reports whether Hydra grants a client_credentials token to the
// client with this secret in an HTTP Basic header (for scopes, when given);
// t fails when Hydra cannot be asked.
func (h *Hydra) TokenWorks(t testing.TB, id, secret string, scopes ...string) bool {
	t.Helper()
	return h.token(t, false, id, secret, scopes)
}

// TokenWorksPost is TokenWorks with the secret in the form
// (client_secret_post).
func (h *Hydra) TokenWorksPost(t testing.TB, id, secret string, scopes ...string) bool {
	t.Helper()
	return h.token(t, true, id, secret, scopes)
}

func (h *Hydra) token(t testing.TB, post bool, id, secret string, scopes []string) bool {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if post {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	req, err := http.NewRequest(http.MethodPost, h.PublicURL+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("cannot ask Hydra for a token: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if !post {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("cannot ask Hydra for a token: %v", err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Client returns Hydra's view of an OAuth2 client through its admin API
// (nil when it does not exist).
func (h *Hydra) Client(ctx context.Context, id string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.AdminURL+"/admin/clients/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, fmt.Errorf("cannot ask Hydra for client %s: %w", id, err)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot ask Hydra for client %s: %w", id, err)
	}
	defer func() { _ = r.Body.Close() }()
	if r.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if r.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET client %s: %s", id, r.Status)
	}
	out := map[string]any{}
	if err := json.NewDecoder(r.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("cannot decode client %s: %w", id, err)
	}
	return out, nil
}
