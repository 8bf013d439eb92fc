package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
)

// Defaults. Default applies the same values when a field is empty (an XR
// created before a default existed, a render, a unit test), so they must
// match the +kubebuilder:default markers below.
const (
	DefaultVersion            = "17"
	DefaultStorage            = "5Gi"
	DefaultTopology           = TopologySingle
	DefaultTeamID             = "homeplane"
	DefaultHAInstances        = 3
	DefaultPoolerMode         = PoolerModeTransaction
	DefaultBackupSchedule     = "0 1 * * *"
	DefaultBackupRetention    = 5
	DefaultAccessKeyIDKey     = "AWS_ACCESS_KEY_ID"
	DefaultSecretAccessKeyKey = "AWS_SECRET_ACCESS_KEY"
)

// Topology is how many PostgreSQL instances run and how they are spread.
// +kubebuilder:validation:Enum=single;ha
type Topology string

// Topologies.
const (
	TopologySingle Topology = "single"
	TopologyHA     Topology = "ha"
)

// PoolerMode is the PgBouncer pool mode.
// +kubebuilder:validation:Enum=session;transaction
type PoolerMode string

// Pooler modes.
const (
	PoolerModeSession     PoolerMode = "session"
	PoolerModeTransaction PoolerMode = "transaction"
)

// UserFlag is a role attribute. superuser and replication are deliberately
// not offered: the platform's operator owns those roles.
// +kubebuilder:validation:Enum=login;nologin;createdb;createrole;inherit;noinherit;bypassrls
type UserFlag string

// Database is a database and its owner. The owner becomes a user.
type Database struct {
	// Name of the database (DatabaseNamePattern), not a system database
	// (SystemDatabases).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z_][a-z0-9_]*$`
	// +kubebuilder:validation:XValidation:rule="!(self in ['template0', 'template1', 'postgres'])",message="name may not be a system database (template0, template1, postgres)"
	Name string `json:"name"`

	// Owner of the database: a role created for it, with its own connection
	// Secret (see PostgreSQLParameters.Users); the owner of the first
	// database is also in the claim's connection details. The operator's
	// role name pattern (RolePattern), not a reserved role (ReservedRoles,
	// pg_*).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="!(self in ['postgres', 'standby', 'pooler', 'admin', 'cron_admin', 'zalandos', 'fes_user']) && !self.startsWith('pg_')",message="owner may not be a role reserved by PostgreSQL or the operator (pg_*, postgres, standby, pooler, admin, cron_admin, zalandos, fes_user)"
	Owner string `json:"owner"`
}

// User is an additional role.
type User struct {
	// Name of the role: the operator's role name pattern (RolePattern), not
	// a reserved role (ReservedRoles, pg_*).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="!(self in ['postgres', 'standby', 'pooler', 'admin', 'cron_admin', 'zalandos', 'fes_user']) && !self.startsWith('pg_')",message="name may not be a role reserved by PostgreSQL or the operator (pg_*, postgres, standby, pooler, admin, cron_admin, zalandos, fes_user)"
	Name string `json:"name"`

	// Flags of the role, e.g. createdb.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	Flags []UserFlag `json:"flags,omitempty"`
}

// Pooler is a PgBouncer connection pooler in front of the primary.
type Pooler struct {
	// Enabled turns the pooler on. Defaults to on for ha and off for single.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// Mode is the pool mode.
	// +kubebuilder:default=transaction
	Mode PoolerMode `json:"mode,omitempty"`
}

// S3CredentialsSecretRef names a Secret in the claim's namespace (its name as
// common.LocalSecretReference's) and its two keys (common.SecretKeyPattern).
type S3CredentialsSecretRef struct {
	common.LocalSecretReference `json:",inline"`

	// AccessKeyIDKey is the key of the access key ID.
	// +kubebuilder:default=AWS_ACCESS_KEY_ID
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self != '.' && !self.startsWith('..')",message="a Secret key may not be '.' or start with '..'"
	AccessKeyIDKey string `json:"accessKeyIdKey,omitempty"`

	// SecretAccessKeyKey is the key of the secret access key.
	// +kubebuilder:default=AWS_SECRET_ACCESS_KEY
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self != '.' && !self.startsWith('..')",message="a Secret key may not be '.' or start with '..'"
	SecretAccessKeyKey string `json:"secretAccessKeyKey,omitempty"`
}

// Backup is continuous WAL archiving plus scheduled base backups (WAL-G) to
// an S3-compatible object store.
type Backup struct {
	// Bucket to write to. A new cluster's backups go under
	// spilo/<namespace>/<cluster>/<uid>/wal/ (status.backup.location); a
	// cluster that archived before keeps its location.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`
	Bucket string `json:"bucket"`

	// Endpoint of the store, e.g. http://minio.storage.svc:9000. Empty for AWS.
	// +optional
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	Endpoint string `json:"endpoint,omitempty"`

	// Region of the store.
	// +optional
	Region string `json:"region,omitempty"`

	// ForcePathStyle addresses the bucket in the path instead of the host
	// name, as MinIO and Garage need.
	// +optional
	ForcePathStyle bool `json:"forcePathStyle,omitempty"`

	// CredentialsSecretRef is the Secret in the claim's namespace holding the
	// access keys.
	CredentialsSecretRef S3CredentialsSecretRef `json:"credentialsSecretRef"`

	// Schedule of base backups, in cron format (UTC).
	// +kubebuilder:default="0 1 * * *"
	// +kubebuilder:validation:Pattern=`^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$`
	Schedule string `json:"schedule,omitempty"`

	// Retention is how many base backups are kept.
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Retention int32 `json:"retention,omitempty"`
}

// Restore creates the database as a copy of another claim's database.
type Restore struct {
	// FromClaim is the name of a PostgreSQL claim in the same namespace to
	// copy: only a claim of this namespace can be named (ClaimNamePattern).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	FromClaim string `json:"fromClaim"`

	// Timestamp to recover to, RFC 3339 with a zone offset, e.g.
	// 2026-11-20T12:00:00+01:00. The copy is then made from the source's
	// backups: the store of its spec.parameters.backup, at the location its
	// cluster archives to (its status.backup.location). Without it, the
	// running source cluster is copied directly.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?[+-]([01][0-9]|2[0-3]):[0-5][0-9]$`
	// +kubebuilder:validation:XValidation:rule="timestamp(self) > timestamp('1970-01-01T00:00:00Z')",message="timestamp must be a valid time after 1970"
	Timestamp string `json:"timestamp,omitempty"`
}

// PostgreSQLParameters are what an app team asks for.
// +kubebuilder:validation:XValidation:rule="!has(self.instances) || self.topology == 'ha'",message="instances can only be set with topology ha"
// +kubebuilder:validation:XValidation:rule="!has(self.synchronous) || !self.synchronous || self.topology == 'ha'",message="synchronous replication needs topology ha"
// +kubebuilder:validation:XValidation:rule="!has(self.users) || !has(self.version) || int(self.version) >= 16 || self.users.all(u, !has(u.flags) || !u.flags.exists(f, f == 'createrole'))",message="createrole needs version 16 or later: before PostgreSQL 16 a role with CREATEROLE can grant itself pg_execute_server_program and run programs as the server"
type PostgreSQLParameters struct {
	// Version is the PostgreSQL major version. It may only go up.
	// +kubebuilder:default="17"
	// +kubebuilder:validation:Enum="14";"15";"16";"17"
	// +kubebuilder:validation:XValidation:rule="int(self) >= int(oldSelf)",message="version may not be downgraded"
	Version string `json:"version,omitempty"`

	// Storage is the size of each instance's data volume, e.g. 5Gi or 5G
	// (StoragePattern), more than zero. It may only grow.
	// +kubebuilder:default="5Gi"
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?([EPTGM]i?|Ki)?$`
	// +kubebuilder:validation:XValidation:rule="!isQuantity(self) || quantity(self).isGreaterThan(quantity('0'))",message="storage must be more than zero"
	// +kubebuilder:validation:XValidation:rule="quantity(self).compareTo(quantity(oldSelf)) >= 0",message="storage may only grow"
	Storage string `json:"storage,omitempty"`

	// StorageClass of the data volumes; the cluster default when empty.
	// +optional
	StorageClass string `json:"storageClass,omitempty"`

	// Topology is single (one instance) or ha (replicated, with a connection
	// pooler). Spreading ha instances across nodes is the operator's
	// enable_pod_antiaffinity setting: the postgresql API of operator v1.15
	// has no per-cluster topology spread.
	// +kubebuilder:default=single
	Topology Topology `json:"topology,omitempty"`

	// Instances is the number of instances with topology ha (default 3).
	// +optional
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=7
	Instances *int32 `json:"instances,omitempty"`

	// Synchronous turns on synchronous replication (topology ha only): a
	// commit returns once a replica has it too.
	// +optional
	Synchronous *bool `json:"synchronous,omitempty"`

	// TeamID prefixes the cluster's name: <teamId>-<claim name>, at most 52
	// characters, because the StatefulSet controller labels the pods with
	// <cluster>-<hash of up to 10 characters> (a 63-character label value);
	// the function refuses a longer one, naming the derived name that
	// overflows (fn/postgres derivedNames).
	// +kubebuilder:default=homeplane
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z]([a-z0-9-]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="teamId is immutable: it is part of the cluster's name"
	TeamID string `json:"teamId,omitempty"`

	// Databases to create, with their owners. Defaults to one database and
	// owner named after the claim (dashes become underscores). The first is
	// the one in the claim's connection details (writeConnectionSecretToRef),
	// which carry its owner's credentials.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	Databases []Database `json:"databases,omitempty"`

	// Users are additional roles. A user that also owns a database gets the
	// flags given here.
	//
	// Every role (each owner and each user) gets a connection Secret in the
	// claim's namespace named <claim>.<role with '_' as '-'>.connection, e.g.
	// shop-db.orders-owner.connection, with the keys host, port, database,
	// username, password, uri, jdbcUrl and sslmode (require: the operator's
	// PostgreSQL refuses unencrypted connections), plus poolerHost and
	// poolerUri with the pooler on. Its database is the first one the role
	// owns, else the first database. The Secret is composed once the
	// operator has written the role's credentials
	// (<role with '_' as '-'>.<cluster>.credentials.postgresql.acid.zalan.do);
	// until then the Database condition names the Secrets it waits for. Two
	// roles that differ only by '_' and '-' (app_ro, app-ro) are refused:
	// the operator would write both roles' credentials to one Secret.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	Users []User `json:"users,omitempty"`

	// Parameters are postgresql.conf settings, by setting name
	// (ParameterNamePattern: a name, or an extension's <prefix>.<name>).
	// Settings that run commands, load code or name server files are refused
	// unless the platform admin allows them (the function input).
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.size() <= 63 && k.matches('^[A-Za-z_][A-Za-z0-9_]*([.][A-Za-z_][A-Za-z0-9_]*)?$'))",message="parameters keys must be PostgreSQL setting names: letters, digits and '_', at most one '.' (an extension's setting such as pg_stat_statements.max), at most 63 characters"
	Parameters map[string]string `json:"parameters,omitempty"`

	// Resources of each instance. What is left out takes the topology's
	// defaults (ResourceDefaults).
	// +optional
	Resources *common.Resources `json:"resources,omitempty"`

	// Pooler is the connection pooler.
	// +optional
	Pooler *Pooler `json:"pooler,omitempty"`

	// Backup configures continuous backups to an S3-compatible store.
	// +optional
	Backup *Backup `json:"backup,omitempty"`

	// Restore creates the database as a copy of another claim's. It only
	// takes effect when the cluster is created.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="restore is immutable: it only applies when the cluster is created"
	Restore *Restore `json:"restore,omitempty"`

	// DeletionProtection keeps the database when the claim is deleted by
	// making Kubernetes refuse the delete. Set it to false before deleting.
	// +kubebuilder:default=true
	DeletionProtection *bool `json:"deletionProtection,omitempty"`

	// Network limits which pods may reach the database.
	// +optional
	Network *Network `json:"network,omitempty"`
}

// Network limits which pods may reach the database. The cluster's own pods,
// its connection pooler and the operator always may.
type Network struct {
	// Policies turns the composed NetworkPolicies on or off. Turn them off
	// only on clusters whose CNI does not enforce NetworkPolicies.
	// +kubebuilder:default=Enabled
	// +kubebuilder:validation:Enum=Enabled;Disabled
	Policies string `json:"policies,omitempty"`

	// OperatorNamespace is where the Zalando operator runs; it talks to the
	// database and to Patroni's API. A DNS-1123 label
	// (common.NamespacePattern).
	// +kubebuilder:default=postgres-operator
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	OperatorNamespace string `json:"operatorNamespace,omitempty"`

	// AllowFromPods lets only pods of the claim's namespace with these labels
	// connect. Without it every pod of the claim's namespace may. Keys are
	// label keys, values label values (as common.Network's).
	// +optional
	// +kubebuilder:validation:MaxProperties=16
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.size() <= 317 && k.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$') && (!k.contains('/') || k.indexOf('/') <= 253))",message="allowFromPods keys must be label keys: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	AllowFromPods map[string]common.LabelValue `json:"allowFromPods,omitempty"`
}

// XPostgreSQLSpec is the desired state of an XPostgreSQL.
type XPostgreSQLSpec struct {
	// Parameters of the database.
	// +kubebuilder:default={}
	Parameters PostgreSQLParameters `json:"parameters,omitempty"`
}

// XPostgreSQLStatus is the observed state of an XPostgreSQL.
type XPostgreSQLStatus struct {
	// Phase is the Zalando cluster status, e.g. Creating, Running or
	// SyncFailed; Pending until the operator reports one.
	// +optional
	Phase string `json:"phase,omitempty"`

	// Endpoint is the in-cluster host of the primary.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// PoolerEndpoint is the in-cluster host of the connection pooler.
	// +optional
	PoolerEndpoint string `json:"poolerEndpoint,omitempty"`

	// ClusterName is the name of the Zalando postgresql.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`

	// Backup says where the cluster archives to.
	// +optional
	Backup *BackupStatus `json:"backup,omitempty"`

	// Connections name each role's connection Secret in the claim's
	// namespace, owners first (in the order of databases), then users.
	// A Secret exists once the operator has written the role's credentials
	// (the Database condition says which it waits for).
	// +optional
	// +listType=map
	// +listMapKey=role
	Connections []ConnectionStatus `json:"connections,omitempty"`
}

// ConnectionStatus names the connection Secret of one role.
type ConnectionStatus struct {
	// Role is the PostgreSQL role, as the claim names it.
	Role string `json:"role"`

	// Database is the database the Secret connects to: the first the role
	// owns, else the claim's first database.
	Database string `json:"database"`

	// SecretName is the Secret in the claim's namespace:
	// <claim>.<role with '_' as '-'>.connection.
	SecretName string `json:"secretName"`
}

// BackupStatus says where the cluster's backups are. A restore from this
// claim reads them there (taking the location from the cluster itself).
type BackupStatus struct {
	// Location of the WAL archive and base backups, without the major
	// version: s3://<bucket>/spilo/<namespace>/<cluster>/<uid>/wal, or
	// s3://<bucket>/spilo/<cluster>/wal for a cluster that archived there
	// before the location carried the namespace.
	// +optional
	Location string `json:"location,omitempty"`
}

// An XPostgreSQL is a PostgreSQL cluster run by the Zalando postgres-operator.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=homeplane
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="VERSION",type=string,JSONPath=".spec.parameters.version"
// +kubebuilder:printcolumn:name="TOPOLOGY",type=string,JSONPath=".spec.parameters.topology"
// +kubebuilder:printcolumn:name="PHASE",type=string,JSONPath=".status.phase"
// +kubebuilder:printcolumn:name="ENDPOINT",type=string,JSONPath=".status.endpoint",priority=1
// +homeplane:xrd:claimKind=PostgreSQL,claimPlural=postgresqls,composition=postgresql,connectionSecretKeys={host,port,database,username,password,uri,jdbcUrl,poolerHost}
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
