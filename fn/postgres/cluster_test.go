package postgres

import (
	"k8s.io/apimachinery/pkg/api/resource"

	"testing"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"

	"github.com/google/go-cmp/cmp"
	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
)

// TestDesired pins the wire form of the postgresql: no status, no zero
// numbers the operator reads as "use my default", no nulls.
func TestDesired(t *testing.T) {
	pg := &acidv1.Postgresql{
		TypeMeta:   metav1.TypeMeta{APIVersion: "acid.zalan.do/v1", Kind: "postgresql"},
		ObjectMeta: metav1.ObjectMeta{Name: "homeplane-a", Namespace: "ns"},
		Spec: acidv1.PostgresSpec{
			TeamID: "homeplane", NumberOfInstances: 1,
			PostgresqlParam:        acidv1.PostgresqlParam{PgVersion: "17"},
			Volume:                 acidv1.Volume{Size: "5Gi"},
			Users:                  map[string]acidv1.UserFlags{"a": {}},
			EnableConnectionPooler: ptr.To(false),
		},
	}
	got, err := desired(pg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"apiVersion": "acid.zalan.do/v1",
		"kind":       "postgresql",
		"metadata":   map[string]any{"name": "homeplane-a", "namespace": "ns"},
		"spec": map[string]any{
			"teamId":                 "homeplane",
			"numberOfInstances":      int64(1),
			"postgresql":             map[string]any{"version": "17"},
			"volume":                 map[string]any{"size": "5Gi"},
			"users":                  map[string]any{"a": []any{}},
			"enableConnectionPooler": false,
		},
	}
	if diff := cmp.Diff(want, got.Object); diff != "" {
		t.Errorf("desired(): -want, +got:\n%s", diff)
	}
}

func TestUsers(t *testing.T) {
	p := &params{PostgreSQLParameters: v1alpha1.PostgreSQLParameters{
		Databases: []v1alpha1.Database{{Name: "orders", Owner: "app"}, {Name: "stats", Owner: "app"}},
		Users:     []v1alpha1.User{{Name: "app", Flags: []v1alpha1.UserFlag{"createdb"}}, {Name: "reader"}},
	}}
	want := map[string]acidv1.UserFlags{"app": {"createdb"}, "reader": {}}
	if diff := cmp.Diff(want, users(p)); diff != "" {
		t.Errorf("users(): -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"orders": "app", "stats": "app"}, databaseOwners(p)); diff != "" {
		t.Errorf("databaseOwners(): -want, +got:\n%s", diff)
	}
}

func TestResourcesMergeDefaults(t *testing.T) {
	mem := resource.MustParse("2Gi")
	in := v1alpha1.PostgreSQLParameters{Resources: &common.Resources{Limits: &common.ResourceList{Memory: &mem}}}
	p, err := resolveClaim("wiki", in)
	if err != nil {
		t.Fatal(err)
	}
	want := &acidv1.Resources{
		ResourceRequests: acidv1.ResourceDescription{CPU: ptr.To("100m"), Memory: ptr.To("256Mi")},
		ResourceLimits:   acidv1.ResourceDescription{CPU: ptr.To("1"), Memory: ptr.To("2Gi")},
	}
	if diff := cmp.Diff(want, resources(p)); diff != "" {
		t.Errorf("resources(): -want, +got:\n%s", diff)
	}
}
