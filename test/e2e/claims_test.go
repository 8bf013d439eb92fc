//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// newNamespace creates a namespace for one test and deletes it afterwards
// (not waiting: the namespace controller finishes in the background).
func newNamespace(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := env.c.Create(ctx, ns); err != nil && !isAlreadyExists(err) {
		t.Fatal(err)
	}
	return name
}

// createClaim creates a claim from YAML and removes it when the test ends.
func createClaim(t *testing.T, yamlText string) *unstructured.Unstructured {
	t.Helper()
	objs, err := decodeObjects([]byte(yamlText))
	if err != nil || len(objs) != 1 {
		t.Fatalf("bad claim YAML: %v", err)
	}
	claim := objs[0]
	ctx := context.Background()
	if err := env.c.Create(ctx, claim); err != nil {
		t.Fatalf("cannot create %s %s/%s: %v", claim.GetKind(), claim.GetNamespace(), claim.GetName(), err)
	}
	t.Cleanup(func() {
		c := claim.DeepCopy()
		if err := env.c.Delete(context.Background(), c); err != nil && !apierrors.IsNotFound(err) {
			t.Logf("cleanup: cannot delete %s %s: %v", c.GetKind(), c.GetName(), err)
		}
	})
	return claim
}

// get reads the current state of u (same kind, namespace and name).
func get(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	out := &unstructured.Unstructured{}
	out.SetGroupVersionKind(u.GroupVersionKind())
	err := env.c.Get(ctx, client.ObjectKeyFromObject(u), out)
	return out, err
}

// describeConditions is a one-line summary of an object's conditions.
func describeConditions(u *unstructured.Unstructured) string {
	cs, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	var parts []string
	for _, c := range cs {
		m, _ := c.(map[string]any)
		parts = append(parts, fmt.Sprintf("%v=%v (%v: %v)", m["type"], m["status"], m["reason"], m["message"]))
	}
	return strings.Join(parts, "; ")
}

// waitCondition waits until the claim has condition t with status s.
func waitCondition(t *testing.T, claim *unstructured.Unstructured, ct, status string, timeout time.Duration) *unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	var cur *unstructured.Unstructured
	err := poll(ctx, timeout, fmt.Sprintf("%s %s/%s %s=%s", claim.GetKind(), claim.GetNamespace(), claim.GetName(), ct, status), func() (bool, string, error) {
		var err error
		if cur, err = get(ctx, claim); err != nil {
			return false, "", err
		}
		return condition(cur, ct).Status == status, describeConditions(cur), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cur
}

// composed lists the objects of a kind that Crossplane composed for a claim
// (Crossplane labels them with the claim's name and namespace).
func composed(ctx context.Context, claim *unstructured.Unstructured, gvk schema.GroupVersionKind, namespace string) ([]unstructured.Unstructured, error) {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	opts := []client.ListOption{client.MatchingLabels{
		"crossplane.io/claim-name":      claim.GetName(),
		"crossplane.io/claim-namespace": claim.GetNamespace(),
	}}
	if namespace != "" {
		opts = append(opts, client.InNamespace(namespace))
	}
	if err := env.c.List(ctx, l, opts...); err != nil {
		return nil, err
	}
	sort.Slice(l.Items, func(i, j int) bool { return l.Items[i].GetName() < l.Items[j].GetName() })
	return l.Items, nil
}

// waitComposed waits until at least n objects of a kind exist for a claim.
func waitComposed(t *testing.T, claim *unstructured.Unstructured, gvk schema.GroupVersionKind, n int) []unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	var items []unstructured.Unstructured
	err := poll(ctx, 90*time.Second, fmt.Sprintf("%d %s composed for %s/%s", n, gvk.Kind, claim.GetNamespace(), claim.GetName()), func() (bool, string, error) {
		var err error
		if items, err = composed(ctx, claim, gvk, claim.GetNamespace()); err != nil {
			return false, "", err
		}
		cur, _ := get(ctx, claim)
		state := fmt.Sprintf("%d so far", len(items))
		if cur != nil {
			state += "; claim: " + describeConditions(cur)
		}
		return len(items) >= n, state, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// secretData reads a Secret's data.
func secretData(ctx context.Context, namespace, name string) (map[string][]byte, error) {
	s := &corev1.Secret{}
	if err := env.c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
		return nil, err
	}
	return s.Data, nil
}

// waitGone waits until the object no longer exists.
func waitGone(t *testing.T, u *unstructured.Unstructured, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	err := poll(ctx, timeout, fmt.Sprintf("%s %s/%s deleted", u.GetKind(), u.GetNamespace(), u.GetName()), func() (bool, string, error) {
		cur, err := get(ctx, u)
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		if err != nil {
			return false, "", err
		}
		return false, fmt.Sprintf("still there (deletionTimestamp %v, finalizers %v)", cur.GetDeletionTimestamp(), cur.GetFinalizers()), nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var (
	gvkPostgresql = schema.GroupVersionKind{Group: "acid.zalan.do", Version: "v1", Kind: "postgresql"}
	gvkDeployment = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	gvkService    = schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	gvkSecret     = schema.GroupVersionKind{Version: "v1", Kind: "Secret"}
	gvkConfigMap  = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	gvkPVC        = schema.GroupVersionKind{Version: "v1", Kind: "PersistentVolumeClaim"}
	gvkIngress    = schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}
	gvkPDB        = schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"}
	gvkUsage      = schema.GroupVersionKind{Group: "protection.crossplane.io", Version: "v1beta1", Kind: "Usage"}
	gvkRecordSet  = schema.GroupVersionKind{Group: "dns.homeplane.dev", Version: "v1alpha1", Kind: "RecordSet"}

	gvkNetworkPolicy = schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"}
)
