package collabora

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func TestComposeNamesMalformedQuantity(t *testing.T) {
	cases := map[string]struct {
		reason    string
		resources string
		wantPath  string
	}{
		"None":     {reason: "No resources are fine.", resources: `null`},
		"Valid":    {reason: "Strings and numbers are quantities.", resources: `{"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": 2, "memory": 4294967296}}`},
		"Fraction": {reason: "A fractional number of cores is a quantity.", resources: `{"limits": {"cpu": 1.5}}`},
		"BadString": {
			reason:    "A malformed quantity names its field.",
			resources: `{"requests": {"cpu": "lots"}}`,
			wantPath:  "spec.parameters.resources.requests.cpu",
		},
		"WrongType": {
			reason:    "A quantity of the wrong type names its field.",
			resources: `{"limits": {"memory": true}}`,
			wantPath:  "spec.parameters.resources.limits.memory",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := request(t, `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "resources": `+tc.resources+`}`)
			_, err := NewComposer(WithProofKeyGenerator(fixedKey)).Compose(context.Background(), req)
			var fe *compose.FieldError
			switch {
			case tc.wantPath == "" && err != nil:
				t.Errorf("%s\nCompose(...): unexpected error %v", tc.reason, err)
			case tc.wantPath != "" && !errors.As(err, &fe):
				t.Errorf("%s\nCompose(...): got %v, want a FieldError at %s", tc.reason, err, tc.wantPath)
			case tc.wantPath != "" && fe.Path != tc.wantPath:
				t.Errorf("%s\nCompose(...): error at %s, want %s (%v)", tc.reason, fe.Path, tc.wantPath, err)
			}
		})
	}
}

func TestRequirements(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     common.Resources
		want   corev1.ResourceRequirements
	}{
		"Empty": {
			reason: "No resources are no requirements.",
			want:   corev1.ResourceRequirements{},
		},
		"EmptyLists": {
			reason: "Empty lists are left out rather than written as {}.",
			in:     common.Resources{Requests: &common.ResourceList{}, Limits: &common.ResourceList{}},
			want:   corev1.ResourceRequirements{},
		},
		"Default": {
			reason: "The default requests CPU and memory and limits memory only.",
			in:     v1alpha1.DefaultResources(),
			want: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: apiresource.MustParse("1800m"), corev1.ResourceMemory: apiresource.MustParse("2Gi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: apiresource.MustParse("2Gi")},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.in.Requirements(), cmpOpts...); diff != "" {
				t.Errorf("%s\nRequirements(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
