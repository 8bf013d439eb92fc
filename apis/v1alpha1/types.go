package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// A BackendType names the external API a ProviderConfig talks to.
// +kubebuilder:validation:Enum=rfc2136;powerdns;rfc7591;keycloak;authentik
type BackendType string

// Supported backends.
const (
	BackendRFC2136   BackendType = "rfc2136"
	BackendPowerDNS  BackendType = "powerdns"
	BackendRFC7591   BackendType = "rfc7591"
	BackendKeycloak  BackendType = "keycloak"
	BackendAuthentik BackendType = "authentik"
)

// ProviderCredentials selects where the backend secret comes from. What the
// secret is depends on the backend: the TSIG secret (base64) for rfc2136, the
// API key for powerdns, an initial access token (optional) for rfc7591, the
// admin client secret or password for keycloak, an API token for authentik.
type ProviderCredentials struct {
	// Source of the provider credentials.
	// +kubebuilder:validation:Enum=None;Secret;Environment;Filesystem
	// +kubebuilder:default=Secret
	Source xpv2.CredentialsSource `json:"source"`

	xpv2.CommonCredentialSelectors `json:",inline"`
}

// RFC2136Config talks DNS UPDATE to a primary server.
type RFC2136Config struct {
	// Server is the primary's host:port; always dialled over TCP.
	// +kubebuilder:validation:MinLength=1
	Server string `json:"server"`

	// TSIGKeyName is the key name as configured on the server.
	// +kubebuilder:validation:MinLength=1
	TSIGKeyName string `json:"tsigKeyName"`

	// TSIGAlgorithm signs every message.
	// +kubebuilder:validation:Enum=hmac-sha256;hmac-sha512
	// +kubebuilder:default=hmac-sha256
	// +optional
	TSIGAlgorithm string `json:"tsigAlgorithm,omitempty"`

	// AllowDelegations lets RecordSets of type NS below the zone's apex be
	// managed with this config. Such a set is a delegation: every name at
	// and below it is then answered by the name servers it names, including
	// names other tenants' RecordSets hold, so it is the platform admin's
	// choice and off by default (a namespaced ProviderConfig can allow it
	// only for its own credentials, whose key bounds what it can change
	// anyway). Even when allowed, a delegation over a set or ownership
	// marker of another owner is refused.
	// +optional
	AllowDelegations bool `json:"allowDelegations,omitempty"`
}

// PowerDNSConfig talks to the PowerDNS authoritative HTTP API.
type PowerDNSConfig struct {
	// URL of the API, e.g. http://pdns:8081 (the /api/v1 prefix is added).
	// +kubebuilder:validation:MinLength=1
	URL string `json:"url"`

	// ServerID in the API path.
	// +kubebuilder:default=localhost
	// +optional
	ServerID string `json:"serverID,omitempty"`

	// AllowDelegations lets RecordSets of type NS below the zone's apex be
	// managed with this config. Such a set is a delegation: every name at
	// and below it is then answered by the name servers it names, including
	// names other tenants' RecordSets hold, so it is the platform admin's
	// choice and off by default (a namespaced ProviderConfig can allow it
	// only for its own credentials, whose key bounds what it can change
	// anyway). Even when allowed, a delegation over a set or ownership
	// marker of another owner is refused.
	// +optional
	AllowDelegations bool `json:"allowDelegations,omitempty"`
}

// RFC7591Config registers clients through OpenID Connect Dynamic Client
// Registration and manages them through RFC 7592.
type RFC7591Config struct {
	// IssuerURL of the OpenID provider; discovery is read from it.
	// +kubebuilder:validation:MinLength=1
	IssuerURL string `json:"issuerURL"`

	// RegistrationEndpoint overrides the one announced by discovery.
	// +optional
	RegistrationEndpoint string `json:"registrationEndpoint,omitempty"`

	// AdminURL of an Ory Hydra admin API (e.g. http://hydra-admin:4445).
	// RFC 7592 answers 401 both for a deleted client and for a rejected
	// registration access token, so without it the provider reports a
	// rejected token and never registers a replacement on its own; with it,
	// a client that GET /admin/clients/{id} answers 404 for is registered
	// anew.
	// +optional
	AdminURL string `json:"adminURL,omitempty"`
}

// KeycloakConfig talks to the Keycloak admin REST API.
type KeycloakConfig struct {
	// URL of Keycloak, e.g. https://sso.example.org.
	// +kubebuilder:validation:MinLength=1
	URL string `json:"url"`

	// Realm the clients live in.
	// +kubebuilder:validation:MinLength=1
	Realm string `json:"realm"`

	// AuthRealm the admin authenticates against; defaults to Realm.
	// +optional
	AuthRealm string `json:"authRealm,omitempty"`

	// ClientID used to get an admin token.
	// +kubebuilder:default=admin-cli
	// +optional
	ClientID string `json:"clientID,omitempty"`

	// Username selects the password grant; without it the client_credentials
	// grant is used and the credentials are the client secret.
	// +optional
	Username string `json:"username,omitempty"`
}

// AuthentikConfig talks to the authentik API v3.
type AuthentikConfig struct {
	// URL of authentik, e.g. https://auth.example.org.
	// +kubebuilder:validation:MinLength=1
	URL string `json:"url"`

	// AuthorizationFlow slug for new OAuth2 providers.
	// +kubebuilder:default=default-provider-authorization-implicit-consent
	// +optional
	AuthorizationFlow string `json:"authorizationFlow,omitempty"`

	// InvalidationFlow slug for new OAuth2 providers.
	// +kubebuilder:default=default-provider-invalidation-flow
	// +optional
	InvalidationFlow string `json:"invalidationFlow,omitempty"`
}

// ProviderConfigSpec selects one backend and its credentials.
// +kubebuilder:validation:XValidation:rule="self.type != 'rfc2136' || has(self.rfc2136)",message="type rfc2136 needs the rfc2136 block"
// +kubebuilder:validation:XValidation:rule="self.type != 'powerdns' || has(self.powerdns)",message="type powerdns needs the powerdns block"
// +kubebuilder:validation:XValidation:rule="self.type != 'rfc7591' || has(self.rfc7591)",message="type rfc7591 needs the rfc7591 block"
// +kubebuilder:validation:XValidation:rule="self.type != 'keycloak' || has(self.keycloak)",message="type keycloak needs the keycloak block"
// +kubebuilder:validation:XValidation:rule="self.type != 'authentik' || has(self.authentik)",message="type authentik needs the authentik block"
type ProviderConfigSpec struct {
	// Type of backend.
	Type BackendType `json:"type"`

	// OwnerID is written into ownership markers (DNS TXT markers, keycloak
	// client attributes) with the managed resource's namespace and name; two
	// control planes sharing a zone or realm must use different values.
	// +kubebuilder:default=homeplane
	// +optional
	OwnerID string `json:"ownerID,omitempty"`

	// +optional
	RFC2136 *RFC2136Config `json:"rfc2136,omitempty"`
	// +optional
	PowerDNS *PowerDNSConfig `json:"powerdns,omitempty"`
	// +optional
	RFC7591 *RFC7591Config `json:"rfc7591,omitempty"`
	// +optional
	Keycloak *KeycloakConfig `json:"keycloak,omitempty"`
	// +optional
	Authentik *AuthentikConfig `json:"authentik,omitempty"`

	// Credentials for the backend.
	Credentials ProviderCredentials `json:"credentials"`
}

// A ProviderConfigStatus reflects the observed state of a ProviderConfig.
type ProviderConfigStatus struct {
	xpv2.ProviderConfigStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="TYPE",type="string",JSONPath=".spec.type"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,provider,homeplane}

// A ProviderConfig configures how managed resources in its namespace reach a
// DNS or OIDC backend.
//
// A namespaced ProviderConfig belongs to a tenant, while the provider runs
// with cluster-wide rights, so its credentials may only come from a Secret in
// its own namespace: Filesystem or Environment would make the provider read
// its own service-account token or environment and send it to a backend URL
// the tenant chose. The API server refuses any other source; the provider
// refuses it again when it connects, together with a secretRef in another
// namespace. ClusterProviderConfig, owned by the cluster admin, keeps every
// source.
type ProviderConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:validation:XValidation:rule="self.credentials.source == 'Secret'",message="a namespaced ProviderConfig may only use credentials.source Secret (a Secret in its own namespace); Filesystem, Environment and None are reserved to ClusterProviderConfig"
	// +kubebuilder:validation:XValidation:rule="self.credentials.source != 'Secret' || has(self.credentials.secretRef)",message="credentials.source Secret needs credentials.secretRef"
	Spec   ProviderConfigSpec   `json:"spec"`
	Status ProviderConfigStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ProviderConfigList contains a list of ProviderConfig.
type ProviderConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ProviderConfig `json:"items"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="TYPE",type="string",JSONPath=".spec.type"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Cluster,categories={crossplane,provider,homeplane}

// A ClusterProviderConfig configures a backend for managed resources in any
// namespace. Credential secrets are read from the namespace in secretRef.
type ClusterProviderConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ProviderConfigSpec   `json:"spec"`
	Status ProviderConfigStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ClusterProviderConfigList contains a list of ClusterProviderConfig.
type ClusterProviderConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterProviderConfig `json:"items"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="CONFIG-NAME",type="string",JSONPath=".providerConfigRef.name"
// +kubebuilder:printcolumn:name="RESOURCE-KIND",type="string",JSONPath=".resourceRef.kind"
// +kubebuilder:printcolumn:name="RESOURCE-NAME",type="string",JSONPath=".resourceRef.name"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,provider,homeplane}

// A ProviderConfigUsage records that a managed resource uses a ProviderConfig
// or a ClusterProviderConfig (providerConfigRef.kind tells which). It lives in
// the resource's namespace, so one kind serves both config scopes.
type ProviderConfigUsage struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	xpv2.TypedProviderConfigUsage `json:",inline"`
}

// +kubebuilder:object:root=true

// ProviderConfigUsageList contains a list of ProviderConfigUsage.
type ProviderConfigUsageList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ProviderConfigUsage `json:"items"`
}
