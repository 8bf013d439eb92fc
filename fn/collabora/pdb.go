package collabora

import (
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/fn/compose"
)

// podDisruptionBudget returns a PodDisruptionBudget that lets a node drain
// evict one replica at a time, or nil for a single replica: a budget there
// would block node drains forever.
func podDisruptionBudget(req *compose.Request, p params, n names) *policyv1.PodDisruptionBudget {
	if p.Replicas <= 1 {
		return nil
	}
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: policyv1.SchemeGroupVersion.String(), Kind: "PodDisruptionBudget"},
		ObjectMeta: req.ObjectMeta(n.base, App, componentPod),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: podLabels(req)},
		},
	}
}
