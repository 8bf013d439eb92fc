package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
)

// Implementation is the homeserver program.
// +kubebuilder:validation:Enum=conduit;tuwunel;continuwuity
type Implementation string

// Implementations.
const (
	ImplementationConduit      Implementation = "conduit"
	ImplementationTuwunel      Implementation = "tuwunel"
	ImplementationContinuwuity Implementation = "continuwuity"
)

// MatrixServerParameters are what an app team asks for.
type MatrixServerParameters struct {
	// ServerName is the Matrix domain in user IDs, e.g. example.org.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="serverName is immutable: Matrix IDs are bound to it"
	ServerName string `json:"serverName"`

	// Host is where clients and servers reach the homeserver, e.g.
	// matrix.example.org. Defaults to serverName.
	// +optional
	Host string `json:"host,omitempty"`

	// Implementation of the homeserver.
	// +kubebuilder:default=conduit
	Implementation Implementation `json:"implementation,omitempty"`

	// Route says how clients reach the homeserver.
	// +kubebuilder:default={ingress:{className:nginx}}
	Route common.Route `json:"route,omitempty"`
}

// XMatrixServerSpec is the desired state of an XMatrixServer.
type XMatrixServerSpec struct {
	// Parameters of the homeserver.
	Parameters MatrixServerParameters `json:"parameters"`
}

// XMatrixServerStatus is the observed state of an XMatrixServer.
type XMatrixServerStatus struct {
	// URL clients use to reach the homeserver.
	// +optional
	URL string `json:"url,omitempty"`
}

// An XMatrixServer is a Matrix homeserver (Conduit or a fork).
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=homeplane
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="SERVER",type=string,JSONPath=".spec.parameters.serverName"
// +kubebuilder:printcolumn:name="IMPLEMENTATION",type=string,JSONPath=".spec.parameters.implementation"
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=".status.url"
// +homeplane:xrd:claimKind=MatrixServer,claimPlural=matrixservers,composition=matrixserver
type XMatrixServer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   XMatrixServerSpec   `json:"spec"`
	Status XMatrixServerStatus `json:"status,omitempty"`
}

// XMatrixServerList is a list of XMatrixServer.
// +kubebuilder:object:root=true
type XMatrixServerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []XMatrixServer `json:"items"`
}

func init() {
	SchemeBuilder.Register(&XMatrixServer{}, &XMatrixServerList{})
}
