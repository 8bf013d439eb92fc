package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
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

// Database is the storage engine of the homeserver.
// +kubebuilder:validation:Enum=rocksdb;sqlite
type Database string

// Databases.
const (
	DatabaseRocksDB Database = "rocksdb"
	DatabaseSQLite  Database = "sqlite"
)

// Registration says who may create accounts.
// +kubebuilder:validation:Enum=closed;token;open
type Registration string

// Registration modes.
const (
	// RegistrationClosed: nobody can register; accounts are created by an admin.
	RegistrationClosed Registration = "closed"
	// RegistrationToken: whoever knows the registration token can register.
	RegistrationToken Registration = "token"
	// RegistrationOpen: anyone can register. Prone to abuse.
	RegistrationOpen Registration = "open"
)

// LogLevel of the homeserver.
// +kubebuilder:validation:Enum=error;warn;info;debug;trace
type LogLevel string

// Federation with other Matrix servers.
type Federation struct {
	// Enabled lets users talk to users and rooms on other servers.
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// TrustedServers are asked for the signing keys of other servers: Matrix
	// server names, optionally with a port.
	// +kubebuilder:default={"matrix.org"}
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=259
	// +kubebuilder:validation:items:Pattern=`^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?(:[0-9]{1,5})?$`
	// +listType=set
	TrustedServers []string `json:"trustedServers,omitempty"`

	// SRV also publishes, with dns, the SRV records federating servers look
	// up when /.well-known/matrix/server on the server name does not answer:
	// _matrix-fed._tcp (Matrix 1.8 and later) and the deprecated
	// _matrix._tcp, both pointing at port 443 of the server name. A server
	// found through SRV is asked for the server name's certificate, so this
	// needs host to equal serverName.
	// +optional
	SRV bool `json:"srv,omitempty"`
}

// TURN configures the TURN server clients use for VoIP calls.
type TURN struct {
	// URIs of the TURN server, e.g. turn:turn.example.org?transport=udp.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:Pattern=`^turns?:[^\s]+$`
	URIs []string `json:"uris"`

	// SharedSecretRef selects the TURN server's shared secret
	// (coturn's static-auth-secret).
	SharedSecretRef common.SecretKeySelector `json:"sharedSecretRef"`
}

// Snapshot is one CSI VolumeSnapshot (snapshot.storage.k8s.io/v1) of the
// homeserver's data volume, named <claim>-matrix-data.<name> in the claim's
// namespace. It is taken once, when the entry is added: a VolumeSnapshot is
// one point in time, so a new backup is a new entry. Removing the entry
// deletes the VolumeSnapshot (and, unless its VolumeSnapshotClass's
// deletionPolicy is Retain, the storage snapshot).
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="a snapshot entry cannot change: a VolumeSnapshot is taken once; add an entry with a new name instead"
type Snapshot struct {
	// Name of the entry: a DNS-1123 label (SnapshotNamePattern) of at most
	// MaxSnapshotNameLength characters.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// VolumeSnapshotClassName is the VolumeSnapshotClass to take it with,
	// whose driver must be the data volume's CSI driver. Defaults to the
	// cluster's default class for that driver. A DNS-1123 subdomain.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	VolumeSnapshotClassName string `json:"volumeSnapshotClassName,omitempty"`
}

// Restore seeds a new claim's data volume from a snapshot of another
// MatrixServer claim in the same namespace.
type Restore struct {
	// FromClaim is the MatrixServer claim, in this claim's namespace (a name,
	// never a namespace: MatrixServerClaimNamePattern), whose snapshot seeds
	// the data volume. Not this claim itself.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=56
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	FromClaim string `json:"fromClaim"`

	// Snapshot is the name of an entry of that claim's
	// spec.parameters.snapshots: the VolumeSnapshot
	// <fromClaim>-matrix-data.<snapshot>. The function reads it before it
	// composes the volume and refuses one that is not a snapshot of
	// fromClaim's data volume, was taken for another serverName or database,
	// or is larger than storage.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Snapshot string `json:"snapshot"`
}

// MatrixServerParameters are what an app team asks for.
// +kubebuilder:validation:XValidation:rule="!has(self.database) || self.database != 'sqlite' || !has(self.implementation) || self.implementation == 'conduit'",message="database sqlite is only supported by the conduit implementation"
// +kubebuilder:validation:XValidation:rule="!has(self.registrationTokenSecretRef) || !has(self.registration) || self.registration == 'token'",message="registrationTokenSecretRef needs registration token"
// +kubebuilder:validation:XValidation:rule="!has(self.sso) || (has(self.implementation) && self.implementation != 'conduit')",message="sso needs implementation tuwunel or continuwuity: Conduit has no single sign-on"
// +kubebuilder:validation:XValidation:rule="!has(self.federation) || !has(self.federation.srv) || !self.federation.srv || !has(self.host) || self.host == self.serverName",message="federation.srv needs host to equal serverName: servers found through SRV ask for the server name's certificate, which only the delegation route serves"
// +kubebuilder:validation:XValidation:rule="!has(self.federation) || !has(self.federation.srv) || !self.federation.srv || has(self.dns)",message="federation.srv needs dns: the SRV records are published in its zone"
type MatrixServerParameters struct {
	// ServerName is the Matrix domain in user IDs, e.g. example.org. It is
	// bound into every user and room ID, so it cannot change.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="serverName is immutable: Matrix IDs are bound to it"
	ServerName string `json:"serverName"`

	// Host is where clients and servers reach the homeserver, e.g.
	// matrix.example.org. Defaults to serverName. When it differs,
	// /.well-known/matrix/ on serverName delegates to it.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`
	Host string `json:"host,omitempty"`

	// Implementation of the homeserver. Only conduit to tuwunel is a
	// supported change: tuwunel migrates a Conduit database in place.
	// +kubebuilder:default=conduit
	// +kubebuilder:validation:XValidation:rule="self == oldSelf || (oldSelf == 'conduit' && self == 'tuwunel')",message="implementation can only change from conduit to tuwunel, which migrates the database in place"
	Implementation Implementation `json:"implementation,omitempty"`

	// Image overrides the implementation's default image, e.g. to pin a
	// digest or use a mirror.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[^\s]+$`
	Image string `json:"image,omitempty"`

	// Storage is the size of the data volume (database and media), more
	// than zero. It can grow but never shrink.
	// +kubebuilder:default="10Gi"
	// +kubebuilder:validation:XValidation:rule="!isQuantity(string(self)) || quantity(string(self)).isGreaterThan(quantity('0'))",message="storage must be more than zero"
	// +kubebuilder:validation:XValidation:rule="type(self) != string || type(oldSelf) != string || !isQuantity(self) || !isQuantity(oldSelf) || quantity(self).compareTo(quantity(oldSelf)) >= 0",message="storage can grow but not shrink"
	Storage *resource.Quantity `json:"storage,omitempty"`

	// StorageClass of the data volume. Defaults to the cluster's default
	// class. Cannot change once the volume exists.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="storageClass is immutable: the data volume already exists"
	StorageClass string `json:"storageClass,omitempty"`

	// Database engine. sqlite is only supported by conduit.
	// +kubebuilder:default=rocksdb
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="database is immutable: the new engine would start empty"
	Database Database `json:"database,omitempty"`

	// Registration says who may create accounts. With token, a random
	// registration token is generated once and published as the
	// registrationToken connection detail, unless registrationTokenSecretRef
	// names one.
	// +kubebuilder:default=token
	Registration Registration `json:"registration,omitempty"`

	// RegistrationTokenSecretRef selects a registration token of your own
	// instead of a generated one.
	// +optional
	RegistrationTokenSecretRef *common.SecretKeySelector `json:"registrationTokenSecretRef,omitempty"`

	// Federation with other Matrix servers.
	// +kubebuilder:default={}
	Federation Federation `json:"federation,omitempty"`

	// TURN server for VoIP calls.
	// +optional
	TURN *TURN `json:"turn,omitempty"`

	// MaxUploadSize is the largest file (and request) users can upload:
	// more than zero and at most MaxUploadSizeBytes, because Conduit reads it
	// as an unsigned 32-bit number of bytes.
	// +kubebuilder:default="20Mi"
	// +kubebuilder:validation:XValidation:rule="!isQuantity(string(self)) || (quantity(string(self)).isGreaterThan(quantity('0')) && quantity(string(self)).compareTo(quantity('4294967295')) <= 0)",message="maxUploadSize must be more than zero and at most 4294967295 bytes (4Gi-1)"
	MaxUploadSize *resource.Quantity `json:"maxUploadSize,omitempty"`

	// LogLevel of the homeserver. Defaults to the implementation's own.
	// +optional
	LogLevel LogLevel `json:"logLevel,omitempty"`

	// Resources of the homeserver container. Defaults to requests of 100m
	// CPU and 256Mi memory and a 1Gi memory limit (DefaultResources).
	// +optional
	Resources *common.Resources `json:"resources,omitempty"`

	// Wiring: route (how clients and other servers reach the homeserver),
	// dns (host, and serverName when host delegates from it) and network
	// (federation arrives through the same ingress).
	common.Wiring `json:",inline"`

	// SSO lets users log in through an OpenID Connect identity provider: an
	// OIDC client is registered for the homeserver. tuwunel and continuwuity
	// only; continuwuity then accepts only clients that support OAuth login
	// (next-gen auth).
	// +optional
	SSO *common.SSO `json:"sso,omitempty"`

	// Snapshots are VolumeSnapshots of the data volume, at most
	// MaxSnapshots, names unique. Each is taken once, when its entry is
	// added; to back up on a schedule, have a CronOperation or the cluster's
	// snapshot scheduler add entries (see README). A name taken by a
	// VolumeSnapshot this claim did not compose is left alone and reported
	// in the Snapshots condition. Deleting the claim deletes its
	// VolumeSnapshots (deletionProtection refuses that delete).
	// +optional
	// +kubebuilder:validation:MaxItems=16
	// +listType=map
	// +listMapKey=name
	Snapshots []Snapshot `json:"snapshots,omitempty"`

	// Restore creates the data volume from a snapshot of another claim of
	// this namespace (PVC dataSource of kind VolumeSnapshot). It only seeds
	// a volume being created: once the volume exists it is ignored, and it
	// cannot change.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="restore is immutable: it only seeds the data volume when it is created"
	Restore *Restore `json:"restore,omitempty"`

	// StartupTimeout is how long the homeserver may take from start to
	// answering before Kubernetes restarts it, as a duration of hours,
	// minutes and seconds (e.g. 30m, 1h30m): at least 1m, at most 24h,
	// default 30m. A first start after an implementation or version change
	// can run a long database migration (tuwunel converting a Conduit
	// database); cut short, it starts again from the beginning. It becomes
	// the startup probe's budget (periodSeconds 10 × failureThreshold,
	// rounded up) and the pod's termination grace period, so that a stop
	// during a migration also lets it finish.
	// +kubebuilder:default="30m"
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:Pattern=`^([0-9]{1,2}h)?([0-9]{1,4}m)?([0-9]{1,5}s)?$`
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]{1,2}h)?([0-9]{1,4}m)?([0-9]{1,5}s)?$') || (duration(self) >= duration('1m') && duration(self) <= duration('24h'))",message="startupTimeout must be between 1m and 24h"
	StartupTimeout string `json:"startupTimeout,omitempty"`

	// DeletionProtection makes Kubernetes refuse to delete this claim and its
	// data volume while it is true, so the homeserver's database cannot be
	// lost by accident. Set it to false before deleting the claim.
	// +kubebuilder:default=false
	// +optional
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
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
// +homeplane:xrd:claimKind=MatrixServer,claimPlural=matrixservers,composition=matrixserver,connectionSecretKeys={homeserverUrl,serverName,registrationToken}
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
