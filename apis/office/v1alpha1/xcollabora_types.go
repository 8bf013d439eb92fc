package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
)

// CollaboraParameters are what an app team asks for.
type CollaboraParameters struct {
	// Host is where browsers reach Collabora Online, e.g. office.example.org.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Host string `json:"host"`

	// WOPIHosts are the https URLs of the WOPI hosts (e.g. Nextcloud) allowed
	// to use this server.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:items:Pattern=`^https://[^/\s]+(/.*)?$`
	WOPIHosts []string `json:"wopiHosts"`

	// Replicas of the server. More than one needs WOPISrc-hash routing.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	Replicas int32 `json:"replicas,omitempty"`

	// Route says how browsers reach the server.
	// +kubebuilder:default={ingress:{className:nginx}}
	Route common.Route `json:"route,omitempty"`
}

// XCollaboraSpec is the desired state of an XCollabora.
type XCollaboraSpec struct {
	// Parameters of the server.
	Parameters CollaboraParameters `json:"parameters"`
}

// XCollaboraStatus is the observed state of an XCollabora.
type XCollaboraStatus struct {
	// URL of the server (the WOPI URL a WOPI host is configured with).
	// +optional
	URL string `json:"url,omitempty"`
}

// An XCollabora is a Collabora Online (CODE) server for WOPI hosts.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=homeplane
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="HOST",type=string,JSONPath=".spec.parameters.host"
// +kubebuilder:printcolumn:name="REPLICAS",type=integer,JSONPath=".spec.parameters.replicas"
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=".status.url"
// +homeplane:xrd:claimKind=Collabora,claimPlural=collaboras,composition=collabora
type XCollabora struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   XCollaboraSpec   `json:"spec"`
	Status XCollaboraStatus `json:"status,omitempty"`
}

// XCollaboraList is a list of XCollabora.
// +kubebuilder:object:root=true
type XCollaboraList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []XCollabora `json:"items"`
}

func init() {
	SchemeBuilder.Register(&XCollabora{}, &XCollaboraList{})
}
