package v1alpha1

// SSO asks the identity provider behind a provider config for an OpenID
// Connect client for the app.
type SSO struct {
	// ProviderConfigRef selects the identity provider.
	ProviderConfigRef ProviderConfigReference `json:"providerConfigRef"`

	// Scopes the app asks for.
	// +kubebuilder:default={openid,profile,email}
	// +optional
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
	// pods, which may reach the app's HTTP port.
	// +kubebuilder:default=ingress-nginx
	IngressNamespace string `json:"ingressNamespace,omitempty"`

	// AllowFromPods lets pods in the claim's namespace with these labels reach
	// the app directly, bypassing the ingress.
	// +optional
	AllowFromPods map[string]string `json:"allowFromPods,omitempty"`
}

// PoliciesEnabled reports whether NetworkPolicies are composed. A nil Network
// means the defaults, which enable them.
func (n *Network) PoliciesEnabled() bool { return n == nil || n.Policies != "Disabled" }

// Namespace returns the ingress namespace, defaulted.
func (n *Network) Namespace() string {
	if n == nil || n.IngressNamespace == "" {
		return "ingress-nginx"
	}
	return n.IngressNamespace
}
