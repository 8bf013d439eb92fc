package v1alpha1

// ProviderConfigReference names a Homeplane provider config.
type ProviderConfigReference struct {
	// Name of the provider config.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// Kind is ProviderConfig (in the claim's namespace) or
	// ClusterProviderConfig (DefaultProviderConfigKind).
	// +kubebuilder:default=ClusterProviderConfig
	// +kubebuilder:validation:Enum=ProviderConfig;ClusterProviderConfig
	Kind string `json:"kind,omitempty"`
}

// KindOrDefault returns Kind, defaulted as the XRD defaults it.
func (r ProviderConfigReference) KindOrDefault() string {
	if r.Kind == "" {
		return DefaultProviderConfigKind
	}
	return r.Kind
}

// DNS publishes the app's hosts as records in a zone.
type DNS struct {
	// ProviderConfigRef selects the DNS backend.
	ProviderConfigRef ProviderConfigReference `json:"providerConfigRef"`

	// Zone is the DNS zone that holds the app's hosts, e.g. example.org.
	// +kubebuilder:validation:MinLength=1
	Zone string `json:"zone"`

	// Target is an IP address (A/AAAA record) or a host name (CNAME) that
	// the app's hosts point at, usually the ingress load balancer.
	// +kubebuilder:validation:MinLength=1
	Target string `json:"target"`
}

// SecretKeySelector selects a key of a Secret in the claim's namespace.
type SecretKeySelector struct {
	// Name of the Secret: a DNS-1123 subdomain (SecretNamePattern), at most
	// 253 characters.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`

	// Key in the Secret: letters, digits, '-', '_' and '.'
	// (SecretKeyPattern), at most 253 characters, neither '.' nor starting
	// with '..'.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self != '.' && !self.startsWith('..')",message="a Secret key may not be '.' or start with '..'"
	Key string `json:"key"`
}

// LocalSecretReference names a Secret in the claim's namespace.
type LocalSecretReference struct {
	// Name of the Secret: a DNS-1123 subdomain (SecretNamePattern).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}
