package compose

import (
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
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
