package collabora

import (
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
)

func TestDeploymentReady(t *testing.T) {
	stale := availableDeployment(2)
	stale.Generation = 3
	unavailable := availableDeployment(2)
	unavailable.Status.Conditions[0].Status = corev1.ConditionFalse
	rolling := availableDeployment(2)
	rolling.Status.UpdatedReplicas = 1

	cases := map[string]struct {
		reason   string
		observed []runtime.Object
		want     int32
		ready    resource.Ready
	}{
		"NotObserved": {
			reason: "A Deployment that does not exist yet is not ready.",
			want:   1,
			ready:  resource.ReadyFalse,
		},
		"Available": {
			reason:   "A rolled out Deployment with every replica available is ready.",
			observed: []runtime.Object{as(ResourceDeployment, availableDeployment(2))},
			want:     2,
			ready:    resource.ReadyTrue,
		},
		"ScalingUp": {
			reason:   "Fewer available replicas than the claim wants is not ready.",
			observed: []runtime.Object{as(ResourceDeployment, availableDeployment(2))},
			want:     3,
			ready:    resource.ReadyFalse,
		},
		"Stale": {
			reason:   "A status of an older generation says nothing about the current spec.",
			observed: []runtime.Object{as(ResourceDeployment, stale)},
			want:     2,
			ready:    resource.ReadyFalse,
		},
		"RollingOut": {
			reason:   "A Deployment still replacing old pods is not ready.",
			observed: []runtime.Object{as(ResourceDeployment, rolling)},
			want:     2,
			ready:    resource.ReadyFalse,
		},
		"Unavailable": {
			reason:   "A Deployment whose Available condition is false is not ready.",
			observed: []runtime.Object{as(ResourceDeployment, unavailable)},
			want:     2,
			ready:    resource.ReadyFalse,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := deploymentReady(request(t, minimal, tc.observed...), tc.want)
			if err != nil {
				t.Fatalf("%s\ndeploymentReady(...): %v", tc.reason, err)
			}
			if got != tc.ready {
				t.Errorf("%s\ndeploymentReady(...): got %s, want %s", tc.reason, got, tc.ready)
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
			in:     defaultResources(),
			want: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: apiresource.MustParse("1800m"), corev1.ResourceMemory: apiresource.MustParse("2Gi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: apiresource.MustParse("2Gi")},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, requirements(tc.in), cmpOpts...); diff != "" {
				t.Errorf("%s\nrequirements(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
