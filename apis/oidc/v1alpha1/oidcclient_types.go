package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// A ClientType says whether the client can keep a secret.
// +kubebuilder:validation:Enum=Confidential;Public
type ClientType string

// Client types.
const (
	ClientTypeConfidential ClientType = "Confidential"
	ClientTypePublic       ClientType = "Public"
)

// A TokenEndpointAuthMethod is how a confidential client authenticates at
// the token endpoint (RFC 7591 §2 token_endpoint_auth_method).
// +kubebuilder:validation:Enum=client_secret_basic;client_secret_post
type TokenEndpointAuthMethod string

// Token endpoint authentication methods.
const (
	TokenEndpointAuthBasic TokenEndpointAuthMethod = "client_secret_basic"
	TokenEndpointAuthPost  TokenEndpointAuthMethod = "client_secret_post"
)

// OIDCClientParameters are the desired state of an OpenID Connect client.
// +kubebuilder:validation:XValidation:rule="(has(self.authentik) && has(self.authentik.slug)) == (has(oldSelf.authentik) && has(oldSelf.authentik.slug)) && (!has(self.authentik) || !has(self.authentik.slug) || self.authentik.slug == oldSelf.authentik.slug)",message="authentik.slug is immutable: the application's slug names the issuer"
type OIDCClientParameters struct {
	// ClientID to ask for; backends that assign IDs (rfc7591) ignore it.
	// Defaults to "<namespace>.<name>".
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="clientID is immutable"
	ClientID string `json:"clientID,omitempty"`

	// DisplayName shown to users on consent screens.
	// +optional
	DisplayName string `json:"displayName,omitempty"`

	// RedirectURIs allowed after login.
	// +kubebuilder:validation:MinItems=1
	RedirectURIs []string `json:"redirectURIs"`

	// PostLogoutRedirectURIs allowed after logout.
	// +optional
	PostLogoutRedirectURIs []string `json:"postLogoutRedirectURIs,omitempty"`

	// GrantTypes the client may use.
	// +kubebuilder:default={"authorization_code","refresh_token"}
	// +optional
	GrantTypes []string `json:"grantTypes,omitempty"`

	// Scopes the client may request.
	// +kubebuilder:default={"openid","profile","email"}
	// +optional
	Scopes []string `json:"scopes,omitempty"`

	// ClientType Confidential gets a secret; Public does not.
	// +kubebuilder:default=Confidential
	// +optional
	ClientType ClientType `json:"clientType,omitempty"`

	// TokenEndpointAuthMethod of a confidential client: the secret in an
	// HTTP Basic header (client_secret_basic) or in the form
	// (client_secret_post). Registered with rfc7591 servers, which enforce
	// it; keycloak and authentik accept both and ignore it. Public clients
	// use none.
	// +kubebuilder:default=client_secret_basic
	// +optional
	TokenEndpointAuthMethod TokenEndpointAuthMethod `json:"tokenEndpointAuthMethod,omitempty"`

	// PKCE requires S256 code challenges where the backend can enforce it.
	// +optional
	PKCE bool `json:"pkce,omitempty"`

	// Keycloak holds Keycloak-only settings.
	// +optional
	Keycloak *KeycloakParameters `json:"keycloak,omitempty"`

	// Authentik holds authentik-only settings.
	// +optional
	Authentik *AuthentikParameters `json:"authentik,omitempty"`
}

// KeycloakParameters are Keycloak-only client settings.
type KeycloakParameters struct {
	// DefaultClientScopes replace the realm defaults when set.
	// +optional
	DefaultClientScopes []string `json:"defaultClientScopes,omitempty"`
	// OptionalClientScopes replace the realm defaults when set.
	// +optional
	OptionalClientScopes []string `json:"optionalClientScopes,omitempty"`
}

// AuthentikParameters are authentik-only client settings.
type AuthentikParameters struct {
	// Slug of the application; defaults to "<namespace>_<name>" (clients
	// created when the default was the bare resource name keep their
	// application). Immutable. The provider changes or deletes the
	// application at the slug only when it exposes this resource's own
	// authentik provider.
	// +optional
	Slug string `json:"slug,omitempty"`
}

// OIDCClientObservation is what the backend reports.
type OIDCClientObservation struct {
	// ClientID assigned by the backend.
	ClientID string `json:"clientID,omitempty"`
	// IssuerURL of the OpenID provider.
	IssuerURL string `json:"issuerURL,omitempty"`
	// RegistrationClientURI is the RFC 7592 management URL (rfc7591 only),
	// derived from the registration endpoint and the client ID.
	RegistrationClientURI string `json:"registrationClientURI,omitempty"`
	// BackendID is the backend's internal ID of the client (Keycloak UUID,
	// authentik provider pk), as the provider read it. Used as a shortcut
	// only when the client found there has this resource's client ID; the
	// backend_id key of the connection Secret, which the tenant can write,
	// is never read.
	BackendID string `json:"backendID,omitempty"`
	// SecretRotation is the value of the rotate-client-secret annotation
	// last acted on.
	SecretRotation string `json:"secretRotation,omitempty"`
	// DeletedClientID is the client this resource deleted at the backend
	// (the server confirmed the RFC 7592 §2.3 delete). Only after that is a
	// rejected registration access token taken as the client being gone;
	// before, it may be a lost token, and deletion waits rather than orphan
	// the client.
	DeletedClientID string `json:"deletedClientID,omitempty"`
}

// An OIDCClientSpec defines the desired state of an OIDCClient.
type OIDCClientSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              OIDCClientParameters `json:"forProvider"`
}

// An OIDCClientStatus represents the observed state of an OIDCClient.
type OIDCClientStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 OIDCClientObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="CLIENT-ID",type="string",JSONPath=".status.atProvider.clientID"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,homeplane}

// An OIDCClient is a client registered at an OpenID provider. Its connection
// secret carries client_id, client_secret, issuer_url and discovery_url.
type OIDCClient struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   OIDCClientSpec   `json:"spec"`
	Status OIDCClientStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// OIDCClientList contains a list of OIDCClient.
type OIDCClientList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []OIDCClient `json:"items"`
}

// AnnotationRotateSecret asks for a new client secret whenever its value
// changes (backends that can rotate: keycloak, authentik). The provider never
// rotates on its own, so a secret the backend cannot return is not lost.
const AnnotationRotateSecret = "oidc.homeplane.dev/rotate-client-secret"

// OIDCClient type metadata.
var (
	OIDCClientKind             = reflect.TypeOf(OIDCClient{}).Name()
	OIDCClientGroupKind        = schema.GroupKind{Group: Group, Kind: OIDCClientKind}.String()
	OIDCClientGroupVersionKind = SchemeGroupVersion.WithKind(OIDCClientKind)
)

func init() {
	SchemeBuilder.Register(&OIDCClient{}, &OIDCClientList{})
}
