package v1alpha1

import "k8s.io/apimachinery/pkg/util/validation/field"

// Wiring is how clients reach an app served over HTTP, and who else may: its
// route, the DNS records of its hosts and its NetworkPolicies. Every such kind
// embeds it inline in its parameters (spec.parameters.route, .dns, .network),
// and Homeplane's function composes it in one stage (fn/wiring) the same way
// for every kind.
type Wiring struct {
	// Route says how clients reach the app: an Ingress (the default) or a
	// Gateway API HTTPRoute.
	// +kubebuilder:default={ingress:{className:nginx}}
	Route Route `json:"route,omitempty"`

	// DNS publishes the app's hosts as records (A, AAAA or CNAME, from the
	// target) in a zone. Without it no record is composed; removing it
	// deletes the records.
	// +optional
	DNS *DNS `json:"dns,omitempty"`

	// Network limits who reaches the app's pods: the ingress controller's
	// namespace (ingressNamespace; with route.gateway, set it to the namespace
	// of the Gateway's proxy pods) and the pods of the claim's namespace
	// labelled allowFromPods, on the app's HTTP port only. Policies are on
	// unless policies is Disabled.
	// +optional
	Network *Network `json:"network,omitempty"`
}

// Default applies the XRD's defaults to the wiring blocks.
func (w *Wiring) Default() {
	w.Route.Default()
	if w.DNS != nil {
		w.DNS.Default()
	}
	if w.Network != nil {
		w.Network.Default()
	}
}

// Validate checks the wiring blocks, with field paths under path
// (spec.parameters).
func (w *Wiring) Validate(path *field.Path) field.ErrorList {
	errs := w.Route.Validate(path.Child("route"))
	if w.DNS != nil {
		errs = append(errs, w.DNS.Validate(path.Child("dns"))...)
	}
	if w.Network != nil {
		errs = append(errs, w.Network.Validate(path.Child("network"))...)
	}
	return errs
}

// SSO asks the identity provider behind a provider config for an OpenID
// Connect client for the app.
type SSO struct {
	// ProviderConfigRef selects the identity provider.
	ProviderConfigRef ProviderConfigReference `json:"providerConfigRef"`

	// Scopes the app asks for: OAuth scope tokens (ScopePattern, RFC 6749
	// section 3.3).
	// +kubebuilder:default={openid,profile,email}
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^[!#-\[\]-~]+$`
	Scopes []string `json:"scopes,omitempty"`
}

// Network limits who can reach the app's pods: everything is denied except
// what is listed here (and what the app itself needs).
type Network struct {
	// Policies turns the composed NetworkPolicies on or off. Turn them off
	// only on clusters whose CNI does not enforce NetworkPolicies.
	// +kubebuilder:default=Enabled
	// +kubebuilder:validation:Enum=Enabled;Disabled
	Policies string `json:"policies,omitempty"`

	// IngressNamespace is the namespace of the ingress controller (or Gateway)
	// pods, which may reach the app's HTTP port: a DNS-1123 label
	// (NamespacePattern).
	// +kubebuilder:default=ingress-nginx
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	IngressNamespace string `json:"ingressNamespace,omitempty"`

	// AllowFromPods lets pods in the claim's namespace with these labels reach
	// the app directly, bypassing the ingress. Keys are label keys
	// (validation.IsQualifiedName), values label values
	// (validation.IsValidLabelValue).
	// +optional
	// +kubebuilder:validation:MaxProperties=16
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.size() <= 317 && k.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$') && (!k.contains('/') || k.indexOf('/') <= 253))",message="allowFromPods keys must be label keys: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	AllowFromPods map[string]LabelValue `json:"allowFromPods,omitempty"`
}

// LabelValue is a label's value (validation.IsValidLabelValue): at most 63
// letters, digits, '-', '_' or '.', starting and ending with a letter or
// digit, or empty. A type of its own so the XRD can bound and check it.
// +kubebuilder:validation:MaxLength=63
// +kubebuilder:validation:Pattern=`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`
type LabelValue string

// Labels returns labels as plain strings, e.g. for a label selector.
func Labels(labels map[string]LabelValue) map[string]string {
	if labels == nil {
		return nil
	}
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		out[k] = string(v)
	}
	return out
}

// PoliciesEnabled reports whether NetworkPolicies are composed. A nil Network
// means the defaults, which enable them.
func (n *Network) PoliciesEnabled() bool { return n == nil || n.Policies != PoliciesDisabled }

// Namespace returns the ingress namespace, defaulted.
func (n *Network) Namespace() string {
	if n == nil || n.IngressNamespace == "" {
		return DefaultIngressNamespace
	}
	return n.IngressNamespace
}
