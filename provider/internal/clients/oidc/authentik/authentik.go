// Package authentik manages OpenID Connect clients through the authentik API
// v3: an OAuth2 provider plus an application that exposes it. Tested against
// an HTTP server that follows authentik's published API contract; no
// authentik runs in CI.
package authentik

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

const (
	errRequest    = "authentik %s %s"
	errStatus     = "authentik %s %s: HTTP %d: %s"
	errNoFlow     = "authentik has no flow with slug %q"
	errNoScope    = "authentik has no scope mapping for scope %q"
	errPostLogout = "authentik has no per-provider post-logout redirect URIs; leave postLogoutRedirectURIs empty"
)

// Config of a client.
type Config struct {
	URL, Token                          string
	AuthorizationFlow, InvalidationFlow string
	// Slug of the application; the issuer is per application.
	Slug string
	// LegacySlugs are slugs an earlier release gave the application by
	// default. An existing client's application is looked for under Slug,
	// then under these, and is only ever the one that exposes the client's
	// own provider.
	LegacySlugs []string
	HTTP        *http.Client
}

// Client talks to one authentik instance for one application.
type Client struct {
	cfg Config
	// slug is the slug of the application found exposing the client (Get),
	// for Issuer; cfg.Slug until one is found.
	slug string
	// taken is set by Get when no application exposes the client and the
	// one at cfg.Slug exposes another provider: UpToDate is then false, so
	// that Update reports it.
	taken bool
}

var _ oidc.Client = &Client{}

// New returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" || cfg.Token == "" {
		return nil, errors.New("authentik URL and API token are required")
	}
	if cfg.AuthorizationFlow == "" {
		cfg.AuthorizationFlow = "default-provider-authorization-implicit-consent"
	}
	if cfg.InvalidationFlow == "" {
		cfg.InvalidationFlow = "default-provider-invalidation-flow"
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	cfg.URL = strings.TrimSuffix(cfg.URL, "/")
	return &Client{cfg: cfg, slug: cfg.Slug}, nil
}

// WithSlug returns a client for another application.
func (c *Client) WithSlug(slug string) *Client {
	n := *c
	n.cfg.Slug, n.slug = slug, slug
	return &n
}

// ValidID reports whether id has the form of an authentik provider pk (a
// positive integer).
func ValidID(id string) bool {
	n, err := strconv.Atoi(id)
	return err == nil && n > 0 && strconv.Itoa(n) == id
}

type redirectURI struct {
	MatchingMode string `json:"matching_mode"`
	URL          string `json:"url"`
}

type provider struct {
	PK                int           `json:"pk,omitempty"`
	Name              string        `json:"name"`
	AuthorizationFlow string        `json:"authorization_flow"`
	InvalidationFlow  string        `json:"invalidation_flow"`
	ClientType        string        `json:"client_type"`
	ClientID          string        `json:"client_id"`
	ClientSecret      string        `json:"client_secret,omitempty"`
	RedirectURIs      []redirectURI `json:"redirect_uris"`
	PropertyMappings  []string      `json:"property_mappings"`
}

type application struct {
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Provider int    `json:"provider"`
}

type page[T any] struct {
	Results []T `json:"results"`
}

type flow struct {
	PK   string `json:"pk"`
	Slug string `json:"slug"`
}

type scopeMapping struct {
	PK        string `json:"pk"`
	ScopeName string `json:"scope_name"`
}

func (c *Client) api(p string) string { return c.cfg.URL + "/api/v3/" + p }

func (c *Client) do(ctx context.Context, method, u string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, fmt.Errorf(errRequest+": %w", method, u, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf(errRequest+": %w", method, u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<22))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return resp.StatusCode, fmt.Errorf("%w: "+errStatus, oidc.ErrAuth, method, u, resp.StatusCode, "")
	case resp.StatusCode >= 300:
		return resp.StatusCode, fmt.Errorf(errStatus, method, u, resp.StatusCode, oidc.ErrorBody(b, c.cfg.Token))
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf(errRequest+": decoding response: %w", method, u, err)
		}
	}
	return resp.StatusCode, nil
}

// Issuer is the application's issuer.
func (c *Client) Issuer(context.Context) (string, error) {
	return c.cfg.URL + "/application/o/" + url.PathEscape(c.slug) + "/", nil
}

func (c *Client) flowPK(ctx context.Context, slug string) (string, error) {
	var p page[flow]
	if _, err := c.do(ctx, http.MethodGet, c.api("flows/instances/?"+url.Values{"slug": {slug}}.Encode()), nil, &p); err != nil {
		return "", err
	}
	for _, f := range p.Results {
		if f.Slug == slug {
			return f.PK, nil
		}
	}
	return "", fmt.Errorf(errNoFlow, slug)
}

func (c *Client) scopeMappings(ctx context.Context) ([]scopeMapping, error) {
	var p page[scopeMapping]
	_, err := c.do(ctx, http.MethodGet, c.api("propertymappings/provider/scope/?page_size=1000"), nil, &p)
	return p.Results, err
}

func (c *Client) toProvider(ctx context.Context, s oidc.Spec) (*provider, error) {
	if len(s.PostLogoutRedirectURIs) > 0 {
		return nil, errors.New(errPostLogout)
	}
	authz, err := c.flowPK(ctx, c.cfg.AuthorizationFlow)
	if err != nil {
		return nil, err
	}
	inval, err := c.flowPK(ctx, c.cfg.InvalidationFlow)
	if err != nil {
		return nil, err
	}
	maps, err := c.scopeMappings(ctx)
	if err != nil {
		return nil, err
	}
	p := &provider{Name: name(s), AuthorizationFlow: authz, InvalidationFlow: inval,
		ClientType: "confidential", ClientID: s.ClientID, PropertyMappings: []string{}}
	if s.Public {
		p.ClientType = "public"
	}
	for _, u := range s.RedirectURIs {
		p.RedirectURIs = append(p.RedirectURIs, redirectURI{MatchingMode: "strict", URL: u})
	}
	for _, sc := range s.Scopes {
		i := slices.IndexFunc(maps, func(m scopeMapping) bool { return m.ScopeName == sc })
		if i < 0 {
			return nil, fmt.Errorf(errNoScope, sc)
		}
		p.PropertyMappings = append(p.PropertyMappings, maps[i].PK)
	}
	return p, nil
}

func name(s oidc.Spec) string {
	if s.DisplayName != "" {
		return s.DisplayName
	}
	return s.Slug
}

// find reads st's provider: by its pk when st has a well-formed one and the
// provider there has st's client ID, else by client ID. The pk is only a
// shortcut: a provider with another client ID is never taken for st's.
func (c *Client) find(ctx context.Context, st oidc.State) (*provider, error) {
	if ValidID(st.ID) {
		var p provider
		code, err := c.do(ctx, http.MethodGet, c.api("providers/oauth2/"+url.PathEscape(st.ID)+"/"), nil, &p)
		switch {
		case code == http.StatusNotFound:
		case err != nil:
			return nil, err
		case p.ClientID == st.ClientID && strconv.Itoa(p.PK) == st.ID:
			return &p, nil
		}
	}
	if st.ClientID == "" {
		return nil, oidc.ErrNotFound
	}
	var pg page[provider]
	u := c.api("providers/oauth2/?" + url.Values{"client_id": {st.ClientID}}.Encode())
	if _, err := c.do(ctx, http.MethodGet, u, nil, &pg); err != nil {
		return nil, err
	}
	for i := range pg.Results {
		if pg.Results[i].ClientID == st.ClientID {
			return &pg.Results[i], nil
		}
	}
	return nil, oidc.ErrNotFound
}

// errAppTaken: the application at the slug exposes another provider.
const errAppTaken = "authentik application %q exposes another provider (pk %d), not this client's (pk %d); leaving it alone"

// app finds the application that exposes provider pk under the configured
// slug or a legacy one. It returns nil (and no error) when there is none;
// taken is an application found at the configured slug exposing another
// provider, which is never changed or deleted.
func (c *Client) app(ctx context.Context, pk int) (found, taken *application, err error) {
	for i, slug := range append([]string{c.cfg.Slug}, c.cfg.LegacySlugs...) {
		if slug == "" {
			continue
		}
		var a application
		code, err := c.do(ctx, http.MethodGet, c.api("core/applications/"+url.PathEscape(slug)+"/"), nil, &a)
		if code == http.StatusNotFound {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		a.Slug = slug
		if a.Provider == pk {
			return &a, nil, nil
		}
		if i == 0 {
			taken = &a
		}
	}
	return nil, taken, nil
}

// Get reads the provider; authentik returns the secret on read.
func (c *Client) Get(ctx context.Context, st oidc.State) (*oidc.Observed, error) {
	p, err := c.find(ctx, st)
	if err != nil {
		return nil, err
	}
	a, taken, err := c.app(ctx, p.PK)
	if err != nil {
		return nil, err
	}
	c.taken = a == nil && taken != nil
	if a != nil {
		c.slug = a.Slug
	}
	maps, err := c.scopeMappings(ctx)
	if err != nil {
		return nil, err
	}
	s := oidc.Spec{ClientID: p.ClientID, DisplayName: p.Name, Public: p.ClientType == "public"}
	for _, r := range p.RedirectURIs {
		s.RedirectURIs = append(s.RedirectURIs, r.URL)
	}
	for _, m := range maps {
		if slices.Contains(p.PropertyMappings, m.PK) {
			s.Scopes = append(s.Scopes, m.ScopeName)
		}
	}
	obs := &oidc.Observed{Spec: s, ID: strconv.Itoa(p.PK)}
	if !s.Public {
		obs.ClientSecret = p.ClientSecret
	}
	return obs, nil
}

// Create adds the OAuth2 provider, then the application that exposes it.
func (c *Client) Create(ctx context.Context, s oidc.Spec) (oidc.State, error) {
	p, err := c.toProvider(ctx, s)
	if err != nil {
		return oidc.State{}, err
	}
	var out provider
	if _, err := c.do(ctx, http.MethodPost, c.api("providers/oauth2/"), p, &out); err != nil {
		return oidc.State{}, err
	}
	st := oidc.State{ClientID: out.ClientID, ID: strconv.Itoa(out.PK), ClientSecret: out.ClientSecret}
	if s.Public {
		st.ClientSecret = ""
	}
	app := application{Name: name(s), Slug: c.cfg.Slug, Provider: out.PK}
	if _, err := c.do(ctx, http.MethodPost, c.api("core/applications/"), app, nil); err != nil {
		// Do not leave a provider without its application behind.
		_, _ = c.do(ctx, http.MethodDelete, c.api("providers/oauth2/"+st.ID+"/"), nil, nil)
		return oidc.State{}, err
	}
	return st, nil
}

// Update patches the provider and the application name.
func (c *Client) Update(ctx context.Context, s oidc.Spec, st oidc.State) (oidc.State, error) {
	cur, err := c.find(ctx, st)
	if err != nil {
		return st, err
	}
	a, taken, err := c.app(ctx, cur.PK)
	if err != nil {
		return st, err
	}
	if a == nil && taken != nil {
		return st, fmt.Errorf(errAppTaken, c.cfg.Slug, taken.Provider, cur.PK)
	}
	p, err := c.toProvider(ctx, s)
	if err != nil {
		return st, err
	}
	st.ID = strconv.Itoa(cur.PK)
	if _, err := c.do(ctx, http.MethodPatch, c.api("providers/oauth2/"+st.ID+"/"), p, nil); err != nil {
		return st, err
	}
	if a == nil {
		// The application is gone: expose the provider again.
		app := application{Name: name(s), Slug: c.cfg.Slug, Provider: cur.PK}
		_, err = c.do(ctx, http.MethodPost, c.api("core/applications/"), app, nil)
		return st, err
	}
	c.slug = a.Slug
	patch := map[string]any{"name": name(s)}
	_, err = c.do(ctx, http.MethodPatch, c.api("core/applications/"+url.PathEscape(a.Slug)+"/"), patch, nil)
	return st, err
}

// RotateSecret sets a new random secret on the provider.
func (c *Client) RotateSecret(ctx context.Context, st oidc.State) (oidc.State, error) {
	cur, err := c.find(ctx, st)
	if err != nil {
		return st, err
	}
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		return st, err
	}
	secret := hex.EncodeToString(b)
	st.ID = strconv.Itoa(cur.PK)
	if _, err := c.do(ctx, http.MethodPatch, c.api("providers/oauth2/"+st.ID+"/"), map[string]string{"client_secret": secret}, nil); err != nil {
		return st, err
	}
	st.ClientSecret = secret
	return st, nil
}

// Delete removes the provider and the application that exposes it (only
// that one: an application at the slug that exposes another provider stays).
func (c *Client) Delete(ctx context.Context, st oidc.State) error {
	cur, err := c.find(ctx, st)
	if errors.Is(err, oidc.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	a, _, err := c.app(ctx, cur.PK)
	if err != nil {
		return err
	}
	if a != nil {
		code, err := c.do(ctx, http.MethodDelete, c.api("core/applications/"+url.PathEscape(a.Slug)+"/"), nil, nil)
		if err != nil && code != http.StatusNotFound {
			return err
		}
	}
	code, err := c.do(ctx, http.MethodDelete, c.api("providers/oauth2/"+strconv.Itoa(cur.PK)+"/"), nil, nil)
	if code == http.StatusNotFound {
		return nil
	}
	return err
}

// UpToDate compares what an authentik provider stores; grant types are not
// configurable per provider there. A client whose slug names another
// provider's application is never up to date: Update says why.
func (c *Client) UpToDate(want oidc.Spec, got *oidc.Observed) bool {
	g := got.Spec
	return !c.taken && name(want) == g.DisplayName &&
		oidc.SameSet(want.RedirectURIs, g.RedirectURIs) &&
		oidc.SameSet(want.Scopes, g.Scopes) &&
		want.Public == g.Public
}
