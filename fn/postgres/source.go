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

// requirementSource names a restore's source claim among the required
// resources.
const requirementSource = "restore-source"

// Reasons of the Database condition while a restore waits for its source.
const (
	reasonWaitingSource = "WaitingForRestoreSource"
)

// Errors about a restore's source. %q is the source claim's name.
const (
	errSourceUnreadable = "the PostgreSQL claim %q cannot be read: %v"
	errSourceElsewhere  = "Crossplane returned the claim %s/%s for %q: a restore reads only a claim of its own namespace, %s"
	errSourceNoBackup   = "restore to a timestamp reads the source's backups, but the PostgreSQL claim %q has no spec.parameters.backup"
	errSourceBackup     = "the PostgreSQL claim %q has an invalid spec.parameters.backup: %v"
	errSourceLocation   = "the PostgreSQL claim %q publishes status.backup.location %q, which is not an archive of its cluster %s in this namespace " +
		"(s3://<bucket>/spilo/%s/%s/<uid>/wal)"
)

// sourceRequirement asks Crossplane for the source claim, by name, in the
// claim's own namespace: a source elsewhere cannot be asked for.
func sourceRequirement(req *compose.Request, p *params) compose.Requirement {
	return compose.Requirement{APIVersion: v1alpha1.GroupVersion.String(), Kind: claimKind, Namespace: req.Namespace, Name: p.Restore.FromClaim}
}

// resolveRestore decides how the cluster is cloned. Once the cluster exists
// its clone is kept as it was created: the restore has happened or is under
// way, and a changed pod environment would restart it. Before, the source
// claim is read; a Condition says what the restore waits for, and then no
// cluster may be composed.
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
	loc := ""
	if src.Status.Backup != nil {
		loc = src.Status.Backup.Location
	}
	if loc == "" {
		return waiting("The source claim %s has not published where it archives (status.backup.location) yet.", r.FromClaim), nil
	}
	if !sourceLocationOK(loc, b.Bucket, req.Namespace, cluster) {
		return nil, compose.InvalidField(pathRestoreFrom, errSourceLocation, r.FromClaim, loc, cluster, req.Namespace, cluster)
	}
	// The operator turns s3_wal_path into CLONE_WALE_S3_PREFIX
	// (pkg/cluster/k8sres.go, generateCloneEnvironment, v1.15.1); without it
	// it would append CLONE_WAL_BUCKET_SCOPE_PREFIX="" after the env, which
	// wins, and lose the namespace. Spilo 4.0-p3 then tries each major
	// version under .../wal (postgres-appliance/bootstrap/clone_with_wale.py,
	// get_wale_environments). Endpoint
	// and credentials are set here, not in the clone description: the
	// operator would put access keys there in plain text.
	p.Clone = &acidv1.CloneDescription{ClusterName: cluster, EndTimestamp: r.Timestamp, S3WalPath: loc}
	p.CloneEnv = append(access(clonePrefix, b), corev1.EnvVar{Name: clonePrefix + envUseWALGRestore, Value: "true"})
	return nil, nil
}

// waiting is the Database condition while a restore cannot start yet.
func waiting(format string, a ...any) *compose.Condition {
	return &compose.Condition{Type: typeDatabase, Status: metav1.ConditionFalse, Reason: reasonWaitingSource,
		Message: fmt.Sprintf(format, a...) + " The database is not created until the restore can start from it."}
}
