package matrix

import (
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

// Field paths for errors.
const (
	fieldServerName = "spec.parameters.serverName"
	fieldHost       = "spec.parameters.host"
	fieldImage      = "spec.parameters.image"
	fieldStorage    = "spec.parameters.storage"
	fieldRoute      = "spec.parameters.route"
	fieldDNS        = "spec.parameters.dns"
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
	common.Wiring
	// SRV publishes the federation SRV records (with DNS).
	SRV     bool
	SSO     *common.SSO
	Network *common.Network
	// DeletionProtection with its default (off) resolved.
	DeletionProtection bool
	// Snapshots of the data volume, and the snapshot of another claim that
	// seeds a new one.
	Snapshots []v1alpha1.Snapshot
	Restore   *v1alpha1.Restore
	// StartupTimeout is the startup probe's budget and the termination
	// grace period.
	StartupTimeout time.Duration

	// OIDC is the composed OIDC client when SSO is set; Compose sets it
	// before the ConfigMap and Deployment are built.
	OIDC *wiring.OIDCClient
}

// resolve checks what the XRD cannot, on a composite already defaulted and
// validated (fn/app): the claim's name, which names the homeserver's Service,
// and that the server name did not change.
func resolve(req *compose.Request, xr *v1alpha1.XMatrixServer) (*params, error) {
	claim := req.ClaimName
	if msgs := validation.IsDNS1035Label(claim); len(msgs) > 0 || len(claim) > maxClaimName {
		return nil, compose.InvalidField(req.ClaimNameField(), "claim name %q must be a DNS label (lower case letters, digits and '-', starting with a letter) of at most %d characters, because the homeserver's Service is named after it", claim, maxClaimName)
	}
	p := xr.Spec.Parameters
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
		Wiring:         p.Wiring,
		SRV:            p.Federation.SRV,
		SSO:            p.SSO,

		DeletionProtection: *p.DeletionProtection,
		Snapshots:          p.Snapshots,
		Restore:            p.Restore,
		StartupTimeout:     p.StartupTimeoutDuration(),
	}
	if out.Restore != nil && out.Restore.FromClaim == claim {
		return nil, compose.InvalidField(fieldRestore+".fromClaim", errRestoreSelf)
	}
	if out.Host == "" {
		out.Host = out.ServerName
	}
	if err := checkServerName(req, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Delegated reports whether clients and servers find the homeserver through
// /.well-known/matrix/ on the server name, because it runs elsewhere.
func (p *params) Delegated() bool { return p.Host != p.ServerName }
