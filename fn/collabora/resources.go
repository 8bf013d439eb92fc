package collabora

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Default resources; they match the +kubebuilder:default marker of
// v1alpha1.CollaboraParameters.Resources.
const (
	DefaultCPU    = "1800m"
	DefaultMemory = "2Gi"
)

// Error strings.
const (
	errNegative  = "must not be negative"
	errOverLimit = "request %s is more than limit %s"
	errQuantity  = "must be a quantity such as 500m, 2 or 2Gi"
)

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

// defaultResources are what Collabora documents for one server: about 1.8
// CPU and 2 GiB. No CPU limit: throttling makes typing lag.
func defaultResources() common.Resources {
	cpu := resource.MustParse(DefaultCPU)
	mem := resource.MustParse(DefaultMemory)
	limit := mem.DeepCopy()
	return common.Resources{
		Requests: &common.ResourceList{CPU: &cpu, Memory: &mem},
		Limits:   &common.ResourceList{Memory: &limit},
	}
}

// checkResources catches what the API server would reject on the Deployment
// (negative amounts, a request over its limit), naming the claim's field.
func checkResources(r common.Resources) error {
	type amount struct {
		field        string
		request, max *resource.Quantity
	}
	var req, lim common.ResourceList
	if r.Requests != nil {
		req = *r.Requests
	}
	if r.Limits != nil {
		lim = *r.Limits
	}
	for _, a := range []amount{
		{field: "cpu", request: req.CPU, max: lim.CPU},
		{field: "memory", request: req.Memory, max: lim.Memory},
	} {
		if a.request != nil && a.request.Sign() < 0 {
			return compose.InvalidField(fieldResources+".requests."+a.field, errNegative)
		}
		if a.max != nil && a.max.Sign() < 0 {
			return compose.InvalidField(fieldResources+".limits."+a.field, errNegative)
		}
		if a.request != nil && a.max != nil && a.request.Cmp(*a.max) > 0 {
			return compose.InvalidField(fieldResources+".requests."+a.field, errOverLimit, a.request.String(), a.max.String())
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
