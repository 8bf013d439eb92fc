// Package oidc holds what the OpenID Connect client backends share.
package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Errors the controller turns into conditions.
var (
	// ErrNotFound means the backend has no such client, as an answer the
	// backend gives only for a client that is really gone (an admin API's
	// 404). The controller registers a new client on it.
	ErrNotFound = errors.New("client not found")
	// ErrTokenRejected means an RFC 7592 endpoint answered 401 (or 404) to
	// the registration access token. RFC 7592 §2.1 answers 401 both for a
	// deleted client and for a revoked or rotated-away token, so this is no
	// proof that the client is gone; the controller reports it and does not
	// register a new client.
	ErrTokenRejected = errors.New("the OpenID provider rejected the registration access token: the client may be deleted, or the token revoked or rotated (RFC 7592 cannot tell which); not registering a new client")
	// ErrOwnedByOther means the client carries another resource's
	// ownership marker.
	ErrOwnedByOther = errors.New("client is owned by another resource (its ownership marker names another owner)")
	// ErrUnmarked means a client without an ownership marker, which the
	// provider has not recorded in the resource's status either, was to be
	// adopted through a ClusterProviderConfig.
	ErrUnmarked = errors.New("client carries no ownership marker and is not recorded in this resource's status; through a ClusterProviderConfig only a client marked for this resource can be adopted")
	// ErrWrongClient means the backend answered a read or update of one
	// client with another client: nothing of it is used.
	ErrWrongClient = errors.New("the backend answered with another client than the one asked for")
	// ErrAuth means the backend rejected our credentials.
	ErrAuth = errors.New("backend rejected the credentials")
	// ErrNoSecretToConfidential means a public client was to become
	// confidential at a backend that issues no secret for it.
	ErrNoSecretToConfidential = errors.New("a public client cannot become confidential here: RFC 7592 has no way to ask for a client secret and the server issued none on update (Ory Hydra v2.3.0 switches the client and keeps its secret to itself); keep clientType Public, or delete and recreate the resource (a new client_id)")
	// ErrRotateUnsupported means the backend cannot issue a new secret
	// for an existing client.
	ErrRotateUnsupported = errors.New("backend cannot rotate the secret of an existing client")
)

// Spec is the desired client, backend-neutral.
type Spec struct {
	ClientID               string
	DisplayName            string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	GrantTypes             []string
	Scopes                 []string
	Public                 bool
	PKCE                   bool
	// TokenEndpointAuthMethod of a confidential client (RFC 7591 §2),
	// "client_secret_basic" when empty; rfc7591 only.
	TokenEndpointAuthMethod string

	// Owner is the ownership marker (OwnerMarker) of the resource that
	// manages the client. Backends that can store it (keycloak: a client
	// attribute) write it and report it back in Observed.Spec.Owner; the
	// others ignore it and report "".
	Owner string

	// Backend extras.
	DefaultClientScopes  []string // keycloak
	OptionalClientScopes []string // keycloak
	Slug                 string   // authentik
}

// State is what the provider must remember about a client between
// reconciles. It lives in the connection secret, because some of it (the
// secret, RFC 7592 tokens) cannot be read back from the backend.
type State struct {
	// ClientID as issued or chosen.
	ClientID string
	// ID is the backend's internal id (Keycloak UUID, authentik pk).
	ID string
	// ClientSecret, empty for public clients.
	ClientSecret string
	// RegistrationAccessToken and RegistrationClientURI (RFC 7592).
	RegistrationAccessToken string
	RegistrationClientURI   string
}

// Observed is a client as the backend reports it.
type Observed struct {
	Spec Spec
	// ClientSecret when the backend returns it on read; empty otherwise.
	ClientSecret string
	// ID is the backend's internal id.
	ID string
	// ReadWithClientToken is true when the backend answered only because
	// the request carried a credential of this very client (the RFC 7592
	// registration access token) at the URL the provider derived from the
	// client ID, never one taken from the connection Secret: proof that the
	// caller holds the client.
	ReadWithClientToken bool
	// RegistrationClientURI is the RFC 7592 URL the client was read at
	// (rfc7591 only).
	RegistrationClientURI string
}

// A Client manages OIDC clients at one backend.
type Client interface {
	// Issuer is the OpenID provider's issuer URL.
	Issuer(ctx context.Context) (string, error)
	// Get reads the client; ErrNotFound when it is gone.
	Get(ctx context.Context, st State) (*Observed, error)
	// Create registers a client.
	Create(ctx context.Context, s Spec) (State, error)
	// Update makes the client match s and returns the (possibly new) state.
	Update(ctx context.Context, s Spec, st State) (State, error)
	// RotateSecret issues a new client secret.
	RotateSecret(ctx context.Context, st State) (State, error)
	// Delete removes the client; a missing client is not an error.
	Delete(ctx context.Context, st State) error
	// UpToDate compares in the fields this backend manages.
	UpToDate(want Spec, got *Observed) bool
}

// OwnerMarker is the ownership marker of managed resource namespace/name
// under control plane ownerID, the same text the DNS backends write:
// "heritage=homeplane,homeplane/owner=<ownerID>,homeplane/resource=<namespace>/<name>".
// Namespaces and names never contain "/" or ",", so it is injective over
// (ownerID, namespace, name).
func OwnerMarker(ownerID, namespace, name string) string {
	return "heritage=homeplane,homeplane/owner=" + ownerID + ",homeplane/resource=" + namespace + "/" + name
}

// Connection detail keys.
const (
	KeyClientID                = "client_id"
	KeyClientSecret            = "client_secret"
	KeyIssuerURL               = "issuer_url"
	KeyDiscoveryURL            = "discovery_url"
	KeyRegistrationAccessToken = "registration_access_token"
	KeyRegistrationClientURI   = "registration_client_uri"
	KeyID                      = "backend_id"
)

// DiscoveryURL is the OpenID discovery document of issuer.
func DiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// SameSet compares as sets, ignoring order and duplicates.
func SameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// UpToDate reports whether the observed client matches the desired one in
// the fields every backend reports. No scopes means the server's default
// (Hydra: "offline_access offline openid"), whatever it is.
func UpToDate(want, got Spec) bool {
	return (want.DisplayName == "" || want.DisplayName == got.DisplayName) &&
		SameSet(want.RedirectURIs, got.RedirectURIs) &&
		SameSet(want.PostLogoutRedirectURIs, got.PostLogoutRedirectURIs) &&
		SameSet(want.GrantTypes, got.GrantTypes) &&
		(len(want.Scopes) == 0 || SameSet(want.Scopes, got.Scopes)) &&
		want.Public == got.Public
}

// ResponseTypes derives response types from grant types.
func ResponseTypes(grants []string) []string {
	if slices.Contains(grants, "authorization_code") || slices.Contains(grants, "implicit") {
		return []string{"code"}
	}
	return nil
}

// MaxErrorBody is how much of a response body goes into an error (and so
// into conditions and events).
const MaxErrorBody = 300

// secretKey matches JSON keys whose values must never reach an error;
// secretMember such members in text that is not (or no longer, once cut)
// valid JSON.
var (
	secretKey    = regexp.MustCompile(`(?i)secret|token|password|credential`)
	secretMember = regexp.MustCompile(`(?i)"[^"]*(secret|token|password|credential)[^"]*"\s*:\s*("(\\.|[^"\\])*("|$)|[^,}\]]*)`)
)

// ErrorBody is the part of an error response body fit for an error message,
// cut to MaxErrorBody bytes: of a JSON object its reason members (error,
// error_description, errorMessage, detail, message) when it has any, and
// never a member whose name speaks of a secret, token, password or
// credential (at any depth); of other text, the text without such members
// and with each of secrets replaced.
func ErrorBody(b []byte, secrets ...string) string {
	var v any
	s := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &v) == nil {
		v = redact(v)
		// The usual reason members alone, when there are any.
		if m, ok := v.(map[string]any); ok {
			r := map[string]any{}
			for _, k := range []string{"error", "error_description", "errorMessage", "detail", "message"} {
				if e, ok := m[k]; ok {
					r[k] = e
				}
			}
			if len(r) > 0 {
				v = r
			}
		}
		if o, err := json.Marshal(v); err == nil {
			s = string(o)
		}
	} else {
		s = secretMember.ReplaceAllString(s, `"[redacted]"`)
	}
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	if len(s) <= MaxErrorBody {
		return s
	}
	cut := MaxErrorBody
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if secretKey.MatchString(k) {
				delete(t, k)
				continue
			}
			t[k] = redact(e)
		}
	case []any:
		for i, e := range t {
			t[i] = redact(e)
		}
	}
	return v
}
