// Package composetest builds composer requests for tests: one request
// builder for every app's tests, so that each builds the composite, its claim
// labels and its observed and required resources the same way the function
// does.
package composetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/resource/composite"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	fnv1alpha1 "github.com/homeplane/homeplane/apis/fn/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Claim names the claim a test composite belongs to.
type Claim struct {
	// Kind of the composite.
	Kind schema.GroupVersionKind
	// Namespace and Name of the claim; the composite is <Name>-x7k2p.
	Namespace, Name string
}

// An Option adds to a request.
type Option func(testing.TB, *compose.Request)

// Observed adds observed composed resources, by composition resource name.
// Objects are converted field by field (not with composed.From), so that what
// the API server sets, such as status and generation, is kept.
func Observed(objs map[string]runtime.Object) Option {
	return func(t testing.TB, r *compose.Request) {
		t.Helper()
		for n, o := range objs {
			r.Observed[resource.Name(n)] = resource.ObservedComposed{Resource: &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: toMap(t, o)}}}
		}
	}
}

// Required adds resources Crossplane fetched, by requirement name.
func Required(objs map[string]runtime.Object) Option {
	return func(t testing.TB, r *compose.Request) {
		t.Helper()
		for n, o := range objs {
			r.Required[n] = []resource.Required{{Resource: &unstructured.Unstructured{Object: toMap(t, o)}}}
		}
	}
}

// NotFound marks requirements Crossplane looked up and found nothing for.
func NotFound(names ...string) Option {
	return func(_ testing.TB, r *compose.Request) {
		for _, n := range names {
			r.Required[n] = []resource.Required{}
		}
	}
}

// Rand replaces the source of generated secrets (Fill(7) by default).
func Rand(rd io.Reader) Option {
	return func(_ testing.TB, r *compose.Request) { r.Rand = rd }
}

// Request returns the request of c's composite with the given parameters: a
// JSON document (string), or anything that marshals to a JSON object.
func Request(t testing.TB, c Claim, parameters any, o ...Option) *compose.Request {
	t.Helper()
	var params any
	switch p := parameters.(type) {
	case string:
		if err := json.Unmarshal([]byte(p), &params); err != nil {
			t.Fatalf("composetest: bad parameters: %v", err)
		}
	default:
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("composetest: bad parameters: %v", err)
		}
		if err := json.Unmarshal(b, &params); err != nil {
			t.Fatalf("composetest: bad parameters: %v", err)
		}
	}
	xr := composite.New()
	xr.Object = map[string]any{
		"apiVersion": c.Kind.GroupVersion().String(),
		"kind":       c.Kind.Kind,
		"metadata": map[string]any{
			"name":   c.Name + "-x7k2p",
			"labels": map[string]any{compose.LabelClaimName: c.Name, compose.LabelClaimNamespace: c.Namespace},
		},
		"spec": map[string]any{"parameters": params},
	}
	r := &compose.Request{
		Composite: xr, ClaimName: c.Name, Namespace: c.Namespace,
		Observed: map[resource.Name]resource.ObservedComposed{}, Required: map[string][]resource.Required{},
		Rand: Fill(7), Policy: DefaultPolicy(),
	}
	for _, fn := range o {
		fn(t, r)
	}
	return r
}

// Namespaced makes the request's composite a namespaced composite of kind
// gvk (Crossplane v2, no claim), as the function builds its request: the
// composite is named like the claim, in the claim's namespace, without
// claim labels.
func Namespaced(gvk schema.GroupVersionKind) Option {
	return func(_ testing.TB, r *compose.Request) {
		xr := r.Composite
		xr.SetAPIVersion(gvk.GroupVersion().String())
		xr.SetKind(gvk.Kind)
		xr.SetName(r.ClaimName)
		xr.SetNamespace(r.Namespace)
		xr.SetLabels(nil)
	}
}

// WithPolicy replaces the platform admin's policy (the function input;
// DefaultPolicy by default).
func WithPolicy(p fnv1alpha1.Policy) Option {
	return func(_ testing.TB, r *compose.Request) { r.Policy = p }
}

// DefaultPolicy is the policy of a Composition without function input.
func DefaultPolicy() fnv1alpha1.Policy {
	in := &fnv1alpha1.Input{}
	in.Default()
	return in.Policy
}

// Fill returns a source of "random" bytes that are all b.
func Fill(b byte) io.Reader { return bytes.NewReader(bytes.Repeat([]byte{b}, 1<<16)) }

// Failing is a source of randomness that fails.
func Failing() io.Reader { return failing{} }

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

// CmpOpts compare composer results: quantities by value, nil and empty alike,
// conditions in any order (Crossplane keeps them by type).
func CmpOpts() []cmp.Option {
	return []cmp.Option{
		cmp.Comparer(func(a, b apiresource.Quantity) bool { return a.Cmp(b) == 0 }),
		cmpopts.EquateEmpty(),
		cmpopts.SortSlices(func(a, b compose.Condition) bool { return a.Type < b.Type }),
	}
}

// ErrorString is err's message, or "" for nil.
func ErrorString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func toMap(t testing.TB, o runtime.Object) map[string]any {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		t.Fatalf("composetest: %v", err)
	}
	return m
}
