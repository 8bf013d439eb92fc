//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestEditCaughtWhileCircuitOpen: Crossplane's watch circuit breaker drops
// a composite's watch events, its own included, once more arrive than its
// token bucket allows (100, refilled at one a second; then one event per
// 30 s). An edit of the claim made then reaches the composed objects
// through the function's response TTL, which is 30 s while the breaker is
// open (function.CircuitOpenTTL), not the usual 10 minutes.
func TestEditCaughtWhileCircuitOpen(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "e2e-circuit")
	claim := createClaim(t, `
apiVersion: database.homeplane.dev/v1alpha1
kind: PostgreSQL
metadata: {name: busy, namespace: `+ns+`}
spec:
  parameters:
    storage: 1Gi
    deletionProtection: false
  writeConnectionSecretToRef: {name: busy-connection}
`)
	waitComposed(t, claim, gvkPostgresql, 1)
	np := waitComposed(t, claim, gvkNetworkPolicy, 1)[0]
	cur := waitCondition(t, claim, "Synced", "True", 60*time.Second)
	xrName, _, _ := unstructured.NestedString(cur.Object, "spec", "resourceRef", "name")
	xr := obj("database.homeplane.dev/v1alpha1", "XPostgreSQL", "", xrName, nil)

	// 150 changes to a composed object, each a watch event for the
	// composite: more than the bucket holds.
	for i := range 150 {
		patch := fmt.Appendf(nil, `{"metadata":{"annotations":{"e2e.homeplane.dev/poke":"%d"}}}`, i)
		if err := env.c.Patch(ctx, np.DeepCopy(), client.RawPatch(types.MergePatchType, patch)); err != nil {
			t.Fatal(err)
		}
	}
	err := poll(ctx, 60*time.Second, "composite "+xrName+" Responsive=False (WatchCircuitOpen)", func() (bool, string, error) {
		cur, err := get(ctx, xr)
		if err != nil {
			return false, "", err
		}
		c := condition(cur, "Responsive")
		return c.Status == "False" && c.Reason == "WatchCircuitOpen", describeConditions(cur), nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The edit: its watch event is dropped while the breaker is open.
	edited, err := get(ctx, claim)
	if err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(edited.DeepCopy())
	_ = unstructured.SetNestedField(edited.Object, "3Gi", "spec", "parameters", "storage")
	if err := env.c.Patch(ctx, edited, patch); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = poll(ctx, 75*time.Second, "the edited storage (3Gi) reached the postgresql", func() (bool, string, error) {
		pgs, err := composed(ctx, claim, gvkPostgresql, ns)
		if err != nil || len(pgs) == 0 {
			return false, "no postgresql", err
		}
		size, _, _ := unstructured.NestedString(pgs[0].Object, "spec", "volume", "size")
		return size == "3Gi", "spec.volume.size " + size, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the edit reached the postgresql %s after it was made, with the composite's watch circuit open", time.Since(start).Round(time.Second))
}
