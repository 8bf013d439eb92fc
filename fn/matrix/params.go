package matrix

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/sso"
)

// Defaults. They match the +kubebuilder:default markers of the XRD, so a
// composite the API server did not default (e.g. in a render) composes the same.
const (
	DefaultImplementation = v1alpha1.ImplementationConduit
	DefaultDatabase       = v1alpha1.DatabaseRocksDB
	DefaultRegistration   = v1alpha1.RegistrationToken
	DefaultStorage        = "10Gi"
	DefaultMaxUploadSize  = "20Mi"
)

// DefaultTrustedServers are asked for other servers' signing keys.
var DefaultTrustedServers = []string{"matrix.org"}

// dnsName is the XRD's pattern for serverName and host: a lower case DNS name
// with at least two labels, the last one not numeric (so not an IP address).
var dnsName = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

// turnURI is the XRD's pattern for TURN URIs.
var turnURI = regexp.MustCompile(`^turns?:[^\s]+$`)

// serverName is the XRD's pattern for trusted servers: a DNS name with an
// optional port.
var serverName = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?(:[0-9]{1,5})?$`)

// Field paths for errors.
const (
	fieldServerName    = "spec.parameters.serverName"
	fieldHost          = "spec.parameters.host"
	fieldImpl          = "spec.parameters.implementation"
	fieldImage         = "spec.parameters.image"
	fieldTrusted       = "spec.parameters.federation.trustedServers"
	fieldDatabase      = "spec.parameters.database"
	fieldStorage       = "spec.parameters.storage"
	fieldRegistration  = "spec.parameters.registration"
	fieldTokenRef      = "spec.parameters.registrationTokenSecretRef"
	fieldTURN          = "spec.parameters.turn"
	fieldMaxUploadSize = "spec.parameters.maxUploadSize"
	fieldLogLevel      = "spec.parameters.logLevel"
	fieldRoute         = "spec.parameters.route"
	fieldDNS           = "spec.parameters.dns"
	fieldSSO           = "spec.parameters.sso"
	fieldNetwork       = "spec.parameters.network"
	fieldClaimName     = "metadata.labels[crossplane.io/claim-name]"
)

// maxClaimName keeps the Service name <claim>-matrix within the 63
// characters of a DNS label.
const maxClaimName = 56

// params are the composite's parameters with every default applied and
// validated.
type params struct {
	ServerName     string
	Host           string
	Implementation v1alpha1.Implementation
	Image          string
	Storage        resource.Quantity
	StorageClass   string
	Database       v1alpha1.Database
	Registration   v1alpha1.Registration
	TokenRef       *common.SecretKeySelector
	Federation     bool
	TrustedServers []string
	TURN           *v1alpha1.TURN
	MaxUploadSize  resource.Quantity
	LogLevel       v1alpha1.LogLevel
	Resources      *corev1.ResourceRequirements
	Route          common.Route
	DNS            *v1alpha1.DNS
	SSO            *common.SSO
	Network        *common.Network
	// DeletionProtection with its default (off) resolved.
	DeletionProtection bool

	// OIDC is the composed OIDC client when SSO is set; Compose sets it
	// before the ConfigMap and Deployment are built.
	OIDC *sso.Client
}

// resolve applies defaults to p and validates the result the way the XRD
// does. Every error is a FieldError naming the field.
func resolve(claim string, p v1alpha1.MatrixServerParameters) (*params, error) {
	if msgs := validation.IsDNS1035Label(claim); len(msgs) > 0 || len(claim) > maxClaimName {
		return nil, compose.InvalidField(fieldClaimName, "claim name %q must be a DNS label (lower case letters, digits and '-', starting with a letter) of at most %d characters, because the homeserver's Service is named after it", claim, maxClaimName)
	}
	if p.ServerName == "" {
		return nil, compose.InvalidField(fieldServerName, "is required: the Matrix domain in user IDs, e.g. example.org")
	}
	if !isDNSName(p.ServerName) {
		return nil, compose.InvalidField(fieldServerName, "%q must be a lower case DNS name such as example.org", p.ServerName)
	}
	out := &params{
		ServerName:     p.ServerName,
		Host:           p.Host,
		Implementation: p.Implementation,
		Image:          p.Image,
		StorageClass:   p.StorageClass,
		Database:       p.Database,
		Registration:   p.Registration,
		TokenRef:       p.RegistrationTokenSecretRef,
		Federation:     true,
		TrustedServers: DefaultTrustedServers,
		TURN:           p.TURN,
		LogLevel:       p.LogLevel,
		Resources:      p.Resources,
		Route:          p.Route,
		DNS:            p.DNS,
		SSO:            p.SSO,
		Network:        p.Network,

		DeletionProtection: p.DeletionProtection != nil && *p.DeletionProtection,
	}
	if out.Host == "" {
		out.Host = out.ServerName
	}
	if !isDNSName(out.Host) {
		return nil, compose.InvalidField(fieldHost, "%q must be a lower case DNS name such as matrix.example.org", out.Host)
	}

	if out.Implementation == "" {
		out.Implementation = DefaultImplementation
	}
	if _, ok := implementations[out.Implementation]; !ok {
		return nil, compose.InvalidField(fieldImpl, "%q must be one of conduit, tuwunel or continuwuity", out.Implementation)
	}

	if out.Database == "" {
		out.Database = DefaultDatabase
	}
	switch out.Database {
	case v1alpha1.DatabaseRocksDB:
	case v1alpha1.DatabaseSQLite:
		if out.Implementation != v1alpha1.ImplementationConduit {
			return nil, compose.InvalidField(fieldDatabase, "sqlite is only supported by the conduit implementation, not %s", out.Implementation)
		}
	default:
		return nil, compose.InvalidField(fieldDatabase, "%q must be rocksdb or sqlite", out.Database)
	}

	if out.Registration == "" {
		out.Registration = DefaultRegistration
	}
	switch out.Registration {
	case v1alpha1.RegistrationClosed, v1alpha1.RegistrationOpen:
		if out.TokenRef != nil {
			return nil, compose.InvalidField(fieldTokenRef, "needs registration token, not %s", out.Registration)
		}
	case v1alpha1.RegistrationToken:
		if r := out.TokenRef; r != nil && (r.Name == "" || r.Key == "") {
			return nil, compose.InvalidField(fieldTokenRef, "needs both name and key")
		}
	default:
		return nil, compose.InvalidField(fieldRegistration, "%q must be closed, token or open", out.Registration)
	}

	if f := p.Federation; f.Enabled != nil {
		out.Federation = *f.Enabled
	}
	if p.Federation.TrustedServers != nil {
		out.TrustedServers = p.Federation.TrustedServers
	}
	for i, s := range out.TrustedServers {
		if !serverName.MatchString(s) {
			return nil, compose.InvalidField(fmt.Sprintf("%s[%d]", fieldTrusted, i), "%q must be a Matrix server name such as matrix.org", s)
		}
	}
	if strings.ContainsFunc(out.Image, unicode.IsSpace) {
		return nil, compose.InvalidField(fieldImage, "%q must not contain spaces", out.Image)
	}

	if t := out.TURN; t != nil {
		if len(t.URIs) == 0 {
			return nil, compose.InvalidField(fieldTURN+".uris", "needs at least one TURN URI")
		}
		for i, u := range t.URIs {
			if !turnURI.MatchString(u) {
				return nil, compose.InvalidField(fmt.Sprintf("%s.uris[%d]", fieldTURN, i), "%q must be a turn: or turns: URI", u)
			}
		}
		if t.SharedSecretRef.Name == "" || t.SharedSecretRef.Key == "" {
			return nil, compose.InvalidField(fieldTURN+".sharedSecretRef", "needs both name and key")
		}
	}

	var err error
	if out.Storage, err = quantity(p.Storage, DefaultStorage, fieldStorage); err != nil {
		return nil, err
	}
	if out.MaxUploadSize, err = quantity(p.MaxUploadSize, DefaultMaxUploadSize, fieldMaxUploadSize); err != nil {
		return nil, err
	}
	// Conduit reads max_request_size as an unsigned 32 bit number of bytes.
	if out.MaxUploadSize.Value() > math.MaxUint32 {
		return nil, compose.InvalidField(fieldMaxUploadSize, "%s is too large: at most 4Gi-1 bytes", out.MaxUploadSize.String())
	}

	switch out.LogLevel {
	case "", "error", "warn", "info", "debug", "trace":
	default:
		return nil, compose.InvalidField(fieldLogLevel, "%q must be one of error, warn, info, debug or trace", out.LogLevel)
	}
	if err := resolveWiring(out); err != nil {
		return nil, err
	}
	return out, nil
}

// quantity returns q, or def when q is unset. It must be positive.
func quantity(q *resource.Quantity, def, field string) (resource.Quantity, error) {
	if q == nil {
		return resource.MustParse(def), nil
	}
	if q.Sign() <= 0 {
		return resource.Quantity{}, compose.InvalidField(field, "%s must be positive", q.String())
	}
	return *q, nil
}

func isDNSName(s string) bool {
	return len(s) <= validation.DNS1123SubdomainMaxLength && dnsName.MatchString(s)
}

// Delegated reports whether clients and servers find the homeserver through
// /.well-known/matrix/ on the server name, because it runs elsewhere.
func (p *params) Delegated() bool { return p.Host != p.ServerName }
