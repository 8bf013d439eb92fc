//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Scenario 9: the platform admin's cluster policy (EnvironmentConfig
// homeplane-policy) binds claims, which the real Crossplane fetches for the
// function as a required resource: a host outside the namespace's own
// subdomain is refused with a condition naming the field, one inside it is
// composed.
func TestClusterPolicy(t *testing.T) {
	ns := newNamespace(t, "e2e-policy")
	objs, err := decodeObjects([]byte(`
apiVersion: apiextensions.crossplane.io/v1beta1
kind: EnvironmentConfig
metadata: {name: homeplane-policy}
data:
  policy:
    hosts:
      allowed:
      - suffix: "{namespace}.homeplane.test"
`))
	if err != nil || len(objs) != 1 {
		t.Fatalf("bad policy YAML: %v", err)
	}
	policy := objs[0]
	ctx := context.Background()
	if err := env.c.Create(ctx, policy); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.c.Delete(context.Background(), policy); err != nil && !apierrors.IsNotFound(err) {
			t.Logf("cleanup: cannot delete the policy: %v", err)
		}
	})

	claim := func(name, host string) string {
		return `
apiVersion: office.homeplane.dev/v1alpha1
kind: Collabora
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec:
  parameters:
    host: ` + host + `
    wopiHosts: [https://cloud.homeplane.test]
`
	}
	refused := createClaim(t, claim("taken", "office.homeplane.test"))
	// The function's Fatal is the composite's Synced condition.
	var xr *unstructured.Unstructured
	err = poll(ctx, 90*time.Second, "the refused claim's composite Synced=False", func() (bool, string, error) {
		cur, err := get(ctx, refused)
		if err != nil {
			return false, "", err
		}
		name, _, _ := unstructured.NestedString(cur.Object, "spec", "resourceRef", "name")
		if name == "" {
			return false, "no composite yet", nil
		}
		x := &unstructured.Unstructured{}
		x.SetAPIVersion("office.homeplane.dev/v1alpha1")
		x.SetKind("XCollabora")
		x.SetName(name)
		if xr, err = get(ctx, x); err != nil {
			return false, "", err
		}
		return condition(xr, "Synced").Status == "False", describeConditions(xr), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if msg := condition(xr, "Synced").Message; !strings.Contains(msg, "spec.parameters.host: Forbidden") || !strings.Contains(msg, "e2e-policy.homeplane.test") {
		t.Errorf("Synced message %q: want the Forbidden host and the namespace's suffix", msg)
	}
	if got, err := composed(ctx, refused, gvkDeployment, ns); err != nil || len(got) != 0 {
		t.Errorf("a refused claim composed %d Deployments (%v)", len(got), err)
	}

	allowed := createClaim(t, claim("own", "office.e2e-policy.homeplane.test"))
	waitComposed(t, allowed, gvkDeployment, 1)
}
