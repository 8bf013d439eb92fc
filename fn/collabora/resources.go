package collabora

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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
