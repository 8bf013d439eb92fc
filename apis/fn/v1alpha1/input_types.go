package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Input is the function input of a Composition's Homeplane step: what the
// platform admin allows the claims of that Composition, beyond what the XRD
// lets any tenant write. Every field has a safe default; a Composition
// without input gets the defaults.
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=crossplane
type Input struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Policy is what claims may ask for.
	// +optional
	Policy Policy `json:"policy,omitempty"`
}

// Policy is what claims may ask for that only the platform admin may allow.
type Policy struct {
	// Images limits the images claims may run.
	// +optional
	Images ImagePolicy `json:"images,omitempty"`

	// Hosts limits the hosts claims may route, certify and publish in DNS.
	// +optional
	Hosts HostPolicy `json:"hosts,omitempty"`

	// Route limits what claims may add to their routes.
	// +optional
	Route RoutePolicy `json:"route,omitempty"`

	// PostgreSQL limits the settings PostgreSQL claims may make.
	// +optional
	PostgreSQL PostgreSQLPolicy `json:"postgresql,omitempty"`

	// Collabora limits the privileges of Collabora Online pods.
	// +optional
	Collabora CollaboraPolicy `json:"collabora,omitempty"`
}

// ImagePolicy limits the images claims may run (spec.parameters.image).
type ImagePolicy struct {
	// AllowedRepositories are the image repositories claims may use:
	// registry and path, without tag or digest (e.g.
	// docker.io/collabora/code). Images and repositories are compared after
	// normalization (go-containerregistry's name package: collabora/code is
	// index.docker.io/collabora/code). Defaults to the official repository of
	// each implementation (DefaultRepositories).
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=255
	// +listType=set
	AllowedRepositories []string `json:"allowedRepositories,omitempty"`
}

// HostPolicy limits the hosts a claim may use: its route's hosts (host,
// Matrix's serverName) and its DNS zone. On a cluster shared by tenants, set
// it: without it any claim may route, certify and publish any free name,
// including one another tenant would have used.
type HostPolicy struct {
	// Allowed are host suffixes and the namespaces that may use them. A host
	// (or zone) is allowed when it equals a suffix allowed for the claim's
	// namespace or ends in "." followed by it. Empty: every host is allowed.
	// +optional
	// +kubebuilder:validation:MaxItems=256
	Allowed []HostRule `json:"allowed,omitempty"`
}

// HostRule lets namespaces use the hosts under a suffix.
type HostRule struct {
	// Suffix is a DNS name of at least two labels, optionally preceded by
	// "{namespace}.", which stands for the claim's namespace:
	// {namespace}.apps.example.org gives every namespace a subdomain of its
	// own.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^(\{namespace\}\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$`
	Suffix string `json:"suffix"`

	// Namespaces may use the suffix; empty means every namespace.
	// +optional
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +listType=set
	Namespaces []string `json:"namespaces,omitempty"`
}

// RoutePolicy limits what claims may add to their routes.
type RoutePolicy struct {
	// AllowedAnnotations are the Ingress annotation keys claims may set in
	// route.ingress.annotations. An annotation acts with the ingress
	// controller's rights: ingress-nginx's auth-tls-secret reads any
	// namespace's Secret, its *-snippet annotations run configuration. None
	// by default.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=317
	// +listType=set
	AllowedAnnotations []string `json:"allowedAnnotations,omitempty"`
}

// PostgreSQLPolicy limits the settings of spec.parameters.parameters.
type PostgreSQLPolicy struct {
	// AllowedParameters are settings of DeniedParameters (those that run
	// commands, load code or name server files) that claims may set anyway.
	// None by default.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	// +listType=set
	AllowedParameters []string `json:"allowedParameters,omitempty"`
}

// CollaboraPolicy limits the privileges of Collabora Online pods.
type CollaboraPolicy struct {
	// AllowSysAdmin lets Collabora pods add the SYS_ADMIN capability, with
	// which coolwsd bind-mounts each document's jail (faster document
	// loads). SYS_ADMIN needs the namespace's Pod Security level to be
	// privileged. Without it (the default) coolwsd copies the jail's files
	// instead (mount_jail_tree=false) and the pods meet the baseline level.
	// +optional
	AllowSysAdmin bool `json:"allowSysAdmin,omitempty"`
}
