package v1alpha1

// Route says how clients reach an app: through an Ingress or through a Gateway
// API HTTPRoute, never both. With neither, it is an Ingress with defaults.
// +kubebuilder:validation:XValidation:rule="!(has(self.ingress) && has(self.gateway))",message="set at most one of route.ingress or route.gateway"
type Route struct {
	// Ingress routes the app through a Kubernetes Ingress.
	// +optional
	Ingress *IngressRoute `json:"ingress,omitempty"`

	// Gateway routes the app through a Gateway API HTTPRoute attached to an
	// existing Gateway.
	// +optional
	Gateway *GatewayRoute `json:"gateway,omitempty"`

	// TLS configures the certificate for every host the route serves: with
	// an ingress through cert-manager's ingress annotation, with a gateway as
	// a cert-manager Certificate next to the Gateway, whose listener
	// references its Secret.
	// +optional
	TLS *TLS `json:"tls,omitempty"`
}

// IngressController names the ingress controller implementation, because
// features such as consistent hashing are spelled differently by each.
// +kubebuilder:validation:Enum=nginx;haproxy;traefik;other
type IngressController string

// Ingress controllers Homeplane knows how to annotate.
const (
	IngressControllerNginx   IngressController = "nginx"
	IngressControllerHAProxy IngressController = "haproxy"
	IngressControllerTraefik IngressController = "traefik"
	IngressControllerOther   IngressController = "other"
)

// IngressRoute routes through a Kubernetes Ingress.
type IngressRoute struct {
	// ClassName is the IngressClass to use.
	// +kubebuilder:default=nginx
	// +kubebuilder:validation:MinLength=1
	ClassName string `json:"className,omitempty"`

	// Controller is the implementation behind the class.
	// +kubebuilder:default=nginx
	Controller IngressController `json:"controller,omitempty"`

	// Annotations are added to the Ingress, after Homeplane's own.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// GatewayRoute attaches an HTTPRoute to an existing Gateway.
type GatewayRoute struct {
	// Name of the Gateway.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// Namespace of the Gateway: a DNS-1123 label (NamespacePattern).
	// Defaults to the claim's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace,omitempty"`

	// SectionName is the Gateway listener to attach to.
	// +optional
	SectionName string `json:"sectionName,omitempty"`
}

// IssuerKind is the cert-manager issuer kind.
// +kubebuilder:validation:Enum=Issuer;ClusterIssuer
type IssuerKind string

// cert-manager issuer kinds.
const (
	IssuerKindIssuer        IssuerKind = "Issuer"
	IssuerKindClusterIssuer IssuerKind = "ClusterIssuer"
)

// TLS asks cert-manager for a certificate.
type TLS struct {
	// Issuer is the name of the cert-manager issuer.
	// +kubebuilder:validation:MinLength=1
	Issuer string `json:"issuer"`

	// IssuerKind is Issuer or ClusterIssuer.
	// +kubebuilder:default=ClusterIssuer
	IssuerKind IssuerKind `json:"issuerKind,omitempty"`
}
