//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The README's move of a running PostgreSQL claim to a namespaced composite,
// step by step, with deletionProtection on (the default): pause the claim
// and its composite, delete the composite orphaning what it composed,
// unpause it once orphaned, delete the orphaned
// Usages, release and delete the claim, apply the namespaced composite with
// the old composite's resource references. The postgresql is never deleted
// (same UID throughout), the new composite controls it and is Ready, and the
// connection Secret of the same name holds the same credentials again.
func TestMoveClaimToNamespacedComposite(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "e2e-move")
	claim := createClaim(t, `
apiVersion: database.homeplane.dev/v1alpha1
kind: PostgreSQL
metadata: {name: wiki-db, namespace: `+ns+`}
spec:
  parameters: {version: "16", storage: 2Gi}
  writeConnectionSecretToRef: {name: wiki-db-connection}
`)
	pg := waitComposed(t, claim, gvkPostgresql, 1)[0]
	_, password := operatorRuns(t, &pg)
	waitCondition(t, claim, "Ready", "True", 90*time.Second)
	waitSecretKey(t, ns, "wiki-db-connection", "password", password)
	waitComposed(t, claim, gvkUsage, 2)

	// 1. The claim's composite and what it composed.
	cur, err := get(ctx, claim)
	if err != nil {
		t.Fatal(err)
	}
	xrName, _, _ := unstructured.NestedString(cur.Object, "spec", "resourceRef", "name")
	xr := &unstructured.Unstructured{}
	xr.SetAPIVersion("database.homeplane.dev/v1alpha1")
	xr.SetKind("XPostgreSQL")
	xr.SetName(xrName)
	if xr, err = get(ctx, xr); err != nil {
		t.Fatalf("the claim's composite %q: %v", xrName, err)
	}
	refs, _, _ := unstructured.NestedSlice(xr.Object, "spec", "resourceRefs")
	if len(refs) == 0 {
		t.Fatal("the claim's composite has no spec.resourceRefs")
	}
	var nsRefs []any
	for _, r := range refs {
		m, _ := r.(map[string]any)
		nsRefs = append(nsRefs, map[string]any{"apiVersion": m["apiVersion"], "kind": m["kind"], "name": m["name"]})
	}

	// 2. Pause the claim.
	setPaused(t, claim, true)
	// 3. Pause the composite and wait until Crossplane says so: no
	// reconcile is then in flight that would apply the composed objects,
	// owner references included, after the garbage collector orphaned
	// them (it then deletes them once the composite is gone: seen here).
	setPaused(t, xr, true)
	err = poll(ctx, 60*time.Second, "the composite paused", func() (bool, string, error) {
		cur, err := get(ctx, xr)
		if err != nil {
			return false, "", err
		}
		c := condition(cur, "Synced")
		return c.Reason == "ReconcilePaused", fmt.Sprintf("Synced %s %s", c.Status, c.Reason), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Delete it, orphaning what it composed; once the garbage collector
	// has removed the owner references, unpause it: a deleted composite's
	// reconcile only removes its finalizer.
	if err := env.c.Delete(ctx, xr.DeepCopy(), client.PropagationPolicy(metav1.DeletePropagationOrphan)); err != nil {
		t.Fatalf("deleting the composite with orphan propagation: %v", err)
	}
	err = poll(ctx, 60*time.Second, "postgresql without owner", func() (bool, string, error) {
		cur, err := get(ctx, &pg)
		if err != nil {
			return false, "", err
		}
		return len(cur.GetOwnerReferences()) == 0, fmt.Sprintf("owners %v", cur.GetOwnerReferences()), nil
	})
	if err != nil {
		t.Fatalf("%v\ndelete requests for it:\n%s", err, deletes(pg.GetName()))
	}
	setPaused(t, xr, false)
	waitGone(t, xr, 90*time.Second)
	if cur, err := get(ctx, &pg); err != nil || len(cur.GetOwnerReferences()) != 0 {
		t.Fatalf("the postgresql after the composite is gone: %v\ndelete requests for it:\n%s", err, deletes(pg.GetName()))
	}
	// 4. The orphaned Usages, then the paused claim (its finalizer).
	usages, err := composed(ctx, claim, gvkUsage, ns)
	if err != nil || len(usages) == 0 {
		t.Fatalf("orphaned Usages: %d, %v", len(usages), err)
	}
	for i := range usages {
		if err := env.c.Delete(ctx, &usages[i]); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	for i := range usages {
		waitGone(t, &usages[i], 60*time.Second)
	}
	patchMeta(t, claim, func(u *unstructured.Unstructured) { u.SetFinalizers(nil) })
	if err := env.c.Delete(ctx, claim.DeepCopy()); err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("deleting the claim: %v", err)
	}
	waitGone(t, claim, 60*time.Second)
	if cur, err := get(ctx, &pg); err != nil || cur.GetUID() != pg.GetUID() || cur.GetDeletionTimestamp() != nil {
		t.Fatalf("the postgresql did not survive the claim: %v", err)
	}

	// 5. The namespaced composite, with the old references from the start:
	// its first reconcile observes the running objects.
	objs, err := decodeObjects([]byte(`
apiVersion: database.ns.homeplane.dev/v1alpha1
kind: PostgreSQL
metadata: {name: wiki-db, namespace: ` + ns + `}
spec:
  parameters: {version: "16", storage: 2Gi}
  writeConnectionSecretToRef: {name: wiki-db-connection}
`))
	if err != nil || len(objs) != 1 {
		t.Fatalf("bad YAML: %v", err)
	}
	nxr := objs[0]
	if err := unstructured.SetNestedSlice(nxr.Object, nsRefs, "spec", "crossplane", "resourceRefs"); err != nil {
		t.Fatal(err)
	}
	if err := env.c.Create(ctx, nxr); err != nil {
		t.Fatalf("cannot create the namespaced composite with the old resourceRefs: %v", err)
	}
	nxr = waitCondition(t, nxr, "Ready", "True", 90*time.Second)
	err = poll(ctx, 60*time.Second, "the namespaced composite controls the same postgresql", func() (bool, string, error) {
		cur, err := get(ctx, &pg)
		if err != nil {
			return false, "", err
		}
		if cur.GetUID() != pg.GetUID() {
			return false, "", fmt.Errorf("the postgresql was re-created: UID %s, was %s", cur.GetUID(), pg.GetUID())
		}
		c := metav1.GetControllerOf(cur)
		return c != nil && c.UID == nxr.GetUID(), fmt.Sprintf("controller %v", c), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The connection Secret is the new composite's (the claim's went with
	// the claim), with the credentials the operator wrote before the move.
	err = poll(ctx, 60*time.Second, "wiki-db-connection composed by the namespaced composite", func() (bool, string, error) {
		s := &unstructured.Unstructured{}
		s.SetGroupVersionKind(gvkSecret)
		if err := env.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "wiki-db-connection"}, s); err != nil {
			return false, err.Error(), client.IgnoreNotFound(err)
		}
		c := metav1.GetControllerOf(s)
		return c != nil && c.UID == nxr.GetUID(), fmt.Sprintf("controller %v", c), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	waitSecretKey(t, ns, "wiki-db-connection", "password", password)
	waitComposedBy(t, nxr, gvkUsage, 2)
}

// patchMeta changes an object's metadata with a merge patch.
// setPaused sets or removes Crossplane's pause annotation on u.
func setPaused(t *testing.T, u *unstructured.Unstructured, paused bool) {
	t.Helper()
	patchMeta(t, u, func(u *unstructured.Unstructured) {
		a := u.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		delete(a, "crossplane.io/paused")
		if paused {
			a["crossplane.io/paused"] = "true"
		}
		u.SetAnnotations(a)
	})
}

func patchMeta(t *testing.T, u *unstructured.Unstructured, change func(*unstructured.Unstructured)) {
	t.Helper()
	ctx := context.Background()
	cur, err := get(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	before := cur.DeepCopy()
	change(cur)
	if err := env.c.Patch(ctx, cur, client.MergeFrom(before)); err != nil {
		t.Fatalf("cannot patch %s %s: %v", u.GetKind(), u.GetName(), err)
	}
}
