package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// A RecordType is a DNS RR type a RecordSet may manage.
// +kubebuilder:validation:Enum=A;AAAA;CNAME;TXT;MX;SRV;NS;PTR;CAA
type RecordType string

// RecordSetParameters are the desired state of one name+type set.
type RecordSetParameters struct {
	// Zone the set lives in, e.g. example.org (trailing dot optional).
	// Letters, digits, "-", "_" and internationalised characters; no
	// escapes ("\DDD").
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:Pattern=`^[^\x00-\x2c\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="zone is immutable"
	Zone string `json:"zone"`

	// Name relative to the zone, or "@" for the apex; "*.<name>" is a
	// wildcard (RFC 4592). Internationalised labels ("bücher") are stored
	// as their A-labels ("xn--bcher-kva", IDNA Lookup profile); see
	// status.atProvider.fqdn. With the zone at most 253 characters and 63
	// per label (RFC 1035 §2.3.4). Labels hold letters, digits, "-", "_"
	// and internationalised characters only, "*" only as a wildcard's whole
	// first label: zone-file escapes ("\095" is "_") are refused, so a
	// name has one text, the one every check sees. Names whose first label
	// starts with "_homeplane-" hold ownership markers and are refused.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:Pattern=`^(@|\*|(\*\.)?[^\x00-\x2c\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]+)$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="name is immutable"
	Name string `json:"name"`

	// Type of the records.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="type is immutable"
	Type RecordType `json:"type"`

	// TTL in seconds.
	// +kubebuilder:default=300
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	// +optional
	TTL *int64 `json:"ttl,omitempty"`

	// Records in zone-file text form (the RDATA only), e.g. "192.0.2.1",
	// "10 mail", "\"v=spf1 -all\"". Relative names are relative to the zone.
	// +kubebuilder:validation:MinItems=1
	// +listType=set
	Records []string `json:"records"`

	// Adopt lets the provider take over a set it did not create: one without
	// an ownership marker (made by hand or by another tool). A set whose
	// marker names another resource (another namespace's, or another control
	// plane's) is never taken over; the resource reports "owned by another
	// resource". Off by default so an existing record is never overwritten
	// by accident.
	// +optional
	Adopt bool `json:"adopt,omitempty"`
}

// RecordSetObservation is the set as last read from the server.
type RecordSetObservation struct {
	// FQDN of the set as the server holds it: internationalised labels in
	// their ASCII form (A-labels, "xn--…").
	FQDN string `json:"fqdn,omitempty"`
	// TTL observed.
	TTL *int64 `json:"ttl,omitempty"`
	// Records observed, normalised.
	Records []string `json:"records,omitempty"`
	// Owner is the ownership marker text the provider wrote at the set, or
	// read there as this resource's own. Tenants cannot write status, so
	// unlike an annotation it proves ownership: while it differs from the
	// resource's owner text, every Observe reads the marker again.
	Owner string `json:"owner,omitempty"`
}

// A RecordSetSpec defines the desired state of a RecordSet.
type RecordSetSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              RecordSetParameters `json:"forProvider"`
}

// A RecordSetStatus represents the observed state of a RecordSet.
type RecordSetStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 RecordSetObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,homeplane}

// A RecordSet owns all records of one name and type in a DNS zone. Its
// external name is "<fqdn>/<type>".
type RecordSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RecordSetSpec   `json:"spec"`
	Status RecordSetStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// RecordSetList contains a list of RecordSet.
type RecordSetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RecordSet `json:"items"`
}

// RecordSet type metadata.
var (
	RecordSetKind             = reflect.TypeOf(RecordSet{}).Name()
	RecordSetGroupKind        = schema.GroupKind{Group: Group, Kind: RecordSetKind}.String()
	RecordSetGroupVersionKind = SchemeGroupVersion.WithKind(RecordSetKind)
)

func init() {
	SchemeBuilder.Register(&RecordSet{}, &RecordSetList{})
}
