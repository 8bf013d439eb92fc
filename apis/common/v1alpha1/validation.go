package v1alpha1

import (
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Defaults of the shared blocks; the +kubebuilder:default markers say the
// same, and Default applies them to a composite the API server did not
// default (a render, a unit test, a composite older than the default).
const (
	DefaultProviderConfigKind = "ClusterProviderConfig"
	DefaultIngressNamespace   = "ingress-nginx"
	DefaultPolicies           = PoliciesEnabled
	DefaultIngressClass       = "nginx"
)

// Network policy switches (Network.Policies).
const (
	PoliciesEnabled  = "Enabled"
	PoliciesDisabled = "Disabled"
)

// Patterns the XRD markers spell out; Validate checks the same rules with
// k8s.io/apimachinery/pkg/util/validation, which the API server uses for the
// objects these values end up in.
const (
	// SecretNamePattern is a DNS-1123 subdomain (validation.IsDNS1123Subdomain),
	// at most 253 characters: what a Secret's name must be.
	SecretNamePattern = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// SecretKeyPattern is a Secret data key (validation.IsConfigMapKey), at
	// most 253 characters and neither "." nor starting with "..".
	SecretKeyPattern = `^[-._a-zA-Z0-9]+$`
	// NamespacePattern is a DNS-1123 label (validation.IsDNS1123Label), at
	// most 63 characters: what a namespace's name must be.
	NamespacePattern = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
)

// providerConfigKinds are the kinds a ProviderConfigReference may name.
var providerConfigKinds = []string{"ProviderConfig", "ClusterProviderConfig"}

// Default sets Kind to DefaultProviderConfigKind when it is empty.
func (r *ProviderConfigReference) Default() {
	if r.Kind == "" {
		r.Kind = DefaultProviderConfigKind
	}
}

// Validate checks the reference: a name, and a kind of ProviderConfig or
// ClusterProviderConfig (empty is the default). Errors are under path.
func (r ProviderConfigReference) Validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if r.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), "name the provider config"))
	}
	if r.Kind != "" && !slices.Contains(providerConfigKinds, r.Kind) {
		errs = append(errs, field.NotSupported(path.Child("kind"), r.Kind, providerConfigKinds))
	}
	return errs
}

// Default defaults the provider config reference.
func (d *DNS) Default() { d.ProviderConfigRef.Default() }

// Validate checks the provider config reference, the zone and the target.
func (d DNS) Validate(path *field.Path) field.ErrorList {
	errs := d.ProviderConfigRef.Validate(path.Child("providerConfigRef"))
	if d.Zone == "" {
		errs = append(errs, field.Required(path.Child("zone"), "name the DNS zone, e.g. example.org"))
	}
	if d.Target == "" {
		errs = append(errs, field.Required(path.Child("target"), "name the IP address or host the records point at"))
	}
	return errs
}

// DefaultScopes are the OAuth scopes an app asks for by default.
var DefaultScopes = []string{"openid", "profile", "email"}

// ScopePattern is an OAuth scope token (RFC 6749 section 3.3): printable
// ASCII without space, '"' or '\\'.
const ScopePattern = `^[!#-\[\]-~]+$`

// MaxScopes and MaxScopeLength bound SSO.Scopes.
const (
	MaxScopes      = 32
	MaxScopeLength = 256
)

var scopeRE = regexp.MustCompile(ScopePattern)

// Default defaults the provider config reference and the scopes.
func (s *SSO) Default() {
	s.ProviderConfigRef.Default()
	if s.Scopes == nil {
		s.Scopes = slices.Clone(DefaultScopes)
	}
}

// Validate checks the provider config reference and the scopes.
func (s SSO) Validate(path *field.Path) field.ErrorList {
	errs := s.ProviderConfigRef.Validate(path.Child("providerConfigRef"))
	if len(s.Scopes) > MaxScopes {
		errs = append(errs, field.TooMany(path.Child("scopes"), len(s.Scopes), MaxScopes))
	}
	for i, sc := range s.Scopes {
		switch {
		case len(sc) > MaxScopeLength:
			errs = append(errs, field.TooLong(path.Child("scopes").Index(i), sc, MaxScopeLength))
		case !scopeRE.MatchString(sc):
			errs = append(errs, field.Invalid(path.Child("scopes").Index(i), sc, "must be an OAuth scope: printable ASCII without spaces, quotes or backslashes"))
		}
	}
	return errs
}

// Validate checks the Secret's name and key (SecretNamePattern,
// SecretKeyPattern).
func (s SecretKeySelector) Validate(path *field.Path) field.ErrorList {
	return append(ValidateSecretName(path.Child("name"), s.Name), ValidateSecretKey(path.Child("key"), s.Key)...)
}

// Validate checks the Secret's name (SecretNamePattern).
func (s LocalSecretReference) Validate(path *field.Path) field.ErrorList {
	return ValidateSecretName(path.Child("name"), s.Name)
}

// ValidateSecretName checks that name can name a Secret: a DNS-1123
// subdomain (no '/', no '..', at most 253 characters).
func ValidateSecretName(path *field.Path, name string) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(path, "name the Secret")}
	}
	return invalid(path, name, validation.IsDNS1123Subdomain(name))
}

// ValidateSecretKey checks that key can be a Secret's data key.
func ValidateSecretKey(path *field.Path, key string) field.ErrorList {
	if key == "" {
		return field.ErrorList{field.Required(path, "name the key in the Secret")}
	}
	return invalid(path, key, validation.IsConfigMapKey(key))
}

// ValidateNamespace checks that ns can name a namespace: a DNS-1123 label.
func ValidateNamespace(path *field.Path, ns string) field.ErrorList {
	return invalid(path, ns, validation.IsDNS1123Label(ns))
}

// MaxPodLabels bounds a network block's allowFromPods (and the XRD's cost of
// checking its keys).
const MaxPodLabels = 16

// ValidatePodLabels checks that labels can select pods: at most
// MaxPodLabels, keys qualified names (validation.IsQualifiedName), values
// label values (validation.IsValidLabelValue). Errors name the key, e.g.
// path[app].
func ValidatePodLabels(path *field.Path, labels map[string]LabelValue) field.ErrorList {
	var errs field.ErrorList
	if len(labels) > MaxPodLabels {
		errs = append(errs, field.TooMany(path, len(labels), MaxPodLabels))
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		errs = append(errs, invalid(path.Key(k), k, validation.IsQualifiedName(k))...)
		v := string(labels[k])
		errs = append(errs, invalid(path.Key(k), v, validation.IsValidLabelValue(v))...)
	}
	return errs
}

// ValidatePositive checks that q is more than zero, e.g. a volume's size.
func ValidatePositive(path *field.Path, q *resource.Quantity) field.ErrorList {
	if q != nil && q.Sign() <= 0 {
		return field.ErrorList{field.Invalid(path, q.String(), "must be greater than zero")}
	}
	return nil
}

// invalid turns apimachinery's messages about v into one error at path.
func invalid(path *field.Path, v string, msgs []string) field.ErrorList {
	if len(msgs) == 0 {
		return nil
	}
	return field.ErrorList{field.Invalid(path, v, strings.Join(msgs, "; "))}
}

// Default sets the policies switch and the ingress namespace when empty.
func (n *Network) Default() {
	if n.Policies == "" {
		n.Policies = DefaultPolicies
	}
	if n.IngressNamespace == "" {
		n.IngressNamespace = DefaultIngressNamespace
	}
}

// Validate checks the switch, the ingress namespace (a DNS-1123 label) and
// the pod labels (label keys and values).
func (n Network) Validate(path *field.Path) field.ErrorList {
	errs := ValidatePolicies(path.Child("policies"), n.Policies)
	if n.IngressNamespace != "" {
		errs = append(errs, ValidateNamespace(path.Child("ingressNamespace"), n.IngressNamespace)...)
	}
	return append(errs, ValidatePodLabels(path.Child("allowFromPods"), n.AllowFromPods)...)
}

// ValidatePolicies checks a policies switch: Enabled, Disabled or empty
// (the default).
func ValidatePolicies(path *field.Path, v string) field.ErrorList {
	if v != "" && v != PoliciesEnabled && v != PoliciesDisabled {
		return field.ErrorList{field.NotSupported(path, v, []string{PoliciesEnabled, PoliciesDisabled})}
	}
	return nil
}

// Validate checks that no amount is negative and that no request exceeds
// its limit, as the API server would for the container.
func (r Resources) Validate(path *field.Path) field.ErrorList {
	var req, lim ResourceList
	if r.Requests != nil {
		req = *r.Requests
	}
	if r.Limits != nil {
		lim = *r.Limits
	}
	var errs field.ErrorList
	for _, a := range []struct {
		name       string
		request, l *resource.Quantity
	}{{"cpu", req.CPU, lim.CPU}, {"memory", req.Memory, lim.Memory}} {
		if a.request != nil && a.request.Sign() < 0 {
			errs = append(errs, field.Invalid(path.Child("requests", a.name), a.request.String(), "must not be negative"))
		}
		if a.l != nil && a.l.Sign() < 0 {
			errs = append(errs, field.Invalid(path.Child("limits", a.name), a.l.String(), "must not be negative"))
		}
		if a.request != nil && a.l != nil && a.request.Cmp(*a.l) > 0 {
			errs = append(errs, field.Invalid(path.Child("requests", a.name), a.request.String(), "must be less than or equal to the limit "+a.l.String()))
		}
	}
	return errs
}

// Default applies the XRD's route defaults: an Ingress of class nginx,
// controller nginx, when the route says nothing; a ClusterIssuer.
func (r *Route) Default() {
	if r.Ingress == nil && r.Gateway == nil && r.TLS == nil {
		r.Ingress = &IngressRoute{}
	}
	if i := r.Ingress; i != nil {
		if i.ClassName == "" {
			i.ClassName = DefaultIngressClass
		}
		if i.Controller == "" {
			i.Controller = IngressControllerNginx
		}
	}
	if r.TLS != nil && r.TLS.IssuerKind == "" {
		r.TLS.IssuerKind = IssuerKindClusterIssuer
	}
}

// Validate checks that at most one of ingress and gateway is set, the
// ingress controller, the gateway's name and namespace and the issuer.
func (r Route) Validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if r.Ingress != nil && r.Gateway != nil {
		errs = append(errs, field.Forbidden(path.Child("gateway"), "set at most one of route.ingress or route.gateway"))
	}
	if i := r.Ingress; i != nil {
		switch i.Controller {
		case "", IngressControllerNginx, IngressControllerHAProxy, IngressControllerTraefik, IngressControllerOther:
		default:
			errs = append(errs, field.NotSupported(path.Child("ingress", "controller"), i.Controller,
				[]IngressController{IngressControllerNginx, IngressControllerHAProxy, IngressControllerTraefik, IngressControllerOther}))
		}
	}
	if g := r.Gateway; g != nil {
		if g.Name == "" {
			errs = append(errs, field.Required(path.Child("gateway", "name"), "name the Gateway"))
		}
		if g.Namespace != "" {
			errs = append(errs, ValidateNamespace(path.Child("gateway", "namespace"), g.Namespace)...)
		}
	}
	if t := r.TLS; t != nil {
		if t.Issuer == "" {
			errs = append(errs, field.Required(path.Child("tls", "issuer"), "name the cert-manager issuer"))
		}
		if t.IssuerKind != "" && t.IssuerKind != IssuerKindIssuer && t.IssuerKind != IssuerKindClusterIssuer {
			errs = append(errs, field.NotSupported(path.Child("tls", "issuerKind"), t.IssuerKind, []IssuerKind{IssuerKindIssuer, IssuerKindClusterIssuer}))
		}
	}
	return errs
}

// Requirements are the container's resource requirements; a list without
// amounts is left out rather than written as {}.
func (r Resources) Requirements() corev1.ResourceRequirements {
	list := func(l *ResourceList) corev1.ResourceList {
		if l == nil || (l.CPU == nil && l.Memory == nil) {
			return nil
		}
		out := corev1.ResourceList{}
		if l.CPU != nil {
			out[corev1.ResourceCPU] = l.CPU.DeepCopy()
		}
		if l.Memory != nil {
			out[corev1.ResourceMemory] = l.Memory.DeepCopy()
		}
		return out
	}
	return corev1.ResourceRequirements{Requests: list(r.Requests), Limits: list(r.Limits)}
}
