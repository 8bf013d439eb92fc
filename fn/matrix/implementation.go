package matrix

import (
	"strings"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
)

// implementation is what differs between Conduit and its forks.
type implementation struct {
	// Image is the default image, pinned to a release.
	Image string

	// DataPath is where the data volume is mounted and the database lives:
	// the image's conventional path.
	DataPath string

	// Nest joins the parts of a nested config key in an environment variable
	// name: Conduit maps its known tables with "_" (CONDUIT_WELL_KNOWN_CLIENT),
	// the forks split on "__" (CONDUIT_WELL_KNOWN__CLIENT).
	Nest string

	// EnvOnly is set by Conduit, which needs CONDUIT_CONFIG set (empty) to run
	// from environment variables alone.
	EnvOnly bool

	// Backend is set by Conduit, which supports more than one database engine.
	Backend bool

	// OpenRegistrationAck is set by the forks, which refuse registration
	// without a token unless the operator acknowledges the risk.
	OpenRegistrationAck bool

	// SSO is how the implementation logs users in through an OpenID Connect
	// provider; empty when it cannot (Conduit).
	SSO ssoStyle
}

// ssoStyle is an implementation's way of configuring OpenID Connect login.
type ssoStyle string

const (
	// ssoIdentityProvider is tuwunel's [[global.identity_provider]] list.
	ssoIdentityProvider ssoStyle = "identity_provider"
	// ssoOAuthOIDC is continuwuity's [global.oauth.oidc] table.
	ssoOAuthOIDC ssoStyle = "oauth.oidc"
)

// EnvPrefix is read by Conduit and by both forks.
const EnvPrefix = "CONDUIT_"

// Port the homeserver listens on (set explicitly, so the same for all).
const Port = 6167

var implementations = map[v1alpha1.Implementation]implementation{
	v1alpha1.ImplementationConduit: {
		Image:    "registry.gitlab.com/famedly/conduit/matrix-conduit:v0.10.12",
		DataPath: "/var/lib/matrix-conduit",
		Nest:     "_",
		EnvOnly:  true,
		Backend:  true,
	},
	v1alpha1.ImplementationTuwunel: {
		Image:               "ghcr.io/matrix-construct/tuwunel:v1.9.3",
		DataPath:            "/var/lib/tuwunel",
		Nest:                "__",
		OpenRegistrationAck: true,
		SSO:                 ssoIdentityProvider,
	},
	v1alpha1.ImplementationContinuwuity: {
		Image:               "forgejo.ellis.link/continuwuation/continuwuity:v26.9.1",
		DataPath:            "/var/lib/continuwuity",
		Nest:                "__",
		OpenRegistrationAck: true,
		SSO:                 ssoOAuthOIDC,
	},
}

// Env returns the environment variable name of a config key, e.g.
// Env("server_name") is CONDUIT_SERVER_NAME and Env("well_known", "client")
// is CONDUIT_WELL_KNOWN_CLIENT for Conduit, CONDUIT_WELL_KNOWN__CLIENT for
// the forks.
func (i implementation) Env(key ...string) string {
	n := EnvPrefix
	for j, k := range key {
		if j > 0 {
			n += i.Nest
		}
		n += strings.ToUpper(k)
	}
	return n
}

// image returns the image p runs.
func (p *params) image() string {
	if p.Image != "" {
		return p.Image
	}
	return implementations[p.Implementation].Image
}

func (p *params) impl() implementation { return implementations[p.Implementation] }
