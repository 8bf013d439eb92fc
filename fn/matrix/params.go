package matrix

import (
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/sso"
)

// Field paths for errors.
const (
	fieldServerName = "spec.parameters.serverName"
	fieldStorage    = "spec.parameters.storage"
	fieldRoute      = "spec.parameters.route"
	fieldDNS        = "spec.parameters.dns"
	fieldClaimName  = "metadata.labels[crossplane.io/claim-name]"
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
	Resources      common.Resources
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

// resolve defaults and validates the parameters with the API's own Default
// and Validate, then checks what the XRD cannot: the claim's name, which
// names the homeserver's Service.
func resolve(claim string, in v1alpha1.MatrixServerParameters) (*params, error) {
	if msgs := validation.IsDNS1035Label(claim); len(msgs) > 0 || len(claim) > maxClaimName {
		return nil, compose.InvalidField(fieldClaimName, "claim name %q must be a DNS label (lower case letters, digits and '-', starting with a letter) of at most %d characters, because the homeserver's Service is named after it", claim, maxClaimName)
	}
	x := &v1alpha1.XMatrixServer{Spec: v1alpha1.XMatrixServerSpec{Parameters: *in.DeepCopy()}}
	x.Default()
	if err := compose.FieldErrors(x.Validate()); err != nil {
		return nil, err
	}
	p := x.Spec.Parameters
	out := &params{
		ServerName:     p.ServerName,
		Host:           p.Host,
		Implementation: p.Implementation,
		Image:          p.Image,
		Storage:        *p.Storage,
		StorageClass:   p.StorageClass,
		Database:       p.Database,
		Registration:   p.Registration,
		TokenRef:       p.RegistrationTokenSecretRef,
		Federation:     *p.Federation.Enabled,
		TrustedServers: p.Federation.TrustedServers,
		TURN:           p.TURN,
		MaxUploadSize:  *p.MaxUploadSize,
		LogLevel:       p.LogLevel,
		Resources:      *p.Resources,
		Route:          p.Route,
		DNS:            p.DNS,
		SSO:            p.SSO,
		Network:        p.Network,

		DeletionProtection: *p.DeletionProtection,
	}
	if out.Host == "" {
		out.Host = out.ServerName
	}
	return out, nil
}

// Delegated reports whether clients and servers find the homeserver through
// /.well-known/matrix/ on the server name, because it runs elsewhere.
func (p *params) Delegated() bool { return p.Host != p.ServerName }
