package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
)

// DefaultImage is the Collabora Online Development Edition image, pinned so
// that a reconcile never upgrades it behind the user's back.
const DefaultImage = "collabora/code:25.04.9.4.1"

// CollaboraParameters are what an app team asks for.
//
// There is no sso field: Collabora Online (CODE) has no login of its own.
// Users reach it only through a WOPI host (e.g. Nextcloud), which signs them
// in and hands Collabora a WOPI access token per document; single sign-on is
// configured on the WOPI host.
// +kubebuilder:validation:XValidation:rule="!has(self.replicas) || self.replicas <= 1 || (has(self.route) && has(self.route.ingress) && (!has(self.route.ingress.controller) || self.route.ingress.controller in ['nginx', 'haproxy']))",message="replicas > 1 needs every request for a document routed to the same replica (hashing on the WOPISrc query parameter): only route.ingress with controller nginx or haproxy can, so use one of those or set replicas to 1"
type CollaboraParameters struct {
	// Host is where browsers reach Collabora Online, e.g. office.example.org.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Host string `json:"host"`

	// WOPIHosts are the https URLs of the WOPI hosts (e.g. Nextcloud) allowed
	// to use this server, e.g. https://cloud.example.org. Each becomes one
	// alias group: only scheme, host and port count.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:MaxLength=2048
	// +kubebuilder:validation:items:Pattern=`^https://[a-zA-Z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?$`
	// +listType=set
	WOPIHosts []string `json:"wopiHosts"`

	// Replicas of the server. More than one needs routing that hashes on the
	// WOPISrc query parameter (route.ingress with controller nginx or
	// haproxy): every request of a document session reaches the replica that
	// holds the document, while the stateless paths (WOPI discovery and
	// capabilities, convert-to and the other one-shot conversions) go
	// through a second Ingress and Service, balanced over every replica.
	// Refused through a Gateway: standard Gateway API has no load balancing
	// on a query parameter. No autoscaler is composed: scaling moves
	// documents between replicas and breaks collaborative editing.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	Replicas int32 `json:"replicas,omitempty"`

	// AdminConsole configures the admin console and metrics.
	// +kubebuilder:default={}
	AdminConsole AdminConsole `json:"adminConsole,omitempty"`

	// MountJailTree asks for coolwsd's bind-mounted document jails
	// (coolwsd.xml mount_jail_tree), which load documents faster but need
	// the SYS_ADMIN capability and so a namespace whose Pod Security level is
	// privileged. Only honoured where the platform admin's policy allows
	// SYS_ADMIN (function input collabora.allowSysAdmin); otherwise the jails
	// are copied, the pods meet the baseline level, and the claim's
	// SysAdmin condition says why.
	// +optional
	MountJailTree bool `json:"mountJailTree,omitempty"`

	// Dictionaries are the spelling languages offered, e.g. [de_DE, en_US].
	// Defaults to the image's list.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:Pattern=`^[a-zA-Z]{2,3}([_-][a-zA-Z0-9]{2,8})*$`
	// +listType=set
	Dictionaries []string `json:"dictionaries,omitempty"`

	// Resources of the server container. Collabora documents about 1.8 CPU
	// and 2 GiB of memory for a server; no CPU limit by default, because
	// throttling makes typing lag.
	// +kubebuilder:default={requests:{cpu:"1800m",memory:"2Gi"},limits:{memory:"2Gi"}}
	Resources common.Resources `json:"resources,omitempty"`

	// Image of Collabora Online.
	// +kubebuilder:default="collabora/code:25.04.9.4.1"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:Pattern=`^[^\s]+$`
	Image string `json:"image,omitempty"`

	// Wiring: route, dns and network. The NetworkPolicy admits port 9980
	// only; allowFromPods suits a WOPI host (e.g. Nextcloud) that calls
	// /hosting/discovery directly rather than through the route.
	common.Wiring `json:",inline"`
}

// AdminConsole configures the admin console (/browser/dist/admin/admin.html,
// /cool/adminws/) and the metrics endpoint (/cool/getMetrics).
type AdminConsole struct {
	// Public exposes the admin console and metrics on the public route. They
	// need the admin credentials either way; when private, reach them with
	// kubectl port-forward to the Service.
	// +kubebuilder:default=false
	Public bool `json:"public,omitempty"`
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
// +homeplane:xrd:claimKind=Collabora,claimPlural=collaboras,composition=collabora,connectionSecretKeys={wopiUrl,discoveryUrl,adminUsername,adminPassword}
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
