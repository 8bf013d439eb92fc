package postgres

import (
	"fmt"
	"strings"

	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// The Zalando kind. Its Kind is lower case, as the operator registers it.
const (
	zalandoAPIVersion = "acid.zalan.do/v1"
	zalandoKind       = "postgresql"
)

const errConvertCluster = "cannot convert the postgresql"

// Port of the master, replica and pooler services.
const port = 5432

// poolerInstances: two so that the pooler is not a single point of failure
// of an ha cluster.
var poolerInstances = map[v1alpha1.Topology]int32{v1alpha1.TopologySingle: 1, v1alpha1.TopologyHA: 2}

// cluster returns the Zalando postgresql for the parameters.
func cluster(req *compose.Request, p *params) *acidv1.Postgresql {
	pg := &acidv1.Postgresql{
		TypeMeta:   metav1.TypeMeta{APIVersion: zalandoAPIVersion, Kind: zalandoKind},
		ObjectMeta: req.ObjectMeta(p.Cluster, "postgresql", "database"),
		Spec: acidv1.PostgresSpec{
			TeamID:            p.TeamID,
			NumberOfInstances: p.Instances,
			PostgresqlParam:   acidv1.PostgresqlParam{PgVersion: p.Version, Parameters: p.Parameters},
			Volume:            acidv1.Volume{Size: p.Storage, StorageClass: p.StorageClass},
			Resources:         resources(p),
			Users:             users(p),
			Databases:         databaseOwners(p),
			// Set either way so that turning the pooler off removes it.
			EnableConnectionPooler: ptr.To(p.Pooler),
			// Never left to the operator's configuration: its code default
			// for enable_master_load_balancer is true (pkg/util/config), so
			// an operator ConfigMap that does not name it would put a
			// tenant's database on a LoadBalancer address.
			EnableMasterLoadBalancer:        ptr.To(false),
			EnableReplicaLoadBalancer:       ptr.To(false),
			EnableMasterPoolerLoadBalancer:  ptr.To(false),
			EnableReplicaPoolerLoadBalancer: ptr.To(false),
			Env:                             env(p),
			Clone:                           clone(p),
		},
	}
	if p.Pooler {
		pg.Spec.ConnectionPooler = &acidv1.ConnectionPooler{
			NumberOfInstances: ptr.To(poolerInstances[p.Topology]),
			Mode:              string(p.PoolerMode),
		}
	}
	if p.Synchronous {
		pg.Spec.Patroni = acidv1.Patroni{SynchronousMode: true, SynchronousNodeCount: 1}
	}
	return pg
}

// resources are the claim's, which Default filled from the topology's.
func resources(p *params) *acidv1.Resources {
	r := ptr.Deref(p.Resources, common.Resources{})
	desc := func(l *common.ResourceList) acidv1.ResourceDescription {
		var d acidv1.ResourceDescription
		if l == nil {
			return d
		}
		if l.CPU != nil {
			d.CPU = ptr.To(l.CPU.String())
		}
		if l.Memory != nil {
			d.Memory = ptr.To(l.Memory.String())
		}
		return d
	}
	return &acidv1.Resources{ResourceRequests: desc(r.Requests), ResourceLimits: desc(r.Limits)}
}

// users are the database owners and the extra users, with their flags. The
// operator creates a credentials Secret for each.
func users(p *params) map[string]acidv1.UserFlags {
	u := map[string]acidv1.UserFlags{}
	for _, d := range p.Databases {
		u[d.Owner] = acidv1.UserFlags{}
	}
	for _, x := range p.Users {
		f := make(acidv1.UserFlags, 0, len(x.Flags))
		for _, fl := range x.Flags {
			f = append(f, strings.ToLower(string(fl)))
		}
		u[x.Name] = f
	}
	return u
}

func databaseOwners(p *params) map[string]string {
	d := make(map[string]string, len(p.Databases))
	for _, x := range p.Databases {
		d[x.Name] = x.Owner
	}
	return d
}

// desired converts the postgresql for the response. The operator's Go types
// have numbers whose zero means "operator default" and a status without
// omitempty; compose.ToUnstructured leaves those out, so that Crossplane's
// server-side apply claims no field the composer has no opinion on.
func desired(pg *acidv1.Postgresql) (*unstructured.Unstructured, error) {
	m, err := compose.ToUnstructured(pg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errConvertCluster, err)
	}
	return &unstructured.Unstructured{Object: m}, nil
}
