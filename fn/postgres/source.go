package postgres

import (
	"fmt"
	"strings"

	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Required resources of a restore: the source claim, then its postgresql.
const (
	requirementSource        = "restore-source"
	requirementSourceCluster = "restore-source-cluster"
)

// Reasons of the Database condition while a restore waits for its source.
const (
	reasonWaitingSource = "WaitingForRestoreSource"
)

// Errors about a restore's source, reported on the restore's fields.
const (
	errSourceUnreadable = "the PostgreSQL claim %q cannot be read: %v"
	errSourceElsewhere  = "Crossplane returned %s/%s for %q: a restore reads only from its own namespace, %s"
	errSourceNoBackup   = "restore to a timestamp reads the source's backups, but the PostgreSQL claim %q has no spec.parameters.backup"
	errSourceBackup     = "the PostgreSQL claim %q has an invalid spec.parameters.backup: %v"
	errSourceLocation   = "the source cluster %s of the PostgreSQL claim %q archives to %q, which is not a location of a cluster of this namespace " +
		"(s3://<bucket>/spilo/%s/%s/<uid>/wal)"
	errSourceClusterUnreadable = "the postgresql %s of the PostgreSQL claim %q cannot be read: %v"
)

// sourceRequirement asks Crossplane for the source claim, by name, in the
// claim's own namespace: a source elsewhere cannot be asked for.
func sourceRequirement(req *compose.Request, p *params) compose.Requirement {
	gvk := req.ClaimKind(v1alpha1.GroupVersion.WithKind(claimKind))
	return compose.Requirement{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Namespace: req.Namespace, Name: p.Restore.FromClaim}
}

// sourceClusterRequirement asks Crossplane for the source's postgresql, in
// the claim's own namespace.
func sourceClusterRequirement(req *compose.Request, cluster string) compose.Requirement {
	return compose.Requirement{APIVersion: zalandoAPIVersion, Kind: zalandoKind, Namespace: req.Namespace, Name: cluster}
}

// resolveRestore decides how the cluster is cloned. Once the cluster exists
// its clone is kept as it was created: the restore has happened or is under
// way, and a changed pod environment would restart it. Before, the source
// claim (its teamId and backup settings) and, for a timestamp, its
// postgresql (where it archives) are read; a Condition says what the
// restore waits for, and then no cluster may be composed.
func resolveRestore(req *compose.Request, p *params, observed *acidv1.Postgresql) (*compose.Condition, error) {
	r := p.Restore
	if r == nil {
		return nil, nil
	}
	if observed != nil {
		p.Clone = observed.Spec.Clone
		for _, e := range observed.Spec.Env {
			if strings.HasPrefix(e.Name, clonePrefix) {
				p.CloneEnv = append(p.CloneEnv, e)
			}
		}
		return nil, nil
	}
	p.AskSource = true
	if _, answered := req.Required[requirementSource]; !answered {
		return waiting("Looking up the source claim %s in namespace %s.", r.FromClaim, req.Namespace), nil
	}
	src := &v1alpha1.XPostgreSQL{}
	found, err := req.RequiredInto(requirementSource, src)
	if err != nil {
		return nil, compose.InvalidField(pathRestoreFrom, errSourceUnreadable, r.FromClaim, err)
	}
	if !found {
		return waiting("There is no PostgreSQL claim %s in namespace %s to restore from.", r.FromClaim, req.Namespace), nil
	}
	if src.GetNamespace() != req.Namespace || src.GetName() != r.FromClaim {
		return nil, compose.InvalidField(pathRestoreFrom, errSourceElsewhere, src.GetNamespace(), src.GetName(), r.FromClaim, req.Namespace)
	}
	src.Default()
	cluster := src.Spec.Parameters.TeamID + "-" + r.FromClaim
	if r.Timestamp == "" {
		p.Clone = &acidv1.CloneDescription{ClusterName: cluster}
		return nil, nil
	}
	b := src.Spec.Parameters.Backup
	if b == nil {
		return nil, compose.InvalidField(pathRestoreTime, errSourceNoBackup, r.FromClaim)
	}
	if err := compose.FieldErrors(b.Validate(field.NewPath("spec", "parameters", "backup"))); err != nil {
		return nil, compose.InvalidField(pathRestoreFrom, errSourceBackup, r.FromClaim, err)
	}
	loc, wait, err := sourceArchive(req, p, cluster, b)
	if wait != nil || err != nil {
		return wait, err
	}
	// The operator turns s3_wal_path into CLONE_WALE_S3_PREFIX
	// (pkg/cluster/k8sres.go, generateCloneEnvironment, v1.15.1); without it
	// it would append CLONE_WAL_BUCKET_SCOPE_PREFIX="" after the env, which
	// wins, and lose the namespace. Spilo 4.0-p3 then tries each major
	// version under .../wal (postgres-appliance/bootstrap/clone_with_wale.py,
	// get_wale_environments). Endpoint and credentials are set here, not in
	// the clone description: the operator would put access keys there in
	// plain text.
	p.Clone = &acidv1.CloneDescription{ClusterName: cluster, EndTimestamp: r.Timestamp, S3WalPath: loc}
	p.CloneEnv = append(access(clonePrefix, b), corev1.EnvVar{Name: clonePrefix + envUseWALGRestore, Value: "true"})
	return nil, nil
}

// sourceArchive is where the source cluster archives, read from its
// postgresql's env in this namespace: what it really archives to, which a
// tenant cannot edit as it can its claim's status. Only a location the
// source's composer could have set for a cluster of this namespace is
// accepted.
func sourceArchive(req *compose.Request, p *params, cluster string, b *v1alpha1.Backup) (string, *compose.Condition, error) {
	from := p.Restore.FromClaim
	p.SourceCluster = cluster
	if _, answered := req.Required[requirementSourceCluster]; !answered {
		return "", waiting("Looking up the cluster %s of the source claim %s.", cluster, from), nil
	}
	pg := &acidv1.Postgresql{}
	found, err := req.RequiredInto(requirementSourceCluster, pg)
	if err != nil {
		return "", nil, compose.InvalidField(pathRestoreFrom, errSourceClusterUnreadable, cluster, from, err)
	}
	if !found {
		return "", waiting("The source claim %s has no cluster %s yet.", from, cluster), nil
	}
	if pg.GetNamespace() != req.Namespace || pg.GetName() != cluster {
		return "", nil, compose.InvalidField(pathRestoreFrom, errSourceElsewhere, pg.GetNamespace(), pg.GetName(), cluster, req.Namespace)
	}
	a, archiving := observedArchive(pg)
	bucket := ""
	for _, e := range pg.Spec.Env {
		if e.Name == envBucket {
			bucket = e.Value
		}
	}
	if !archiving || bucket != b.Bucket {
		return "", waiting("The source cluster %s does not archive to the bucket %s of its claim's spec.parameters.backup yet.", cluster, b.Bucket), nil
	}
	loc := location(bucket, cluster, a)
	if !sourceLocationOK(loc, bucket, req.Namespace, cluster) {
		return "", nil, compose.InvalidField(pathRestoreFrom, errSourceLocation, cluster, from, loc, req.Namespace, cluster)
	}
	return loc, nil, nil
}

// waiting is the Database condition while a restore cannot start yet.
func waiting(format string, a ...any) *compose.Condition {
	return &compose.Condition{Type: typeDatabase, Status: metav1.ConditionFalse, Reason: reasonWaitingSource,
		Message: fmt.Sprintf(format, a...) + " The database is not created until the restore can start from it."}
}
