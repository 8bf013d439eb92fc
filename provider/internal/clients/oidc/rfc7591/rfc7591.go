// Package rfc7591 registers OpenID Connect clients dynamically (RFC 7591,
// OIDC Dynamic Client Registration) and manages them with the registration
// access token (RFC 7592). Works with Ory Hydra and Keycloak's
// client-registration endpoint.
package rfc7591

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

const (
	errDiscovery   = "cannot read OpenID discovery at %s"
	errNoRegEP     = "issuer %s announces no registration_endpoint"
	errRequest     = "rfc7591 %s %s"
	errStatus      = "rfc7591 %s %s: HTTP %d: %s"
	errNoToken     = "no registration access token stored for client %q; RFC 7592 management needs it"
	errAdminGone   = "the admin API has no client %q"
	errAdminAsk    = "asking the admin API about client %q"
	errAdminExists = "the admin API still has client %q"
)

// Config of a client.
type Config struct {
	IssuerURL string
	// RegistrationEndpoint overrides discovery.
	RegistrationEndpoint string
	// InitialAccessToken, when the server requires one to register.
	InitialAccessToken string
	// AdminURL, when set, is an Ory Hydra admin API (the base URL before
	// /admin/clients). It is asked, and only it, whether a client whose
	// registration access token is rejected still exists.
	AdminURL string
	HTTP     *http.Client
}

// Client talks to one OpenID provider.
type Client struct {
	cfg  Config
	once sync.Mutex
	disc *discovery
}

var _ oidc.Client = &Client{}

type discovery struct {
	Issuer               string `json:"issuer"`
	RegistrationEndpoint string `json:"registration_endpoint"`
	TokenEndpoint        string `json:"token_endpoint"`
}

// New returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.IssuerURL == "" {
		return nil, errors.New("issuer URL is required")
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	return &Client{cfg: cfg}, nil
}

func (c *Client) discover(ctx context.Context) (*discovery, error) {
	c.once.Lock()
	defer c.once.Unlock()
	if c.disc != nil {
		return c.disc, nil
	}
	u := oidc.DiscoveryURL(c.cfg.IssuerURL)
	var d discovery
	if _, err := c.do(ctx, http.MethodGet, u, "", nil, &d); err != nil {
		return nil, fmt.Errorf(errDiscovery+": %w", u, err)
	}
	if c.cfg.RegistrationEndpoint != "" {
		d.RegistrationEndpoint = c.cfg.RegistrationEndpoint
	}
	if d.RegistrationEndpoint == "" {
		return nil, fmt.Errorf(errNoRegEP, c.cfg.IssuerURL)
	}
	c.disc = &d
	return c.disc, nil
}

// Issuer reads the issuer from discovery.
func (c *Client) Issuer(ctx context.Context) (string, error) {
	d, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	return d.Issuer, nil
}

// metadata is the RFC 7591 client metadata we send and read.
type metadata struct {
	ClientID                string   `json:"client_id,omitempty"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	ClientName              string   `json:"client_name,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	PostLogoutRedirectURIs  []string `json:"post_logout_redirect_uris,omitempty"`
	GrantTypes              []string `json:"grant_types,omitempty"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	RegistrationAccessToken string   `json:"registration_access_token,omitempty"`
	RegistrationClientURI   string   `json:"registration_client_uri,omitempty"`
}

func toMetadata(s oidc.Spec) metadata {
	m := metadata{
		ClientName:              s.DisplayName,
		RedirectURIs:            s.RedirectURIs,
		PostLogoutRedirectURIs:  s.PostLogoutRedirectURIs,
		GrantTypes:              s.GrantTypes,
		ResponseTypes:           oidc.ResponseTypes(s.GrantTypes),
		Scope:                   strings.Join(s.Scopes, " "),
		TokenEndpointAuthMethod: authMethod(s),
	}
	if s.Public {
		m.TokenEndpointAuthMethod = "none"
	}
	return m
}

// authMethod is s's token_endpoint_auth_method for a confidential client.
func authMethod(s oidc.Spec) string {
	if s.TokenEndpointAuthMethod == "" {
		return "client_secret_basic"
	}
	return s.TokenEndpointAuthMethod
}

func (m metadata) spec() oidc.Spec {
	var scopes []string
	if m.Scope != "" {
		scopes = strings.Fields(m.Scope)
	}
	return oidc.Spec{
		ClientID: m.ClientID, DisplayName: m.ClientName,
		RedirectURIs: m.RedirectURIs, PostLogoutRedirectURIs: m.PostLogoutRedirectURIs,
		GrantTypes: m.GrantTypes, Scopes: scopes, Public: m.TokenEndpointAuthMethod == "none",
		TokenEndpointAuthMethod: m.TokenEndpointAuthMethod,
	}
}

// do sends a request; bearer is never logged or put in errors.
func (c *Client) do(ctx context.Context, method, u, bearer string, body, out any) (int, error) {
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
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf(errRequest+": %w", method, u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		// Only a short, redacted excerpt: the body ends up in conditions
		// and events, which the tenant reads.
		return resp.StatusCode, fmt.Errorf(errStatus, method, u, resp.StatusCode, oidc.ErrorBody(b, bearer, c.cfg.InitialAccessToken))
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf(errRequest+": decoding response: %w", method, u, err)
		}
	}
	return resp.StatusCode, nil
}

func state(m metadata, prev oidc.State) oidc.State {
	st := prev
	st.ClientID = m.ClientID
	if m.ClientSecret != "" {
		st.ClientSecret = m.ClientSecret
	}
	if m.RegistrationAccessToken != "" {
		st.RegistrationAccessToken = m.RegistrationAccessToken
	}
	return st
}

// Create registers a client (RFC 7591 §3.1).
func (c *Client) Create(ctx context.Context, s oidc.Spec) (oidc.State, error) {
	d, err := c.discover(ctx)
	if err != nil {
		return oidc.State{}, err
	}
	var out metadata
	code, err := c.do(ctx, http.MethodPost, d.RegistrationEndpoint, c.cfg.InitialAccessToken, toMetadata(s), &out)
	if err != nil {
		if code == http.StatusUnauthorized || code == http.StatusForbidden {
			return oidc.State{}, fmt.Errorf("%w: %w", oidc.ErrAuth, err)
		}
		return oidc.State{}, err
	}
	if out.ClientID == "" {
		return oidc.State{}, errors.New("registration response has no client_id")
	}
	st := state(out, oidc.State{})
	st.RegistrationClientURI = ClientURI(d.RegistrationEndpoint, out.ClientID)
	return st, nil
}

// ClientURI is the RFC 7592 client configuration endpoint of clientID under
// registration endpoint ep: ep + "/" + the escaped client ID, the form Ory
// Hydra and Keycloak issue.
func ClientURI(ep, clientID string) string {
	return strings.TrimSuffix(ep, "/") + "/" + url.PathEscape(clientID)
}

// clientURI is where st's client is managed. It is always derived from the
// registration endpoint (configuration or discovery) and the client ID,
// never taken from st.RegistrationClientURI: that comes from the connection
// Secret, which the tenant can write, and a URL of the tenant's choosing
// (an admin API that needs no token) would make any token look valid.
func (c *Client) clientURI(ctx context.Context, st oidc.State) (string, error) {
	if st.RegistrationAccessToken == "" {
		return "", fmt.Errorf(errNoToken, st.ClientID)
	}
	if st.ClientID == "" {
		return "", errors.New("no client_id to manage")
	}
	d, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	return ClientURI(d.RegistrationEndpoint, st.ClientID), nil
}

// Get reads the client (RFC 7592 §2.1). RFC 7592 answers 401 both for a
// client that no longer exists and for a token that is no longer valid (a
// token rotated by an Update whose answer was lost, or revoked), so a 401 or
// 404 is not taken as proof of deletion: Get returns oidc.ErrTokenRejected,
// unless the Hydra admin API (Config.AdminURL) answers 404 for the client,
// which gives oidc.ErrNotFound.
func (c *Client) Get(ctx context.Context, st oidc.State) (*oidc.Observed, error) {
	u, err := c.clientURI(ctx, st)
	if err != nil {
		return nil, err
	}
	var out metadata
	code, err := c.do(ctx, http.MethodGet, u, st.RegistrationAccessToken, nil, &out)
	if code == http.StatusUnauthorized || code == http.StatusNotFound {
		return nil, c.confirmGone(ctx, st.ClientID, err)
	}
	if err != nil {
		return nil, err
	}
	if out.ClientID != st.ClientID {
		return nil, fmt.Errorf("%w: GET %s answered client %q, want %q", oidc.ErrWrongClient, u, out.ClientID, st.ClientID)
	}
	return &oidc.Observed{Spec: out.spec(), ClientSecret: out.ClientSecret, ID: out.ClientID,
		ReadWithClientToken: true, RegistrationClientURI: u}, nil
}

// confirmGone turns a rejected registration access token (rejected, the
// RFC 7592 error) into oidc.ErrNotFound only when the admin API says the
// client does not exist.
func (c *Client) confirmGone(ctx context.Context, clientID string, rejected error) error {
	if c.cfg.AdminURL == "" {
		return fmt.Errorf("%w (%w; set rfc7591.adminURL to let the provider ask the Hydra admin API)", oidc.ErrTokenRejected, rejected)
	}
	u := strings.TrimSuffix(c.cfg.AdminURL, "/") + "/admin/clients/" + url.PathEscape(clientID)
	code, err := c.do(ctx, http.MethodGet, u, "", nil, nil)
	switch {
	case code == http.StatusNotFound:
		return fmt.Errorf(errAdminGone+": %w", clientID, oidc.ErrNotFound)
	case err != nil:
		return fmt.Errorf("%w (%w; "+errAdminAsk+": %w)", oidc.ErrTokenRejected, rejected, clientID, err)
	default:
		return fmt.Errorf("%w (%w; "+errAdminExists+")", oidc.ErrTokenRejected, rejected, clientID)
	}
}

// Update replaces the client metadata (RFC 7592 §2.2). Servers may rotate
// the registration access token here (Hydra does); the new one is returned
// in the state and must be stored.
func (c *Client) Update(ctx context.Context, s oidc.Spec, st oidc.State) (oidc.State, error) {
	u, err := c.clientURI(ctx, st)
	if err != nil {
		return st, err
	}
	// Without a stored secret, a confidential spec may mean a public client
	// to switch (refused unless the server would say the secret, which
	// none does on read) or a confidential one whose secret was lost
	// (updated as usual); one read tells which.
	if !s.Public && st.ClientSecret == "" {
		cur, err := c.Get(ctx, st)
		if err != nil {
			return st, err
		}
		if cur.Spec.Public {
			return st, oidc.ErrNoSecretToConfidential
		}
	}
	m := toMetadata(s)
	m.ClientID = st.ClientID
	var out metadata
	code, err := c.do(ctx, http.MethodPut, u, st.RegistrationAccessToken, m, &out)
	if code == http.StatusUnauthorized || code == http.StatusNotFound {
		return st, fmt.Errorf("%w (%w)", oidc.ErrTokenRejected, err)
	}
	if err != nil {
		return st, err
	}
	if out.ClientID != st.ClientID {
		return st, fmt.Errorf("%w: PUT %s answered client %q, want %q", oidc.ErrWrongClient, u, out.ClientID, st.ClientID)
	}
	next := state(out, st)
	next.RegistrationClientURI = u
	if out.TokenEndpointAuthMethod == "none" {
		// A public client authenticates with nothing: a secret kept from
		// when it was confidential would be published but never work.
		next.ClientSecret = ""
	}
	return next, nil
}

// RotateSecret is not part of RFC 7592: the server decides when to issue a
// new secret, so the provider never asks for one.
func (c *Client) RotateSecret(_ context.Context, st oidc.State) (oidc.State, error) {
	return st, oidc.ErrRotateUnsupported
}

// Delete deregisters the client (RFC 7592 §2.3). A rejected token is no
// proof that the client is gone (see Get): it is oidc.ErrTokenRejected
// unless the admin API (Config.AdminURL) says the client does not exist.
func (c *Client) Delete(ctx context.Context, st oidc.State) error {
	u, err := c.clientURI(ctx, st)
	if err != nil {
		return err
	}
	code, err := c.do(ctx, http.MethodDelete, u, st.RegistrationAccessToken, nil, nil)
	if code == http.StatusUnauthorized || code == http.StatusNotFound {
		if err := c.confirmGone(ctx, st.ClientID, err); !errors.Is(err, oidc.ErrNotFound) {
			return err
		}
		return nil
	}
	return err
}

// UpToDate compares the RFC 7591 metadata we manage, the token endpoint
// authentication method of a confidential client included.
func (c *Client) UpToDate(want oidc.Spec, got *oidc.Observed) bool {
	return oidc.UpToDate(want, got.Spec) && (want.Public || authMethod(want) == authMethod(got.Spec))
}
