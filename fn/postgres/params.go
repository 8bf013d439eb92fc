package postgres

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Field paths, for errors a claim author can act on.
const (
	pathParams       = "spec.parameters."
	pathVersion      = pathParams + "version"
	pathStorage      = pathParams + "storage"
	pathTopology     = pathParams + "topology"
	pathInstances    = pathParams + "instances"
	pathSynchronous  = pathParams + "synchronous"
	pathTeamID       = pathParams + "teamId"
	pathDatabases    = pathParams + "databases"
	pathUsers        = pathParams + "users"
	pathPoolerMode   = pathParams + "pooler.mode"
	pathBackup       = pathParams + "backup"
	pathRestore      = pathParams + "restore"
	pathRestoreFrom  = pathRestore + ".fromClaim"
	pathRestoreTime  = pathRestore + ".timestamp"
	pathResources    = pathParams + "resources"
	pathClaimName    = "metadata.name (of the claim)"
	pathBackupBucket = pathBackup + ".bucket"
	pathBackupSecret = pathBackup + ".credentialsSecretRef.name"
)

// Limits the Zalando operator puts on a cluster's name: its replica service
// <cluster>-repl must still be a DNS-1035 label.
const maxClusterNameLength = 58

var (
	dns1035    = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	quantity   = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?([EPTGM]i?|Ki)?$`)
	cpu        = regexp.MustCompile(`^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$`)
	// Zalando's clone timestamp: RFC 3339 with a numeric zone offset.
	offsetTimestamp = regexp.MustCompile(`[+-]([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// Versions the Zalando operator v1.15 runs that Homeplane offers.
var versions = []string{"14", "15", "16", "17"}

// Roles the operator creates itself.
var reservedRoles = []string{"postgres", "standby", "pooler", "admin", "cron_admin"}

// userFlags are the role flags a claim may ask for.
var userFlags = []v1alpha1.UserFlag{"login", "nologin", "createdb", "createrole", "inherit", "noinherit", "bypassrls"}

// params are the claim's parameters with every default applied and checked:
// the rest of the composer never looks at the raw spec.
type params struct {
	v1alpha1.PostgreSQLParameters

	// Cluster is the Zalando postgresql's name, <teamId>-<claim>.
	Cluster   string
	Instances int32
	// Pooler and DeletionProtection with their defaults resolved.
	Pooler             bool
	PoolerMode         v1alpha1.PoolerMode
	Synchronous        bool
	DeletionProtection bool
}

// resolve applies defaults to the claim's parameters and validates what the
// XRD's schema cannot: the cluster's name depends on the claim's name.
func resolve(claim string, in v1alpha1.PostgreSQLParameters) (*params, error) {
	p := &params{PostgreSQLParameters: in}
	if p.Version == "" {
		p.Version = v1alpha1.DefaultVersion
	}
	if !slices.Contains(versions, p.Version) {
		return nil, compose.InvalidField(pathVersion, "%q is not offered: use one of %s", p.Version, strings.Join(versions, ", "))
	}
	if p.Storage == "" {
		p.Storage = v1alpha1.DefaultStorage
	}
	if err := checkQuantity(pathStorage, p.Storage); err != nil {
		return nil, err
	}
	if p.TeamID == "" {
		p.TeamID = v1alpha1.DefaultTeamID
	}
	if err := clusterName(p, claim); err != nil {
		return nil, err
	}
	if err := topology(p); err != nil {
		return nil, err
	}
	if err := checkResources(p.Resources); err != nil {
		return nil, err
	}
	if err := databases(p, claim); err != nil {
		return nil, err
	}
	if err := checkBackup(p.Backup); err != nil {
		return nil, err
	}
	if err := checkRestore(p, claim); err != nil {
		return nil, err
	}
	p.DeletionProtection = ptr.Deref(in.DeletionProtection, true)
	return p, nil
}

func checkQuantity(path, q string) error {
	if !quantity.MatchString(q) {
		return compose.InvalidField(path, "%q is not a size such as 5Gi or 5G", q)
	}
	if _, err := resource.ParseQuantity(q); err != nil {
		return compose.InvalidField(path, "%q is not a size such as 5Gi or 5G", q)
	}
	return nil
}

func clusterName(p *params, claim string) error {
	if !dns1035.MatchString(p.TeamID) {
		return compose.InvalidField(pathTeamID, "%q must be lower case letters, digits and dashes, starting with a letter", p.TeamID)
	}
	p.Cluster = p.TeamID + "-" + claim
	if n := len(p.Cluster); n > maxClusterNameLength {
		return compose.InvalidField(pathClaimName, "the database would be named %q, %d characters, but the Zalando operator allows at most %d: "+
			"use a claim name of at most %d characters or a shorter %s", p.Cluster, n, maxClusterNameLength,
			maxClusterNameLength-len(p.TeamID)-1, pathTeamID)
	}
	if !dns1035.MatchString(p.Cluster) {
		return compose.InvalidField(pathClaimName, "the database would be named %q, which is not a DNS-1035 label (lower case letters, digits and dashes)", p.Cluster)
	}
	return nil
}

func topology(p *params) error {
	if p.Topology == "" {
		p.Topology = v1alpha1.DefaultTopology
	}
	p.Synchronous = ptr.Deref(p.PostgreSQLParameters.Synchronous, false)
	switch p.Topology {
	case v1alpha1.TopologySingle:
		if p.PostgreSQLParameters.Instances != nil {
			return compose.InvalidField(pathInstances, "can only be set with topology ha")
		}
		if p.Synchronous {
			return compose.InvalidField(pathSynchronous, "synchronous replication needs topology ha")
		}
		p.Instances = 1
	case v1alpha1.TopologyHA:
		p.Instances = ptr.Deref(p.PostgreSQLParameters.Instances, v1alpha1.DefaultHAInstances)
		if p.Instances < 2 || p.Instances > 7 {
			return compose.InvalidField(pathInstances, "%d is out of range: use 2 to 7", p.Instances)
		}
	default:
		return compose.InvalidField(pathTopology, "%q is not a topology: use single or ha", p.Topology)
	}
	// A pooler pays off once there are replicas to fail over between.
	p.Pooler = p.Topology == v1alpha1.TopologyHA
	p.PoolerMode = v1alpha1.DefaultPoolerMode
	if pl := p.PostgreSQLParameters.Pooler; pl != nil {
		p.Pooler = ptr.Deref(pl.Enabled, p.Pooler)
		if pl.Mode != "" {
			p.PoolerMode = pl.Mode
		}
	}
	if p.PoolerMode != v1alpha1.PoolerModeSession && p.PoolerMode != v1alpha1.PoolerModeTransaction {
		return compose.InvalidField(pathPoolerMode, "%q is not a pool mode: use session or transaction", p.PoolerMode)
	}
	return nil
}

func checkResources(r *v1alpha1.Resources) error {
	if r == nil {
		return nil
	}
	for _, l := range []struct {
		path string
		rl   v1alpha1.ResourceList
	}{{pathResources + ".requests", r.Requests}, {pathResources + ".limits", r.Limits}} {
		if l.rl.CPU != "" && !cpu.MatchString(l.rl.CPU) {
			return compose.InvalidField(l.path+".cpu", "%q is not a CPU amount such as 500m or 1", l.rl.CPU)
		}
		if l.rl.Memory != "" {
			if err := checkQuantity(l.path+".memory", l.rl.Memory); err != nil {
				return err
			}
		}
	}
	return nil
}

// databases defaults to one database, owned by a role of the same name, named
// after the claim: Postgres identifiers cannot hold dashes unquoted nor start
// with a digit. The claim name is not empty: the cluster name was checked.
func databases(p *params, claim string) error {
	if len(p.Databases) == 0 {
		n := strings.ReplaceAll(claim, "-", "_")
		if n[0] >= '0' && n[0] <= '9' {
			n = "db_" + n
		}
		p.Databases = []v1alpha1.Database{{Name: n, Owner: n}}
	}
	seen := map[string]bool{}
	for i, d := range p.Databases {
		if err := checkIdentifier(pathDatabases, i, "name", d.Name); err != nil {
			return err
		}
		if err := checkRole(pathDatabases, i, "owner", d.Owner); err != nil {
			return err
		}
		if seen[d.Name] {
			return compose.InvalidField(pathDatabases, "database %q is listed twice", d.Name)
		}
		seen[d.Name] = true
	}
	seen = map[string]bool{}
	for i, u := range p.Users {
		if err := checkRole(pathUsers, i, "name", u.Name); err != nil {
			return err
		}
		if seen[u.Name] {
			return compose.InvalidField(pathUsers, "user %q is listed twice", u.Name)
		}
		seen[u.Name] = true
		for _, f := range u.Flags {
			if !slices.Contains(userFlags, f) {
				return compose.InvalidField(pathUsers, "user %q: flag %q is not offered", u.Name, f)
			}
		}
	}
	return nil
}

func checkIdentifier(list string, i int, field, v string) error {
	if len(v) == 0 || len(v) > 63 || !identifier.MatchString(v) {
		return compose.InvalidField(list, "item %d: %s %q must be 1 to 63 lower case letters, digits and underscores, not starting with a digit", i, field, v)
	}
	return nil
}

func checkRole(list string, i int, field, v string) error {
	if err := checkIdentifier(list, i, field, v); err != nil {
		return err
	}
	if slices.Contains(reservedRoles, v) {
		return compose.InvalidField(list, "item %d: %s %q is a role the operator reserves", i, field, v)
	}
	return nil
}

func checkBackup(b *v1alpha1.Backup) error {
	if b == nil {
		return nil
	}
	if b.Bucket == "" {
		return compose.InvalidField(pathBackupBucket, "is required")
	}
	if b.CredentialsSecretRef.Name == "" {
		return compose.InvalidField(pathBackupSecret, "is required: name the Secret holding the access keys")
	}
	return nil
}

func checkRestore(p *params, claim string) error {
	r := p.Restore
	if r == nil {
		return nil
	}
	if r.FromClaim == claim {
		return compose.InvalidField(pathRestoreFrom, "names this claim: restore copies another claim's database")
	}
	from := p.TeamID + "-" + r.FromClaim
	if len(from) > maxClusterNameLength || !dns1035.MatchString(from) {
		return compose.InvalidField(pathRestoreFrom, "%q is not the name of a PostgreSQL claim", r.FromClaim)
	}
	if r.Timestamp == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, r.Timestamp); err != nil || !offsetTimestamp.MatchString(r.Timestamp) {
		return compose.InvalidField(pathRestoreTime, "%q must be an RFC 3339 time with a zone offset, e.g. 2026-11-20T12:00:00+01:00 (write +00:00, not Z)", r.Timestamp)
	}
	if p.Backup == nil {
		return compose.InvalidField(pathRestoreTime, "restoring to a time reads the source's backups: set %s to the store it backs up to", pathBackup)
	}
	return nil
}
