package postgres

import (
	"github.com/homeplane/homeplane/fn/netpol"
)

// Ports of a Spilo pod.
const (
	portPostgres = 5432
	portPatroni  = 8008
)

// defaultOperatorNamespace is where the Zalando operator usually runs.
const defaultOperatorNamespace = "postgres-operator"

// Labels the Zalando operator puts on its pods.
const (
	labelApplication = "application"
	labelClusterName = "cluster-name"
	labelPooler      = "connection-pooler"
	appSpilo         = "spilo"
	appPooler        = "db-connection-pooler"
)

// networkPolicies says who may reach the cluster's pods: the other members of
// the cluster (replication and Patroni), the operator, the pooler, and the
// consumers the claim names (or its whole namespace). Nothing else.
func networkPolicies(p *params) (netpol.Spec, bool) {
	n := p.Network
	if n != nil && n.Policies == "Disabled" {
		return netpol.Spec{}, false
	}
	ops, consumers := defaultOperatorNamespace, map[string]string(nil)
	if n != nil {
		if n.OperatorNamespace != "" {
			ops = n.OperatorNamespace
		}
		consumers = n.AllowFromPods
	}
	members := map[string]string{labelApplication: appSpilo, labelClusterName: p.Cluster}
	s := netpol.Spec{
		App:         "postgresql",
		PodSelector: members,
		Ports:       []int32{portPostgres, portPatroni},
		Peers: []netpol.Peer{
			{PodLabels: members},
			{Namespace: ops},
		},
	}
	if p.Pooler {
		s.Peers = append(s.Peers, netpol.Peer{
			PodLabels: map[string]string{labelApplication: appPooler, labelPooler: p.Cluster + "-pooler"},
			Ports:     []int32{portPostgres},
		})
	}
	s.Peers = append(s.Peers, netpol.Peer{PodLabels: consumers, Ports: []int32{portPostgres}})
	return s, true
}
