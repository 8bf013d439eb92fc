package v1alpha1

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
)

// Rules of the claim, each written once: the +kubebuilder markers of the
// types spell the same patterns and lists for the XRD, and a test checks
// that the XRD and Validate agree.
const (
	// RolePattern is the Zalando operator v1.15.1's role name pattern
	// (userRegexp in pkg/cluster/cluster.go: a role that does not match it
	// makes the operator refuse the whole cluster) without its dots: with
	// enable_cross_namespace_secret the operator reads a role <ns>.<name> as
	// "put this role's Secret into namespace <ns>", which would let a claim
	// write a Secret into another tenant's namespace.
	RolePattern = `^[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`
	// DatabaseNamePattern is an unquoted PostgreSQL identifier in lower
	// case: the operator's databaseNameRegexp (pkg/cluster/cluster.go)
	// narrowed to what needs no quoting.
	DatabaseNamePattern = `^[a-z_][a-z0-9_]*$`
	// ParameterNamePattern is a PostgreSQL setting name, or an extension's
	// <prefix>.<name> (PostgreSQL 17 documentation 19.16 "Customized
	// Options"). Patroni writes names into postgresql.conf unquoted, so
	// nothing else may get through.
	ParameterNamePattern = `^[A-Za-z_][A-Za-z0-9_]*([.][A-Za-z_][A-Za-z0-9_]*)?$`
	// StoragePattern is a volume size such as 5Gi or 5G: the suffixes the
	// operator's volume resize understands.
	StoragePattern = `^[0-9]+(\.[0-9]+)?([EPTGM]i?|Ki)?$`
	// TeamIDPattern is a DNS-1035 label: the teamId starts the cluster's name.
	TeamIDPattern = `^[a-z]([a-z0-9-]*[a-z0-9])?$`
	// BucketPattern is an S3 bucket name.
	BucketPattern = `^[a-z0-9][a-z0-9.-]*[a-z0-9]$`
	// EndpointPattern is an http or https URL.
	EndpointPattern = `^https?://[^\s]+$`
	// SchedulePattern is a five-field cron schedule of numbers, '*' and steps.
	SchedulePattern = `^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$`
	// ClaimNamePattern is a claim name the composer can use: a DNS-1123
	// label, so that <teamId>-<claim> is a DNS-1035 label. No '/' or '.':
	// a restore's source is always a claim of the restore's own namespace.
	ClaimNamePattern = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// TimestampPattern is RFC 3339 with a numeric zone offset, as the
	// operator's clone timestamp needs (Z is refused).
	TimestampPattern = `^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?[+-]([01][0-9]|2[0-3]):[0-5][0-9]$`

	// MaxNameLength is PostgreSQL's identifier limit (NAMEDATALEN - 1).
	MaxNameLength = 63
	// MaxTeamIDLength leaves room for the claim's name in the cluster's.
	MaxTeamIDLength = 40
	// MaxListItems bounds databases and users.
	MaxListItems = 32
	// MaxParameters bounds postgresql.conf settings.
	MaxParameters = 64
	// MinInstances and MaxInstances bound an ha cluster.
	MinInstances = 2
	MaxInstances = 7
	// MaxRetention bounds the base backups kept.
	MaxRetention = 100
	// MaxUserFlags bounds a user's flags.
	MaxUserFlags = 8
)

// ReservedRoles are roles the Zalando operator v1.15.1 creates or protects
// by default: super_username, replication_username, connection_pooler_user,
// protected_role_names, pam_role_name (pkg/util/config/config.go) and the
// event stream user (fes_user, pkg/cluster/cluster.go). Roles starting with
// ReservedRolePrefix are reserved by PostgreSQL itself.
var ReservedRoles = []string{"postgres", "standby", "pooler", "admin", "cron_admin", "zalandos", "fes_user"}

// ReservedRolePrefix starts the roles PostgreSQL reserves (CREATE ROLE
// refuses them).
const ReservedRolePrefix = "pg_"

// SystemDatabases exist in every cluster; a claim cannot create or own them.
var SystemDatabases = []string{"template0", "template1", "postgres"}

// Versions are the PostgreSQL major versions offered (the operator v1.15
// runs 13 to 17).
var Versions = []string{"14", "15", "16", "17"}

// UserFlags are the role flags a claim may ask for.
var UserFlags = []UserFlag{"login", "nologin", "createdb", "createrole", "inherit", "noinherit", "bypassrls"}

// DefaultOperatorNamespace is where the Zalando operator usually runs.
const DefaultOperatorNamespace = "postgres-operator"

// ResourceDefaults are each topology's resources: single stays small, ha
// gets room for replication and the pooler's connections. Default fills
// each amount the claim leaves out; the XRD has no default because it
// depends on the topology.
var ResourceDefaults = map[Topology]common.Resources{
	TopologySingle: resources("100m", "256Mi", "1", "512Mi"),
	TopologyHA:     resources("250m", "512Mi", "2", "1Gi"),
}

var (
	roleRE      = regexp.MustCompile(RolePattern)
	parameterRE = regexp.MustCompile(ParameterNamePattern)
	databaseRE  = regexp.MustCompile(DatabaseNamePattern)
	storageRE   = regexp.MustCompile(StoragePattern)
	teamIDRE    = regexp.MustCompile(TeamIDPattern)
	bucketRE    = regexp.MustCompile(BucketPattern)
	endpointRE  = regexp.MustCompile(EndpointPattern)
	scheduleRE  = regexp.MustCompile(SchedulePattern)
	timestampRE = regexp.MustCompile(TimestampPattern)
	claimNameRE = regexp.MustCompile(ClaimNamePattern)
)

func resources(reqCPU, reqMem, limCPU, limMem string) common.Resources {
	q := func(s string) *resource.Quantity { v := resource.MustParse(s); return &v }
	return common.Resources{
		Requests: &common.ResourceList{CPU: q(reqCPU), Memory: q(reqMem)},
		Limits:   &common.ResourceList{CPU: q(limCPU), Memory: q(limMem)},
	}
}

// Default applies the XRD's defaults to the composite's parameters.
func (x *XPostgreSQL) Default() { x.Spec.Parameters.Default() }

// Validate checks the composite's parameters; errors are under
// spec.parameters.
func (x *XPostgreSQL) Validate() field.ErrorList {
	return x.Spec.Parameters.Validate(field.NewPath("spec", "parameters"))
}

// Default applies the +kubebuilder:default markers' values to empty fields,
// and the topology's resources to amounts the claim leaves out.
func (p *PostgreSQLParameters) Default() {
	if p.Version == "" {
		p.Version = DefaultVersion
	}
	if p.Storage == "" {
		p.Storage = DefaultStorage
	}
	if p.Topology == "" {
		p.Topology = DefaultTopology
	}
	if p.TeamID == "" {
		p.TeamID = DefaultTeamID
	}
	if p.DeletionProtection == nil {
		p.DeletionProtection = ptr.To(true)
	}
	if p.Pooler != nil && p.Pooler.Mode == "" {
		p.Pooler.Mode = DefaultPoolerMode
	}
	if b := p.Backup; b != nil {
		if b.Schedule == "" {
			b.Schedule = DefaultBackupSchedule
		}
		if b.Retention == 0 {
			b.Retention = DefaultBackupRetention
		}
		if b.CredentialsSecretRef.AccessKeyIDKey == "" {
			b.CredentialsSecretRef.AccessKeyIDKey = DefaultAccessKeyIDKey
		}
		if b.CredentialsSecretRef.SecretAccessKeyKey == "" {
			b.CredentialsSecretRef.SecretAccessKeyKey = DefaultSecretAccessKeyKey
		}
	}
	if n := p.Network; n != nil {
		if n.Policies == "" {
			n.Policies = common.DefaultPolicies
		}
		if n.OperatorNamespace == "" {
			n.OperatorNamespace = DefaultOperatorNamespace
		}
	}
	if d, ok := ResourceDefaults[p.Topology]; ok {
		r := ptr.Deref(p.Resources, common.Resources{})
		r.Requests = fill(r.Requests, d.Requests)
		r.Limits = fill(r.Limits, d.Limits)
		p.Resources = &r
	}
}

// fill returns got with def's amounts where got has none.
func fill(got, def *common.ResourceList) *common.ResourceList {
	out := ptr.Deref(got.DeepCopy(), common.ResourceList{})
	if out.CPU == nil {
		out.CPU = ptr.To(def.CPU.DeepCopy())
	}
	if out.Memory == nil {
		out.Memory = ptr.To(def.Memory.DeepCopy())
	}
	return &out
}

// Validate checks every rule of the XRD's schema, with the field path of
// each error under path (spec.parameters). Empty fields are valid where the
// XRD defaults them.
func (p *PostgreSQLParameters) Validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if p.Version != "" && !slices.Contains(Versions, p.Version) {
		errs = append(errs, field.NotSupported(path.Child("version"), p.Version, Versions))
	}
	if p.Storage != "" {
		errs = append(errs, validateStorage(path.Child("storage"), p.Storage)...)
	}
	switch p.Topology {
	case "", TopologySingle, TopologyHA:
	default:
		errs = append(errs, field.NotSupported(path.Child("topology"), p.Topology, []Topology{TopologySingle, TopologyHA}))
	}
	ha := p.Topology == TopologyHA
	if p.Instances != nil {
		if !ha {
			errs = append(errs, field.Invalid(path.Child("instances"), *p.Instances, "instances can only be set with topology ha"))
		}
		if n := *p.Instances; n < MinInstances || n > MaxInstances {
			errs = append(errs, field.Invalid(path.Child("instances"), n, fmt.Sprintf("must be %d to %d", MinInstances, MaxInstances)))
		}
	}
	if ptr.Deref(p.Synchronous, false) && !ha {
		errs = append(errs, field.Invalid(path.Child("synchronous"), true, "synchronous replication needs topology ha"))
	}
	if p.TeamID != "" {
		errs = append(errs, validateTeamID(path.Child("teamId"), p.TeamID)...)
	}
	errs = append(errs, validateDatabases(path.Child("databases"), p.Databases)...)
	errs = append(errs, validateUsers(path.Child("users"), p.Users)...)
	if len(p.Parameters) > MaxParameters {
		errs = append(errs, field.TooMany(path.Child("parameters"), len(p.Parameters), MaxParameters))
	}
	for _, k := range slices.Sorted(maps.Keys(p.Parameters)) {
		if len(k) > MaxNameLength || !parameterRE.MatchString(k) {
			errs = append(errs, field.Invalid(path.Child("parameters").Key(k), k, "must be a PostgreSQL setting name: letters, digits and '_', at most one '.' (an extension's setting such as pg_stat_statements.max), at most 63 characters"))
		}
	}
	if v, err := strconv.Atoi(p.Version); err == nil && v < 16 {
		for i, u := range p.Users {
			if j := slices.Index(u.Flags, "createrole"); j >= 0 {
				errs = append(errs, field.Forbidden(path.Child("users").Index(i).Child("flags").Index(j),
					"createrole needs version 16 or later: before PostgreSQL 16 a role with CREATEROLE can grant itself pg_execute_server_program and run programs as the server"))
			}
		}
	}
	if p.Resources != nil {
		errs = append(errs, p.Resources.Validate(path.Child("resources"))...)
	}
	if p.Pooler != nil {
		switch p.Pooler.Mode {
		case "", PoolerModeSession, PoolerModeTransaction:
		default:
			errs = append(errs, field.NotSupported(path.Child("pooler", "mode"), p.Pooler.Mode, []PoolerMode{PoolerModeSession, PoolerModeTransaction}))
		}
	}
	if p.Backup != nil {
		errs = append(errs, p.Backup.Validate(path.Child("backup"))...)
	}
	if p.Restore != nil {
		errs = append(errs, p.Restore.Validate(path.Child("restore"))...)
	}
	if p.Network != nil {
		errs = append(errs, p.Network.Validate(path.Child("network"))...)
	}
	return errs
}

func validateStorage(path *field.Path, s string) field.ErrorList {
	if !storageRE.MatchString(s) {
		return field.ErrorList{field.Invalid(path, s, "must be a size such as 5Gi or 5G")}
	}
	if q, err := resource.ParseQuantity(s); err != nil || q.Sign() <= 0 {
		return field.ErrorList{field.Invalid(path, s, "must be more than zero")}
	}
	return nil
}

func validateTeamID(path *field.Path, id string) field.ErrorList {
	if len(id) > MaxTeamIDLength {
		return field.ErrorList{field.TooLong(path, id, MaxTeamIDLength)}
	}
	if !teamIDRE.MatchString(id) {
		return field.ErrorList{field.Invalid(path, id, "must be lower case letters, digits and dashes, starting with a letter")}
	}
	return nil
}

// ValidateRole checks a role name: RolePattern (the operator's, without the
// dots of its cross-namespace form), at most 63 characters, not reserved by
// PostgreSQL (pg_*) or the operator.
func ValidateRole(path *field.Path, name string) field.ErrorList {
	switch {
	case name == "":
		return field.ErrorList{field.Required(path, "name the role")}
	case len(name) > MaxNameLength:
		return field.ErrorList{field.TooLong(path, name, MaxNameLength)}
	case !roleRE.MatchString(name):
		return field.ErrorList{field.Invalid(path, name, "must match the role name pattern "+RolePattern+
			": lower case letters, digits, '-' and '_', starting and ending with a letter or digit (no '.': the operator would read <namespace>.<role> as a Secret for another namespace)")}
	case slices.Contains(ReservedRoles, name) || strings.HasPrefix(name, ReservedRolePrefix):
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("%q is a role reserved by PostgreSQL or the operator (pg_*, %s)", name, strings.Join(ReservedRoles, ", ")))}
	}
	return nil
}

// ValidateDatabaseName checks a database name: DatabaseNamePattern, at most
// 63 characters, not a system database.
func ValidateDatabaseName(path *field.Path, name string) field.ErrorList {
	switch {
	case name == "":
		return field.ErrorList{field.Required(path, "name the database")}
	case len(name) > MaxNameLength:
		return field.ErrorList{field.TooLong(path, name, MaxNameLength)}
	case !databaseRE.MatchString(name):
		return field.ErrorList{field.Invalid(path, name, "must be lower case letters, digits and underscores, not starting with a digit")}
	case slices.Contains(SystemDatabases, name):
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("%q is a system database (%s)", name, strings.Join(SystemDatabases, ", ")))}
	}
	return nil
}

func validateDatabases(path *field.Path, dbs []Database) field.ErrorList {
	var errs field.ErrorList
	if len(dbs) > MaxListItems {
		errs = append(errs, field.TooMany(path, len(dbs), MaxListItems))
	}
	seen := map[string]bool{}
	for i, d := range dbs {
		p := path.Index(i)
		errs = append(errs, ValidateDatabaseName(p.Child("name"), d.Name)...)
		errs = append(errs, ValidateRole(p.Child("owner"), d.Owner)...)
		if seen[d.Name] {
			errs = append(errs, field.Duplicate(p, d.Name))
		}
		seen[d.Name] = true
	}
	return errs
}

func validateUsers(path *field.Path, users []User) field.ErrorList {
	var errs field.ErrorList
	if len(users) > MaxListItems {
		errs = append(errs, field.TooMany(path, len(users), MaxListItems))
	}
	seen := map[string]bool{}
	for i, u := range users {
		p := path.Index(i)
		errs = append(errs, ValidateRole(p.Child("name"), u.Name)...)
		if seen[u.Name] {
			errs = append(errs, field.Duplicate(p, u.Name))
		}
		seen[u.Name] = true
		if len(u.Flags) > MaxUserFlags {
			errs = append(errs, field.TooMany(p.Child("flags"), len(u.Flags), MaxUserFlags))
		}
		flags := map[UserFlag]bool{}
		for j, f := range u.Flags {
			if !slices.Contains(UserFlags, f) {
				errs = append(errs, field.NotSupported(p.Child("flags").Index(j), f, UserFlags))
			}
			if flags[f] {
				errs = append(errs, field.Duplicate(p.Child("flags").Index(j), f))
			}
			flags[f] = true
		}
	}
	return errs
}

// Validate checks the bucket, endpoint, schedule, retention and the
// credentials Secret's name and keys.
func (b *Backup) Validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case b.Bucket == "":
		errs = append(errs, field.Required(path.Child("bucket"), "name the bucket"))
	case len(b.Bucket) < 3 || len(b.Bucket) > 63 || !bucketRE.MatchString(b.Bucket):
		errs = append(errs, field.Invalid(path.Child("bucket"), b.Bucket, "must be an S3 bucket name: 3 to 63 lower case letters, digits, '.' and '-'"))
	}
	if b.Endpoint != "" && !endpointRE.MatchString(b.Endpoint) {
		errs = append(errs, field.Invalid(path.Child("endpoint"), b.Endpoint, "must be an http or https URL"))
	}
	if b.Schedule != "" && !scheduleRE.MatchString(b.Schedule) {
		errs = append(errs, field.Invalid(path.Child("schedule"), b.Schedule, "must be a cron schedule such as "+DefaultBackupSchedule))
	}
	if b.Retention != 0 && (b.Retention < 1 || b.Retention > MaxRetention) {
		errs = append(errs, field.Invalid(path.Child("retention"), b.Retention, fmt.Sprintf("must be 1 to %d", MaxRetention)))
	}
	ref, rp := b.CredentialsSecretRef, path.Child("credentialsSecretRef")
	errs = append(errs, ref.LocalSecretReference.Validate(rp)...)
	if ref.AccessKeyIDKey != "" {
		errs = append(errs, common.ValidateSecretKey(rp.Child("accessKeyIdKey"), ref.AccessKeyIDKey)...)
	}
	if ref.SecretAccessKeyKey != "" {
		errs = append(errs, common.ValidateSecretKey(rp.Child("secretAccessKeyKey"), ref.SecretAccessKeyKey)...)
	}
	return errs
}

// Validate checks the source claim's name (ClaimNamePattern) and the
// timestamp (RFC 3339 with a numeric offset, TimestampPattern).
func (r *Restore) Validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case r.FromClaim == "":
		errs = append(errs, field.Required(path.Child("fromClaim"), "name the PostgreSQL claim to copy"))
	case len(r.FromClaim) > MaxNameLength:
		errs = append(errs, field.TooLong(path.Child("fromClaim"), r.FromClaim, MaxNameLength))
	case !claimNameRE.MatchString(r.FromClaim):
		errs = append(errs, field.Invalid(path.Child("fromClaim"), r.FromClaim,
			"must be the name of a PostgreSQL claim in this namespace: lower case letters, digits and '-' (no namespace)"))
	}
	if r.Timestamp != "" {
		if t, err := time.Parse(time.RFC3339, r.Timestamp); err != nil || !timestampRE.MatchString(r.Timestamp) || !t.After(time.Unix(0, 0)) {
			errs = append(errs, field.Invalid(path.Child("timestamp"), r.Timestamp,
				"must be an RFC 3339 time after 1970 with a zone offset, e.g. 2026-11-20T12:00:00+01:00 (write +00:00, not Z)"))
		}
	}
	return errs
}

// Validate checks the policies switch, the operator's namespace (a DNS-1123
// label) and the pod labels.
func (n *Network) Validate(path *field.Path) field.ErrorList {
	errs := common.ValidatePolicies(path.Child("policies"), n.Policies)
	if n.OperatorNamespace != "" {
		errs = append(errs, common.ValidateNamespace(path.Child("operatorNamespace"), n.OperatorNamespace)...)
	}
	return append(errs, common.ValidatePodLabels(path.Child("allowFromPods"), n.AllowFromPods)...)
}
