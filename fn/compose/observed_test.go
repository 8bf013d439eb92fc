package compose

import (
	"errors"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/resource/composite"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestObservedConditionOf(t *testing.T) {
	obs := func(o map[string]any) map[resource.Name]resource.ObservedComposed {
		return map[resource.Name]resource.ObservedComposed{"dns": {Resource: &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: o}}}}
	}
	cases := map[string]struct {
		observed map[resource.Name]resource.ObservedComposed
		want     ObservedCondition
	}{
		"Absent": {want: ObservedCondition{}},
		"NoStatus": {
			observed: obs(map[string]any{"kind": "RecordSet"}),
			want:     ObservedCondition{Exists: true, Status: "Unknown"},
		},
		"Ready": {
			observed: obs(map[string]any{"status": map[string]any{"conditions": []any{
				map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError", "message": "boom"},
				map[string]any{"type": "Ready", "status": "True", "reason": "Available"},
			}}}),
			want: ObservedCondition{Exists: true, Status: "True", Reason: "Available"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := (&Request{Observed: tc.observed}).ObservedConditionOf("dns", "Ready")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ObservedConditionOf: -want, +got:\n%s", diff)
			}
		})
	}
}

func TestDecodeNamesMalformedQuantity(t *testing.T) {
	type limits struct {
		Memory *apiresource.Quantity `json:"memory,omitempty"`
	}
	type Wiring struct {
		Route struct {
			Class string `json:"class"`
		} `json:"route"`
	}
	type params struct {
		Wiring `json:",inline"`
		Name   string            `json:"name"`
		Limits map[string]limits `json:"limits"`
		Items  []limits          `json:"items"`
	}
	type xr struct {
		Spec struct {
			Parameters params `json:"parameters"`
		} `json:"spec"`
	}
	cases := map[string]struct {
		content map[string]any
		want    string
	}{
		"InMap": {
			content: map[string]any{"spec": map[string]any{"parameters": map[string]any{"limits": map[string]any{"a": map[string]any{"memory": "2Gi"}, "b": map[string]any{"memory": "lots"}}}}},
			want:    "spec.parameters.limits[b].memory",
		},
		"InList": {
			content: map[string]any{"spec": map[string]any{"parameters": map[string]any{"items": []any{map[string]any{"memory": "1Gi"}, map[string]any{"memory": "1Zz"}}}}},
			want:    "spec.parameters.items[1].memory",
		},
		"WrongType": {
			content: map[string]any{"spec": map[string]any{"parameters": map[string]any{"name": 3}}},
			want:    "spec.parameters.name",
		},
		"WrongTypeInEmbedded": {
			content: map[string]any{"spec": map[string]any{"parameters": map[string]any{"route": "x"}}},
			want:    "spec.parameters.route",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := &Request{Composite: &composite.Unstructured{Unstructured: unstructured.Unstructured{Object: tc.content}}}
			err := req.Decode(&xr{})
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode(...): got %v, want a FieldError", err)
			}
			if fe.Path != tc.want {
				t.Errorf("Decode(...): field %q, want %q (%v)", fe.Path, tc.want, err)
			}
		})
	}
}

func TestRequiredIntoRefusesOtherNamespaces(t *testing.T) {
	other := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s", "namespace": "kube-system"}}}
	r := &Request{Namespace: "team", Required: map[string][]resource.Required{"token": {{Resource: other}}}}
	found, err := r.RequiredInto("token", &corev1.Secret{})
	if !found || err == nil {
		t.Errorf("RequiredInto(Secret of kube-system): found %t, error %v; want found and an error", found, err)
	}
}

func TestRequiredResolved(t *testing.T) {
	r := &Request{Namespace: "team", Required: map[string][]resource.Required{"absent": {}}}
	if !r.RequiredResolved("absent") {
		t.Error("RequiredResolved(looked up, nothing found): false, want true")
	}
	if found, err := r.RequiredInto("absent", &corev1.Secret{}); found || err != nil {
		t.Errorf("RequiredInto(looked up, nothing found): found %t, error %v; want neither", found, err)
	}
	if r.RequiredResolved("unasked") {
		t.Error("RequiredResolved(not looked up yet): true, want false")
	}
}
