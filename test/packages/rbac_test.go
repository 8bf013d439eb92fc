package packages

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

var composeVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete"}

func clusterRole(t *testing.T) rbacv1.ClusterRole {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "package/rbac/clusterrole.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cr rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(b, &cr); err != nil {
		t.Fatalf("package/rbac/clusterrole.yaml: %v", err)
	}
	return cr
}

// TestClusterRole: the role aggregates into Crossplane's and grants exactly
// what composing needs, nothing broader.
func TestClusterRole(t *testing.T) {
	cr := clusterRole(t)
	if cr.APIVersion != "rbac.authorization.k8s.io/v1" || cr.Kind != "ClusterRole" || cr.Name == "" {
		t.Fatalf("not a named ClusterRole: %s %s %q", cr.APIVersion, cr.Kind, cr.Name)
	}
	if cr.Labels["rbac.crossplane.io/aggregate-to-crossplane"] != "true" {
		t.Errorf("labels %v lack rbac.crossplane.io/aggregate-to-crossplane: \"true\"", cr.Labels)
	}
	if cr.AggregationRule != nil {
		t.Error("the role must not aggregate others")
	}
	for i, r := range cr.Rules {
		if !slices.Equal(r.Verbs, composeVerbs) {
			t.Errorf("rule %d (%v %v): verbs %v, want %v", i, r.APIGroups, r.Resources, r.Verbs, composeVerbs)
		}
		if len(r.APIGroups) != 1 || len(r.Resources) == 0 || len(r.ResourceNames) != 0 || len(r.NonResourceURLs) != 0 {
			t.Errorf("rule %d: want one API group, named resources, no resourceNames or URLs: %+v", i, r)
		}
		if slices.Contains(r.APIGroups, "*") || slices.Contains(r.Resources, "*") {
			t.Errorf("rule %d: wildcards: %+v", i, r)
		}
	}
	for _, gr := range []schema.GroupResource{
		{Group: "acid.zalan.do", Resource: "postgresqls"},
		{Resource: "persistentvolumeclaims"},
		{Group: "snapshot.storage.k8s.io", Resource: "volumesnapshots"},
		{Group: "networking.k8s.io", Resource: "ingresses"},
		{Group: "networking.k8s.io", Resource: "networkpolicies"},
		{Group: "gateway.networking.k8s.io", Resource: "httproutes"},
		{Group: "gateway.networking.k8s.io", Resource: "referencegrants"},
		{Group: "policy", Resource: "poddisruptionbudgets"},
		{Group: "cert-manager.io", Resource: "certificates"},
		{Group: "dns.homeplane.dev", Resource: "recordsets"},
		{Group: "oidc.homeplane.dev", Resource: "oidcclients"},
		{Group: "protection.crossplane.io", Resource: "usages"},
	} {
		if !allows(cr, gr) {
			t.Errorf("no rule for %s", gr)
		}
	}
}

func allows(cr rbacv1.ClusterRole, gr schema.GroupResource) bool {
	for _, r := range cr.Rules {
		if slices.Contains(r.APIGroups, gr.Group) && slices.Contains(r.Resources, gr.Resource) {
			return true
		}
	}
	return false
}

// TestClusterRoleCoversComposed: everything the function composes in the
// golden render outputs (test/render/testdata) is covered by the role.
func TestClusterRoleCoversComposed(t *testing.T) {
	cr := clusterRole(t)
	goldens, err := filepath.Glob(filepath.Join(repoRoot(t), "test/render/testdata/*.yaml"))
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden render outputs: %v", err)
	}
	composites := map[string]bool{
		"database.homeplane.dev": true, "matrix.homeplane.dev": true, "office.homeplane.dev": true,
		// The namespaced flavour's composites (Crossplane's RBAC manager
		// grants core access to every XRD's kinds).
		"database.ns.homeplane.dev": true, "matrix.ns.homeplane.dev": true, "office.ns.homeplane.dev": true,
		"render.crossplane.io": true, // function results
	}
	seen := map[schema.GroupResource]bool{}
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range decodeAll(t, b) {
			gvk := o.GroupVersionKind()
			if composites[gvk.Group] {
				continue
			}
			gr := gvk.GroupKind().WithVersion(gvk.Version)
			plural, _ := meta.UnsafeGuessKindToResource(gr)
			res := plural.GroupResource()
			if seen[res] {
				continue
			}
			seen[res] = true
			if !allows(cr, res) {
				t.Errorf("%s composes %s (%s), which package/rbac/clusterrole.yaml does not grant", filepath.Base(g), gvk.Kind, res)
			}
		}
	}
	if len(seen) == 0 {
		t.Error("the goldens compose nothing")
	}
	t.Logf("composed resources: %v", keys(func() map[string]bool {
		m := map[string]bool{}
		for k := range seen {
			m[k.String()] = true
		}
		return m
	}()))
}

// TestInstallNamesTheFunction: Compositions call the function by name, but
// Crossplane names a dependency after its repository ("homeplane-function"),
// so the README's Install applies the Function under the name the
// Compositions use. Keep the two in step.
func TestInstallNamesTheFunction(t *testing.T) {
	root := repoRoot(t)
	comps, err := filepath.Glob(filepath.Join(root, "package/configuration/compositions/*.yaml"))
	if err != nil || len(comps) == 0 {
		t.Fatalf("no compositions: %v", err)
	}
	names := map[string]bool{}
	for _, c := range comps {
		b, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range decodeAll(t, b) {
			steps, _, _ := unstructured.NestedSlice(o.Object, "spec", "pipeline")
			for _, s := range steps {
				step, _ := s.(map[string]any)
				if n, _, _ := unstructured.NestedString(step, "functionRef", "name"); n != "" {
					names[n] = true
				}
			}
		}
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for n := range names {
		if !strings.Contains(string(readme), "kind: Function\n   metadata:\n     name: "+n+"\n") {
			t.Errorf("Compositions call function %q; README's Install does not install a Function of that name", n)
		}
	}
	if len(names) == 0 {
		t.Error("no functionRef in the compositions")
	}
}
