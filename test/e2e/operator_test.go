//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Every postgresql the PostgreSQL examples compose (the render goldens:
// single, ha with the pooler, backup to S3, restore from S3) is taken by the
// real Zalando operator v1.15.1, running with its code defaults: it reaches
// Running without Invalid, SyncFailed or CreateFailed; its StatefulSet
// reaches the instances asked for through the real controllers; its
// Services stay ClusterIP although the operator's code defaults to load
// balancers; with the pooler on, the operator creates the pooler's
// credentials (it creates the pooler's Deployment only after installing a
// lookup function inside PostgreSQL, which does not run here: it retries for
// two minutes, then carries on).
func TestExamplesTakenByTheOperator(t *testing.T) {
	t.Parallel() // the ha example waits out the operator's database retries
	for _, example := range []string{"postgresql", "postgresql_ha", "postgresql_backup", "postgresql_restore"} {
		t.Run(example, func(t *testing.T) {
			t.Parallel()
			objs, err := readObjects(filepath.Join(repoRoot, "test", "render", "testdata", example+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var pg *unstructured.Unstructured
			for _, o := range objs {
				if o.GetKind() == "postgresql" {
					pg = o
				}
			}
			if pg == nil {
				t.Fatalf("%s composes no postgresql", example)
			}
			// The composed object as Crossplane would apply it, in a
			// namespace of its own and without its composite owner.
			ns := newNamespace(t, "e2e-op-"+strings.ReplaceAll(example, "_", "-"))
			pg.SetNamespace(ns)
			pg.SetOwnerReferences(nil)
			pg.SetResourceVersion("")
			delete(pg.Object, "status")
			if err := env.c.Create(context.Background(), pg); err != nil {
				t.Fatalf("the API server refuses the postgresql of %s: %v", example, err)
			}
			operatorRuns(t, pg)
			checkOperatorObjects(t, pg)
		})
	}
}

// checkOperatorObjects checks what the operator derived from pg.
func checkOperatorObjects(t *testing.T, pg *unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	ns, name := pg.GetNamespace(), pg.GetName()
	instances, _, _ := unstructured.NestedInt64(pg.Object, "spec", "numberOfInstances")
	err := poll(ctx, 60*time.Second, "StatefulSet "+name+" ready", func() (bool, string, error) {
		sts := &appsv1.StatefulSet{}
		if err := env.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, sts); err != nil {
			return false, "", client.IgnoreNotFound(err)
		}
		return int64(sts.Status.ReadyReplicas) == instances, fmt.Sprintf("%d of %d ready", sts.Status.ReadyReplicas, instances), nil
	})
	if err != nil {
		t.Error(err)
	}
	for _, svc := range []string{name, name + "-repl"} {
		s := &corev1.Service{}
		if err := env.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: svc}, s); err != nil {
			t.Errorf("Service %s: %v", svc, err)
			continue
		}
		if s.Spec.Type != corev1.ServiceTypeClusterIP {
			t.Errorf("Service %s is %s: a tenant database on a load balancer address", svc, s.Spec.Type)
		}
	}
	if pooler, _, _ := unstructured.NestedBool(pg.Object, "spec", "enableConnectionPooler"); pooler {
		if _, err := secretData(ctx, ns, "pooler."+name+".credentials.postgresql.acid.zalan.do"); err != nil {
			t.Errorf("pooler on, but the operator made no pooler credentials: %v", err)
		}
	}
}
