package postgres

import (
	"fmt"
	"strings"

	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// The condition on the claim saying whether the database can be used.
const (
	typeDatabase = "Database"

	reasonAvailable          = "Available"
	reasonPending            = "Pending"
	reasonCreating           = "Creating"
	reasonUpdating           = "Updating"
	reasonFailed             = "Failed"
	reasonWaitingCredentials = "WaitingForCredentials"

	// phasePending is the phase until the operator reports one.
	phasePending = "Pending"
)

// phase is the operator's status of the observed postgresql, or Pending.
func phase(observed *acidv1.Postgresql) string {
	if observed == nil || observed.Status.PostgresClusterStatus == "" {
		return phasePending
	}
	return observed.Status.PostgresClusterStatus
}

// running reports whether the operator says the cluster is up.
func running(observed *acidv1.Postgresql) bool {
	return phase(observed) == acidv1.ClusterStatusRunning
}

// status is the XR's (and claim's) status.
func status(req *compose.Request, p *params, observed *acidv1.Postgresql) v1alpha1.XPostgreSQLStatus {
	s := v1alpha1.XPostgreSQLStatus{Phase: phase(observed), Endpoint: host(req, p.Cluster), ClusterName: p.Cluster, Connections: connectionStatus(p)}
	if p.Pooler {
		s.PoolerEndpoint = host(req, p.Cluster+"-pooler")
	}
	if p.Backup != nil {
		if loc := location(p.Backup.Bucket, p.Cluster, p.Archive); loc != "" {
			// Where a restore from this claim reads.
			s.Backup = &v1alpha1.BackupStatus{Location: loc}
		}
	}
	return s
}

// databaseCondition says in words what the database is doing. waiting are
// the operator's credentials Secrets not read yet (connections): the
// database is available once it runs and every role's Secret is composed
// from them.
func databaseCondition(p *params, observed *acidv1.Postgresql, waiting []string) compose.Condition {
	c := compose.Condition{Type: typeDatabase, Status: metav1.ConditionFalse}
	ph := phase(observed)
	switch ph {
	case acidv1.ClusterStatusRunning:
		if len(waiting) == 0 {
			c.Status, c.Reason = metav1.ConditionTrue, reasonAvailable
			c.Message = fmt.Sprintf("PostgreSQL %s is running.", p.Version)
			return c
		}
		c.Reason = reasonWaitingCredentials
		secrets := "Secret"
		if len(waiting) > 1 {
			secrets = "Secrets"
		}
		c.Message = fmt.Sprintf("The cluster is running; waiting for the operator's %s %s.", secrets, strings.Join(waiting, ", "))
	case acidv1.ClusterStatusCreating:
		c.Reason = reasonCreating
		c.Message = "The operator is creating the cluster."
	case acidv1.ClusterStatusUpdating:
		c.Reason = reasonUpdating
		c.Message = "The operator is updating the cluster."
	case acidv1.ClusterStatusAddFailed, acidv1.ClusterStatusSyncFailed, acidv1.ClusterStatusUpdateFailed, acidv1.ClusterStatusInvalid:
		c.Reason = reasonFailed
		c.Message = fmt.Sprintf("The operator reports %s for postgresql %s: see its events (kubectl describe postgresql %s) and the operator's log.", ph, p.Cluster, p.Cluster)
	case phasePending:
		c.Status, c.Reason = metav1.ConditionUnknown, reasonPending
		c.Message = "Waiting for the Zalando operator to pick up the cluster."
	default:
		c.Status, c.Reason = metav1.ConditionUnknown, reasonPending
		c.Message = fmt.Sprintf("The operator reports the unknown status %q.", ph)
	}
	return c
}

// failed reports whether the operator gave up on the cluster.
func failed(observed *acidv1.Postgresql) bool {
	switch phase(observed) {
	case acidv1.ClusterStatusAddFailed, acidv1.ClusterStatusSyncFailed, acidv1.ClusterStatusUpdateFailed, acidv1.ClusterStatusInvalid:
		return true
	}
	return false
}
