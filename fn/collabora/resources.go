package collabora

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Error strings.
const errQuantity = "must be a quantity such as 500m, 2 or 2Gi"

// checkQuantities names the field of a malformed quantity. Decoding the
// composite into its typed struct would fail on it too, but without saying
// which field.
func checkQuantities(xr map[string]any) error {
	for _, kind := range []string{"requests", "limits"} {
		for _, name := range []string{"cpu", "memory"} {
			path := []string{"spec", "parameters", "resources", kind, name}
			v, ok, _ := unstructured.NestedFieldNoCopy(xr, path...)
			if !ok || v == nil {
				continue
			}
			var s string
			switch q := v.(type) {
			case string:
				s = q
			case int64, float64:
				s = fmt.Sprint(q)
			default:
				return compose.InvalidField(fieldResources+"."+kind+"."+name, errQuantity)
			}
			if _, err := resource.ParseQuantity(s); err != nil {
				return compose.InvalidField(fieldResources+"."+kind+"."+name, errQuantity)
			}
		}
	}
	return nil
}

// requirements turns the claim's resources into the container's.
func requirements(r common.Resources) corev1.ResourceRequirements {
	list := func(l *common.ResourceList) corev1.ResourceList {
		if l == nil || (l.CPU == nil && l.Memory == nil) {
			return nil
		}
		out := corev1.ResourceList{}
		if l.CPU != nil {
			out[corev1.ResourceCPU] = l.CPU.DeepCopy()
		}
		if l.Memory != nil {
			out[corev1.ResourceMemory] = l.Memory.DeepCopy()
		}
		return out
	}
	return corev1.ResourceRequirements{Requests: list(r.Requests), Limits: list(r.Limits)}
}
