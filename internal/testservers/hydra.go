package testservers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
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
		// LogIn plays the login and consent apps through the admin API:
		// Hydra only redirects to them, nothing is served there.
		"URLS_LOGIN=" + loginUI, "URLS_CONSENT=" + consentUI,
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

// The login and consent apps Hydra redirects a browser to; LogIn accepts
// the challenges itself.
const (
	loginUI   = "http://127.0.0.1:1/login"
	consentUI = "http://127.0.0.1:1/consent"
)

// A Login is an OpenID Connect authorization code flow as an app would run
// it: its client ID, secret and redirect URI, and the scopes it asks for.
type Login struct {
	ClientID, ClientSecret, RedirectURI string
	Scopes                              []string
}

// LogIn runs l's authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636)
// at Hydra as a browser and the app would: the authorization request,
// the user's login and consent (accepted through the admin API, as Hydra's
// login and consent apps would), the redirect to l.RedirectURI with a code,
// and the code's exchange for an ID token with the client's secret
// (client_secret_basic). It returns an error naming the step that Hydra
// refused and Hydra's reason.
func (h *Hydra) LogIn(ctx context.Context, l Login) error {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := randomHex(32)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {l.ClientID}, "redirect_uri": {l.RedirectURI},
		"scope": {strings.Join(l.Scopes, " ")}, "state": {randomHex(16)}, "nonce": {randomHex(16)},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	loc, err := h.redirect(ctx, browser, h.PublicURL+"/oauth2/auth?"+q.Encode(), loginUI, "login_challenge", "authorization request")
	if err != nil {
		return err
	}
	next, err := h.accept(ctx, "login", loc.Query().Get("login_challenge"), map[string]any{"subject": "e2e-user"})
	if err != nil {
		return err
	}
	if loc, err = h.redirect(ctx, browser, next, consentUI, "consent_challenge", "login"); err != nil {
		return err
	}
	next, err = h.accept(ctx, "consent", loc.Query().Get("consent_challenge"), map[string]any{"grant_scope": l.Scopes})
	if err != nil {
		return err
	}
	if loc, err = h.redirect(ctx, browser, next, l.RedirectURI, "code", "consent"); err != nil {
		return err
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {l.RedirectURI}, "code_verifier": {verifier}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.PublicURL+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(l.ClientID), url.QueryEscape(l.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("token request: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var tok struct {
		IDToken     string `json:"id_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		return fmt.Errorf("token request: %s: %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK || tok.IDToken == "" {
		return fmt.Errorf("token request refused: %s: %s %s", resp.Status, tok.Error, tok.Description)
	}
	return nil
}

// redirect GETs u and wants a redirect to a URL starting with want that
// carries the query parameter param; Hydra's own error redirect (error,
// error_description) is returned as the step's error.
func (h *Hydra) redirect(ctx context.Context, c *http.Client, u, want, param, step string) (*url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", step, err)
	}
	_ = resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("%s: %s without a redirect", step, resp.Status)
	}
	if e := loc.Query().Get("error"); e != "" {
		return nil, fmt.Errorf("%s refused: %s: %s %s", step, e, loc.Query().Get("error_description"), loc.Query().Get("error_hint"))
	}
	if !strings.HasPrefix(loc.String(), want) || loc.Query().Get(param) == "" {
		return nil, fmt.Errorf("%s: redirected to %s, want %s?%s=…", step, loc.Redacted(), want, param)
	}
	return loc, nil
}

// accept accepts a login or consent challenge through the admin API and
// returns where Hydra sends the browser next.
func (h *Hydra) accept(ctx context.Context, flow, challenge string, body map[string]any) (string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	u := h.AdminURL + "/admin/oauth2/auth/requests/" + flow + "/accept?" + flow + "_challenge=" + url.QueryEscape(challenge)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("accept %s: %w", flow, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("accept %s: %s", flow, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", fmt.Errorf("accept %s: %w", flow, err)
	}
	return out.RedirectTo, nil
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
