// Package keycloak manages OpenID Connect clients through the Keycloak admin
// REST API (/admin/realms/{realm}/clients). Tested against an HTTP server that
// follows Keycloak's published API contract; no Keycloak runs in CI.
package keycloak

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

const (
	errToken   = "cannot get a keycloak admin token from realm %s"
	errRequest = "keycloak %s %s"
	errStatus  = "keycloak %s %s: HTTP %d: %s"
	errNoScope = "keycloak realm %s has no client scope %q"

	attrPostLogout = "post.logout.redirect.uris"
	attrPKCE       = "pkce.code.challenge.method"
	attrRefresh    = "use.refresh.tokens"
	// AttrOwner is the client attribute holding the ownership marker
	// (oidc.OwnerMarker).
	AttrOwner = "homeplane.dev/owner"
)

// Config of a client.
type Config struct {
	URL, Realm string
	// AuthRealm for the admin token; Realm when empty.
	AuthRealm string
	// ClientID for the token request; admin-cli when empty.
	ClientID string
	// Username selects the password grant; else client_credentials.
	Username string
	// Secret is the password or the client secret.
	Secret string
	HTTP   *http.Client
}

// Client talks to one Keycloak realm.
type Client struct {
	cfg Config

	mu      sync.Mutex
	token   string
	expires time.Time
}

var _ oidc.Client = &Client{}

// New returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" || cfg.Realm == "" {
		return nil, errors.New("keycloak URL and realm are required")
	}
	if cfg.AuthRealm == "" {
		cfg.AuthRealm = cfg.Realm
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "admin-cli"
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	cfg.URL = strings.TrimSuffix(cfg.URL, "/")
	return &Client{cfg: cfg}, nil
}

// representation is Keycloak's ClientRepresentation, the fields we use.
type representation struct {
	ID                        string            `json:"id,omitempty"`
	ClientID                  string            `json:"clientId"`
	Name                      string            `json:"name,omitempty"`
	Protocol                  string            `json:"protocol,omitempty"`
	Enabled                   bool              `json:"enabled"`
	PublicClient              bool              `json:"publicClient"`
	StandardFlowEnabled       bool              `json:"standardFlowEnabled"`
	ImplicitFlowEnabled       bool              `json:"implicitFlowEnabled"`
	DirectAccessGrantsEnabled bool              `json:"directAccessGrantsEnabled"`
	ServiceAccountsEnabled    bool              `json:"serviceAccountsEnabled"`
	RedirectURIs              []string          `json:"redirectUris"`
	Attributes                map[string]string `json:"attributes,omitempty"`
	DefaultClientScopes       []string          `json:"defaultClientScopes,omitempty"`
	OptionalClientScopes      []string          `json:"optionalClientScopes,omitempty"`
}

type scope struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// admin is the admin API URL of the path segments p, each escaped: an ID
// with "/" or ".." in it stays one segment.
func (c *Client) admin(p ...string) string {
	var b strings.Builder
	b.WriteString(c.cfg.URL + "/admin/realms/" + url.PathEscape(c.cfg.Realm))
	for _, s := range p {
		b.WriteString("/" + url.PathEscape(s))
	}
	return b.String()
}

// uuidRE is the form of Keycloak's internal client IDs.
var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ValidID reports whether id has the form of a Keycloak internal client ID
// (a UUID).
func ValidID(id string) bool { return uuidRE.MatchString(id) }

func (c *Client) getToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && time.Now().Before(c.expires) {
		return c.token, nil
	}
	form := url.Values{"client_id": {c.cfg.ClientID}}
	if c.cfg.Username != "" {
		form.Set("grant_type", "password")
		form.Set("username", c.cfg.Username)
		form.Set("password", c.cfg.Secret)
	} else {
		form.Set("grant_type", "client_credentials")
		form.Set("client_secret", c.cfg.Secret)
	}
	u := c.cfg.URL + "/realms/" + url.PathEscape(c.cfg.AuthRealm) + "/protocol/openid-connect/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf(errToken+": %w", c.cfg.AuthRealm, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return "", fmt.Errorf(errToken+": %w", c.cfg.AuthRealm, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%w: "+errToken+": HTTP %d", oidc.ErrAuth, c.cfg.AuthRealm, resp.StatusCode)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf(errToken+": no access_token in response", c.cfg.AuthRealm)
	}
	c.token = tok.AccessToken
	// Renew a little early so a request never carries an expired token.
	c.expires = time.Now().Add(time.Duration(max(tok.ExpiresIn-10, 5)) * time.Second)
	return c.token, nil
}

// do returns the HTTP status and the Location header.
func (c *Client) do(ctx context.Context, method, u string, body, out any) (int, string, error) {
	tok, err := c.getToken(ctx)
	if err != nil {
		return 0, "", err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, "", err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, "", fmt.Errorf(errRequest+": %w", method, u, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf(errRequest+": %w", method, u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<22))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		c.mu.Lock()
		c.token = ""
		c.mu.Unlock()
		return resp.StatusCode, "", fmt.Errorf("%w: "+errStatus, oidc.ErrAuth, method, u, resp.StatusCode, "")
	case resp.StatusCode >= 300:
		return resp.StatusCode, "", fmt.Errorf(errStatus, method, u, resp.StatusCode, oidc.ErrorBody(b, tok, c.cfg.Secret))
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, "", fmt.Errorf(errRequest+": decoding response: %w", method, u, err)
		}
	}
	return resp.StatusCode, resp.Header.Get("Location"), nil
}

// Issuer is the realm's issuer.
func (c *Client) Issuer(context.Context) (string, error) {
	return c.cfg.URL + "/realms/" + url.PathEscape(c.cfg.Realm), nil
}

// find reads st's client: by its internal ID when st has a well-formed one
// and the client there has st's client ID, else by client ID. The internal
// ID is only a shortcut: a client with another client ID is never taken
// for st's.
func (c *Client) find(ctx context.Context, st oidc.State) (*representation, error) {
	if ValidID(st.ID) {
		var r representation
		code, _, err := c.do(ctx, http.MethodGet, c.admin("clients", st.ID), nil, &r)
		switch {
		case code == http.StatusNotFound:
		case err != nil:
			return nil, err
		case r.ClientID == st.ClientID && r.ID == st.ID:
			return &r, nil
		}
	}
	var list []representation
	u := c.admin("clients") + "?" + url.Values{"clientId": {st.ClientID}}.Encode()
	if _, _, err := c.do(ctx, http.MethodGet, u, nil, &list); err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ClientID == st.ClientID {
			return &list[i], nil
		}
	}
	return nil, oidc.ErrNotFound
}

func (c *Client) secret(ctx context.Context, id string) (string, error) {
	var s struct {
		Value string `json:"value"`
	}
	_, _, err := c.do(ctx, http.MethodGet, c.admin("clients", id, "client-secret"), nil, &s)
	return s.Value, err
}

// Get reads the client and, for confidential clients, its secret.
func (c *Client) Get(ctx context.Context, st oidc.State) (*oidc.Observed, error) {
	r, err := c.find(ctx, st)
	if err != nil {
		return nil, err
	}
	obs := &oidc.Observed{Spec: r.spec(), ID: r.ID}
	if !r.PublicClient {
		if obs.ClientSecret, err = c.secret(ctx, r.ID); err != nil {
			return nil, err
		}
	}
	// The representation does not always carry scopes; read them.
	for _, kind := range []struct {
		p   string
		out *[]string
	}{{"default-client-scopes", &obs.Spec.DefaultClientScopes}, {"optional-client-scopes", &obs.Spec.OptionalClientScopes}} {
		var ss []scope
		if _, _, err := c.do(ctx, http.MethodGet, c.admin("clients", r.ID, kind.p), nil, &ss); err != nil {
			return nil, err
		}
		*kind.out = nil
		for _, s := range ss {
			*kind.out = append(*kind.out, s.Name)
		}
	}
	return obs, nil
}

func (r *representation) spec() oidc.Spec {
	s := oidc.Spec{
		ClientID: r.ClientID, DisplayName: r.Name, RedirectURIs: r.RedirectURIs,
		Public: r.PublicClient, DefaultClientScopes: r.DefaultClientScopes, OptionalClientScopes: r.OptionalClientScopes,
	}
	if v := r.Attributes[attrPostLogout]; v != "" {
		s.PostLogoutRedirectURIs = strings.Split(v, "##")
	}
	s.PKCE = r.Attributes[attrPKCE] == "S256"
	s.Owner = r.Attributes[AttrOwner]
	if r.StandardFlowEnabled {
		s.GrantTypes = append(s.GrantTypes, "authorization_code")
	}
	if r.ImplicitFlowEnabled {
		s.GrantTypes = append(s.GrantTypes, "implicit")
	}
	if r.DirectAccessGrantsEnabled {
		s.GrantTypes = append(s.GrantTypes, "password")
	}
	if r.ServiceAccountsEnabled {
		s.GrantTypes = append(s.GrantTypes, "client_credentials")
	}
	if r.Attributes[attrRefresh] != "false" && len(s.GrantTypes) > 0 {
		s.GrantTypes = append(s.GrantTypes, "refresh_token")
	}
	return s
}

// defaultScopes: Keycloak's "openid" is implicit, the other requested scopes
// become default client scopes unless set explicitly.
func defaultScopes(s oidc.Spec) []string {
	if s.DefaultClientScopes != nil {
		return s.DefaultClientScopes
	}
	var out []string
	for _, sc := range s.Scopes {
		if sc != "openid" {
			out = append(out, sc)
		}
	}
	return out
}

func toRepresentation(s oidc.Spec) representation {
	has := func(g string) bool { return slices.Contains(s.GrantTypes, g) }
	r := representation{
		ClientID: s.ClientID, Name: s.DisplayName, Protocol: "openid-connect", Enabled: true,
		PublicClient: s.Public, RedirectURIs: s.RedirectURIs,
		StandardFlowEnabled:       has("authorization_code"),
		ImplicitFlowEnabled:       has("implicit"),
		DirectAccessGrantsEnabled: has("password"),
		ServiceAccountsEnabled:    has("client_credentials") && !s.Public,
		Attributes: map[string]string{
			attrPostLogout: strings.Join(s.PostLogoutRedirectURIs, "##"),
			attrRefresh:    fmt.Sprint(has("refresh_token")),
			attrPKCE:       "",
		},
		DefaultClientScopes:  defaultScopes(s),
		OptionalClientScopes: s.OptionalClientScopes,
	}
	if s.PKCE {
		r.Attributes[attrPKCE] = "S256"
	}
	if s.Owner != "" {
		r.Attributes[AttrOwner] = s.Owner
	}
	return r
}

// Create adds the client; Keycloak answers 201 with its URL in Location.
func (c *Client) Create(ctx context.Context, s oidc.Spec) (oidc.State, error) {
	_, loc, err := c.do(ctx, http.MethodPost, c.admin("clients"), toRepresentation(s), nil)
	if err != nil {
		return oidc.State{}, err
	}
	st := oidc.State{ClientID: s.ClientID, ID: path.Base(loc)}
	if loc == "" {
		r, err := c.find(ctx, st)
		if err != nil {
			return oidc.State{}, err
		}
		st.ID = r.ID
	}
	if !s.Public {
		if st.ClientSecret, err = c.secret(ctx, st.ID); err != nil {
			return oidc.State{}, err
		}
	}
	return st, nil
}

// Update replaces the representation and reconciles client scopes, which
// Keycloak only changes through their own endpoints.
func (c *Client) Update(ctx context.Context, s oidc.Spec, st oidc.State) (oidc.State, error) {
	cur, err := c.find(ctx, st)
	if err != nil {
		return st, err
	}
	st.ID = cur.ID
	r := toRepresentation(s)
	r.ID = cur.ID
	if _, _, err := c.do(ctx, http.MethodPut, c.admin("clients", cur.ID), r, nil); err != nil {
		return st, err
	}
	if err := c.syncScopes(ctx, cur.ID, "default-client-scopes", defaultScopes(s)); err != nil {
		return st, err
	}
	if err := c.syncScopes(ctx, cur.ID, "optional-client-scopes", s.OptionalClientScopes); err != nil {
		return st, err
	}
	if s.Public {
		// A public client authenticates with nothing: a secret kept from
		// when it was confidential would be published but never work.
		st.ClientSecret = ""
	}
	return st, nil
}

func (c *Client) syncScopes(ctx context.Context, id, kind string, want []string) error {
	var all, cur []scope
	if _, _, err := c.do(ctx, http.MethodGet, c.admin("client-scopes"), nil, &all); err != nil {
		return err
	}
	if _, _, err := c.do(ctx, http.MethodGet, c.admin("clients", id, kind), nil, &cur); err != nil {
		return err
	}
	byName := map[string]string{}
	for _, s := range all {
		byName[s.Name] = s.ID
	}
	have := map[string]string{}
	for _, s := range cur {
		have[s.Name] = s.ID
	}
	for _, name := range want {
		if _, ok := have[name]; ok {
			continue
		}
		sid, ok := byName[name]
		if !ok {
			return fmt.Errorf(errNoScope, c.cfg.Realm, name)
		}
		if _, _, err := c.do(ctx, http.MethodPut, c.admin("clients", id, kind, sid), nil, nil); err != nil {
			return err
		}
	}
	for name, sid := range have {
		if !slices.Contains(want, name) {
			if _, _, err := c.do(ctx, http.MethodDelete, c.admin("clients", id, kind, sid), nil, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// RotateSecret regenerates the secret (POST client-secret).
func (c *Client) RotateSecret(ctx context.Context, st oidc.State) (oidc.State, error) {
	cur, err := c.find(ctx, st)
	if err != nil {
		return st, err
	}
	var s struct {
		Value string `json:"value"`
	}
	if _, _, err := c.do(ctx, http.MethodPost, c.admin("clients", cur.ID, "client-secret"), nil, &s); err != nil {
		return st, err
	}
	st.ID, st.ClientSecret = cur.ID, s.Value
	return st, nil
}

// Delete removes the client.
func (c *Client) Delete(ctx context.Context, st oidc.State) error {
	cur, err := c.find(ctx, st)
	if errors.Is(err, oidc.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	code, _, err := c.do(ctx, http.MethodDelete, c.admin("clients", cur.ID), nil, nil)
	if code == http.StatusNotFound {
		return nil
	}
	return err
}

// UpToDate compares what Keycloak stores: scopes are client scopes.
func (c *Client) UpToDate(want oidc.Spec, got *oidc.Observed) bool {
	g := got.Spec
	r := toRepresentation(want)
	return (want.DisplayName == "" || want.DisplayName == g.DisplayName) &&
		oidc.SameSet(want.RedirectURIs, g.RedirectURIs) &&
		oidc.SameSet(want.PostLogoutRedirectURIs, g.PostLogoutRedirectURIs) &&
		oidc.SameSet(r.spec().GrantTypes, g.GrantTypes) &&
		oidc.SameSet(defaultScopes(want), g.DefaultClientScopes) &&
		oidc.SameSet(want.OptionalClientScopes, g.OptionalClientScopes) &&
		want.Public == g.Public && want.PKCE == g.PKCE &&
		want.Owner == g.Owner // a client made before ownership markers gets its marker
}
