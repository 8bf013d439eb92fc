package postgres

import (
	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/wiring"
)

// Ports of a Spilo pod.
const (
	portPostgres = 5432
	portPatroni  = 8008
)

// Labels the Zalando operator puts on its pods.
const (
	labelApplication = "application"
	labelClusterName = "cluster-name"
	labelPooler      = "connection-pooler"
	appSpilo         = "spilo"
	appPooler        = "db-connection-pooler"
)

// policy says who may reach the cluster's pods: the other members of
// the cluster (replication and Patroni), the operator, the pooler, and the
// consumers the claim names (or its whole namespace). Nothing else.
//
// When consumers are named, Spilo pods of the claim's namespace may reach
// PostgreSQL too: a copy (restore.fromClaim without a timestamp) clones
// with pg_basebackup from this cluster's master Service, and the source
// cannot know its copies. A copy is always in the source's namespace
// (restore.fromClaim names a claim there), so no other tenant gains a path.
func policy(p *params) *wiring.Policy {
	n := p.Network
	if n != nil && n.Policies == common.PoliciesDisabled {
		return nil
	}
	ops, consumers := v1alpha1.DefaultOperatorNamespace, map[string]string(nil)
	if n != nil {
		if n.OperatorNamespace != "" {
			ops = n.OperatorNamespace
		}
		consumers = common.Labels(n.AllowFromPods)
	}
	members := map[string]string{labelApplication: appSpilo, labelClusterName: p.Cluster}
	s := &wiring.Policy{
		PodSelector: members,
		Ports:       []int32{portPostgres, portPatroni},
		Peers: []wiring.Peer{
			{PodLabels: members},
			{Namespace: ops},
		},
	}
	if p.Pooler {
		s.Peers = append(s.Peers, wiring.Peer{
			PodLabels: map[string]string{labelApplication: appPooler, labelPooler: p.Cluster + "-pooler"},
			Ports:     []int32{portPostgres},
		})
	}
	if consumers != nil {
		s.Peers = append(s.Peers, wiring.Peer{PodLabels: map[string]string{labelApplication: appSpilo}, Ports: []int32{portPostgres}})
	}
	s.Peers = append(s.Peers, wiring.Peer{PodLabels: consumers, Ports: []int32{portPostgres}})
	return s
}
