package v1alpha1

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"time"

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

	// SnapshotNamePattern is a DNS-1123 label: snapshot entry names, which
	// end the VolumeSnapshot's name.
	SnapshotNamePattern = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// SnapshotClassPattern is a DNS-1123 subdomain: a VolumeSnapshotClass.
	SnapshotClassPattern = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// MatrixServerClaimNamePattern is a DNS-1035 label: the function
	// names the homeserver's Service after the claim.
	MatrixServerClaimNamePattern = `^[a-z]([-a-z0-9]*[a-z0-9])?$`
	// StartupTimeoutPattern is a duration of hours, minutes and seconds
	// that both Go's time.ParseDuration and CEL's duration() read.
	StartupTimeoutPattern = `^([0-9]{1,2}h)?([0-9]{1,4}m)?([0-9]{1,5}s)?$`

	MaxSnapshots             = 16
	MaxSnapshotNameLength    = 32
	MaxSnapshotClassLength   = 253
	MaxMatrixServerClaimName = 56
	MinStartupTimeout        = time.Minute
	MaxStartupTimeout        = 24 * time.Hour
	MaxStartupTimeoutLength  = 16

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
	DefaultStartupTimeout = "30m"
)

// DefaultTrustedServers are asked for other servers' signing keys.
var DefaultTrustedServers = []string{"matrix.org"}

var (
	dnsNameRE    = regexp.MustCompile(DNSNamePattern)
	serverNameRE = regexp.MustCompile(ServerNamePattern)
	turnURIRE    = regexp.MustCompile(TURNURIPattern)
	imageRE      = regexp.MustCompile(ImagePattern)
	snapshotRE   = regexp.MustCompile(SnapshotNamePattern)
	classRE      = regexp.MustCompile(SnapshotClassPattern)
	claimNameRE  = regexp.MustCompile(MatrixServerClaimNamePattern)
	startupRE    = regexp.MustCompile(StartupTimeoutPattern)
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
	if p.StartupTimeout == "" {
		p.StartupTimeout = DefaultStartupTimeout
	}
}

// StartupTimeoutDuration is StartupTimeout as a duration, defaulted. It is
// only meaningful on parameters that Validate accepts; an unparsable value
// is the default.
func (p *MatrixServerParameters) StartupTimeoutDuration() time.Duration {
	s := p.StartupTimeout
	if s == "" {
		s = DefaultStartupTimeout
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		d, _ = time.ParseDuration(DefaultStartupTimeout)
	}
	return d
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
	errs = append(errs, validateSnapshots(path.Child("snapshots"), p.Snapshots)...)
	if r := p.Restore; r != nil {
		errs = append(errs, r.Validate(path.Child("restore"))...)
	}
	errs = append(errs, validateStartupTimeout(path.Child("startupTimeout"), p.StartupTimeout)...)
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

// validateSnapshots checks the list's bound, each entry's name and class, and
// that names are unique (the XRD's listType=map).
func validateSnapshots(path *field.Path, snaps []Snapshot) field.ErrorList {
	var errs field.ErrorList
	if len(snaps) > MaxSnapshots {
		errs = append(errs, field.TooMany(path, len(snaps), MaxSnapshots))
	}
	seen := map[string]bool{}
	for i, s := range snaps {
		errs = append(errs, validateSnapshotName(path.Index(i).Child("name"), s.Name)...)
		if seen[s.Name] {
			errs = append(errs, field.Duplicate(path.Index(i), map[string]any{"name": s.Name}))
		}
		seen[s.Name] = true
		if c := s.VolumeSnapshotClassName; c != "" {
			switch {
			case len(c) > MaxSnapshotClassLength:
				errs = append(errs, field.TooLong(path.Index(i).Child("volumeSnapshotClassName"), c, MaxSnapshotClassLength))
			case !classRE.MatchString(c):
				errs = append(errs, field.Invalid(path.Index(i).Child("volumeSnapshotClassName"), c, "must be a VolumeSnapshotClass name (a lower case DNS-1123 subdomain)"))
			}
		}
	}
	return errs
}

func validateSnapshotName(path *field.Path, name string) field.ErrorList {
	switch {
	case name == "":
		return field.ErrorList{field.Required(path, "a name such as nightly-2026-11-30")}
	case len(name) > MaxSnapshotNameLength:
		return field.ErrorList{field.TooLong(path, name, MaxSnapshotNameLength)}
	case !snapshotRE.MatchString(name):
		return field.ErrorList{field.Invalid(path, name, "must be a lower case DNS-1123 label, e.g. nightly-2026-11-30")}
	}
	return nil
}

// Validate checks the source claim's name and the snapshot's.
func (r *Restore) Validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch c := r.FromClaim; {
	case c == "":
		errs = append(errs, field.Required(path.Child("fromClaim"), "a MatrixServer claim of this namespace"))
	case len(c) > MaxMatrixServerClaimName:
		errs = append(errs, field.TooLong(path.Child("fromClaim"), c, MaxMatrixServerClaimName))
	case !claimNameRE.MatchString(c):
		errs = append(errs, field.Invalid(path.Child("fromClaim"), c, "must be the name of a MatrixServer claim of this namespace (a DNS-1035 label)"))
	}
	return append(errs, validateSnapshotName(path.Child("snapshot"), r.Snapshot)...)
}

// validateStartupTimeout checks StartupTimeoutPattern and the bounds; empty
// is the default.
func validateStartupTimeout(path *field.Path, s string) field.ErrorList {
	if s == "" {
		return nil
	}
	if len(s) < 2 || len(s) > MaxStartupTimeoutLength || !startupRE.MatchString(s) {
		return field.ErrorList{field.Invalid(path, s, "must be a duration of hours, minutes and seconds such as 30m or 1h30m")}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < MinStartupTimeout || d > MaxStartupTimeout {
		return field.ErrorList{field.Invalid(path, s, fmt.Sprintf("startupTimeout must be between %s and %s", "1m", "24h"))}
	}
	return nil
}
