package v1alpha1

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
