package v1alpha1

import (
	"math"
	"regexp"
	"slices"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
)

// Rules of the claim, each written once: the +kubebuilder markers of the
// types spell the same for the XRD, and a test checks that the XRD and
// Validate agree.
const (
	// DNSNamePattern is a lower case DNS name with at least two labels, the
	// last not numeric (so not an IP address): serverName and host.
	DNSNamePattern = `^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`
	// ServerNamePattern is a Matrix server name: a DNS name and an optional
	// port.
	ServerNamePattern = `^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?(:[0-9]{1,5})?$`
	// TURNURIPattern is a turn: or turns: URI.
	TURNURIPattern = `^turns?:[^\s]+$`
	// ImagePattern is an image reference without white space.
	ImagePattern = `^[^\s]+$`

	MaxDNSNameLength    = 253
	MaxServerNameLength = 259
	MaxTrustedServers   = 16
	MaxTURNURIs         = 8
	MaxImageLength      = 512
	// MaxUploadSizeBytes: Conduit reads max_request_size as an unsigned
	// 32-bit number of bytes.
	MaxUploadSizeBytes = math.MaxUint32
)

// Defaults; the +kubebuilder:default markers say the same.
const (
	DefaultImplementation = ImplementationConduit
	DefaultDatabase       = DatabaseRocksDB
	DefaultRegistration   = RegistrationToken
	DefaultStorage        = "10Gi"
	DefaultMaxUploadSize  = "20Mi"
)

// DefaultTrustedServers are asked for other servers' signing keys.
var DefaultTrustedServers = []string{"matrix.org"}

var (
	dnsNameRE    = regexp.MustCompile(DNSNamePattern)
	serverNameRE = regexp.MustCompile(ServerNamePattern)
	turnURIRE    = regexp.MustCompile(TURNURIPattern)
	imageRE      = regexp.MustCompile(ImagePattern)
)

// DefaultResources of the homeserver: requests of 100m CPU and 256Mi
// memory, a 1Gi memory limit.
func DefaultResources() common.Resources {
	cpu, mem, limit := resource.MustParse("100m"), resource.MustParse("256Mi"), resource.MustParse("1Gi")
	return common.Resources{
		Requests: &common.ResourceList{CPU: &cpu, Memory: &mem},
		Limits:   &common.ResourceList{Memory: &limit},
	}
}

// Default applies the XRD's defaults to the composite's parameters.
func (x *XMatrixServer) Default() { x.Spec.Parameters.Default() }

// Validate checks the composite's parameters; errors are under
// spec.parameters.
func (x *XMatrixServer) Validate() field.ErrorList {
	return x.Spec.Parameters.Validate(field.NewPath("spec", "parameters"))
}

// Default applies the +kubebuilder:default markers' values to empty fields,
// and DefaultResources when the claim sets none.
func (p *MatrixServerParameters) Default() {
	if p.Implementation == "" {
		p.Implementation = DefaultImplementation
	}
	if p.Storage == nil {
		p.Storage = ptr.To(resource.MustParse(DefaultStorage))
	}
	if p.Database == "" {
		p.Database = DefaultDatabase
	}
	if p.Registration == "" {
		p.Registration = DefaultRegistration
	}
	if p.Federation.Enabled == nil {
		p.Federation.Enabled = ptr.To(true)
	}
	if p.Federation.TrustedServers == nil {
		p.Federation.TrustedServers = slices.Clone(DefaultTrustedServers)
	}
	if p.MaxUploadSize == nil {
		p.MaxUploadSize = ptr.To(resource.MustParse(DefaultMaxUploadSize))
	}
	if p.Resources == nil {
		p.Resources = ptr.To(DefaultResources())
	}
	p.Wiring.Default()
	if p.SSO != nil {
		p.SSO.Default()
	}
	if p.DeletionProtection == nil {
		p.DeletionProtection = ptr.To(false)
	}
}

// Validate checks every rule of the XRD's schema, with the field path of
// each error under path (spec.parameters). Empty fields are valid where the
// XRD defaults them.
func (p *MatrixServerParameters) Validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if p.ServerName == "" {
		errs = append(errs, field.Required(path.Child("serverName"), "the Matrix domain in user IDs, e.g. example.org"))
	} else {
		errs = append(errs, validateDNSName(path.Child("serverName"), p.ServerName)...)
	}
	if p.Host != "" {
		errs = append(errs, validateDNSName(path.Child("host"), p.Host)...)
	}
	impls := []Implementation{ImplementationConduit, ImplementationTuwunel, ImplementationContinuwuity}
	if p.Implementation != "" && !slices.Contains(impls, p.Implementation) {
		errs = append(errs, field.NotSupported(path.Child("implementation"), p.Implementation, impls))
	}
	if p.Image != "" {
		switch {
		case len(p.Image) > MaxImageLength:
			errs = append(errs, field.TooLong(path.Child("image"), p.Image, MaxImageLength))
		case !imageRE.MatchString(p.Image):
			errs = append(errs, field.Invalid(path.Child("image"), p.Image, "must be an image reference without spaces"))
		}
	}
	errs = append(errs, common.ValidatePositive(path.Child("storage"), p.Storage)...)
	switch p.Database {
	case "", DatabaseRocksDB:
	case DatabaseSQLite:
		if p.Implementation != "" && p.Implementation != ImplementationConduit {
			errs = append(errs, field.Invalid(path.Child("database"), p.Database, "database sqlite is only supported by the conduit implementation"))
		}
	default:
		errs = append(errs, field.NotSupported(path.Child("database"), p.Database, []Database{DatabaseRocksDB, DatabaseSQLite}))
	}
	regs := []Registration{RegistrationClosed, RegistrationToken, RegistrationOpen}
	if p.Registration != "" && !slices.Contains(regs, p.Registration) {
		errs = append(errs, field.NotSupported(path.Child("registration"), p.Registration, regs))
	}
	if r := p.RegistrationTokenSecretRef; r != nil {
		if p.Registration != "" && p.Registration != RegistrationToken {
			errs = append(errs, field.Forbidden(path.Child("registrationTokenSecretRef"), "registrationTokenSecretRef needs registration token"))
		}
		errs = append(errs, r.Validate(path.Child("registrationTokenSecretRef"))...)
	}
	errs = append(errs, validateTrustedServers(path.Child("federation", "trustedServers"), p.Federation.TrustedServers)...)
	if t := p.TURN; t != nil {
		errs = append(errs, t.Validate(path.Child("turn"))...)
	}
	if q := p.MaxUploadSize; q != nil {
		errs = append(errs, common.ValidatePositive(path.Child("maxUploadSize"), q)...)
		if q.Cmp(*resource.NewQuantity(MaxUploadSizeBytes, resource.BinarySI)) > 0 {
			errs = append(errs, field.Invalid(path.Child("maxUploadSize"), q.String(), "must be at most 4294967295 bytes (4Gi-1)"))
		}
	}
	levels := []LogLevel{"error", "warn", "info", "debug", "trace"}
	if p.LogLevel != "" && !slices.Contains(levels, p.LogLevel) {
		errs = append(errs, field.NotSupported(path.Child("logLevel"), p.LogLevel, levels))
	}
	if p.Resources != nil {
		errs = append(errs, p.Resources.Validate(path.Child("resources"))...)
	}
	errs = append(errs, p.Wiring.Validate(path)...)
	if p.Federation.SRV {
		if p.Host != "" && p.Host != p.ServerName {
			errs = append(errs, field.Invalid(path.Child("federation", "srv"), true, "federation.srv needs host to equal serverName: servers found through SRV ask for the server name's certificate, which only the delegation route serves"))
		}
		if p.DNS == nil {
			errs = append(errs, field.Invalid(path.Child("federation", "srv"), true, "federation.srv needs dns: the SRV records are published in its zone"))
		}
	}
	if s := p.SSO; s != nil {
		if p.Implementation == "" || p.Implementation == ImplementationConduit {
			errs = append(errs, field.Forbidden(path.Child("sso"), "sso needs implementation tuwunel (which migrates a Conduit database in place) or continuwuity: Conduit has no single sign-on"))
		}
		errs = append(errs, s.Validate(path.Child("sso"))...)
	}
	return errs
}

func validateDNSName(path *field.Path, name string) field.ErrorList {
	switch {
	case len(name) > MaxDNSNameLength:
		return field.ErrorList{field.TooLong(path, name, MaxDNSNameLength)}
	case !dnsNameRE.MatchString(name):
		return field.ErrorList{field.Invalid(path, name, "must be a lower case DNS name such as example.org")}
	}
	return nil
}

func validateTrustedServers(path *field.Path, servers []string) field.ErrorList {
	var errs field.ErrorList
	if len(servers) > MaxTrustedServers {
		errs = append(errs, field.TooMany(path, len(servers), MaxTrustedServers))
	}
	for i, s := range servers {
		switch {
		case len(s) > MaxServerNameLength:
			errs = append(errs, field.TooLong(path.Index(i), s, MaxServerNameLength))
		case !serverNameRE.MatchString(s):
			errs = append(errs, field.Invalid(path.Index(i), s, "must be a Matrix server name such as matrix.org"))
		}
		if slices.Contains(servers[:i], s) {
			errs = append(errs, field.Duplicate(path.Index(i), s))
		}
	}
	return errs
}

// Validate checks the URIs and the shared secret's Secret name and key.
func (t *TURN) Validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case len(t.URIs) == 0:
		errs = append(errs, field.Required(path.Child("uris"), "list the TURN server's URIs, e.g. turn:turn.example.org"))
	case len(t.URIs) > MaxTURNURIs:
		errs = append(errs, field.TooMany(path.Child("uris"), len(t.URIs), MaxTURNURIs))
	}
	for i, u := range t.URIs {
		if !turnURIRE.MatchString(u) {
			errs = append(errs, field.Invalid(path.Child("uris").Index(i), u, "must be a turn: or turns: URI"))
		}
	}
	return append(errs, t.SharedSecretRef.Validate(path.Child("sharedSecretRef"))...)
}
