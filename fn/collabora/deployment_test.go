package collabora

import (
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
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
