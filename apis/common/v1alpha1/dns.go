package v1alpha1

// ProviderConfigReference names a Homeplane provider config.
type ProviderConfigReference struct {
	// Name of the provider config.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// Kind is ProviderConfig (in the claim's namespace) or ClusterProviderConfig.
	// +kubebuilder:default=ClusterProviderConfig
	// +kubebuilder:validation:Enum=ProviderConfig;ClusterProviderConfig
	Kind string `json:"kind,omitempty"`
}

// KindOrDefault returns Kind, defaulted as the XRD defaults it.
func (r ProviderConfigReference) KindOrDefault() string {
	if r.Kind == "" {
		return "ClusterProviderConfig"
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
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// Key in the Secret.
	// +kubebuilder:validation:MinLength=1
	Key string `json:"key"`
}

// LocalSecretReference names a Secret in the claim's namespace.
type LocalSecretReference struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
}
