package compose

import "k8s.io/apimachinery/pkg/api/resource"

const errShrink = "cannot shrink the volume from %s to %s: Kubernetes volumes can only grow (PersistentVolumeClaim spec.resources.requests.storage)"

// CheckGrow refuses a volume size smaller than the observed one, for every
// kind the same way: the API server would reject the shrunk claim on every
// apply, and keeping the old size silently would hide what the claim asks.
// path names the claim field.
func CheckGrow(path string, was, is resource.Quantity) error {
	if is.Cmp(was) < 0 {
		return InvalidField(path, errShrink, was.String(), is.String())
	}
	return nil
}
