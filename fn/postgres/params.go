package postgres

import (
	"fmt"
	"regexp"
	"strings"

	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Field paths, for errors a claim author can act on.
const (
	pathParams      = "spec.parameters."
	pathTeamID      = pathParams + "teamId"
	pathVersion     = pathParams + "version"
	pathStorage     = pathParams + "storage"
	pathBackup      = pathParams + "backup"
	pathRestoreFrom = pathParams + "restore.fromClaim"
	pathRestoreTime = pathParams + "restore.timestamp"
	pathClaimName   = "metadata.name (of the claim, or of the namespaced composite)"
)

// maxClusterNameLength is the Zalando operator's own limit on a cluster's
// name; derivedNames has the ones that bind before it.
const maxClusterNameLength = 58

var dns1035 = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// params are the claim's parameters with every default applied and checked:
// the rest of the composer never looks at the raw spec.
type params struct {
	v1alpha1.PostgreSQLParameters

	// Cluster is the Zalando postgresql's name, <teamId>-<claim>.
	Cluster   string
	Instances int32
	// Roles get a connection Secret each (resolveRoles).
	Roles []role
	// Pooler and DeletionProtection with their defaults resolved.
	Pooler             bool
	PoolerMode         v1alpha1.PoolerMode
	Synchronous        bool
	DeletionProtection bool

	// observed is the postgresql as it exists, or nil.
	observed *acidv1.Postgresql
	// wait says what a restore waits for before anything may be composed
	// (resolveRestore); nil when it need not wait.
	wait *compose.Condition

	// Archive is where the cluster archives (placeArchive); nil without
	// backup.
	Archive *archive
	// Clone and CloneEnv restore the cluster from its source
	// (resolveRestore); AskSource asks Crossplane for the source claim, and
	// SourceCluster, when set, for its postgresql.
	Clone         *acidv1.CloneDescription
	CloneEnv      []corev1.EnvVar
	AskSource     bool
	SourceCluster string
}

// resolve checks what the XRD cannot, on parameters already defaulted and
// validated (fn/app): names derived from the claim's name.
func resolve(claim string, in v1alpha1.PostgreSQLParameters) (*params, error) {
	p := &params{PostgreSQLParameters: *in.DeepCopy()}
	if err := clusterName(p, claim); err != nil {
		return nil, err
	}
	topology(p)
	defaulted := len(p.Databases) == 0
	if err := defaultDatabase(p, claim); err != nil {
		return nil, err
	}
	var err error
	if p.Roles, err = resolveRoles(claim, p, defaulted); err != nil {
		return nil, err
	}
	if err := checkRestore(p, claim); err != nil {
		return nil, err
	}
	p.DeletionProtection = ptr.Deref(p.PostgreSQLParameters.DeletionProtection, true)
	return p, nil
}

func clusterName(p *params, claim string) error {
	p.Cluster = p.TeamID + "-" + claim
	if err := checkDerivedNames(p.Cluster, p.TeamID); err != nil {
		return err
	}
	if !dns1035.MatchString(p.Cluster) {
		return compose.InvalidField(pathClaimName, "the database would be named %q, which is not a DNS-1035 label (lower case letters, digits and dashes)", p.Cluster)
	}
	return nil
}

// topology resolves instances, synchronous replication and the pooler;
// Validate has checked that they fit the topology.
func topology(p *params) {
	p.Synchronous = ptr.Deref(p.PostgreSQLParameters.Synchronous, false)
	p.Instances = 1
	if p.Topology == v1alpha1.TopologyHA {
		p.Instances = ptr.Deref(p.PostgreSQLParameters.Instances, v1alpha1.DefaultHAInstances)
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
}

// defaultDatabase defaults to one database, owned by a role of the same
// name, named after the claim: Postgres identifiers cannot hold dashes
// unquoted nor start with a digit. The claim name is not empty: the cluster
// name was checked.
func defaultDatabase(p *params, claim string) error {
	if len(p.Databases) > 0 {
		return nil
	}
	n := strings.ReplaceAll(claim, "-", "_")
	if n[0] >= '0' && n[0] <= '9' {
		n = "db_" + n
	}
	// A claim named e.g. postgres or pg-admin would ask for a reserved name.
	path := field.NewPath("spec", "parameters", "databases")
	errs := v1alpha1.ValidateDatabaseName(path.Index(0).Child("name"), n)
	if err := compose.FieldErrors(append(errs, v1alpha1.ValidateRole(path.Index(0).Child("owner"), n)...)); err != nil {
		return fmt.Errorf("the default database is named after the claim %q, so list databases: %w", claim, err)
	}
	p.Databases = []v1alpha1.Database{{Name: n, Owner: n}}
	return nil
}

// checkRestore checks the source claim against this claim's name, which
// the XRD does not know. Its form (a claim name, never a namespace) is
// Validate's; the source may have another teamId, so its cluster's name is
// only known once the source claim is read.
func checkRestore(p *params, claim string) error {
	if r := p.Restore; r != nil && r.FromClaim == claim {
		return compose.InvalidField(pathRestoreFrom, "names this claim: restore copies another claim's database")
	}
	return nil
}
