package compose

import (
	"bytes"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestGeneratedValue(t *testing.T) {
	secret := func(data any) map[resource.Name]resource.ObservedComposed {
		return map[resource.Name]resource.ObservedComposed{"s": {Resource: &composed.Unstructured{Unstructured: unstructured.Unstructured{
			Object: map[string]any{"apiVersion": "v1", "kind": "Secret", "data": data},
		}}}}
	}
	cases := map[string]struct {
		reason   string
		observed map[resource.Name]resource.ObservedComposed
		want     string
		wantErr  bool
	}{
		"New":      {reason: "Without an observed Secret a value is generated.", want: "BwcH"},
		"Observed": {reason: "An observed value is kept.", observed: secret(map[string]any{"k": "b2xk"}), want: "old"},
		"Empty":    {reason: "An empty observed value is generated anew.", observed: secret(map[string]any{"k": ""}), want: "BwcH"},
		"Undecodable": {
			reason:   "A Secret that cannot be read is an error, never a silent rotation.",
			observed: secret(map[string]any{"k": 7}),
			wantErr:  true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := &Request{Observed: tc.observed, Rand: bytes.NewReader(bytes.Repeat([]byte{7}, 3))}
			got, err := r.GeneratedValue("s", "k", 3)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s\nGeneratedValue(...): error %v, want error %t", tc.reason, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, string(got)); !tc.wantErr && diff != "" {
				t.Errorf("%s\nGeneratedValue(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
