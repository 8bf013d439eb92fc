//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

func trimNL(s string) string { return strings.TrimSpace(s) }

func isAlreadyExists(err error) bool { return apierrors.IsAlreadyExists(err) }

// obj builds an unstructured object.
func obj(apiVersion, kind, namespace, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(namespace)
	u.SetName(name)
	if spec != nil {
		u.Object["spec"] = spec
	}
	return u
}

// A cond is a status condition.
type cond struct{ Type, Status, Reason, Message string }

// condition returns the condition of type t (Status "" when absent).
func condition(u *unstructured.Unstructured, t string) cond {
	cs, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range cs {
		m, _ := c.(map[string]any)
		if m["type"] == t {
			s := func(k string) string { v, _ := m[k].(string); return v }
			return cond{Type: t, Status: s("status"), Reason: s("reason"), Message: s("message")}
		}
	}
	return cond{Type: t}
}

// setCondition sets (adds or replaces) a status condition.
func setCondition(u *unstructured.Unstructured, c cond) {
	cs, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	m := map[string]any{
		"type": c.Type, "status": c.Status, "reason": c.Reason, "message": c.Message,
		"lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
	}
	replaced := false
	for i, x := range cs {
		if xm, _ := x.(map[string]any); xm["type"] == c.Type {
			cs[i], replaced = m, true
		}
	}
	if !replaced {
		cs = append(cs, m)
	}
	_ = unstructured.SetNestedSlice(u.Object, cs, "status", "conditions")
}

// poll calls f every 250ms until it returns true, an error, or timeout;
// on timeout the last state f described is part of the error.
func poll(ctx context.Context, timeout time.Duration, what string, f func() (bool, string, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last string
	for {
		ok, state, err := f()
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err != nil {
			state = err.Error()
		}
		if ok {
			return nil
		}
		last = state
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w after %s; last state: %s", what, errPollTimeout, timeout, last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// readObjects decodes every object of a multi-document YAML file.
func readObjects(path string) ([]*unstructured.Unstructured, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeObjects(b)
}

func decodeObjects(b []byte) ([]*unstructured.Unstructured, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var out []*unstructured.Unstructured
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

// apply creates or updates objects by server-side apply.
func apply(ctx context.Context, c client.Client, objs ...*unstructured.Unstructured) error {
	for _, o := range objs {
		o = o.DeepCopy()
		o.SetResourceVersion("")
		//nolint:staticcheck // client.Apply with unstructured is the simple path here.
		if err := c.Patch(ctx, o, client.Apply, client.FieldOwner("homeplane-e2e"), client.ForceOwnership); err != nil {
			return fmt.Errorf("cannot apply %s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
	}
	return nil
}

// deletes returns the API server's audit entries of delete requests for
// objects named name (who, when, with which propagation), for a failure
// message: what deleted something a test expected to stay.
func deletes(name string) string {
	b, err := os.ReadFile(env.cp.AuditLog)
	if err != nil {
		return "no audit log: " + err.Error()
	}
	var out []string
	for l := range strings.SplitSeq(string(b), "\n") {
		if strings.Contains(l, `"name":"`+name+`"`) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return "no delete request for " + name + " in the audit log"
	}
	return strings.Join(out, "\n")
}
