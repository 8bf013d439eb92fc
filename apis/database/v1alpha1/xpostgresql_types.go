package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Topology is how many PostgreSQL instances run and how they are spread.
// +kubebuilder:validation:Enum=single;ha
type Topology string

// Topologies.
const (
	TopologySingle Topology = "single"
	TopologyHA     Topology = "ha"
)

// PostgreSQLParameters are what an app team asks for.
type PostgreSQLParameters struct {
	// Version is the PostgreSQL major version. It may only go up.
	// +kubebuilder:default="17"
	// +kubebuilder:validation:Enum="14";"15";"16";"17"
	// +kubebuilder:validation:XValidation:rule="int(self) >= int(oldSelf)",message="version may not be downgraded"
	Version string `json:"version,omitempty"`

	// Storage is the size of each instance's data volume, e.g. 5Gi. It may
	// only grow.
	// +kubebuilder:default="5Gi"
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$`
	// +kubebuilder:validation:XValidation:rule="quantity(self).compareTo(quantity(oldSelf)) >= 0",message="storage may only grow"
	Storage string `json:"storage,omitempty"`

	// StorageClass of the data volumes; the cluster default when empty.
	// +optional
	StorageClass string `json:"storageClass,omitempty"`

	// Topology is single (one instance) or ha (replicated, spread across nodes).
	// +kubebuilder:default=single
	Topology Topology `json:"topology,omitempty"`
}

// XPostgreSQLSpec is the desired state of an XPostgreSQL.
type XPostgreSQLSpec struct {
	// Parameters of the database.
	// +kubebuilder:default={}
	Parameters PostgreSQLParameters `json:"parameters,omitempty"`
}

// XPostgreSQLStatus is the observed state of an XPostgreSQL.
type XPostgreSQLStatus struct {
	// Phase is the Zalando cluster status, e.g. Creating or Running.
	// +optional
	Phase string `json:"phase,omitempty"`

	// Endpoint is the in-cluster host of the primary.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
}

// An XPostgreSQL is a PostgreSQL cluster run by the Zalando postgres-operator.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=homeplane
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="VERSION",type=string,JSONPath=".spec.parameters.version"
// +kubebuilder:printcolumn:name="TOPOLOGY",type=string,JSONPath=".spec.parameters.topology"
// +kubebuilder:printcolumn:name="PHASE",type=string,JSONPath=".status.phase"
// +kubebuilder:printcolumn:name="ENDPOINT",type=string,JSONPath=".status.endpoint",priority=1
// +homeplane:xrd:claimKind=PostgreSQL,claimPlural=postgresqls,composition=postgresql
type XPostgreSQL struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   XPostgreSQLSpec   `json:"spec,omitempty"`
	Status XPostgreSQLStatus `json:"status,omitempty"`
}

// XPostgreSQLList is a list of XPostgreSQL.
// +kubebuilder:object:root=true
type XPostgreSQLList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []XPostgreSQL `json:"items"`
}

func init() {
	SchemeBuilder.Register(&XPostgreSQL{}, &XPostgreSQLList{})
}
