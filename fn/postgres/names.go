package postgres

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// A derivedName is a name or label value that the operator, Patroni or a
// Kubernetes controller derives from the cluster's name, with the limit the
// API server puts on it. None of them can be shortened or hashed by us:
// whoever derives them would not find them again. So every one is checked
// before the postgresql is composed, here and only here.
type derivedName struct {
	// Object says what carries the name.
	Object string
	// Form shows how it is derived, with <cluster> for the cluster's name.
	Form string
	// Extra is how many characters the deriver adds at most beyond Form's
	// literal text (a hash, an ordinal).
	Extra int
	// Limit is the longest the API server accepts.
	Limit int
	// Source is where the derivation is written.
	Source string
}

// Limits of Kubernetes names (k8s.io/apimachinery/pkg/util/validation).
const (
	limitLabel     = validation.DNS1123LabelMaxLength     // Service names, label values, hostnames: 63
	limitSubdomain = validation.DNS1123SubdomainMaxLength // most other object names: 253
)

// derivedNames is every name derived from the cluster's name, for the
// Zalando operator v1.15.1 on Kubernetes 1.35. The binding one is the
// StatefulSet's revision label: 52 characters of cluster name, not the 58
// the operator itself checks.
var derivedNames = []derivedName{
	{Object: "the postgresql, its StatefulSet and master Service", Form: "<cluster>", Limit: limitLabel,
		Source: "Service names are DNS-1035 labels"},
	{Object: "the operator", Form: "<cluster>", Limit: maxClusterNameLength,
		Source: "postgres-operator refuses a longer cluster name"},
	{Object: "the replica Service", Form: "<cluster>-repl", Limit: limitLabel,
		Source: "postgres-operator pkg/cluster/k8sres.go serviceName"},
	{Object: "Patroni's config Service", Form: "<cluster>-config", Limit: limitLabel,
		Source: "postgres-operator pkg/cluster/k8sres.go serviceName(Patroni)"},
	{Object: "the pods' controller-revision-hash label", Form: "<cluster>-", Extra: 10, Limit: limitLabel,
		Source: "Kubernetes StatefulSet controller: the label is the ControllerRevision's name, <statefulset>-<hash of up to 10 characters> (pkg/controller/history)"},
	{Object: "the pods' hostnames", Form: "<cluster>-", Extra: len(fmt.Sprint(v1alpha1.MaxInstances - 1)), Limit: limitLabel,
		Source: "StatefulSet pods are <statefulset>-<ordinal>"},
	{Object: "the pooler's Deployment, Service and connection-pooler label", Form: "<cluster>-pooler", Limit: limitLabel,
		Source: "postgres-operator pkg/cluster/connection_pooler.go connectionPoolerName"},
	{Object: "the critical operation PodDisruptionBudget", Form: "postgres-<cluster>-critical-op-pdb", Limit: limitSubdomain,
		Source: "postgres-operator pkg/cluster/k8sres.go criticalOpPodDisruptionBudgetName"},
	{Object: "the credentials Secrets", Form: "<role>.<cluster>.credentials.postgresql.acid.zalan.do", Extra: 63 - len("<role>"), Limit: limitSubdomain,
		Source: "postgres-operator secret_name_template; a role has at most 63 characters"},
}

// length is the longest the name gets for cluster.
func (d derivedName) length(cluster string) int {
	return len(strings.ReplaceAll(d.Form, "<cluster>", cluster)) + d.Extra
}

// maxCluster is the longest cluster name d allows.
func (d derivedName) maxCluster() int {
	return d.Limit - d.length("")
}

// checkDerivedNames refuses a cluster name that any derived name would
// outgrow, naming the binding one and the longest claim name teamID allows.
func checkDerivedNames(cluster, teamID string) error {
	binding := bindingName()
	if len(cluster) <= binding.maxCluster() {
		return nil
	}
	return compose.InvalidField(pathClaimName, "the database would be named %q, %d characters, but %s (%s, %s) allows at most %d: "+
		"use a claim name of at most %d characters or a shorter %s", cluster, len(cluster), binding.Object, binding.Form, binding.Source,
		binding.maxCluster(), binding.maxCluster()-len(teamID)-1, pathTeamID)
}

// bindingName is the derived name that limits the cluster's name most.
func bindingName() derivedName {
	b := derivedNames[0]
	for _, d := range derivedNames[1:] {
		if d.maxCluster() < b.maxCluster() {
			b = d
		}
	}
	return b
}
